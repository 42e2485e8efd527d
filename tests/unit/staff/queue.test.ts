import { describe, expect, it } from 'vitest';
import { buildQueue, parseQueueFilter, type QueueTicket } from '../../../src/staff/queue.ts';

const t = (number: number, status: string, extra: Partial<QueueTicket> & { priority?: string; category?: string } = {}): QueueTicket => ({
  number,
  ref: `T-${number}`,
  title: `Ticket ${number}`,
  state: status === 'closed' ? 'closed' : 'open',
  labels: [`status: ${status}`, `priority: ${extra.priority ?? 'normal'}`, `category: ${extra.category ?? 'orders'}`, 'type: question'],
  assignees: extra.assignees ?? [],
  createdAt: extra.createdAt ?? `2026-11-0${Math.min(number, 9)}T10:00:00Z`,
  updatedAt: extra.updatedAt ?? `2026-11-1${Math.min(number, 9)}T10:00:00Z`,
});

const tickets = [
  t(1, 'waiting', { assignees: ['anna'] }),
  t(2, 'new'),
  t(3, 'reply-received', { assignees: ['anna'], priority: 'urgent' }),
  t(4, 'reply-received', { assignees: ['ben'] }),
  t(5, 'closed', { assignees: ['anna'] }),
  t(6, 'escalated', { assignees: ['it-oncall'], category: 'payments' }),
  t(7, 'open', { assignees: ['ben'], priority: 'high' }),
];
const filter = (query: string) => parseQueueFilter(new URLSearchParams(query));
const numbers = (query: string, me = 'anna') => buildQueue(tickets, filter(query), me).groups.flatMap((g) => g.rows.map((r) => r.number));

describe('the staff queue', () => {
  it('puts what needs action first: new, then reply-received (urgent first), then open, escalated, waiting; closed hidden', () => {
    const queue = buildQueue(tickets, filter(''), 'anna');
    expect(queue.groups.map((g) => g.status)).toEqual(['new', 'reply-received', 'open', 'escalated', 'waiting']);
    expect(numbers('')).toEqual([2, 3, 4, 7, 6, 1]);
  });

  it.each([
    ['assignee=me', [3, 1]],
    ['assignee=pool', [2]],
    ['assignee=ben', [4, 7]],
    ['status=closed', [5]],
    ['status=all', [2, 3, 4, 7, 6, 1, 5]],
    ['category=payments', [6]],
    ['priority=urgent', [3]],
    ['from=2026-11-03&to=2026-11-04', [3, 4]],
    ['sort=created', [7, 6, 4, 3, 2, 1]],
  ])('filters and sorts by %s', (query, expected) => {
    expect(numbers(query)).toEqual(expected);
  });

  it('pages', () => {
    const page2 = buildQueue(tickets, filter('pageSize=5&page=2&status=all'), 'anna');
    expect(page2).toMatchObject({ total: 7, page: 2, pages: 2 });
    expect(page2.groups.flatMap((g) => g.rows.map((r) => r.number))).toEqual([1, 5]);
  });

  it('falls back to defaults for nonsense in the query string', () => {
    expect(filter('status=<script>&pageSize=-4&page=x&from=yesterday')).toMatchObject({ status: 'active', pageSize: 25, page: 1, from: undefined });
  });
});
