import { z } from 'zod';

/** A GitHub OAuth App (or GitHub App user-to-server) client for staff sign-in. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** Web origin of the host: https://github.com, `https://<tenant>.ghe.com`, or the GitHub Enterprise Server origin (webOriginFor). */
  webOrigin: string;
  /** REST API base URL of the same host. */
  apiBaseUrl: string;
}

/** The web origin that serves `/login/oauth/*` for an API base URL (github.com, GHE.com, GitHub Enterprise Server). */
export { webOriginFor } from './web-origin.ts';

/** Where to send a member of staff to approve the sign-in. No scope: reading who they are needs none. */
export function authorizeUrl(client: OAuthClient, redirectUri: string, state: string): string {
  const url = new URL('/login/oauth/authorize', client.webOrigin);
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  url.searchParams.set('allow_signup', 'false');
  return url.href;
}

const TokenSchema = z.object({ access_token: z.string().min(1) });
const UserSchema = z.object({ login: z.string().min(1) });

/** Thrown when the host refuses the sign-in; the message says why, for the sign-in page. */
export class OAuthError extends Error {
  override name = 'OAuthError';
}

/**
 * Exchanges the code GitHub sent back for the user's login. The user's token is used once, to ask
 * who they are, and is not kept.
 */
export async function loginFromCode(client: OAuthClient, code: string, redirectUri: string, fetcher: typeof fetch = fetch): Promise<string> {
  const tokenResponse = await fetcher(new URL('/login/oauth/access_token', client.webOrigin), {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_id: client.clientId, client_secret: client.clientSecret, code, redirect_uri: redirectUri }),
    signal: AbortSignal.timeout(10_000),
  });
  const token = TokenSchema.safeParse(await tokenResponse.json().catch(() => undefined));
  if (!tokenResponse.ok || !token.success) throw new OAuthError('GitHub did not accept the sign-in. Try again.');
  const userResponse = await fetcher(new URL(`${client.apiBaseUrl.replace(/\/$/, '')}/user`), {
    headers: { Accept: 'application/vnd.github+json', Authorization: `Bearer ${token.data.access_token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const user = UserSchema.safeParse(await userResponse.json().catch(() => undefined));
  if (!userResponse.ok || !user.success) throw new OAuthError('GitHub did not say who you are. Try again.');
  return user.data.login;
}
