// What the outbox does with each kind of Git host answer, with the production client settings (GitHub's pacing,
// retries and timeouts as in production) and a fake clock shared by the client and the outbox, so a minute's
// rate-limit wait takes no time.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FaultsInput } from '../../../src/local-host/index.ts';
import { openOutbox, type Outbox } from '../../../src/outbox/index.ts';
import { freshStore } from '../../helpers/store.ts';
import { PRODUCTION_TUNING, startTestHost, TEST_USERS, TOKENS, type TestHost } from '../../helpers/local-host.ts';

const run = promisify(execFile);
const quiet = { warn: () => {}, info: () => {} };
const READ_GRANT_TOKEN = 'local-read-grant-token';
let t: TestHost;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  t = await startTestHost({ users: [...TEST_USERS, { login: 'read-grant-bot', token: READ_GRANT_TOKEN, association: 'COLLABORATOR', permission: 'write', tokenGrants: 'read' }] });
});
afterEach(async () => {
  t.local.setFaults({});
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => t.stop());

type Store = Awaited<ReturnType<typeof freshStore>>;

/** An outbox on a fresh store and a production-tuned adapter, both on one clock the test moves. */
async function setUp(options: { token?: string } = {}): Promise<{ outbox: Outbox; store: Store; clock: { now: number }; another: () => Promise<Outbox> }> {
  const store = await freshStore();
  cleanups.push(() => store.remove());
  const clock = { now: Date.now() };
  const open = async () => {
    const host = t.adapter({ ...PRODUCTION_TUNING, now: () => clock.now, ...options });
    const outbox = await openOutbox({ database: store.database, host, now: () => clock.now, log: quiet });
    cleanups.push(() => outbox.close());
    return outbox;
  };
  return { outbox: await open(), store, clock, another: open };
}

/** How many requests the host refused for credentials or access since a mark. */
function refusedSince(mark: number): number {
  return t.local.requests.slice(mark).filter((r) => r.status === 401 || r.status === 403).length;
}

/** Requests the host answered since a mark, as "METHOD path status". */
function since(mark: number, path: RegExp): string[] {
  return t.local.requests
    .slice(mark)
    .filter((r) => path.test(r.path.split('?')[0] ?? ''))
    .map((r) => `${r.method} ${r.status}`);
}

async function issuesTitled(title: string): Promise<number> {
  const list = await t.raw(TOKENS.owner, 'GET', '/repos/local/support/issues?state=all&per_page=100');
  return list.body.filter((i: { title: string }) => i.title === title).length;
}

/** `npm run outbox` against a store. */
function cli(store: Store, args: string[]) {
  const script = join(import.meta.dirname, '../../../scripts/outbox.ts');
  return run(process.execPath, [script, ...args], { env: { ...process.env, DATA_DIR: store.dataDir, DATABASE_URL: store.databaseUrl ?? '' } });
}

describe.each<{ answer: string; limit: NonNullable<FaultsInput['secondaryRateLimit']> }>([
  { answer: '403 with retry-after: 60', limit: { status: 403, retryAfter: 60 } },
  { answer: '403 without retry-after', limit: { status: 403, retryAfter: null } },
  { answer: '429 with retry-after: 60', limit: { status: 429, retryAfter: 60 } },
  { answer: '429 without retry-after', limit: { status: 429, retryAfter: null } },
])('a secondary rate limit answered $answer', ({ answer, limit }) => {
  it('pauses every outbox on the store for the minute, then sends the write once', async () => {
    const { outbox, clock, another } = await setUp();
    t.local.setFaults({ secondaryRateLimit: { count: 1, ...limit }, methods: ['POST'] });
    const title = `Limited ${answer}`;
    const { ref, entryId } = await outbox.createTicket({ title, body: 'x', labels: [], customerEmail: 'limited@example.com' });
    const mark = t.local.requests.length;
    expect(await outbox.drainOnce()).toBe(0);
    expect(await outbox.get(entryId)).toMatchObject({ status: 'queued', lastError: expect.stringContaining(`answered ${limit.status}`) });
    expect(await outbox.paused()).toMatchObject({ kind: 'rate-limited', until: clock.now + 60_000 });
    expect(await outbox.readTicket(ref)).toMatchObject({ status: 'queued', poisoned: false });

    // Nobody writes during the minute: not this outbox, not another process's.
    clock.now += 59_000;
    expect(await outbox.drainOnce()).toBe(0);
    expect(await (await another()).drainOnce()).toBe(0);
    expect(since(mark, /\/issues$/)).toEqual([`POST ${limit.status}`]);

    clock.now += 1_000;
    expect(await outbox.drainOnce()).toBe(1);
    // After the wait: the key looked up (the limited attempt never applied), then the one write.
    expect(since(mark, /\/issues$/)).toEqual([`POST ${limit.status}`, 'GET 200', 'POST 201']);
    expect(await issuesTitled(title)).toBe(1);
    expect(await outbox.get(entryId)).toMatchObject({ status: 'done' });
    expect(await outbox.paused()).toBeUndefined();
  });
});

describe.each<{ refusal: string; token?: string; faults?: FaultsInput; reason: RegExp }>([
  { refusal: 'credentials rejected (401)', token: 'local-wrong-token', reason: /answered 401/ },
  { refusal: 'SAML single sign-on not authorised (403)', faults: { repositories: { 'local/support': { ssoRequired: true } } }, reason: /single sign-on/ },
  { refusal: 'an archived repository (403)', faults: { repositories: { 'local/support': { archived: true } } }, reason: /archived/ },
  { refusal: 'a token granted read only (403)', token: READ_GRANT_TOKEN, reason: /answered 403/ },
])('$refusal', ({ token, faults, reason }) => {
  it('pauses all writes for an operator, poisons no entry, and tries one entry a minute', async () => {
    const { outbox, clock } = await setUp(token ? { token } : {});
    if (faults) t.local.setFaults(faults);
    const entries = [
      (await outbox.createTicket({ title: 'Held 1', body: 'x', labels: [], customerEmail: 'held@example.com' })).entryId,
      (await outbox.createTicket({ title: 'Held 2', body: 'x', labels: [], customerEmail: 'held@example.com' })).entryId,
    ];
    const mark = t.local.requests.length;
    expect(await outbox.drainOnce()).toBe(0);
    const pause = await outbox.paused();
    expect(pause).toMatchObject({ kind: 'operator', until: clock.now + 60_000 });
    expect(pause?.reason).toMatch(reason);
    // One entry was tried (whichever of its requests was refused); the other was held back.
    expect(refusedSince(mark)).toBe(1);

    clock.now += 60_000;
    expect(await outbox.drainOnce()).toBe(0);
    // The minute's try: one entry, refused again, the pause renewed.
    expect(refusedSince(mark)).toBe(2);
    expect(await outbox.paused()).toMatchObject({ kind: 'operator', until: clock.now + 60_000 });
    for (const id of entries) expect((await outbox.get(id))?.status).toBe('queued');
  });
});

describe('a refusal an operator fixes', () => {
  it('shows in `npm run outbox`, and writes resume by hand, the held entries delivered', async () => {
    const { outbox, store } = await setUp();
    t.local.setFaults({ repositories: { 'local/support': { archived: true } } });
    const { entryId } = await outbox.createTicket({ title: 'Fixed by hand', body: 'x', labels: [], customerEmail: 'fixed@example.com' });
    expect(await outbox.drainOnce()).toBe(0);
    const status = await cli(store, ['status']);
    expect(status.stdout).toMatch(/^writes PAUSED since .+, waiting for an operator .+ archived/m);
    expect(status.stdout).toMatch(/^1 queued, 0 poisoned$/m);
    t.local.setFaults({});
    expect((await cli(store, ['resume'])).stdout).toMatch(/writes resumed/);
    expect(await outbox.drainOnce()).toBe(1);
    expect(await outbox.get(entryId)).toMatchObject({ status: 'done' });
    expect((await cli(store, ['status'])).stdout).toMatch(/^writes flowing; 0 queued, 0 poisoned$/m);
  });

  it('resumes on its own once the minute’s try goes through', async () => {
    const { outbox, clock } = await setUp();
    t.local.setFaults({ repositories: { 'local/support': { ssoRequired: true } } });
    const { entryId } = await outbox.createTicket({ title: 'Fixed at the next try', body: 'x', labels: [], customerEmail: 'fixed@example.com' });
    expect(await outbox.drainOnce()).toBe(0);
    t.local.setFaults({});
    clock.now += 60_000;
    expect(await outbox.drainOnce()).toBe(1);
    expect(await outbox.get(entryId)).toMatchObject({ status: 'done' });
    expect(await outbox.paused()).toBeUndefined();
  });
});

describe('a contents write that lost a race (409)', () => {
  it('is retried after a backoff, never poisoned', async () => {
    const { outbox, clock } = await setUp();
    const { entryId } = await outbox.createTicket({ title: 'With a file', body: 'x', labels: [], files: [{ filename: 'race.txt', content: Buffer.from('race') }] });
    t.local.setFaults({ contentsConflict: { count: 1 } });
    expect(await outbox.drainOnce()).toBe(0);
    const [upload] = await outbox.list();
    expect(upload).toMatchObject({ status: 'queued', entry: { kind: 'uploadAttachment' }, lastError: expect.stringContaining('answered 409') });
    expect(await outbox.paused()).toBeUndefined();
    clock.now += 2_000;
    await outbox.drainOnce();
    await outbox.drainOnce();
    expect(await outbox.get(entryId)).toMatchObject({ status: 'done' });
    expect(await outbox.list(['poisoned'])).toEqual([]);
  });
});

describe('a ticket deleted on the host', () => {
  it('shows as removed, and a reply to it is kept as poisoned with the reason', async () => {
    const { outbox, clock } = await setUp();
    const { ref } = await outbox.createTicket({ title: 'Deleted later', body: 'x', labels: [], customerEmail: 'gone@example.com' });
    expect(await outbox.drainOnce()).toBe(1);
    const number = (await outbox.resolve(ref)) as number;
    t.local.setFaults({ deletedIssues: [number] });
    // No webhook here to say so: the ticket cached since its creation is read again once the cache's 60 s are over.
    clock.now += 60_000;
    expect(await outbox.readTicket(ref)).toEqual({ status: 'removed', ref, number, customerEmail: 'gone@example.com' });
    const { entryId } = await outbox.addComment(ref, { body: 'hello?', customerEmail: 'gone@example.com' });
    expect(await outbox.drainOnce()).toBe(1);
    expect(await outbox.get(entryId)).toMatchObject({ status: 'poisoned', hostStatus: 410, lastError: expect.stringContaining('deleted') });
    expect(await outbox.paused()).toBeUndefined();
  });
});
