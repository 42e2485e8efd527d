// Response targets in the store (src/store/sla.ts) on the engine this run tests: the rows the workflow saves, the
// tickets the sweep wakes up for, the queue sorted by due time and the rows statistics read.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueueFilterSchema } from '../../src/staff/queue.ts';
import { removeSlaClock, saveSlaClock, slaChecksDue, slaClock, slaClocks, slaStatisticsRows, unmeasuredOpenTickets, type SlaClock } from '../../src/store/sla.ts';
import { queuePage, upsertTicketSummary } from '../../src/store/ticket-summaries.ts';
import type { Ticket } from '../../src/tickets/ticket.ts';
import { freshStore, STORE_ENGINE } from '../helpers/store.ts';

const T0 = Date.parse('2026-11-30T08:00:00Z');
const H = 3_600_000;

let store: Awaited<ReturnType<typeof freshStore>>;
beforeEach(async () => {
  store = await freshStore();
});
afterEach(() => store.remove());

function ticket(number: number, labels: string[], createdAt = '2026-11-30T08:00:00Z'): Ticket {
  return {
    number,
    title: `Ticket ${number}`,
    state: 'open',
    labels,
    assignees: ['support-anna'],
    author: { login: 'helpdesk-bot', isBot: true },
    commentCount: 0,
    createdAt,
    updatedAt: createdAt,
    closedAt: null,
    meta: { kind: 'ticket', ref: `T-${number}` },
    body: 'Help',
    htmlUrl: `https://example.com/${number}`,
    messages: [],
  } as unknown as Ticket;
}

const clock = (number: number, dueAt: number | undefined, nextCheckAt: number | undefined): SlaClock => ({
  number,
  timeline: { openedAt: T0, messages: [{ id: number * 10, kind: 'customer', at: T0 + H }], statuses: [{ status: 'open', at: T0 }] },
  since: T0,
  dueAt,
  dueTarget: dueAt === undefined ? undefined : 'firstResponse',
  paused: dueAt === undefined,
  nextCheckAt,
});

describe(`response targets in the store on ${STORE_ENGINE}`, () => {
  it('saves, replaces and forgets a ticket row, keeping when the desk began measuring it', async () => {
    await saveSlaClock(store.database, clock(1, T0 + 4 * H, T0 + 3 * H));
    await saveSlaClock(store.database, { ...clock(1, T0 + 5 * H, undefined), since: T0 + 99 });
    expect(await slaClock(store.database, 1)).toEqual({ ...clock(1, T0 + 5 * H, undefined) });
    expect([...(await slaClocks(store.database, [1, 2])).keys()]).toEqual([1]);
    await removeSlaClock(store.database, 1);
    expect(await slaClock(store.database, 1)).toBeUndefined();
  });

  it('lists the tickets whose label changes by time at or before now', async () => {
    await saveSlaClock(store.database, clock(1, T0 + 4 * H, T0 + 3 * H));
    await saveSlaClock(store.database, clock(2, T0 + 2 * H, T0 + 1 * H));
    await saveSlaClock(store.database, clock(3, undefined, undefined));
    expect(await slaChecksDue(store.database, T0)).toEqual([]);
    expect(await slaChecksDue(store.database, T0 + 3 * H)).toEqual([2, 1]);
  });

  it('sorts the queue by due time, tickets without one last, lists the unmeasured ones and gives statistics their rows', async () => {
    for (const n of [1, 2, 3]) await upsertTicketSummary(store.database, { ticket: ticket(n, ['status: open', 'priority: normal', 'category: orders']), kinds: new Map(), ratings: new Map() });
    await saveSlaClock(store.database, clock(1, T0 + 4 * H, undefined));
    await saveSlaClock(store.database, clock(3, T0 + 1 * H, undefined));
    const page = await queuePage(store.database, QueueFilterSchema.parse({ sort: 'due' }), 'support-anna');
    expect(page.rows.map((r) => r.number)).toEqual([3, 1, 2]);
    // Ticket 2 was never measured (targets turned on over a backlog): the sweep measures it.
    expect(await unmeasuredOpenTickets(store.database)).toEqual([2]);
    const rows = await slaStatisticsRows(store.database, { start: T0 - H, end: T0 + 24 * H });
    expect(rows.map((r) => [r.number, r.priority, r.category, r.assignees]).sort()).toEqual([
      [1, 'normal', 'orders', ['support-anna']],
      [3, 'normal', 'orders', ['support-anna']],
    ]);
    expect(rows.find((r) => r.number === 1)?.timeline.messages).toEqual([{ id: 10, kind: 'customer', at: T0 + H }]);
    expect(await slaStatisticsRows(store.database, { start: T0 + H, end: T0 + 24 * H })).toEqual([]);
  });
});
