// The live staff views' feed (src/store/ticket-changes.ts, src/server/ticket-change-feed.ts) on the engine this run
// tests: which ticket changes a page hears of, once each, and what a page that reconnects is told.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followTicketChanges, type ChangeListener, type TicketChangeFeed } from '../../src/server/ticket-change-feed.ts';
import { leaveTicket, markViewing, pruneTicketChanges, ticketChangesAfter, ticketViewers } from '../../src/store/ticket-changes.ts';
import { removeTicketSummary, upsertTicketSummaries, upsertTicketSummary } from '../../src/store/ticket-summaries.ts';
import type { Ticket } from '../../src/tickets/ticket.ts';
import { freshStore, STORE_ENGINE } from '../helpers/store.ts';
import { waitFor } from '../helpers/wait.ts';

let store: Awaited<ReturnType<typeof freshStore>>;
const feeds: TicketChangeFeed[] = [];
beforeEach(async () => {
  store = await freshStore();
});
afterEach(async () => {
  for (const feed of feeds.splice(0)) feed.close();
  await store.remove();
});

function ticket(number: number, changes: Partial<Ticket> = {}): Ticket {
  return {
    number,
    title: `Ticket ${number}`,
    state: 'open',
    labels: ['status: new', 'priority: normal'],
    assignees: [],
    author: { login: 'helpdesk-bot', isBot: true },
    commentCount: 0,
    createdAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z',
    closedAt: null,
    meta: undefined,
    body: 'Help',
    htmlUrl: `https://example.test/issues/${number}`,
    messages: [],
    ...changes,
  } as Ticket;
}
const input = (t: Ticket) => ({ ticket: t, kinds: new Map(), ratings: new Map() });
const changes = async () => (await ticketChangesAfter(store.database, 0, 100)).map((c) => `${c.number}:${c.kind}`);

describe(`the ticket change feed on ${STORE_ENGINE}`, () => {
  it('records what the staff pages show changing, not a re-read that changed nothing, nor the first build', async () => {
    await upsertTicketSummary(store.database, input(ticket(1)));
    // The sweep reads the same ticket again.
    await upsertTicketSummary(store.database, input(ticket(1)));
    await upsertTicketSummary(store.database, input(ticket(1, { labels: ['status: reply-received', 'priority: normal'], updatedAt: '2026-12-01T10:05:00Z' })));
    await upsertTicketSummary(store.database, input(ticket(1, { assignees: ['support-anna'], updatedAt: '2026-12-01T10:06:00Z' })));
    // A read older than the row changes nothing.
    await upsertTicketSummary(store.database, input(ticket(1, { title: 'Old', updatedAt: '2026-12-01T09:00:00Z' })));
    await upsertTicketSummaries(store.database, [input(ticket(2)), input(ticket(3))], { state: 'building', page: 2, after: 3, done: 2, total: 10, startedAt: '2026-12-01T10:00:00Z', ms: 1 });
    await removeTicketSummary(store.database, 3);
    expect(await changes()).toEqual(['1:ticket', '1:ticket', '1:ticket', '3:ticket']);
  });

  it('tells a listener of each change once, in order, and one that reconnects what it missed', async () => {
    const feed = followTicketChanges({ database: store.database, pollMs: 20 });
    feeds.push(feed);
    // History before anyone listened is not news.
    await upsertTicketSummary(store.database, input(ticket(7)));
    const heard: string[] = [];
    const listener: ChangeListener = (event) => heard.push(...('reset' in event ? ['reset'] : event.changes.map((c) => `${c.seq}:${c.number}`)));
    const stop = await feed.subscribe(listener);
    for (const n of [1, 2, 3]) await upsertTicketSummary(store.database, input(ticket(n)));
    await waitFor('three changes', async () => heard.length >= 3 && heard);
    const seqs = (await ticketChangesAfter(store.database, 0, 100)).map((c) => c.seq);
    expect(heard).toEqual(seqs.slice(1).map((seq, i) => `${seq}:${i + 1}`));
    stop();
    // The page was away for two changes; it comes back with the last id it saw.
    await upsertTicketSummary(store.database, input(ticket(4)));
    await upsertTicketSummary(store.database, input(ticket(5)));
    const back: string[] = [];
    await feed.subscribe((event) => back.push(...('reset' in event ? ['reset'] : event.changes.map((c) => String(c.number)))), seqs[3]);
    await upsertTicketSummary(store.database, input(ticket(6)));
    await waitFor('the missed changes and the new one', async () => back.length >= 3 && back);
    expect(back).toEqual(['4', '5', '6']);
  });

  it('tells a page that was away longer than the feed keeps to reload, and a forged id resumes nothing wrong', async () => {
    await upsertTicketSummary(store.database, input(ticket(1)));
    await upsertTicketSummary(store.database, input(ticket(2)));
    const [first] = await ticketChangesAfter(store.database, 0, 1);
    await pruneTicketChanges(store.database, Date.now() + 1);
    await upsertTicketSummary(store.database, input(ticket(3)));
    const feed = followTicketChanges({ database: store.database, pollMs: 20 });
    feeds.push(feed);
    const heard: string[] = [];
    await feed.subscribe((event) => heard.push(...('reset' in event ? ['reset'] : event.changes.map((c) => String(c.number)))), first!.seq);
    expect(heard).toEqual(['reset']);
    // An id from the future (or another installation) hears nothing old and nothing twice.
    const future: string[] = [];
    await feed.subscribe((event) => future.push(...('reset' in event ? ['reset'] : event.changes.map((c) => String(c.number)))), 10 ** 12);
    await upsertTicketSummary(store.database, input(ticket(4)));
    await waitFor('the new change', async () => future.length >= 1 && future);
    expect(future).toEqual(['4']);
  });

  it('records who has a ticket open when it is news: someone new, writing started or stopped, leaving', async () => {
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    const mark = (login: string, replying: boolean, at: number) => markViewing(store.database, { number: 9, login, replying, until: at + 45_000, now: at });
    await mark('Support-Anna', false, t0);
    await mark('support-anna', false, t0 + 20_000);
    await mark('support-ben', false, t0 + 20_000);
    await mark('support-ben', true, t0 + 25_000);
    expect(await ticketViewers(store.database, 9, t0 + 30_000)).toEqual([
      { login: 'support-anna', replying: false },
      { login: 'support-ben', replying: true },
    ]);
    await leaveTicket(store.database, 9, 'SUPPORT-BEN', t0 + 31_000);
    // A tab that closed without saying so counts until its last heartbeat runs out; coming back then is news.
    expect(await ticketViewers(store.database, 9, t0 + 66_000)).toEqual([]);
    await mark('support-anna', false, t0 + 70_000);
    expect(await changes()).toEqual(['9:viewers', '9:viewers', '9:viewers', '9:viewers', '9:viewers']);
  });
});
