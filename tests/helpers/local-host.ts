import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitHost, type GitHost, type GitHostOptions } from '../../src/git-host/index.ts';
import {
  generateToken,
  loadLocalHostCredentials,
  startLocalHost,
  TOKENS_FILE,
  type LocalAccount,
  type LocalAppInput,
  type LocalHost,
  type LocalHostOptions,
  type LocalUserInput,
} from '../../src/local-host/index.ts';

/**
 * The fixed token table of hosts a test starts itself (startTestHost passes it): the default accounts with
 * test tokens. A host started without a table (the site's, `npm run local-host`) generates its own tokens
 * and refuses these: read that host's tokens with hostTokens.
 */
export const TEST_USERS: LocalUserInput[] = [
  { login: 'helpdesk-bot', token: 'local-bot-token', association: 'COLLABORATOR', permission: 'write', scopes: ['repo'] },
  { login: 'local', token: 'local-owner-token', association: 'OWNER', permission: 'admin', scopes: ['repo', 'admin:org'] },
  { login: 'support-anna', token: 'local-staff-anna', association: 'MEMBER', permission: 'write' },
  { login: 'support-ben', token: 'local-staff-ben', association: 'COLLABORATOR', permission: 'write' },
  { login: 'support-lead', token: 'local-staff-lead', association: 'MEMBER', permission: 'write' },
  { login: 'it-oncall', token: 'local-staff-it', association: 'MEMBER', permission: 'write' },
  { login: 'random-visitor', token: 'local-outsider', association: 'NONE', permission: 'none' },
  { login: 'private-member', token: 'local-private-member', association: 'CONTRIBUTOR', permission: 'write' },
  { login: 'listed-reader', token: 'local-listed-reader', association: 'CONTRIBUTOR', permission: 'read' },
];

/** The admin token (`/_admin/*`) of hosts started by startTestHost. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** Tokens of TEST_USERS, one per role. */
export const TOKENS = {
  bot: 'local-bot-token',
  owner: 'local-owner-token',
  anna: 'local-staff-anna',
  ben: 'local-staff-ben',
  outsider: 'local-outsider',
} as const;

/** The server secret test adapters sign metadata blocks with (a test value, never a real one). */
export const TEST_METADATA_SECRET = 'test-metadata-secret-0123456789abcdef';

/**
 * The client tuning the site runs with (server/composition.ts) on GitHub's pacing (no `intervalsMs`): retries,
 * throttling and timeouts as in production, for tests of rate limits and refusals.
 */
export const PRODUCTION_TUNING = { intervalsMs: undefined, retryBaseMs: 250, requestTimeoutMs: 10_000 } satisfies Partial<GitHostOptions>;

/** A fresh temporary folder, removed by the returned function. */
export async function tempDir(prefix = 'helpdesk-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface TestHost {
  local: LocalHost;
  dataDir: string;
  /** An adapter on the local host, tuned for tests: no pacing between writes, fast retry backoff. */
  adapter(options?: Partial<GitHostOptions> & { token?: string }): GitHost;
  /** Sends a raw request as a user (for playing staff and outsiders). */
  raw(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  /** Stops the host and removes its data, unless `keepData`. */
  stop(keepData?: boolean): Promise<void>;
}

/** Starts a local host on port 0 in a temporary data folder. */
export async function startTestHost(options: Partial<LocalHostOptions> = {}): Promise<TestHost> {
  const { dir, remove } = options.dataDir ? { dir: options.dataDir, remove: async () => {} } : await tempDir('local-host-');
  const local = await startLocalHost({ dataDir: dir, users: TEST_USERS, adminToken: TEST_ADMIN_TOKEN, ...options });
  return {
    local,
    dataDir: dir,
    adapter({ token = TOKENS.bot, ...rest } = {}) {
      return createGitHost({
        baseUrl: local.url,
        auth: { kind: 'token', token },
        repository: 'local/support',
        intervalsMs: { write: 0, notification: 0 },
        retryBaseMs: 10,
        log: { warn: () => {}, info: () => {} },
        metadataSecret: TEST_METADATA_SECRET,
        ...rest,
      });
    },
    async raw(token, method, path, body) {
      const response = await fetch(`${local.url}${path}`, {
        method,
        headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
    async stop(keepData = false) {
      await local.close();
      if (!keepData) await remove();
    },
  };
}

/** Polls a condition until it holds or the deadline passes. */
export async function waitFor<T>(condition: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 20 } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The tokens a host generated in its data folder (a site's is `DATA_DIR/local-host`): a user's by login, the admin token, all of them. */
export function hostTokens(hostDataDir: string): { of(login: string): string; admin: string; all: string[] } {
  const { users, adminToken } = loadLocalHostCredentials(hostDataDir, { create: false });
  return {
    of(login) {
      const user = users.find((u) => u.login === login);
      if (!user) throw new Error(`no ${login} in ${hostDataDir}/${TOKENS_FILE}`);
      return user.token;
    },
    admin: adminToken,
    all: [adminToken, ...users.map((u) => u.token)],
  };
}

/** Generates a host's token file before the host starts (as its first start would), with more accounts added. */
export function provisionHostTokens(hostDataDir: string, extra: LocalAccount[] = []): ReturnType<typeof hostTokens> {
  const { file } = loadLocalHostCredentials(hostDataDir);
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { admin: string; users: unknown[] };
  stored.users.push(...extra.map((account) => ({ ...account, token: generateToken(`local-${account.login}`) })));
  writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  return hostTokens(hostDataDir);
}

/**
 * A GitHub App for a local host: a fresh RSA key pair (the private key in PKCS#1 PEM, as GitHub hands it out), the
 * App as the host's `apps` option takes it, and the adapter's `auth` for its installation on `account`.
 */
export function createTestApp(options: { id?: number; slug?: string; installationId?: number; account?: string } = {}): {
  app: LocalAppInput;
  privateKey: string;
  auth: { kind: 'app'; appId: number; privateKey: string; installationId: number };
} {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
  const id = options.id ?? 4242;
  const installationId = options.installationId ?? 77;
  return {
    app: { id, slug: options.slug ?? 'helpdesk-app', publicKey, installations: [{ id: installationId, account: options.account ?? 'local' }] },
    privateKey,
    auth: { kind: 'app', appId: id, privateKey, installationId },
  };
}
