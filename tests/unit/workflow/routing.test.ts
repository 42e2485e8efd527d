import { describe, expect, it } from 'vitest';
import { nextInRotation, notifiedSupporters, routingPool } from '../../../src/workflow/routing.ts';
import { nextTier, parseEscalateCommand, escalationNote } from '../../../src/workflow/escalation.ts';

const s = (login: string, categories: string[], present = true) => ({ login, categories, present });

describe('routing', () => {
  const team = [s('anna', ['orders', 'shipping']), s('ben', ['orders']), s('cleo', ['returns'], false), s('dan', [])];

  it('routes among the present supporters of the category (an empty list means every category)', () => {
    expect(routingPool(team, 'orders')).toEqual({ key: 'category:orders', logins: ['anna', 'ben', 'dan'] });
    expect(routingPool(team, 'shipping')).toEqual({ key: 'category:shipping', logins: ['anna', 'dan'] });
  });

  it('falls back to every present supporter when none of the category is present', () => {
    const team2 = [s('anna', ['orders']), s('cleo', ['returns'], false)];
    expect(routingPool(team2, 'returns')).toEqual({ key: 'all', logins: ['anna'] });
    expect(notifiedSupporters(team2, 'returns').map((x) => x.login)).toEqual(['anna']);
  });

  it('leaves the ticket in the pool when nobody is present', () => {
    expect(routingPool([s('cleo', [], false)], 'orders')).toBeUndefined();
    expect(notifiedSupporters([s('cleo', [], false)], 'orders')).toEqual([]);
  });

  it('is fair: over many tickets every supporter gets the same number, in turn', () => {
    const pool = routingPool(team, 'orders')!;
    const counts = new Map<string, number>();
    let last: string | undefined;
    const order: string[] = [];
    for (let i = 0; i < 30; i++) {
      last = nextInRotation(pool, last)!;
      order.push(last);
      counts.set(last, (counts.get(last) ?? 0) + 1);
    }
    expect(order.slice(0, 4)).toEqual(['anna', 'ben', 'dan', 'anna']);
    expect([...counts.values()]).toEqual([10, 10, 10]);
  });

  it('starts over when the last assignee left the pool', () => {
    expect(nextInRotation({ key: 'all', logins: ['anna', 'ben'] }, 'gone')).toBe('anna');
  });
});

describe('escalation', () => {
  const chain = ['lead', 'it'];
  it.each([
    [['anna'], { login: 'lead', tier: 2 }],
    [[], { login: 'lead', tier: 2 }],
    [['Lead'], { login: 'it', tier: 3 }],
    [['anna', 'lead', 'it'], undefined],
  ])('after %j the next tier is %j', (assignees, next) => {
    expect(nextTier(assignees, chain)).toEqual(next);
  });

  it('reads the reason of an /escalate command', () => {
    expect(parseEscalateCommand('/escalate refund over the limit')).toEqual({ reason: 'refund over the limit' });
    expect(parseEscalateCommand('  /ESCALATE\nneeds IT')).toEqual({ reason: 'needs IT' });
    expect(parseEscalateCommand('please /escalate this')).toBeUndefined();
    expect(parseEscalateCommand('/escalated already')).toBeUndefined();
  });

  it('writes who, why and to whom', () => {
    expect(escalationNote({ by: 'anna', reason: 'refund', to: { login: 'lead', tier: 2 }, from: ['anna'] })).toBe(
      '**Escalated** by anna.\n\n**Reason:** refund\n\nAssigned to @lead (tier 2), taking over from anna.\n\n_Internal note by the help desk: the customer does not see it._',
    );
    expect(escalationNote({ by: undefined, reason: '', to: undefined, from: [] })).toContain('already with the last tier');
  });
});
