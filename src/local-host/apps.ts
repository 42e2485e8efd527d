import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { components } from '@octokit/openapi-types';
import { z } from 'zod';
import { toSimpleUser, type HostUrls } from './shapes.ts';
import type { LocalUser } from './users.ts';

type Schemas = components['schemas'];

/** A GitHub App the local host knows: it accepts JWTs signed with the App's key and issues installation tokens. */
export const LocalAppSchema = z.strictObject({
  /** The App id (the JWT's `iss`). @example 123456 */
  id: z.number().int().positive(),
  /** The App's slug; its bot user is `<slug>[bot]`. @example "northwind-helpdesk" */
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** The public half of the App's private key (PEM, SPKI or PKCS#1): JWTs must verify against it (RS256). */
  publicKey: z.string().refine((pem) => /-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem), 'must be a PEM public key'),
  /** Where the App is installed: installation id and the account (owner) whose repositories it reaches. @example [{ "id": 7, "account": "local" }] */
  installations: z.array(z.strictObject({ id: z.number().int().positive(), account: z.string().min(1) })).min(1),
  /** Repository permissions granted to the App. @default { "issues": "write", "contents": "write", "metadata": "read" } */
  permissions: z.record(z.string(), z.enum(['read', 'write'])).optional(),
});
export type LocalAppInput = z.input<typeof LocalAppSchema>;
type LocalApp = z.output<typeof LocalAppSchema>;

/** GitHub's documentation link on App authentication answers. */
const DOCS = 'https://docs.github.com/rest/apps/apps';

/** How long an installation token lasts on GitHub (https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation). */
export const INSTALLATION_TOKEN_TTL_MS = 60 * 60 * 1000;
/** The longest JWT lifetime GitHub accepts: `exp` at most 10 minutes after now. */
const JWT_MAX_LIFETIME_S = 600;
/** Clock drift GitHub tolerates on `iat` (the App libraries back-date it by 30 s for the same reason). */
const CLOCK_DRIFT_S = 60;

/** A refusal in the shape the API routes give. */
interface Refusal {
  status: number;
  body: { message: string; documentation_url: string; status: string };
}

const refusal = (status: number, message: string): Refusal => ({ status, body: { message, documentation_url: DOCS, status: String(status) } });

function base64urlJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The GitHub Apps of a local host: checks App JWTs (RS256, against each App's public key, with GitHub's claims
 * rules), answers `GET /app` and `POST /app/installations/{id}/access_tokens`, and knows the installation tokens it
 * issued and when they expire (an hour, like GitHub's). Tokens live in memory: a restarted host forgets them, and
 * clients ask for new ones (as they do on GitHub after a 401).
 */
export class LocalApps {
  private readonly apps: Array<LocalApp & { key: KeyObject; bot: LocalUser }>;
  private readonly tokens = new Map<string, { user: LocalUser; expiresAt: number }>();
  private readonly now: () => number;
  private readonly tokenTtlMs: number;

  constructor(apps: LocalAppInput[], options: { now?: () => number; tokenTtlMs?: number } = {}) {
    this.now = options.now ?? (() => Date.now());
    this.tokenTtlMs = options.tokenTtlMs ?? INSTALLATION_TOKEN_TTL_MS;
    this.apps = z
      .array(LocalAppSchema)
      .parse(apps)
      .map((app, i) => ({
        ...app,
        key: createPublicKey(app.publicKey),
        // The App's bot user: acts for every installation, is no collaborator (so it may not comment on locked issues).
        bot: { login: `${app.slug}[bot]`, token: randomBytes(20).toString('hex'), association: 'NONE', permission: 'write', type: 'Bot', id: 9000 + i },
      }));
  }

  /** The Apps' bot users, for showing them as authors. */
  botUsers(): LocalUser[] {
    return this.apps.map((app) => app.bot);
  }

  /** The installation a token stands for, as a user limited to the installation's account; 'expired' after its hour. */
  userFor(token: string): (LocalUser & { account: string }) | 'expired' | undefined {
    const issued = this.tokens.get(token);
    if (!issued) return undefined;
    if (this.now() >= issued.expiresAt) {
      this.tokens.delete(token);
      return 'expired';
    }
    return issued.user as LocalUser & { account: string };
  }

  /** Whether a bearer credential looks like a JWT (three base64url parts), so `/app` routes and others can tell them apart. */
  static isJwt(token: string): boolean {
    return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
  }

  /** The App a JWT proves to be, or GitHub's refusal (401) with GitHub's wording. */
  verifyJwt(jwt: string): { app: LocalApp & { bot: LocalUser } } | Refusal {
    const [head = '', payload = '', signature = ''] = jwt.split('.');
    const header = base64urlJson(head) as { alg?: unknown } | undefined;
    const claims = base64urlJson(payload) as { iat?: unknown; exp?: unknown; iss?: unknown } | undefined;
    if (!header || !claims || header.alg !== 'RS256') return refusal(401, 'A JSON web token could not be decoded');
    // `iss` is the App id (a number, or its text) or the App's client id; only ids are known here.
    const app = this.apps.find((a) => String(a.id) === String(claims.iss));
    if (!app || !verify('RSA-SHA256', Buffer.from(`${head}.${payload}`), app.key, Buffer.from(signature, 'base64url'))) {
      return refusal(401, 'A JSON web token could not be decoded');
    }
    const nowS = Math.floor(this.now() / 1000);
    if (typeof claims.iat !== 'number' || !Number.isInteger(claims.iat) || claims.iat > nowS + CLOCK_DRIFT_S) {
      return refusal(401, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
    }
    if (typeof claims.exp !== 'number' || claims.exp <= nowS) {
      return refusal(401, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
    }
    if (claims.exp - nowS > JWT_MAX_LIFETIME_S + CLOCK_DRIFT_S) return refusal(401, "'Expiration time' claim ('exp') is too far in the future");
    return { app };
  }

  /** `GET /app`: the authenticated App (`integration`). */
  appJson(urls: HostUrls, app: LocalApp & { bot: LocalUser }): Schemas['integration'] {
    const owner = app.installations[0]?.account ?? 'local';
    return {
      id: app.id,
      slug: app.slug,
      node_id: Buffer.from(`App:${app.id}`).toString('base64url'),
      client_id: `Iv1.${app.id.toString(16).padStart(16, '0')}`,
      owner: toSimpleUser(urls, { login: owner, id: 1, type: 'Organization' }),
      name: app.slug,
      description: null,
      external_url: `${urls.web}/apps/${app.slug}`,
      html_url: `${urls.web}/apps/${app.slug}`,
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      permissions: this.permissionsOf(app),
      events: ['issues', 'issue_comment'],
      installations_count: app.installations.length,
    };
  }

  /** `POST /app/installations/{id}/access_tokens`: a new token for one of the App's installations (404 for another's). */
  createToken(app: LocalApp & { bot: LocalUser }, installationId: number): { status: 201; body: Schemas['installation-token'] } | Refusal {
    const installation = app.installations.find((i) => i.id === installationId);
    if (!installation) return refusal(404, 'Not Found');
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    const expiresAt = this.now() + this.tokenTtlMs;
    const permissions = this.permissionsOf(app);
    // Issues and contents writes need "write"; without it, writes are refused as for a token granted read only.
    const writes = permissions.issues === 'write' && permissions.contents === 'write';
    this.tokens.set(token, { user: { ...app.bot, token, ...(writes ? {} : { tokenGrants: 'read' as const }), account: installation.account } as LocalUser, expiresAt });
    return {
      status: 201,
      body: { token, expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'), permissions, repository_selection: 'all' },
    };
  }

  private permissionsOf(app: LocalApp): Record<string, 'read' | 'write'> {
    return app.permissions ?? { issues: 'write', contents: 'write', metadata: 'read' };
  }
}
