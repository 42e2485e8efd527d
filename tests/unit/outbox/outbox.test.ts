import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openOutbox, type Outbox } from '../../../src/outbox/index.ts';
import { isTicketRef } from '../../../src/tickets/idempotency.ts';
import { freshStore } from '../../helpers/store.ts';
import { startTestHost, TOKENS, waitFor, type TestHost } from '../../helpers/local-host.ts';

const run = promisify(execFile);
const quiet = { warn: () => {}, info: () => {} };
let t: TestHost;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  t = await startTestHost();
});
afterEach(async () => {
  t.local.setFaults({});
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => t.stop());

type Store = Awaited<ReturnType<typeof freshStore>>;

async function newStore(): Promise<Store> {
  const s = await freshStore();
  cleanups.push(() => s.remove());
  return s;
}

async function newOutbox(withHost = true, existing?: Store): Promise<{ outbox: Outbox; store: Store }> {
  const store = existing ?? (await newStore());
  const outbox = await openOutbox({ database: store.database, ...(withHost ? { host: t.adapter() } : {}), backoff: { baseMs: 10, maxMs: 40 }, pollMs: 20, log: quiet });
  cleanups.push(() => outbox.close());
  return { outbox, store };
}

async function issuesTitled(title: string): Promise<Array<{ number: number; body: string }>> {
  const list = await t.raw(TOKENS.owner, 'GET', '/repos/local/support/issues?state=all&per_page=100');
  return list.body.filter((i: { title: string }) => i.title === title);
}

/** `npm run outbox` against a store: its data folder, or its PostgreSQL URL. */
function cli(store: Store, args: string[]) {
  const script = join(import.meta.dirname, '../../../scripts/outbox.ts');
  const env = { ...process.env, DATA_DIR: store.dataDir, DATABASE_URL: store.databaseUrl ?? '' };
  return run(process.execPath, [script, ...args], { env });
}

describe('outbox', () => {
  it('gives way to people being answered: holds an entry until its wait is over, then delivers it', async () => {
    const store = await newStore();
    let waits = 0;
    let done!: () => void;
    const over = new Promise<void>((resolve) => {
      done = resolve;
    });
    const outbox = await openOutbox({
      database: store.database,
      host: t.adapter(),
      pollMs: 20,
      log: quiet,
      giveWay: async () => {
        waits += 1;
        await over;
      },
    });
    cleanups.push(() => outbox.close());
    const { ref } = await outbox.createTicket({ title: 'Gives way', body: 'Hello', labels: [] });
    const drained = outbox.drainOnce();
    // It has claimed the entry and is giving way: nothing was sent yet.
    await waitFor(() => waits >= 1);
    expect(await issuesTitled('Gives way')).toEqual([]);
    done();
    expect(await drained).toBe(1);
    expect(await outbox.resolve(ref)).toBeGreaterThan(0);
  });

  it('acknowledges a ticket with a local reference once committed, and shows it as queued with its content', async () => {
    const { outbox, store } = await newOutbox(false);
    const { ref } = await outbox.createTicket({ title: 'Queued', body: 'Hello', labels: ['status: new'], customerEmail: 'q@example.com' });
    expect(isTicketRef(ref)).toBe(true);
    await outbox.addComment(ref, { body: 'and more' });
    const rows = await store.database.db.selectFrom('outbox').select(['ticket', 'kind']).orderBy('seq').execute();
    expect(rows).toEqual([
      { ticket: ref, kind: 'createTicket' },
      { ticket: ref, kind: 'addComment' },
    ]);
    expect(await outbox.readTicket(ref)).toMatchObject({ status: 'queued', ref, title: 'Queued', body: 'Hello', labels: ['status: new'], pending: [{ body: 'and more', status: 'queued' }] });
    await expect(outbox.addComment('T-NOPE0000', { body: 'x' })).rejects.toThrow('unknown ticket reference "T-NOPE0000"');
  });

  it('drains in order per ticket: files, then the ticket, then its comments', async () => {
    const { outbox } = await newOutbox();
    const { ref, attachments } = await outbox.createTicket({ title: 'Ordered', body: 'first', labels: ['status: new'], files: [{ filename: 'photo 1.png', content: Buffer.from('png') }] });
    await outbox.addComment(ref, { body: 'second' });
    await outbox.addComment(ref, { body: 'third' });
    expect((await outbox.pendingAttachment(attachments[0] as string))?.toString()).toBe('png');
    outbox.start();
    await waitFor(async () => (await outbox.list()).length === 0);
    const number = (await outbox.resolve(ref)) as number;
    const view = await outbox.readTicket(ref);
    expect(view).toMatchObject({ status: 'created', number, ref, pending: [] });
    if (view?.status !== 'created') throw new Error('not created');
    expect(view.ticket.meta).toMatchObject({ ref, attachments });
    expect(view.ticket.messages.map((m) => m.body)).toEqual(['second', 'third']);
    expect(view.ticket.messages.every((m) => m.meta?.ref === ref)).toBe(true);
    expect(attachments[0]).toMatch(new RegExp(`^tickets/${ref}/[0-9a-f-]{36}/photo_1\\.png$`));
    expect(String(await t.adapter().readAttachment(attachments[0] as string))).toBe('png');
    // Delivered: the bytes left the store.
    expect(await outbox.pendingAttachment(attachments[0] as string)).toBeUndefined();
  });

  it('never duplicates a create whose answer was lost: it looks the idempotency key up first', async () => {
    const { outbox } = await newOutbox();
    t.local.setFaults({ serverError: { count: 1, status: 502, afterApply: true }, methods: ['POST'] });
    const { ref } = await outbox.createTicket({ title: 'Lost answer', body: 'x', labels: [] });
    expect(await outbox.drainOnce()).toBe(0);
    expect((await outbox.list())[0]).toMatchObject({ status: 'queued', attempts: 1, lastError: expect.stringContaining('502') });
    await waitFor(async () => (await outbox.drainOnce()) > 0);
    const issues = await issuesTitled('Lost answer');
    expect(issues).toHaveLength(1);
    expect(await outbox.resolve(ref)).toBe(issues[0]?.number);
    // Same for a comment whose connection was reset after it was applied.
    t.local.setFaults({ connectionReset: { count: 1, afterApply: true }, methods: ['POST'] });
    await outbox.addComment(ref, { body: 'reset comment' });
    await waitFor(async () => {
      await outbox.drainOnce();
      return (await outbox.list()).length === 0;
    });
    const thread = await t.adapter().getTicket(issues[0]?.number as number);
    expect(thread?.messages.map((m) => m.body)).toEqual(['reset comment']);
  });

  it('keeps entries the host refuses for good as poisoned, blocks their ticket, and lets an operator retry or export them', async () => {
    const { outbox, store } = await newOutbox();
    const { ref } = await outbox.createTicket({ title: 'x'.repeat(300), body: 'too long a title', labels: [] });
    await outbox.addComment(ref, { body: 'waits behind it' });
    await outbox.drainOnce();
    const [poisoned, blocked] = await outbox.list();
    expect(poisoned).toMatchObject({ status: 'poisoned', hostStatus: 422, lastError: expect.stringContaining('title is too long') });
    expect(blocked).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await outbox.readTicket(ref)).toMatchObject({ status: 'queued', poisoned: true, error: expect.stringContaining('422') });
    expect(await outbox.drainOnce()).toBe(0);
    expect(JSON.parse(await outbox.export(poisoned?.entry.id as string))).toMatchObject({ status: 'poisoned', entry: { ticket: ref, op: { kind: 'createTicket' } } });

    // The CLI sees it, and its retry reaches the running outbox through the store.
    const listed = await cli(store, ['list']);
    expect(listed.stdout).toMatch(new RegExp(`poisoned +${poisoned?.entry.id} +createTicket +${ref}`));
    expect(listed.stdout).toContain('2 entries');
    const exported = await cli(store, ['export', poisoned?.entry.id as string]);
    expect(JSON.parse(exported.stdout).hostStatus).toBe(422);
    await cli(store, ['retry', poisoned?.entry.id as string]);
    expect((await outbox.get(poisoned?.entry.id as string))?.status).toBe('queued');
    await expect(cli(store, ['retry', 'no-such-id'])).rejects.toMatchObject({ stderr: expect.stringContaining('no outbox entry no-such-id') });
  });

  it('backs off after a secondary rate limit the client would not wait for, then delivers', async () => {
    const store = await newStore();
    const outbox = await openOutbox({ database: store.database, host: t.adapter({ maxRetryAfterSeconds: 0 }), backoff: { baseMs: 10, maxMs: 40 }, log: quiet });
    cleanups.push(() => outbox.close());
    t.local.setFaults({ secondaryRateLimit: { count: 1, status: 429, retryAfter: 1 }, methods: ['POST'] });
    await outbox.createTicket({ title: 'Rate limited', body: 'x', labels: [] });
    const before = Date.now();
    expect(await outbox.drainOnce()).toBe(0);
    const state = (await outbox.list())[0];
    expect(state?.retryAt).toBeGreaterThanOrEqual(before + 1000);
    expect(await outbox.drainOnce()).toBe(0);
    await waitFor(async () => (await outbox.drainOnce()) > 0, { timeoutMs: 5000 });
    expect(await issuesTitled('Rate limited')).toHaveLength(1);
  });

  it('resumes draining after a restart', async () => {
    const { outbox, store } = await newOutbox(false);
    const { ref } = await outbox.createTicket({ title: 'Across restart', body: 'x', labels: [] });
    await outbox.addComment(ref, { body: 'queued before restart' });
    await outbox.close();
    await store.database.close();
    const reopened = await store.open();
    cleanups.push(() => reopened.close());
    const restarted = await openOutbox({ database: reopened, host: t.adapter(), backoff: { baseMs: 10, maxMs: 40 }, pollMs: 20, log: quiet });
    cleanups.push(() => restarted.close());
    restarted.start();
    await waitFor(async () => (await restarted.list()).length === 0);
    const number = (await restarted.resolve(ref)) as number;
    expect((await t.adapter().getTicket(number))?.messages.map((m) => m.body)).toEqual(['queued before restart']);
  });
});
