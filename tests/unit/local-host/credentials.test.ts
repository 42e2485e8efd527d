// The embedded host's credentials: generated per installation (never the tokens published in the source),
// kept in the data folder at mode 0600 and reused, and required by the admin endpoints.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNTS, maskToken, PUBLISHED_TOKENS, startLocalHost, type LocalHost } from '../../../src/local-host/index.ts';
import { tempDir, TEST_USERS } from '../../helpers/local-host.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

/** A host started the way `npm start` and `npm run local-host` start it: no token table given. */
async function installation(): Promise<{ dir: string; start: () => Promise<LocalHost> }> {
  const { dir, remove } = await tempDir('credentials-');
  const hosts: LocalHost[] = [];
  cleanup.push(async () => {
    for (const host of hosts) await host.close();
    await remove();
  });
  return {
    dir,
    start: async () => {
      const host = await startLocalHost({ dataDir: dir });
      hosts.push(host);
      return host;
    },
  };
}

const request = (host: LocalHost, path: string, token?: string, init: RequestInit = {}) =>
  fetch(`${host.url}${path}`, { ...init, headers: { ...(token === undefined ? {} : { authorization: `token ${token}` }), 'content-type': 'application/json' } });

const tokensOf = (host: LocalHost) => Object.fromEntries(host.users.map((u) => [u.login, u.token]));

describe('tokens of a host started without a token table', () => {
  it('are generated per installation: two fresh data folders get different tokens, none of them published', async () => {
    const a = await (await installation()).start();
    const b = await (await installation()).start();
    expect(a.users.map((u) => u.login)).toEqual(DEFAULT_ACCOUNTS.map((u) => u.login));
    for (const user of a.users) {
      expect(user.token).not.toBe(tokensOf(b)[user.login]);
      expect(PUBLISHED_TOKENS.has(user.token)).toBe(false);
      expect(user.token.length).toBeGreaterThanOrEqual(40);
    }
    expect(a.adminToken).not.toBe(b.adminToken);
    expect(new Set([a.adminToken, ...a.users.map((u) => u.token)]).size).toBe(a.users.length + 1);
  });

  it('are kept in DATA_DIR/tokens.json at mode 0600 and reused after a restart', async () => {
    const { dir, start } = await installation();
    const first = await start();
    const tokens = tokensOf(first);
    const admin = first.adminToken;
    const file = join(dir, 'tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ admin, users: expect.arrayContaining([expect.objectContaining({ login: 'support-anna', token: tokens['support-anna'] })]) });
    await first.close();

    const second = await start();
    expect(tokensOf(second)).toEqual(tokens);
    expect(second.adminToken).toBe(admin);
    expect((await request(second, '/user', tokens['support-anna'])).status).toBe(200);
  });

  it('refuse the default tokens published in earlier releases', async () => {
    const host = await (await installation()).start();
    for (const token of ['local-bot-token', 'local-owner-token', 'local-staff-anna', ...PUBLISHED_TOKENS]) {
      expect((await request(host, '/user', token)).status, token).toBe(401);
      expect((await request(host, '/repos/local/support/issues', token, { method: 'POST', body: JSON.stringify({ title: 'Reply from Anna', body: 'phish' }) })).status, token).toBe(401);
    }
    const bot = tokensOf(host)['helpdesk-bot']!;
    expect((await (await request(host, '/user', bot)).json()) as unknown).toMatchObject({ login: 'helpdesk-bot' });
  });

  it('replace published tokens an earlier release wrote into the token file, and add an admin token', async () => {
    const { dir, start } = await installation();
    // An installation of an earlier release: a bare array with the published table, readable by all.
    writeFileSync(join(dir, 'tokens.json'), JSON.stringify([...TEST_USERS, { login: 'own-user', token: 'an-operator-chosen-token', permission: 'read' }]), { mode: 0o644 });
    const host = await start();
    const tokens = tokensOf(host);
    expect(Object.keys(tokens)).toEqual([...TEST_USERS.map((u) => u.login), 'own-user']);
    for (const user of host.users) expect(PUBLISHED_TOKENS.has(user.token), user.login).toBe(false);
    // A token the operator chose themselves stays.
    expect(tokens['own-user']).toBe('an-operator-chosen-token');
    expect((await request(host, '/user', 'local-staff-anna')).status).toBe(401);
    const stored = JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8')) as { admin: string; users: Array<{ login: string; token: string }> };
    expect(stored.admin).toBe(host.adminToken);
    expect(stored.users.find((u) => u.login === 'support-anna')?.token).toBe(tokens['support-anna']);
    expect(statSync(join(dir, 'tokens.json')).mode & 0o777).toBe(0o600);
  });

  it('are shown only by prefix', () => {
    expect(maskToken('local-bot-0123456789abcdef0123456789abcdef0123a1b2')).toBe('local-bot-…a1b2');
    expect(maskToken('local-admin-ffffffffffffffffffffffffffffffffffff9c3d')).toBe('local-admin-…9c3d');
    expect(maskToken('short-token')).toBe('…');
  });
});

describe('admin endpoints', () => {
  it('refuse a request without a token (401) or with a wrong one (401, a user token 403), and work with the admin token', async () => {
    const host = await (await installation()).start();
    const put = (token?: string) => request(host, '/_admin/faults', token, { method: 'PUT', body: JSON.stringify({ serverError: { rate: 1 } }) });

    expect((await put()).status).toBe(401);
    expect((await request(host, '/_admin/faults')).status).toBe(401);
    expect((await put('not-the-admin-token')).status).toBe(401);
    expect((await put('local-owner-token')).status).toBe(401);
    expect((await put(tokensOf(host)['local']!)).status).toBe(403);
    expect((await put(tokensOf(host)['helpdesk-bot']!)).status).toBe(403);
    expect(host.faults().serverError).toBeUndefined();
    // The desk still works: nobody took it down.
    expect((await request(host, '/user', tokensOf(host)['helpdesk-bot'])).status).toBe(200);

    const switched = await put(host.adminToken);
    expect(switched.status).toBe(200);
    expect(host.faults().serverError?.rate).toBe(1);
    expect((await request(host, '/_admin/faults', host.adminToken)).status).toBe(200);
    expect((await request(host, '/_admin/other', host.adminToken)).status).toBe(404);
    expect((await request(host, '/_admin/faults', host.adminToken, { method: 'PUT', body: '{}' })).status).toBe(200);
    expect(host.faults().serverError).toBeUndefined();
  });
});
