import { describe, expect, it } from 'vitest';
import type { MessageKind } from '../../../src/tickets/message-kinds.ts';
import { computeStatistics, percentile, statisticsToCsv, type StatsTicket } from '../../../src/staff/stats.ts';

const rules = {
  repliesPublicByDefault: false,
  supporters: [
    { login: 'anna', categories: [], present: true },
    { login: 'ben', categories: [], present: true },
  ],
};
const customer = 'helpdesk-bot';
const anna = 'anna';
const ben = 'ben';
// Kinds and ratings are resolved by the ticket model before statistics count them.
const kindOf = (author: string, body: string): MessageKind => (author === customer ? 'customer' : body.startsWith('/reply ') ? 'staff-reply' : 'internal-note');
const msg = (author: string, body: string, createdAt: string, reactions: Record<string, number> = {}): StatsTicket['messages'][number] => ({
  kind: kindOf(author, body),
  author,
  createdAt,
  rating: reactions['+1'] ? 'helpful' : reactions['-1'] ? 'not-helpful' : undefined,
});

// A scripted week: three tickets with known answers.
const tickets: StatsTicket[] = [
  {
    number: 1,
    state: 'closed',
    labels: ['status: closed'],
    assignees: ['anna'],
    customer: 'c-1',
    createdAt: '2026-11-02T09:00:00Z',
    closedAt: '2026-11-03T09:00:00Z',
    messages: [msg(anna, 'internal: looking', '2026-11-02T09:30:00Z'), msg(anna, '/reply Found it', '2026-11-02T11:00:00Z', { '+1': 1 }), msg(customer, 'thanks', '2026-11-02T12:00:00Z')],
  },
  {
    number: 2,
    state: 'open',
    labels: ['status: waiting'],
    assignees: ['ben'],
    customer: 'c-1',
    createdAt: '2026-11-03T10:00:00Z',
    closedAt: null,
    messages: [msg(ben, '/reply Which size?', '2026-11-03T14:00:00Z', { '-1': 1 })],
  },
  {
    number: 3,
    state: 'open',
    labels: ['status: new'],
    assignees: [],
    customer: 'c-2',
    createdAt: '2026-11-04T08:00:00Z',
    closedAt: null,
    messages: [],
  },
];
const now = Date.parse('2026-11-05T08:00:00Z');
const stats = computeStatistics(tickets, rules, { from: '2026-11-02', to: '2026-11-05' }, now);

describe('support statistics on a scripted timeline', () => {
  it('counts tickets opened and closed per day and the backlog at the end of each day', () => {
    expect(stats.days).toEqual([
      { day: '2026-11-02', opened: 1, closed: 0, backlog: 1 },
      { day: '2026-11-03', opened: 1, closed: 1, backlog: 1 },
      { day: '2026-11-04', opened: 1, closed: 0, backlog: 2 },
      { day: '2026-11-05', opened: 0, closed: 0, backlog: 2 },
    ]);
  });

  it('measures time to first public reply, ignoring internal notes', () => {
    // Ticket 1: 2 h (the note at 30 min does not count); ticket 2: 4 h; ticket 3: unanswered.
    expect(stats.firstResponse).toEqual({ count: 2, median: 2, p90: 4 });
  });

  it('measures time to close', () => {
    expect(stats.timeToClose).toEqual({ count: 1, median: 24, p90: 24 });
  });

  it('totals per customer', () => {
    expect(stats.customers).toEqual([
      { customer: 'c-1', tickets: 2, messages: 3, hoursOpen: 24 + 46 },
      { customer: 'c-2', tickets: 1, messages: 1, hoursOpen: 24 },
    ]);
  });

  it('totals ratings and workload per supporter', () => {
    expect(stats.supporters).toEqual([
      { login: 'anna', replies: 1, helpful: 1, notHelpful: 0, helpfulShare: 1, openAssigned: 0 },
      { login: 'ben', replies: 1, helpful: 0, notHelpful: 1, helpfulShare: 0, openAssigned: 1 },
    ]);
  });

  it('reports the status of every ticket now', () => {
    expect(stats.statusNow).toEqual({ closed: 1, waiting: 1, new: 1 });
  });

  it('exports the same figures as CSV, with formulas defused', () => {
    const csv = statisticsToCsv({ ...stats, customers: [{ customer: '=HYPERLINK("x")', tickets: 1, messages: 1, hoursOpen: 1 }] });
    expect(csv).toContain('"2026-11-04","1","0","2"');
    expect(csv).toContain('"first response","2","2","4"');
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([5], 0.5)).toBe(5);
    expect(percentile([], 0.5)).toBeUndefined();
  });
});
