// The outbox's contract on the state store, on whichever engine this run tests (SQLite by default;
// `STORE_ENGINE=postgres TEST_DATABASE_URL=… npx vitest run tests/store/outbox.test.ts` for PostgreSQL).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GitHost } from '../../src/git-host/index.ts';
import { openOutbox, type Outbox, type OutboxOptions } from '../../src/outbox/index.ts';
import type { Database } from '../../src/store/database.ts';
import { freshStore, STORE_ENGINE } from '../helpers/store.ts';
import { startTestHost, TOKENS, waitFor, type TestHost } from '../helpers/local-host.ts';

const quiet = { warn: () => {}, info: () => {} };
let t: TestHost;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  t = await startTestHost();
});
afterEach(async () => {
  t.local.setFaults({});
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => t.stop());

/** A fresh store of the engine under test, removed after the test. */
async function store() {
  const s = await freshStore();
  cleanups.push(() => s.remove());
  return s;
}

/** Another connection to the same store (another "process"), closed after the test. */
async function connect(s: Awaited<ReturnType<typeof store>>): Promise<Database> {
  const database = await s.open();
  cleanups.push(() => database.close());
  return database;
}

async function outboxOn(database: Database, options: Partial<OutboxOptions> = {}): Promise<Outbox> {
  const outbox = await openOutbox({ database, backoff: { baseMs: 10, maxMs: 40 }, pollMs: 20, log: quiet, ...options });
  cleanups.push(() => outbox.close());
  return outbox;
}

async function issuesTitled(prefix: string): Promise<Array<{ number: number; title: string }>> {
  const all: Array<{ number: number; title: string }> = [];
  for (let page = 1; ; page += 1) {
    const list = await t.raw(TOKENS.owner, 'GET', `/repos/local/support/issues?state=all&per_page=100&page=${page}`);
    all.push(...(list.body as Array<{ number: number; title: string }>).filter((i) => i.title.startsWith(prefix)));
    if (list.body.length < 100) return all;
  }
}

const unique = (name: string) => `${name} ${Math.random().toString(36).slice(2, 8)}`;

/** Counts how often each write was sent and how many writes of one ticket were in flight at once (across instances). */
interface SendStats {
  sends: Map<string, number>;
  inFlight: Map<string, number>;
  maxPerTicket: number;
  byInstance: Map<string, number>;
}
const newStats = (): SendStats => ({ sends: new Map(), inFlight: new Map(), maxPerTicket: 0, byInstance: new Map() });

/** The test host's adapter, slowed a little and watched: which writes were sent, by whom, and how many per ticket at once. */
function watchedHost(stats: SendStats, instance: string): GitHost {
  const host = t.adapter();
  return new Proxy(host, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop !== 'createTicket' && prop !== 'addComment' && prop !== 'uploadAttachment') return value.bind(target);
      return async (...args: unknown[]) => {
        const [first, second] = args as [{ ref?: string; key?: string; path?: string } | number, { ref?: string; key: string } | undefined];
        const [ticket, key] =
          prop === 'addComment'
            ? [second?.ref ?? `#${String(first)}`, second?.key]
            : prop === 'createTicket'
              ? [(first as { ref: string }).ref, (first as { key: string }).key]
              : [String((first as { path: string }).path).split('/')[1], (first as { path: string }).path];
        if (ticket === undefined || key === undefined) throw new Error(`cannot tell the ticket of ${String(prop)}`);
        stats.sends.set(key, (stats.sends.get(key) ?? 0) + 1);
        stats.byInstance.set(instance, (stats.byInstance.get(instance) ?? 0) + 1);
        const now = (stats.inFlight.get(ticket) ?? 0) + 1;
        stats.inFlight.set(ticket, now);
        stats.maxPerTicket = Math.max(stats.maxPerTicket, now);
        try {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
          return await value.apply(target, args);
        } finally {
          stats.inFlight.set(ticket, (stats.inFlight.get(ticket) ?? 1) - 1);
        }
      };
    },
  });
}

async function freelistCount(database: Database): Promise<number> {
  return Number((await sql<{ freelist_count: number }>`pragma freelist_count`.execute(database.db)).rows[0]?.freelist_count);
}

describe(`the outbox on the store (${STORE_ENGINE})`, () => {
  it('keeps what it acknowledged across a close and reopen: tickets, messages and attachment bytes', async () => {
    const s = await store();
    const first = await openOutbox({ database: s.database, log: quiet });
    const { ref, attachments } = await first.createTicket({
      title: 'Durable',
      body: 'Hello',
      labels: ['status: new'],
      customerEmail: 'Q@Example.com',
      files: [{ filename: 'a.txt', content: Buffer.from('file bytes') }],
    });
    await first.addComment(ref, { body: 'and more' });
    await first.close();
    await s.database.close();

    const reopened = await connect(s);
    const outbox = await outboxOn(reopened);
    expect(await outbox.readTicket(ref)).toMatchObject({ status: 'queued', ref, title: 'Durable', body: 'Hello', labels: ['status: new'], pending: [{ body: 'and more', status: 'queued' }] });
    expect((await outbox.pendingAttachment(attachments[0] as string))?.toString()).toBe('file bytes');
    expect((await outbox.list()).map((e) => e.entry.kind)).toEqual(['uploadAttachment', 'createTicket', 'addComment']);
    expect(await outbox.queuedTickets('q@example.com')).toMatchObject([{ ref, title: 'Durable' }]);
    await expect(outbox.addComment('T-NOPE0000', { body: 'x' })).rejects.toThrow('unknown ticket reference "T-NOPE0000"');
  });

  it('sends in order per ticket: files, then the ticket, then its messages', async () => {
    const s = await store();
    const outbox = await outboxOn(s.database, { host: t.adapter() });
    const title = unique('Ordered');
    const { ref, attachments } = await outbox.createTicket({ title, body: 'first', labels: ['status: new'], files: [{ filename: 'photo 1.png', content: Buffer.from('png') }] });
    const other = await outbox.createTicket({ title: `${title} (other)`, body: 'x', labels: [] });
    for (const body of ['second', 'third', 'fourth']) {
      await outbox.addComment(ref, { body });
      await outbox.addComment(other.ref, { body: `other ${body}` });
    }
    outbox.start();
    await waitFor(async () => (await outbox.list()).length === 0);
    const number = (await outbox.resolve(ref)) as number;
    const view = await outbox.readTicket(ref);
    if (view?.status !== 'created') throw new Error('not created');
    expect(view).toMatchObject({ number, ref, pending: [] });
    expect(view.ticket.meta).toMatchObject({ ref, attachments });
    expect(view.ticket.messages.map((m) => m.body)).toEqual(['second', 'third', 'fourth']);
    const otherView = await outbox.readTicket(other.ref);
    expect(otherView?.status === 'created' && otherView.ticket.messages.map((m) => m.body)).toEqual(['other second', 'other third', 'other fourth']);
    expect(String(await t.adapter().readAttachment(attachments[0] as string))).toBe('png');
    // A message to the issue number joins the ticket's own order (its local ref).
    const { entryId } = await outbox.addComment(number, { body: 'fifth' });
    expect((await outbox.get(entryId))?.entry.ticket).toBe(ref);
  });

  it('two processes on one store never serve one ticket at once and never send an entry twice', { timeout: 60_000 }, async () => {
    const s = await store();
    const stats = newStats();
    const [dbA, dbB] = [await connect(s), await connect(s)];
    const a = await outboxOn(dbA, { host: watchedHost(stats, 'A'), claimBatch: 3, pollMs: 10 });
    const b = await outboxOn(dbB, { host: watchedHost(stats, 'B'), claimBatch: 3, pollMs: 10 });
    const prefix = unique('Shared');
    const refs: string[] = [];
    // Both take work in while both drain.
    a.start();
    b.start();
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const intake = i % 2 === 0 ? a : b;
        const { ref } = await intake.createTicket({ title: `${prefix} ${i}`, body: 'x', labels: [], ...(i % 3 === 0 ? { files: [{ filename: 'f.txt', content: Buffer.from(`file ${i}`) }] } : {}) });
        refs.push(ref);
        for (let m = 0; m < 4; m += 1) await (m % 2 === 0 ? a : b).addComment(ref, { body: `message ${m}` });
      }),
    );
    await waitFor(async () => (await a.list()).length === 0, { timeoutMs: 40_000 });
    expect(stats.byInstance.get('A')).toBeGreaterThan(0);
    expect(stats.byInstance.get('B')).toBeGreaterThan(0);
    expect(stats.maxPerTicket).toBe(1);
    expect([...stats.sends.values()].every((n) => n === 1)).toBe(true);
    expect(stats.sends.size).toBe(8 + 8 * 4 + 3);
    const issues = await issuesTitled(prefix);
    expect(issues).toHaveLength(8);
    for (const ref of refs) {
      const view = await b.readTicket(ref);
      if (view?.status !== 'created') throw new Error(`${ref} not created`);
      expect(view.ticket.messages.map((m) => m.body)).toEqual(['message 0', 'message 1', 'message 2', 'message 3']);
    }
    expect((stats.byInstance.get('A') ?? 0) + (stats.byInstance.get('B') ?? 0)).toBe(stats.sends.size);
  });

  it('hands each ticket to one claimant when two processes claim at the same moment', async () => {
    const s = await store();
    const [dbA, dbB] = [await connect(s), await connect(s)];
    const a = await outboxOn(dbA, { claimBatch: 2 });
    const b = await outboxOn(dbB, { claimBatch: 2 });
    for (let i = 0; i < 12; i += 1) {
      const { ref } = await a.createTicket({ title: `Claim ${i}`, body: 'x', labels: [] });
      await b.addComment(ref, { body: 'behind the create' });
    }
    const claims = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? a : b).claim()));
    const claimed = claims.flat();
    // Every ticket's head was claimed exactly once; nothing behind a head was.
    expect(claimed.map((c) => c.entry.kind).every((k) => k === 'createTicket')).toBe(true);
    expect(new Set(claimed.map((c) => c.entry.id)).size).toBe(claimed.length);
    expect(claimed).toHaveLength(12);
    // And nothing is left to claim while those leases live.
    expect(await b.claim()).toEqual([]);
  });

  it('takes over the entry of a process that claimed it and died, after its lease ran out, without a duplicate', async () => {
    const s = await store();
    const stats = newStats();
    const crashed = await outboxOn(await connect(s), { leaseMs: 60_000 });
    const survivor = await outboxOn(s.database, { host: watchedHost(stats, 'survivor') });
    const title = unique('Taken over');
    const { ref, entryId } = await crashed.createTicket({ title, body: 'x', labels: [] });
    // The crashed process claimed the entry, recorded its attempt and sent it; it died before recording the answer.
    const [claimed] = await crashed.claim();
    expect(claimed?.entry.id).toBe(entryId);
    await s.database.db.updateTable('outbox').set({ attempts: 1, first_attempt_at: Date.now() }).where('id', '=', entryId).execute();
    const created = await t.adapter().createTicket({ title, body: 'x', labels: [], key: entryId, ref });
    // While the lease lives, nobody else touches the entry.
    expect(await survivor.drainOnce()).toBe(0);
    expect((await survivor.get(entryId))?.lease?.owner).toBe(crashed.owner);
    // The lease runs out (moved into the past rather than waited for).
    await s.database.db
      .updateTable('outbox')
      .set({ lease_until: Date.now() - 1 })
      .where('id', '=', entryId)
      .execute();
    // Then the survivor takes it over, finds the issue by its key, and sends nothing.
    expect(await survivor.drainOnce()).toBe(1);
    expect(stats.sends.size).toBe(0);
    expect(await survivor.resolve(ref)).toBe(created.number);
    expect(await issuesTitled(title)).toHaveLength(1);
    expect(await survivor.get(entryId)).toMatchObject({ status: 'done', result: { number: created.number }, lease: undefined });
  });

  it("sends nothing again while a dead process's request may still be applied by the host, whoever holds the entry", async () => {
    const s = await store();
    const stats = newStats();
    const crashed = await outboxOn(await connect(s), { leaseMs: 60_000 });
    const survivor = await outboxOn(s.database, { host: watchedHost(stats, 'survivor') });
    const title = unique('Late create');
    const { ref, entryId } = await crashed.createTicket({ title, body: 'x', labels: [] });
    await crashed.claim();
    // The crashed process sent the create and died; the host was slow and had not applied it yet.
    const sentAt = Date.now();
    await s.database.db
      .updateTable('outbox')
      .set({ attempts: 1, first_attempt_at: sentAt, unsettled_until: sentAt + 60_000, lease_until: sentAt - 1 })
      .where('id', '=', entryId)
      .execute();
    // The survivor takes the entry over: the key is not on the host yet, and the attempt has not settled, so nothing is sent.
    expect(await survivor.drainOnce()).toBe(0);
    expect(stats.sends.size).toBe(0);
    const waiting = await survivor.get(entryId);
    expect(waiting).toMatchObject({ status: 'queued', lease: undefined, retryAt: sentAt + 60_000 });
    // Then the host applies the late request.
    const created = await t.adapter().createTicket({ title, body: 'x', labels: [], key: entryId, ref });
    // Once the attempt has settled, the survivor looks again, finds it, and still sends nothing.
    await s.database.db
      .updateTable('outbox')
      .set({ unsettled_until: Date.now() - 1, retry_at: 0 })
      .where('id', '=', entryId)
      .execute();
    expect(await survivor.drainOnce()).toBe(1);
    expect(stats.sends.size).toBe(0);
    expect(await issuesTitled(title)).toHaveLength(1);
    expect(await survivor.resolve(ref)).toBe(created.number);
  });

  it('sends once an unanswered attempt has settled without reaching the host', async () => {
    const s = await store();
    const stats = newStats();
    const outbox = await outboxOn(s.database, { host: watchedHost(stats, 'only') });
    const title = unique('Never arrived');
    const { entryId } = await outbox.createTicket({ title, body: 'x', labels: [] });
    await s.database.db
      .updateTable('outbox')
      .set({ attempts: 1, first_attempt_at: Date.now() - 60_000, unsettled_until: Date.now() - 1 })
      .where('id', '=', entryId)
      .execute();
    expect(await outbox.drainOnce()).toBe(1);
    expect(stats.sends.get(entryId)).toBe(1);
    expect(await issuesTitled(title)).toHaveLength(1);
  });

  it('deletes attachment bytes once the host has them (and gives the pages back on SQLite)', async () => {
    const s = await store();
    const outbox = await outboxOn(s.database, { host: t.adapter() });
    const big = Buffer.alloc(300_000, 7);
    const { ref, attachments } = await outbox.createTicket({ title: unique('Blob'), body: 'x', labels: [], files: [{ filename: 'big.bin', content: big }] });
    const reply = await outbox.uploadAttachment(ref, { filename: 'second.bin', content: Buffer.alloc(200_000, 8) });
    const count = async () =>
      Number(
        (
          await s.database.db
            .selectFrom('attachment_blobs')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count()).toBe(2);
    outbox.start();
    await waitFor(async () => (await outbox.list()).length === 0);
    await outbox.stop();
    expect(await count()).toBe(0);
    expect(await outbox.pendingAttachment(attachments[0] as string)).toBeUndefined();
    expect((await t.adapter().readAttachment(reply.path))?.length).toBe(200_000);
    await outbox.maintain();
    if (STORE_ENGINE === 'sqlite') expect(await freelistCount(s.database)).toBe(0);
  });

  it('keeps only "filed, as which issue" of a delivered entry', async () => {
    const s = await store();
    const outbox = await outboxOn(s.database, { host: t.adapter() });
    const { ref, entryId } = await outbox.createTicket({
      title: unique('Pruned'),
      body: 'a long customer text',
      labels: ['status: new'],
      customerEmail: 'p@example.com',
      fields: { draftKey: 'draft-pruned', order: 'NW-1' },
    });
    await waitFor(async () => (await outbox.drainOnce()) > 0);
    const row = await s.database.db.selectFrom('outbox').selectAll().where('id', '=', entryId).executeTakeFirstOrThrow();
    const number = await outbox.resolve(ref);
    expect(number).toBeGreaterThan(0);
    expect(row).toMatchObject({ kind: 'createTicket', ticket: ref, status: 'done', op: '{}', customer_email: 'p@example.com', draft_key: 'draft-pruned', lease_owner: null });
    expect(JSON.parse(row.result as string)).toEqual({ number });
    expect((await outbox.get(entryId))?.entry.op).toBeUndefined();
    // Still answers: the draft was filed, as this ticket; the ticket reads from the host.
    expect(await outbox.ticketForDraft('draft-pruned')).toBe(ref);
    expect(await outbox.readTicket(ref)).toMatchObject({ status: 'created', number });
    expect(await outbox.queuedTickets('p@example.com')).toEqual([]);
  });

  it('deletes delivered entries after the retention period; ticket refs stay', async () => {
    const s = await store();
    const outbox = await outboxOn(s.database, { host: t.adapter(), retentionDays: 30 });
    const old = await outbox.createTicket({ title: unique('Old'), body: 'x', labels: [] });
    const recent = await outbox.createTicket({ title: unique('Recent'), body: 'x', labels: [] });
    const waiting = await outbox.createTicket({ title: 'x'.repeat(300), body: 'poisoned: never done', labels: [] });
    await outbox.drainOnce();
    expect((await outbox.list(['done'])).length).toBe(2);
    await s.database.db
      .updateTable('outbox')
      .set({ done_at: Date.now() - 31 * 86_400_000 })
      .where('id', '=', old.entryId)
      .execute();
    expect(await outbox.maintain()).toMatchObject({ deleted: 1 });
    expect(await outbox.get(old.entryId)).toBeUndefined();
    expect(await outbox.get(recent.entryId)).toMatchObject({ status: 'done' });
    expect(await outbox.get(waiting.entryId)).toMatchObject({ status: 'poisoned' });
    const number = await outbox.resolve(old.ref);
    expect(number).toBeGreaterThan(0);
    // The ticket is still known by its ref: a reply joins it.
    const { entryId } = await outbox.addComment(old.ref, { body: 'a month later' });
    await waitFor(async () => (await outbox.drainOnce()) > 0);
    expect(await outbox.get(entryId)).toMatchObject({ status: 'done', result: { number } });
  });

  it('commits concurrent intake in fewer transactions than calls, each caller answered after its commit', async () => {
    const s = await store();
    const outbox = await outboxOn(s.database);
    const before = outbox.intakeStats;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        outbox.createTicket({ title: `Batch ${i}`, body: 'x', labels: [], ...(i % 4 === 0 ? { files: [{ filename: 'f.txt', content: Buffer.from(`f${i}`) }] } : {}) }),
      ),
    );
    const after = outbox.intakeStats;
    expect(after.calls - before.calls).toBe(20);
    expect(after.transactions - before.transactions).toBeLessThan(20);
    expect(new Set(results.map((r) => r.ref)).size).toBe(20);
    // Each was committed when its caller heard back: another connection sees all of them.
    const other = await outboxOn(await connect(s));
    expect((await other.list()).filter((e) => e.entry.kind === 'createTicket')).toHaveLength(20);
    // Concurrent submissions of one offline draft make one ticket.
    const drafts = await Promise.all(Array.from({ length: 5 }, () => outbox.createTicket({ title: 'Draft', body: 'x', labels: [], fields: { draftKey: 'draft-1' } })));
    expect(new Set(drafts.map((d) => d.ref)).size).toBe(1);
    expect(drafts.filter((d) => d.duplicate)).toHaveLength(4);
  });

  it('answers one offline draft sent to two instances at once with one ticket', async () => {
    // Two processes on one store, each with its own connection: on PostgreSQL their transactions overlap, so the
    // second finds the key only through the unique index, once the first has committed.
    const s = await store();
    const [a, b] = [await outboxOn(s.database), await outboxOn(await connect(s))];
    for (let round = 0; round < 10; round += 1) {
      const fields = { draftKey: `draft-race-${round}` };
      const both = await Promise.all([a, b].map((o) => o.createTicket({ title: 'Race', body: 'x', labels: [], fields })));
      expect(both[0]?.ref).toBe(both[1]?.ref);
      expect(both.filter((r) => r.duplicate)).toHaveLength(1);
    }
    expect((await a.list()).filter((e) => e.entry.kind === 'createTicket')).toHaveLength(10);
  });

  it('imports the journal folder of an earlier release once, then renames it aside', async () => {
    const s = await store();
    const dir = path.join(s.dataDir, 'outbox');
    mkdirSync(dir, { recursive: true });
    const at = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const lines = [
      // A queued ticket with a file and a reply; its create was tried once and failed.
      {
        t: 'enqueue',
        entry: {
          id: '00000000-0000-4000-8000-000000000001',
          ticket: 'T-QUEUED01',
          createdAt: at(10),
          op: {
            kind: 'uploadAttachment',
            path: 'tickets/T-QUEUED01/00000000-0000-4000-8000-000000000001/note.txt',
            contentBase64: Buffer.from('old bytes').toString('base64'),
            message: 'Attachment for ticket T-QUEUED01',
          },
        },
      },
      {
        t: 'enqueue',
        entry: {
          id: '00000000-0000-4000-8000-000000000002',
          ticket: 'T-QUEUED01',
          createdAt: at(10),
          op: {
            kind: 'createTicket',
            title: 'Imported queued',
            body: 'q',
            labels: ['status: new'],
            customerEmail: 'Old@Example.com',
            attachments: ['tickets/T-QUEUED01/00000000-0000-4000-8000-000000000001/note.txt'],
            extra: { draftKey: 'old-draft', order: 'NW-9' },
          },
        },
      },
      {
        t: 'enqueue',
        entry: { id: '00000000-0000-4000-8000-000000000003', ticket: 'T-QUEUED01', createdAt: at(9), op: { kind: 'addComment', body: 'queued reply', customerEmail: 'old@example.com' } },
      },
      { t: 'done', id: '00000000-0000-4000-8000-000000000001', at: at(9), result: { path: 'tickets/T-QUEUED01/00000000-0000-4000-8000-000000000001/note.txt' } },
      // (the upload above is done: its bytes are not carried over; a second, undelivered upload is)
      {
        t: 'enqueue',
        entry: {
          id: '00000000-0000-4000-8000-000000000004',
          ticket: 'T-QUEUED01',
          createdAt: at(8),
          op: {
            kind: 'uploadAttachment',
            path: 'tickets/T-QUEUED01/00000000-0000-4000-8000-000000000004/more.txt',
            contentBase64: Buffer.from('more bytes').toString('base64'),
            message: 'Attachment for ticket T-QUEUED01',
          },
        },
      },
      { t: 'attempt', id: '00000000-0000-4000-8000-000000000002', at: at(8) },
      { t: 'failed', id: '00000000-0000-4000-8000-000000000002', at: at(8), error: 'the Git host answered 502', retryAt: at(7) },
      // A poisoned ticket.
      { t: 'enqueue', entry: { id: '00000000-0000-4000-8000-000000000005', ticket: 'T-POISON01', createdAt: at(6), op: { kind: 'createTicket', title: 'Imported poisoned', body: 'p', labels: [] } } },
      { t: 'attempt', id: '00000000-0000-4000-8000-000000000005', at: at(6) },
      { t: 'poisoned', id: '00000000-0000-4000-8000-000000000005', at: at(6), error: 'title is too long', status: 422 },
      // A done ticket, filed as #4242.
      {
        t: 'enqueue',
        entry: {
          id: '00000000-0000-4000-8000-000000000006',
          ticket: 'T-DONE0001',
          createdAt: at(5),
          op: { kind: 'createTicket', title: 'Imported done', body: 'd', labels: [], customerEmail: 'done@example.com' },
        },
      },
      { t: 'attempt', id: '00000000-0000-4000-8000-000000000006', at: at(5) },
      { t: 'done', id: '00000000-0000-4000-8000-000000000006', at: at(5), result: { number: 4242 } },
    ];
    // As the old journal wrote them: each batch starts with a newline; the last line was torn by a crash.
    writeFileSync(path.join(dir, 'journal.ndjson'), `\n${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"t":"enqueue","entry":{"id":"torn`);
    const logged: string[] = [];
    const outbox = await outboxOn(s.database, { journalDir: dir, log: { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m) } });

    expect(existsSync(dir)).toBe(false);
    expect(readFileSync(path.join(`${dir}.imported`, 'journal.ndjson'), 'utf8')).toContain('T-QUEUED01');
    expect(logged.join('\n')).toMatch(/imported the old journal .* 3 queued, 1 poisoned, 2 done entries, 1 ticket refs, 1 attachments not yet uploaded; the old folder is now .*outbox\.imported/);
    expect(logged.join('\n')).toContain('skipping a damaged journal line');

    expect((await outbox.list()).map((e) => [e.entry.id.slice(-1), e.entry.kind, e.status])).toEqual([
      ['2', 'createTicket', 'queued'],
      ['3', 'addComment', 'queued'],
      ['4', 'uploadAttachment', 'queued'],
      ['5', 'createTicket', 'poisoned'],
    ]);
    expect(await outbox.get('00000000-0000-4000-8000-000000000002')).toMatchObject({ attempts: 1, lastError: 'the Git host answered 502', firstAttemptAt: expect.any(String) });
    expect(await outbox.get('00000000-0000-4000-8000-000000000005')).toMatchObject({ status: 'poisoned', hostStatus: 422, lastError: 'title is too long' });
    expect(await outbox.get('00000000-0000-4000-8000-000000000006')).toMatchObject({ status: 'done', result: { number: 4242 }, entry: { op: undefined } });
    expect(await outbox.resolve('T-DONE0001')).toBe(4242);
    expect(await outbox.readTicket('T-QUEUED01')).toMatchObject({ status: 'queued', title: 'Imported queued', pending: [{ body: 'queued reply' }] });
    expect(await outbox.readTicket('T-POISON01')).toMatchObject({ status: 'queued', poisoned: true, error: 'title is too long' });
    expect((await outbox.pendingAttachment('tickets/T-QUEUED01/00000000-0000-4000-8000-000000000004/more.txt'))?.toString()).toBe('more bytes');
    expect(await outbox.pendingAttachment('tickets/T-QUEUED01/00000000-0000-4000-8000-000000000001/note.txt')).toBeUndefined();
    expect(await outbox.ticketForDraft('old-draft')).toBe('T-QUEUED01');
    expect(await outbox.queuedTickets('old@example.com')).toMatchObject([{ ref: 'T-QUEUED01', title: 'Imported queued' }]);

    // A second start finds nothing to import.
    const again = await outboxOn(s.database, { journalDir: dir, log: quiet });
    expect((await again.list(['queued', 'poisoned', 'done'])).length).toBe(6);

    // The imported queue drains: the create (its outcome unknown) is looked up, then sent once, with its reply and file.
    const drainer = await outboxOn(s.database, { host: t.adapter() });
    drainer.start();
    await waitFor(async () => (await drainer.list(['queued'])).length === 0);
    const number = (await drainer.resolve('T-QUEUED01')) as number;
    const view = await drainer.readTicket(number);
    expect(view?.status === 'created' && view.ticket.messages.map((m) => m.body)).toEqual(['queued reply']);
    expect(String(await t.adapter().readAttachment('tickets/T-QUEUED01/00000000-0000-4000-8000-000000000004/more.txt'))).toBe('more bytes');
    expect(await issuesTitled('Imported queued')).toHaveLength(1);
  });
});
