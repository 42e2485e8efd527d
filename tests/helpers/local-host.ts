import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitHost, type GitHost, type GitHostOptions } from '../../src/git-host/index.ts';
import { startLocalHost, type LocalHost, type LocalHostOptions } from '../../src/local-host/index.ts';

/** Tokens of the local host's default token table, one per role. */
export const TOKENS = {
  bot: 'local-bot-token',
  owner: 'local-owner-token',
  anna: 'local-staff-anna',
  ben: 'local-staff-ben',
  outsider: 'local-outsider',
} as const;

/** The server secret test adapters sign metadata blocks with (a test value, never a real one). */
export const TEST_METADATA_SECRET = 'test-metadata-secret-0123456789abcdef';

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
  const local = await startLocalHost({ dataDir: dir, ...options });
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
