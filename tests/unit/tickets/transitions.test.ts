import { describe, expect, it } from 'vitest';
import { statusAfter, type StatusTrigger } from '../../../src/tickets/transitions.ts';
import type { TicketStatus } from '../../../src/tickets/labels.ts';

describe('statusAfter: the transitions of PRODUCT.md', () => {
  it.each<[TicketStatus, StatusTrigger, TicketStatus]>([
    ['open', 'staff-reply', 'waiting'],
    ['reply-received', 'staff-reply', 'waiting'],
    ['waiting', 'customer-reply', 'reply-received'],
    ['on-hold', 'customer-reply', 'reply-received'],
    ['waiting', 'internal-note', 'waiting'],
    ['reply-received', 'internal-note', 'reply-received'],
    ['new', 'auto-assigned', 'open'],
    ['new', 'assigned', 'open'],
    ['waiting', 'assigned', 'waiting'],
    ['open', 'unassigned-all', 'new'],
    ['waiting', 'closed', 'closed'],
    ['closed', 'reopened', 'open'],
    ['open', 'escalated', 'escalated'],
    ['closed', 'customer-reply', 'closed'],
    ['closed', 'staff-reply', 'closed'],
  ])('%s + %s → %s', (from, trigger, to) => {
    expect(statusAfter(from, trigger)).toBe(to);
  });
});
