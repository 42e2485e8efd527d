import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { repairLabels } from '../../../src/tickets/label-repair.ts';

const rules = {
  ticketTypes: ['question', 'problem'],
  categories: [
    { id: 'orders', title: { en: 'Orders' }, description: {} },
    { id: 'shipping', title: { en: 'Shipping' }, description: {} },
  ],
};
const open = (labels: string[], assignees: string[] = []) => ({ labels, state: 'open' as const, assignees });
const sorted = (l: string[]) => [...l].sort();

describe('repairLabels: exactly one label per group', () => {
  it.each([
    ['keeps a correct set', open(['status: open', 'priority: normal', 'type: question', 'category: orders']), undefined, ['category: orders', 'priority: normal', 'status: open', 'type: question']],
    [
      'keeps the status just added',
      open(['status: open', 'status: on-hold', 'priority: normal', 'type: question', 'category: orders']),
      'status: on-hold',
      ['category: orders', 'priority: normal', 'status: on-hold', 'type: question'],
    ],
    [
      'prefers the status asking staff to act otherwise',
      open(['status: waiting', 'status: reply-received', 'priority: normal', 'type: question', 'category: orders']),
      undefined,
      ['category: orders', 'priority: normal', 'status: reply-received', 'type: question'],
    ],
    [
      'keeps the higher priority',
      open(['status: open', 'priority: low', 'priority: urgent', 'type: question', 'category: orders']),
      undefined,
      ['category: orders', 'priority: urgent', 'status: open', 'type: question'],
    ],
    ['adds defaults for a missing status, priority and type', open(['category: orders']), undefined, ['category: orders', 'priority: normal', 'status: new', 'type: question']],
    [
      'a missing status on an assigned ticket is open',
      open(['category: orders', 'priority: normal', 'type: question'], ['anna']),
      undefined,
      ['category: orders', 'priority: normal', 'status: open', 'type: question'],
    ],
    [
      'an open issue still labelled closed was reopened',
      open(['status: closed', 'priority: normal', 'type: question', 'category: orders']),
      undefined,
      ['category: orders', 'priority: normal', 'status: open', 'type: question'],
    ],
    [
      'two categories keep the one just added',
      open(['status: open', 'priority: normal', 'type: question', 'category: orders', 'category: shipping']),
      'category: shipping',
      ['category: shipping', 'priority: normal', 'status: open', 'type: question'],
    ],
    [
      'keeps labels outside the model and leaves a missing category missing',
      open(['status: new', 'priority: normal', 'type: problem', 'good first issue']),
      undefined,
      ['good first issue', 'priority: normal', 'status: new', 'type: problem'],
    ],
  ])('%s', (_name, ticket, prefer, expected) => {
    expect(sorted(repairLabels(ticket, rules, prefer))).toEqual(expected);
  });

  it('makes a closed issue `status: closed` whatever its labels say', () => {
    expect(repairLabels({ labels: ['status: waiting', 'status: open'], state: 'closed', assignees: [] }, rules)).toContain('status: closed');
  });

  it('is a fixed point with one label of each group, for any label soup', () => {
    const label = fc.oneof(
      fc.constantFrom(
        'status: new',
        'status: open',
        'status: waiting',
        'status: closed',
        'status: bogus',
        'priority: low',
        'priority: urgent',
        'priority: x',
        'type: question',
        'type: problem',
        'category: orders',
        'category: shipping',
        'wontfix',
      ),
    );
    fc.assert(
      fc.property(fc.array(label, { maxLength: 8 }), fc.constantFrom('open' as const, 'closed' as const), fc.boolean(), (labels, state, assigned) => {
        const once = repairLabels({ labels, state, assignees: assigned ? ['anna'] : [] }, rules);
        expect(repairLabels({ labels: once, state, assignees: assigned ? ['anna'] : [] }, rules)).toEqual(once);
        for (const group of ['status', 'priority', 'type']) expect(once.filter((l) => l.startsWith(`${group}: `))).toHaveLength(1);
        expect(once.filter((l) => l.startsWith('category: ')).length).toBeLessThanOrEqual(1);
      }),
    );
  });
});
