import { z } from 'zod';
import type { GitHostCredentials } from '../git-host/startup.ts';

const optionalText = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string())
  .optional()
  .transform((s) => (s === '' ? undefined : s));

/** The environment variables the server reads; secrets live only here, never in the config file. */
export const EnvSchema = z
  .object({
    /** Token for the Git host (classic: `repo` scope; fine-grained: Issues + Contents read/write, Metadata read). */
    GITHUB_TOKEN: optionalText,
    /** GitHub App id, to act as an App installation instead of a token. @example "123456" */
    GITHUB_APP_ID: optionalText.pipe(z.string().regex(/^\d+$/, 'must be the numeric App id shown on the App settings page').optional()),
    /** The App's private key (PEM); `\n` escapes are turned into newlines. */
    GITHUB_APP_PRIVATE_KEY: optionalText.transform((s) => s?.replace(/\\n/g, '\n')),
    /** The installation id of the App on the ticket repository's account. @example "7654321" */
    GITHUB_APP_INSTALLATION_ID: optionalText.pipe(z.string().regex(/^\d+$/, 'must be the numeric installation id (from the installation URL)').optional()),
    /** Client id of a GitHub OAuth App (or GitHub App) for "Sign in with GitHub" on the staff pages. */
    GITHUB_OAUTH_CLIENT_ID: optionalText,
    /** Client secret of the same OAuth client. */
    GITHUB_OAUTH_CLIENT_SECRET: optionalText,
    /** Secret that signs the Git host's webhooks (`X-Hub-Signature-256`). */
    WEBHOOK_SECRET: optionalText,
    /** Key for sessions, magic links and sealing customer emails on public repositories; at least 32 characters. */
    SESSION_SECRET: optionalText.pipe(z.string().min(32, 'must be at least 32 characters; generate one with `openssl rand -hex 32`').optional()),
    /** Dedicated key for sealing customer emails; defaults to a key derived from SESSION_SECRET. */
    EMAIL_ENCRYPTION_KEY: optionalText.pipe(z.string().min(32, 'must be at least 32 characters; generate one with `openssl rand -hex 32`').optional()),
    /** SMTP server for mail, e.g. `smtps://user:pass@smtp.example.com`; unset writes `.eml` files to the data folder. */
    SMTP_URL: optionalText.pipe(z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional()),
    /** PostgreSQL for the state store, e.g. `postgres://helpdesk:…@db.example.com:5432/helpdesk` (several server processes share it); unset keeps it in SQLite under DATA_DIR. */
    DATABASE_URL: optionalText.pipe(z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional()),
    /** Days the outbox keeps delivered entries (what says "this was filed, as issue #n") before deleting them; ticket references stay. @default "30" */
    OUTBOX_RETENTION_DAYS: optionalText.pipe(z.string().regex(/^\d+$/, 'must be a whole number of days, e.g. 30').transform(Number).optional()).transform((n) => n ?? 30),
    /** Folder for local state: the SQLite store (unless DATABASE_URL), embedded issue host, mail. @default "data" */
    DATA_DIR: optionalText.transform((s) => s ?? 'data'),
    /** Interface the site listens on (read by the Node adapter); the embedded issue host sends its webhooks there, and mail links while `siteUrl` is unset. @default "localhost" */
    HOST: optionalText,
    /** Port the site listens on (read by the Node adapter). @default "4321" */
    PORT: optionalText.pipe(
      z.string().regex(/^\d+$/, 'must be a port number between 0 and 65535').transform(Number).pipe(z.number().max(65535, 'must be a port number between 0 and 65535')).optional(),
    ),
    /** Port of the embedded local issue host; unset picks a free port. @example "4500" */
    LOCAL_HOST_PORT: optionalText.pipe(
      z.string().regex(/^\d+$/, 'must be a port number between 0 and 65535').transform(Number).pipe(z.number().max(65535, 'must be a port number between 0 and 65535')).optional(),
    ),
    /** Tests only: a file holding the time the server takes as now (ISO instant); moving it moves the server's clock. Never set it in production. */
    HELPDESK_TEST_CLOCK_FILE: optionalText,
  })
  .superRefine((env, ctx) => {
    const app = [env.GITHUB_APP_ID, env.GITHUB_APP_PRIVATE_KEY, env.GITHUB_APP_INSTALLATION_ID];
    const set = app.filter((v) => v !== undefined).length;
    if (set > 0 && set < 3) {
      const missing = (['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_APP_INSTALLATION_ID'] as const).filter((k) => env[k] === undefined);
      ctx.addIssue({
        code: 'custom',
        path: [missing[0] ?? 'GITHUB_APP_ID'],
        message: `is missing; a GitHub App needs all three of GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID (missing: ${missing.join(', ')})`,
      });
    }
    if (set === 3 && env.GITHUB_TOKEN !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['GITHUB_TOKEN'], message: 'is set together with the GitHub App variables; set either GITHUB_TOKEN or the three GITHUB_APP_* variables, not both' });
    }
  });

export type Env = z.output<typeof EnvSchema>;

/** Environment variables the server cannot start with; the message names each variable and the fix. */
export class EnvError extends Error {
  override name = 'EnvError';
}

/** Validates an environment (pure; tests pass their own object). */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${String(issue.path[0] ?? '(environment)')}: ${issue.message}`);
    throw new EnvError(`environment has ${lines.length} problem(s):\n${lines.join('\n')}\nSee .env.example for every variable.`);
  }
  return result.data;
}

let parsed: Env | undefined;

/** The process environment, parsed once; the only reader of `process.env`. */
export function loadEnv(): Env {
  parsed ??= parseEnv(process.env);
  return parsed;
}

/** Picks the credentials from a parsed environment. */
export function envToCredentials(env: Env): GitHostCredentials {
  if (env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY && env.GITHUB_APP_INSTALLATION_ID) {
    return { kind: 'app', appId: Number(env.GITHUB_APP_ID), privateKey: env.GITHUB_APP_PRIVATE_KEY, installationId: Number(env.GITHUB_APP_INSTALLATION_ID) };
  }
  if (env.GITHUB_TOKEN) return { kind: 'token', token: env.GITHUB_TOKEN };
  return { kind: 'none' };
}
