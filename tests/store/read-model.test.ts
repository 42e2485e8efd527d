// The read model (src/store/ticket-summaries.ts) on the engine this run tests (SQLite by default, PostgreSQL with
// STORE_ENGINE=postgres): its answers must be the ones the views computed from the Git host before it. buildQueue
// and computeStatistics, fed the same tickets, are the oracles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQueue, QueueFilterSchema, queueGroups, type QueueFilter, type QueuePage, type QueueTicket } from '../../src/staff/queue.ts';
import { computeStatistics, statisticsFromSummaries, type Statistics, type StatsTicket } from '../../src/staff/stats.ts';
import type { Database } from '../../src/store/database.ts';
import { customerTickets, queuePage, readModelBuild, statisticsInputs, ticketSummary, upsertTicketSummaries, upsertTicketSummary, type SummaryInput } from '../../src/store/ticket-summaries.ts';
import { TICKET_STATUSES } from '../../src/tickets/labels.ts';
import { effectiveAuthor, type MessageKind } from '../../src/tickets/message-kinds.ts';
import type { Rating } from '../../src/tickets/ratings.ts';
import { statusOf } from '../../src/tickets/status.ts';
import type { Ticket, TicketMessage, TicketMeta, TicketSummary } from '../../src/tickets/ticket.ts';
import { buildReadModel, type ReadModelBuildOptions } from '../../src/workflow/read-model.ts';
import { freshStore, STORE_ENGINE } from '../helpers/store.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-30T12:00:00Z');
const BOT = 'helpdesk-bot';
const STAFF = ['support-anna', 'support-ben', 'support-cleo'];
const rules = { supporters: [{ login: 'support-anna' }, { login: 'support-dora' }] } as never;

/** A small deterministic random source, so a failure can be reproduced. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}

/** GitHub's timestamps: to the second, no milliseconds. */
const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

interface Fixture extends SummaryInput {
  ticket: Ticket;
  kinds: Map<number, MessageKind>;
  ratings: Map<number, Rating>;
}

/** Tickets as the sync sees them: labels of every kind (missing, unknown), assignees, customers, threads, ratings. */
function makeTickets(count: number, seed = 7): Fixture[] {
  const r = random(seed);
  let messageId = 100_000;
  const fixtures: Fixture[] = [];
  // Few distinct update times, so the sorts meet ties (broken by the newer ticket, as the host listed them).
  const updateTimes = Array.from({ length: 40 }, (_, i) => NOW - 80 * DAY + i * 2 * DAY + r.int(DAY));
  for (let number = 1; number <= count; number += 1) {
    // Some open and close at midnight exactly: the edges of the statistics' days.
    const midnight = (ms: number) => Math.floor(ms / DAY) * DAY;
    const randomCreated = NOW - 120 * DAY + Math.floor((number / count) * 118 * DAY) + r.int(DAY);
    const created = number % 41 === 0 ? midnight(randomCreated) : randomCreated;
    const closed = r.next() < 0.4 || number % 37 === 0;
    const randomClosed = created + r.int(20 * DAY) + 60_000;
    const closedAt = closed ? (number % 37 === 0 ? midnight(randomClosed) + DAY : randomClosed) : undefined;
    const labels: string[] = [];
    const status = r.pick([...TICKET_STATUSES.filter((s) => s !== 'closed'), 'weird', undefined, 'closed']);
    if (status) labels.push(`status: ${status}`);
    const priority = r.pick(['low', 'normal', 'high', 'urgent', 'urgent', 'sky', undefined]);
    if (priority) labels.push(`priority: ${priority}`);
    const type = r.pick(['question', 'problem', undefined]);
    if (type) labels.push(`type: ${type}`);
    const category = r.pick(['orders', 'shipping', 'returns', undefined]);
    if (category) labels.push(`category: ${category}`);
    if (r.next() < 0.2) labels.push('good first issue');
    const assignees = r.next() < 0.3 ? [] : r.next() < 0.8 ? [r.pick(STAFF)] : [STAFF[0] as string, STAFF[2] as string];
    const customer = r.next() < 0.05 ? undefined : `c-${r.int(60)}`;
    const messages: TicketMessage[] = [];
    const kinds = new Map<number, MessageKind>();
    const ratings = new Map<number, Rating>();
    let at = created;
    for (let m = r.int(7); m > 0; m -= 1) {
      at += r.int(2 * DAY) + 1000;
      const id = messageId++;
      const kind = r.pick<MessageKind>(['customer', 'customer', 'staff-reply', 'staff-reply', 'internal-note', 'system', 'outsider']);
      const viaSite = kind === 'staff-reply' && r.next() < 0.5;
      const login = kind === 'customer' || kind === 'system' || viaSite ? BOT : kind === 'outsider' ? 'someone' : r.pick(STAFF);
      const meta = viaSite ? ({ kind: 'message', key: `k${id}`, postedBy: { login: r.pick(STAFF), visibility: 'public' } } as TicketMeta) : undefined;
      messages.push({ id, author: { login, association: 'NONE', isBot: login === BOT }, body: 'text', meta, createdAt: iso(at), updatedAt: iso(at), reactions: {} });
      kinds.set(id, kind);
      if (kind === 'staff-reply' && r.next() < 0.4) ratings.set(id, r.pick<Rating>(['helpful', 'not-helpful']));
    }
    const updated = Math.max(at, closedAt ?? 0, r.pick(updateTimes));
    const ticket: Ticket = {
      number,
      title: `Ticket ${number}`,
      state: closed ? 'closed' : 'open',
      labels,
      assignees,
      author: { login: BOT, association: 'NONE', isBot: true },
      commentCount: messages.length,
      createdAt: iso(created),
      updatedAt: iso(updated),
      closedAt: closedAt === undefined ? null : iso(closedAt),
      meta: { kind: 'ticket', key: `key-${number}`, ...(number % 50 === 0 ? {} : { ref: `T-${String(number).padStart(8, '0')}` }), ...(customer ? { customer: { id: customer } } : {}) } as TicketMeta,
      body: 'opening',
      htmlUrl: `https://example.test/local/support/issues/${number}`,
      messages,
    };
    fixtures.push({ ticket, kinds, ratings });
  }
  return fixtures;
}

/** The tickets as the host listed them for the views: newest first. */
const queueTickets = (fixtures: readonly Fixture[]): QueueTicket[] =>
  [...fixtures]
    .sort((a, b) => b.ticket.number - a.ticket.number)
    .map(({ ticket: t }) => ({ number: t.number, ref: t.meta?.ref, title: t.title, state: t.state, labels: t.labels, assignees: t.assignees, createdAt: t.createdAt, updatedAt: t.updatedAt }));

const statsTickets = (fixtures: readonly Fixture[]): StatsTicket[] =>
  [...fixtures]
    .sort((a, b) => b.ticket.number - a.ticket.number)
    .map(({ ticket: t, kinds, ratings }) => ({
      number: t.number,
      state: t.state,
      labels: t.labels,
      assignees: t.assignees,
      createdAt: t.createdAt,
      closedAt: t.closedAt,
      customer: t.meta?.customer?.id,
      messages: t.messages.map((m) => ({ kind: kinds.get(m.id) ?? 'outsider', author: effectiveAuthor(m), createdAt: m.createdAt, rating: ratings.get(m.id) })),
    }));

async function storeQueue(database: Database, filter: QueueFilter, me: string): Promise<QueuePage> {
  const page = await queuePage(database, filter, me);
  return { groups: queueGroups(page.rows, filter.sort), total: page.total, page: page.page, pages: page.pages };
}

/** Statistics with the customer list in one order for exact ties, and hours rounded past float noise (summed in another order). */
function comparable(stats: Statistics) {
  return {
    ...stats,
    customers: stats.customers
      .map((c) => ({ ...c, hoursOpen: Math.round(c.hoursOpen * 1e6) / 1e6 }))
      .sort((a, b) => b.tickets - a.tickets || b.hoursOpen - a.hoursOpen || (a.customer < b.customer ? -1 : 1)),
  };
}

let store: Awaited<ReturnType<typeof freshStore>>;
let database: Database;
const fixtures = makeTickets(420);

beforeAll(async () => {
  store = await freshStore();
  database = store.database;
  await upsertTicketSummaries(database, fixtures);
});
afterAll(() => store?.remove());

describe(`the read model on ${STORE_ENGINE}`, () => {
  it('keeps the row built from the newest read of the host, and equal times pass (a rating changes no updated_at)', async () => {
    const base = makeTickets(1, 99)[0] as Fixture;
    const ticket = {
      ...base.ticket,
      number: 90_001,
      meta: { ...base.ticket.meta, ref: 'T-NEWERWIN', customer: { id: 'c-newer' } } as TicketMeta,
      updatedAt: '2026-06-01T10:00:00Z',
      assignees: ['support-ben'],
    };
    const input = { ticket, kinds: base.kinds, ratings: base.ratings };
    expect(await upsertTicketSummary(database, input)).toBe('inserted');
    const older = { ...input, ticket: { ...ticket, title: 'stale title', updatedAt: '2026-06-01T09:59:59Z', assignees: [] } };
    expect(await upsertTicketSummary(database, older)).toBe('stale');
    expect((await ticketSummary(database, 90_001))?.title).toBe(ticket.title);
    expect((await storeQueue(database, QueueFilterSchema.parse({ status: 'all', assignee: 'support-ben', pageSize: 200 }), 'x')).groups.flatMap((g) => g.rows.map((r) => r.number))).toContain(90_001);

    const reply: TicketMessage = {
      id: 95_000,
      author: { login: 'support-ben', association: 'MEMBER', isBot: false },
      body: '/reply hi',
      meta: undefined,
      createdAt: '2026-06-01T09:00:00Z',
      updatedAt: '2026-06-01T09:00:00Z',
      reactions: { '+1': 1 },
    };
    const rated = { ticket: { ...ticket, messages: [reply] }, kinds: new Map<number, MessageKind>([[95_000, 'staff-reply']]), ratings: new Map<number, Rating>([[95_000, 'helpful']]) };
    expect(await upsertTicketSummary(database, rated)).toBe('updated');
    expect((await ticketSummary(database, 90_001))?.thread).toEqual([{ id: 95_000, kind: 'staff-reply', author: 'support-ben', createdAt: '2026-06-01T09:00:00Z', rating: 'helpful' }]);

    const newer = {
      ...rated,
      ticket: { ...rated.ticket, title: 'newer title', state: 'closed' as const, closedAt: '2026-06-02T00:00:00Z', updatedAt: '2026-06-02T00:00:00Z', assignees: ['Support-Anna'] },
    };
    expect(await upsertTicketSummary(database, newer)).toBe('updated');
    const row = await ticketSummary(database, 90_001);
    expect(row).toMatchObject({ title: 'newer title', state: 'closed', status: 'closed', assignees: ['Support-Anna'], closedAt: '2026-06-02T00:00:00Z' });
    // The assignee list is replaced with the row: the old assignee no longer finds it, the new one (any case) does.
    const mine = async (login: string) =>
      (await storeQueue(database, QueueFilterSchema.parse({ status: 'all', assignee: 'me', pageSize: 200 }), login)).groups.flatMap((g) => g.rows.map((r) => r.number));
    expect(await mine('support-ben')).not.toContain(90_001);
    expect(await mine('SUPPORT-ANNA')).toContain(90_001);
    expect(await customerTickets(database, 'c-newer')).toHaveLength(1);

    // Remove it again: the tests below compare against the fixtures only.
    await database.db.deleteFrom('ticket_summaries').where('number', '=', 90_001).execute();
    await database.db.deleteFrom('ticket_summary_assignees').where('number', '=', 90_001).execute();
    await database.db.deleteFrom('ticket_summary_replies').where('number', '=', 90_001).execute();
  });

  it('answers every queue filter, sort and page exactly as buildQueue does over the same tickets', async () => {
    const tickets = queueTickets(fixtures);
    const filters: Array<Record<string, unknown>> = [];
    for (const status of ['active', 'all', ...TICKET_STATUSES]) {
      for (const sort of ['action', 'updated', 'created', 'priority']) filters.push({ status, sort, pageSize: 25, page: 1 }, { status, sort, pageSize: 10, page: 3 });
    }
    for (const assignee of ['me', 'pool', 'all', 'support-ben', 'SUPPORT-CLEO', 'nobody']) filters.push({ assignee }, { assignee, status: 'all', sort: 'updated', pageSize: 7, page: 2 });
    for (const priority of ['low', 'normal', 'high', 'urgent']) filters.push({ priority, status: 'all' }, { priority, sort: 'priority' });
    for (const type of ['question', 'problem', '', 'other']) filters.push({ type, status: 'all' });
    for (const category of ['orders', 'shipping', 'returns', '']) filters.push({ category, sort: 'created', pageSize: 50 });
    filters.push(
      { from: '2026-04-01', status: 'all', pageSize: 200 },
      { to: '2026-04-01', status: 'all', pageSize: 200 },
      { from: '2026-03-10', to: '2026-03-20', status: 'all', sort: 'created' },
      { from: '2026-02-30', to: '2026-02-31', status: 'all', pageSize: 200 },
      { from: '2026-13-01', status: 'all' },
      { page: 9999 },
      { status: 'all', pageSize: 5, page: 85 },
      { status: 'waiting', assignee: 'pool', category: 'orders', priority: 'urgent' },
      { status: 'closed', sort: 'action', pageSize: 200, page: 2 },
    );
    for (const raw of filters) {
      const filter = QueueFilterSchema.parse(raw);
      expect(await storeQueue(database, filter, 'Support-Anna'), JSON.stringify(raw)).toEqual(buildQueue(tickets, filter, 'Support-Anna'));
    }
  });

  it('gives the statistics computeStatistics gives over every ticket and thread', async () => {
    const tickets = statsTickets(fixtures);
    for (const range of [
      { from: '2026-06-01', to: '2026-06-30' },
      { from: '2026-03-01', to: '2026-03-31' },
      { from: '2025-01-01', to: '2025-01-30' },
      { from: '2026-07-01', to: '2026-07-15' },
      { from: '2026-01-01', to: '2026-06-30' },
      // Every day a ticket was closed at midnight starts a range once.
      ...fixtures.filter((f) => f.ticket.number % 37 === 0 && f.ticket.closedAt).map((f) => ({ from: (f.ticket.closedAt as string).slice(0, 10), to: (f.ticket.closedAt as string).slice(0, 10) })),
    ]) {
      const fromStore = statisticsFromSummaries(await statisticsInputs(database, range, NOW), rules, range);
      expect(comparable(fromStore), JSON.stringify(range)).toEqual(comparable(computeStatistics(tickets, rules, range, NOW)));
    }
  });

  it("lists a customer's tickets newest first, and the newest few for the card", async () => {
    const byCustomer = new Map<string, Fixture[]>();
    for (const f of fixtures) {
      const id = f.ticket.meta?.customer?.id;
      if (id) byCustomer.set(id, [...(byCustomer.get(id) ?? []), f]);
    }
    expect(byCustomer.size).toBeGreaterThan(30);
    for (const [id, own] of byCustomer) {
      const expected = own.map((f) => f.ticket).sort((a, b) => b.number - a.number);
      const listed = await customerTickets(database, id);
      expect(listed.map((t) => [t.number, t.ref, t.title, t.status, t.createdAt, t.updatedAt, t.closedAt])).toEqual(
        expected.map((t) => [t.number, t.meta?.ref, t.title, statusOf(t), t.createdAt, t.updatedAt, t.closedAt]),
      );
      expect(listed.map((t) => t.thread.map((m) => m.id))).toEqual(expected.map((t) => t.messages.map((m) => m.id)));
      expect((await customerTickets(database, id, { limit: 2 })).map((t) => t.number)).toEqual(expected.slice(0, 2).map((t) => t.number));
    }
    expect(await customerTickets(database, 'c-nobody')).toEqual([]);
  });
});

describe(`the first build of the read model on ${STORE_ENGINE}`, () => {
  /** A Git host holding `fixtures` (plus an issue that is not a desk ticket), counting what is read. */
  function fakeHost(all: readonly Fixture[], onPage?: (page: number) => void) {
    const reads = { pages: [] as number[], threads: new Map<number, number>(), reactions: 0 };
    const summaries: TicketSummary[] = [
      ...all.map((f) => f.ticket),
      { ...(all[0] as Fixture).ticket, number: 5000, author: { login: 'support-anna', association: 'MEMBER', isBot: false }, meta: undefined, messages: [] } as Ticket,
    ]
      .sort((a, b) => a.number - b.number)
      .map(({ messages: _messages, ...summary }) => ({ ...summary }) as TicketSummary);
    const byNumber = new Map(all.map((f) => [f.ticket.number, f]));
    const host: ReadModelBuildOptions['host'] = {
      async listTicketPage(page, perPage = 100) {
        reads.pages.push(page);
        onPage?.(page);
        return { tickets: summaries.slice((page - 1) * perPage, page * perPage), lastPage: Math.max(1, Math.ceil(summaries.length / perPage)) };
      },
      async listMessages(n) {
        reads.threads.set(n, (reads.threads.get(n) ?? 0) + 1);
        // Reactions stand for ratings: a rated reply shows a +1 count.
        return (byNumber.get(n)?.ticket.messages ?? []).map((m) => ({ ...m, reactions: byNumber.get(n)?.ratings.has(m.id) ? { '+1': 1 } : {} }));
      },
      async listReactions(id) {
        reads.reactions += 1;
        const rating = all.find((f) => f.ratings.has(id))?.ratings.get(id);
        return [{ content: rating === 'helpful' ? '+1' : '-1', login: BOT }];
      },
      botLogin: async () => BOT,
    };
    const kindsOf = async (messages: readonly TicketMessage[]) => new Map(messages.map((m) => [m.id, all.find((f) => f.kinds.has(m.id))?.kinds.get(m.id) ?? 'outsider']));
    return { host, reads, kindsOf };
  }

  it('stops after a page, continues after a reopen without reading or writing a ticket twice, and costs nothing once done', async () => {
    const built = await freshStore();
    try {
      const tickets = makeTickets(230, 3);
      const lines: string[] = [];
      const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
      const control = { stopped: false };
      const first = fakeHost(tickets, (page) => {
        if (page === 2) control.stopped = true;
      });
      const stopped = await buildReadModel({ database: built.database, host: first.host, kindsOf: first.kindsOf, log, pageSize: 50, progressEvery: 40 }, control);
      expect(stopped).toMatchObject({ state: 'building', page: 3, after: 100, done: 100, total: 231 });
      expect(first.reads.pages).toEqual([1, 5, 2]);
      const afterStop = await built.database.db.selectFrom('ticket_summaries').select('number').orderBy('number').execute();
      expect(afterStop.map((r) => Number(r.number))).toEqual(tickets.slice(0, 100).map((f) => f.ticket.number));

      // A restart: a new connection to the same store continues at page 3.
      await built.database.close();
      const reopened = await built.open();
      try {
        const second = fakeHost(tickets);
        const done = await buildReadModel({ database: reopened, host: second.host, kindsOf: second.kindsOf, log, pageSize: 50, progressEvery: 40 });
        expect(done).toMatchObject({ state: 'done', done: 231, total: 231 });
        expect(second.reads.pages).toEqual([3, 4, 5]);
        const threadReads = [...first.reads.threads.entries(), ...second.reads.threads.entries()];
        expect(threadReads.every(([, n]) => n === 1)).toBe(true);
        expect(new Set(threadReads.map(([n]) => n)).size).toBe(threadReads.length);
        // Only tickets with a thread are read beyond the listing, and never the issue staff opened.
        expect(threadReads.map(([n]) => n).sort((a, b) => a - b)).toEqual(tickets.filter((f) => f.ticket.messages.length > 0).map((f) => f.ticket.number));
        expect(lines).toEqual(
          expect.arrayContaining([
            'helpdesk: read model: 50/231 tickets',
            'helpdesk: read model: 150/231 tickets',
            expect.stringMatching(/continuing the first build at 100\/231/),
            expect.stringMatching(/^helpdesk: read model: built, 231 tickets in/),
          ]),
        );

        // What the build wrote is what the sync would have written: the same queue and statistics.
        const range = { from: '2026-04-01', to: '2026-04-30' };
        expect(comparable(statisticsFromSummaries(await statisticsInputs(reopened, range, NOW), rules, range))).toEqual(comparable(computeStatistics(statsTickets(tickets), rules, range, NOW)));
        const filter = QueueFilterSchema.parse({ status: 'all', pageSize: 200, page: 2 });
        expect(await storeQueue(reopened, filter, 'support-ben')).toEqual(buildQueue(queueTickets(tickets), filter, 'support-ben'));

        // Later starts read nothing for the read model.
        const third = fakeHost(tickets);
        expect(await buildReadModel({ database: reopened, host: third.host, kindsOf: third.kindsOf, log })).toMatchObject({ state: 'done' });
        expect(third.reads).toEqual({ pages: [], threads: new Map(), reactions: 0 });
        expect((await readModelBuild(reopened))?.finishedAt).toBeDefined();
      } finally {
        await reopened.close();
      }
    } finally {
      await built.remove();
    }
  });
});

describe(`staff search over the read model on ${STORE_ENGINE}`, () => {
  const searched = async (search: string) => (await queuePage(database, QueueFilterSchema.parse({ status: 'all', pageSize: 200, search }), 'x')).rows.map((r) => r.number).filter((n) => n >= 95_000);

  beforeAll(async () => {
    const base = makeTickets(1, 5)[0] as Fixture;
    const make = (number: number, title: string, email: string, name: string, body: string): Fixture => ({
      ...base,
      ticket: { ...base.ticket, number, title, body, meta: { ...base.ticket.meta, ref: `T-SRCH${number - 95_000}AB`, customer: { id: `c-${number}`, email }, customerName: name } as TicketMeta },
    });
    await upsertTicketSummaries(database, [
      make(95_001, 'Zipper broke on the Alpine jacket', 'mia.keller@example.com', 'Mia Keller', '**Customer:** Mia\n\n---\n\nThe zipper of order 4471 broke after one day.'),
      make(95_002, 'Refund for order 4471', 'jon@example.org', 'Jon Berg', 'I want 100% of my money back, order_4471.'),
      make(95_003, 'Wrong colour', 'sam@example.net', 'Sam', 'Ordered blue, got green.'),
    ]);
  });

  it('finds tickets by subject, customer address or name, reference and the opening message, case and order ignored', async () => {
    expect(await searched('zipper')).toEqual([95_001]);
    expect(await searched('ALPINE')).toEqual([95_001]);
    expect(await searched('keller')).toEqual([95_001]);
    expect(await searched('jon@example.org')).toEqual([95_002]);
    expect(await searched('t-srch3ab')).toEqual([95_003]);
    expect(await searched('green')).toEqual([95_003]);
    expect((await searched('4471')).sort()).toEqual([95_001, 95_002]);
    // Every word must match.
    expect(await searched('4471 zipper')).toEqual([95_001]);
    expect(await searched('4471 purple')).toEqual([]);
  });

  it('takes % and _ literally', async () => {
    expect(await searched('100%')).toEqual([95_002]);
    expect(await searched('order_4471')).toEqual([95_002]);
    expect(await searched('%')).toEqual([95_002]);
    expect(await searched('_')).toEqual([95_002]);
  });

  it('shows the customer by name and address in the statistics once their tickets carry them', async () => {
    const inputs = await statisticsInputs(database, { from: '2000-01-01', to: '2100-01-01' }, NOW);
    expect(inputs.customers.find((c) => c.customer === 'c-95001')).toMatchObject({ email: 'mia.keller@example.com', name: 'Mia Keller' });
  });
});
