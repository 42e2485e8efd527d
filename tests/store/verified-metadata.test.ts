// The memory of each body's last verified metadata, kept in the store (SQLite by default, PostgreSQL with
// STORE_ENGINE=postgres): what keeps a ticket its customer when someone with write access edits the block on the
// host, across restarts and instances, while the process holds only a bounded number of bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoredMetadataMemory } from '../../src/store/verified-metadata.ts';
import type { TicketMetadata } from '../../src/tickets/metadata.ts';
import { startTestHost, TOKENS, type TestHost } from '../helpers/local-host.ts';
import { freshStore } from '../helpers/store.ts';

let store: Awaited<ReturnType<typeof freshStore>>;
beforeAll(async () => {
  store = await freshStore();
});
afterAll(async () => {
  await store.remove();
});

const meta = (key: string, customer: string): TicketMetadata => ({ kind: 'ticket', key, customer: { id: customer } });
const quiet = { warn: () => {} };

describe('the stored metadata memory', () => {
  it('gives what one process remembered to another that loads it (a restart, a second instance)', async () => {
    const first = createStoredMetadataMemory(store.database, { log: quiet });
    await first.load(['issue:1', 'issue:2']);
    first.remember('issue:1', meta('k-1', 'c-alice'));
    await first.flushed();

    const second = createStoredMetadataMemory(store.database, { log: quiet });
    expect(second.recall('issue:1')).toBeUndefined();
    await second.load(['issue:1', 'issue:2']);
    expect(second.recall('issue:1')).toEqual(meta('k-1', 'c-alice'));
    expect(second.recall('issue:2')).toBeUndefined();

    // The newer value replaces the row.
    second.remember('issue:1', meta('k-1', 'c-bob'));
    await second.flushed();
    const third = createStoredMetadataMemory(store.database, { log: quiet });
    await third.load(['issue:1']);
    expect(third.recall('issue:1')).toEqual(meta('k-1', 'c-bob'));
  });

  it('reports a rejected body version once, whichever process reads it', async () => {
    const one = createStoredMetadataMemory(store.database, { log: quiet });
    await one.load(['comment:7']);
    one.remember('comment:7', meta('k-7', 'c-alice'));
    expect(one.firstRejection('comment:7', 'v-a')).toBe(true);
    expect(one.firstRejection('comment:7', 'v-a')).toBe(false);
    await one.flushed();

    const other = createStoredMetadataMemory(store.database, { log: quiet });
    await other.load(['comment:7']);
    expect(other.firstRejection('comment:7', 'v-a')).toBe(false);
    expect(other.firstRejection('comment:7', 'v-b')).toBe(true);
    // A rejection keeps the verified metadata it had.
    expect(other.recall('comment:7')).toEqual(meta('k-7', 'c-alice'));
  });

  it('holds at most `cached` bodies in memory and reads an evicted one again', async () => {
    const writer = createStoredMetadataMemory(store.database, { log: quiet });
    const ids = ['issue:11', 'issue:12', 'issue:13'];
    await writer.load(ids);
    for (const id of ids) writer.remember(id, meta(`k-${id}`, 'c-carol'));
    await writer.flushed();

    const small = createStoredMetadataMemory(store.database, { cached: 2, log: quiet });
    await small.load(ids);
    expect(small.recall('issue:11')).toBeUndefined();
    expect(small.recall('issue:13')).toEqual(meta('k-issue:13', 'c-carol'));
    await small.load(['issue:11']);
    expect(small.recall('issue:11')).toEqual(meta('k-issue:11', 'c-carol'));
  });

  it('forgets a body at once, a change not yet written included (a deleted ticket, an erased customer)', async () => {
    const warnings: string[] = [];
    const memory = createStoredMetadataMemory(store.database, { log: { warn: (m: string) => warnings.push(m) } });
    await memory.load(['issue:31', 'comment:32']);
    memory.remember('issue:31', meta('k-31', 'c-erin'));
    await memory.flushed();
    memory.remember('comment:32', meta('k-32', 'c-erin'));
    memory.forget(['issue:31', 'comment:32']);
    await memory.flushed();
    expect(memory.recall('issue:31')).toBeUndefined();
    expect(memory.recall('comment:32')).toBeUndefined();
    const rows = await store.database.db.selectFrom('verified_metadata').select('id').where('id', 'in', ['issue:31', 'comment:32']).execute();
    // The row written before stays until the ticket's records are deleted (store/privacy.ts); the pending one never lands.
    expect(rows.map((r) => r.id)).toEqual(['issue:31']);
    expect(warnings).toEqual([]);
  });

  it("keeps every body a list of all tickets maps in one turn, past either engine's limit on parameters per statement", async () => {
    const warnings: string[] = [];
    const memory = createStoredMetadataMemory(store.database, { log: { warn: (m: string) => warnings.push(m) } });
    // 12,000 rows of three parameters each: more than SQLite's 32,766 in one statement.
    const ids = Array.from({ length: 12_000 }, (_, i) => `issue:${100_000 + i}`);
    for (const id of ids) memory.remember(id, meta(`k-${id}`, 'c-many'));
    await memory.flushed();
    expect(warnings).toEqual([]);
    const row = await store.database.db
      .selectFrom('verified_metadata')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', 'like', 'issue:1%')
      .where('meta', 'like', '%c-many%')
      .executeTakeFirstOrThrow();
    expect(Number(row.n)).toBe(12_000);
  });

  it('counts a row it cannot parse as nothing known, and replaces it with the next verified value', async () => {
    await store.database.db.insertInto('verified_metadata').values({ id: 'issue:21', meta: '{not json', body_hash: '' }).execute();
    const memory = createStoredMetadataMemory(store.database, { log: quiet });
    await memory.load(['issue:21']);
    expect(memory.recall('issue:21')).toBeUndefined();
    memory.remember('issue:21', meta('k-21', 'c-dan'));
    await memory.flushed();
    const row = await store.database.db.selectFrom('verified_metadata').select('meta').where('id', '=', 'issue:21').executeTakeFirstOrThrow();
    expect(JSON.parse(row.meta)).toEqual(meta('k-21', 'c-dan'));
  });
});

describe('an edited block on the host, with the memory in the store (local host)', () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await startTestHost({ repositories: [{ fullName: 'local/support', private: true }] });
  });
  afterAll(() => t.stop());

  /** An adapter as a (re)started server process makes it: a fresh process memory over the shared store. */
  const adapterAfterRestart = (warnings: string[] = [], memory = createStoredMetadataMemory(store.database, { log: quiet })) =>
    t.adapter({ cacheTtlMs: 0, log: { warn: (m: string) => warnings.push(m), info: () => {} }, metadataMemory: memory });

  async function replaceIssueBlock(n: number, line: string): Promise<void> {
    const issue = await t.raw(TOKENS.owner, 'GET', `/repos/local/support/issues/${n}`);
    const [, ...rest] = (issue.body.body as string).split('\n');
    expect((await t.raw(TOKENS.owner, 'PATCH', `/repos/local/support/issues/${n}`, { body: [line, ...rest].join('\n') })).status).toBe(200);
  }
  const blockOf = async (n: number) => ((await t.raw(TOKENS.owner, 'GET', `/repos/local/support/issues/${n}`)).body.body as string).split('\n')[0] as string;

  it('keeps the verified customer after a restart when the block is replaced or a block of another ticket is pasted in', async () => {
    const memory = createStoredMetadataMemory(store.database, { log: quiet });
    const before = adapterAfterRestart([], memory);
    const mine = await before.createTicket({ title: 'Mine', body: 'mine', labels: [], key: 'key-stored-1', customerEmail: 'alice@example.com' });
    const theirs = await before.createTicket({ title: 'Theirs', body: 'theirs', labels: [], key: 'key-stored-2', customerEmail: 'mallory@example.com' });
    // Read once, as the server reads every ticket it files (the sweep, the read model): now verified and kept.
    await before.listTickets('all');
    await memory.flushed();

    await replaceIssueBlock(mine.number, await blockOf(theirs.number));
    const warnings: string[] = [];
    const after = adapterAfterRestart(warnings);
    expect((await after.getTicket(mine.number, { fresh: true }))?.meta).toMatchObject({ key: 'key-stored-1', customer: { email: 'alice@example.com' } });
    expect(warnings.at(-1)).toMatch(/copied from another body/);
    const mineInList = (await after.listTickets('all')).find((s) => s.number === mine.number);
    expect(mineInList?.meta?.customer?.id).toBe(after.customerId('alice@example.com'));

    await replaceIssueBlock(mine.number, 'Not a block any more');
    expect((await adapterAfterRestart().getTicket(mine.number, { fresh: true }))?.meta?.customer?.email).toBe('alice@example.com');
  });
});
