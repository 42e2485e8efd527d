import { authorizeUrl, loginFromCode, OAuthError, webOriginFor, type OAuthClient } from '../git-host/oauth.ts';
import type { GitHost } from '../git-host/index.ts';
import type { Config } from '../config/config-schema.ts';

/** "Sign in with GitHub" for staff, when an OAuth client is configured and the tickets live on GitHub. */
export interface StaffOAuth {
  authorizeUrl(state: string): string;
  /** The staff login for a returned code; throws OAuthError with a reason for the page. */
  complete(code: string): Promise<string>;
}

export function createStaffOAuth(options: {
  config: Pick<Config, 'gitHost' | 'supporters'>;
  /** The site's origin, as start-up resolved it (site-url.ts): GitHub sends the staff member back there. */
  siteUrl: string;
  clientId: string | undefined;
  clientSecret: string | undefined;
  host: Pick<GitHost, 'hasWriteAccess'>;
}): StaffOAuth | undefined {
  const { config, clientId, clientSecret } = options;
  if (!clientId || !clientSecret || !config.gitHost.baseUrl) return undefined;
  const client: OAuthClient = { clientId, clientSecret, webOrigin: webOriginFor(config.gitHost.baseUrl), apiBaseUrl: config.gitHost.baseUrl };
  const redirectUri = new URL('/staff/oauth/callback', options.siteUrl).href;
  return {
    authorizeUrl: (state) => authorizeUrl(client, redirectUri, state),
    async complete(code) {
      const login = await loginFromCode(client, code, redirectUri);
      // Staff are who the Git host says has write access; the supporter list only routes and names them.
      if (!(await options.host.hasWriteAccess(login).catch(() => false))) {
        throw new OAuthError(`${login} is not staff here: ask for write access to ${config.gitHost.repository}.`);
      }
      return login;
    },
  };
}
