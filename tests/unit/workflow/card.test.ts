import { describe, expect, it } from 'vitest';
import { formatDuration, renderCard, ticketFigures, type CardTicket } from '../../../src/workflow/card.ts';

const at = (hhmm: string) => `2026-01-01T${hhmm}:00Z`;

// A scripted timeline: opened 10:00, replied 12:00, customer back 13:00 (and 13:10), replied 14:00,
// customer again 15:00, closed 15:30. Notes, the card and outsiders count for nothing.
const timeline: CardTicket = {
  number: 7,
  title: 'Tent pole snapped',
  htmlUrl: 'https://github.com/northwind/support/issues/7',
  state: 'closed',
  createdAt: at('10:00'),
  closedAt: at('15:30'),
  messages: [
    { kind: 'internal-note', createdAt: at('10:30') },
    { kind: 'staff-reply', createdAt: at('12:00') },
    { kind: 'customer', createdAt: at('13:00') },
    { kind: 'customer', createdAt: at('13:10') },
    { kind: 'system', createdAt: at('13:11') },
    { kind: 'staff-reply', createdAt: at('14:00') },
    { kind: 'outsider', createdAt: at('14:05') },
    { kind: 'customer', createdAt: at('15:00') },
  ],
};

describe('ticket card figures on a scripted timeline', () => {
  it('counts messages, the first response and the time with staff', () => {
    expect(ticketFigures(timeline)).toEqual({
      messages: { total: 7, customer: 4, staffReplies: 2, internalNotes: 1 },
      firstResponseMs: 2 * 3_600_000,
      // 10:00–12:00, 13:00–14:00, 15:00–15:30 (close)
      timeWithStaffMs: 3.5 * 3_600_000,
    });
  });

  it('counts no running wait on an open ticket, so the card does not change by itself', () => {
    const open = { ...timeline, state: 'open' as const, closedAt: null };
    expect(ticketFigures(open).timeWithStaffMs).toBe(3 * 3_600_000);
    expect(ticketFigures({ ...open, messages: [] })).toEqual({ messages: { total: 1, customer: 1, staffReplies: 0, internalNotes: 0 }, firstResponseMs: undefined, timeWithStaffMs: 0 });
  });

  it.each([
    [30_000, 'under a minute'],
    [5 * 60_000, '5 min'],
    [3_600_000, '1 h'],
    [3.5 * 3_600_000, '3 h 30 min'],
    [26 * 3_600_000, '1 d 2 h'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('renders the card as an internal markdown table with neutralised links to the other tickets', () => {
    const card = renderCard({
      figures: ticketFigures(timeline),
      ratings: { helpful: 1, notHelpful: 0 },
      otherTickets: [{ number: 3, title: 'Ping @octocat about #12', htmlUrl: 'https://github.com/northwind/support/issues/3', state: 'open', status: 'waiting' }],
      customer: { tickets: 2, timeWithStaffMs: 5 * 3_600_000 },
    });
    expect(card).toContain('| Messages | 7 (customer 4, staff replies 2, internal notes 1) |');
    expect(card).toContain('| First staff response | after 2 h |');
    expect(card).toContain('| Time with staff | 3 h 30 min |');
    expect(card).toContain('| Ratings | 1 helpful, 0 not helpful |');
    expect(card).toContain('| Customer | 2 tickets in total, 5 h with staff |');
    expect(card).toContain('(https://github.com/northwind/support/issues/3) (waiting)');
    expect(card).not.toMatch(/@octocat|#12/);
    expect(card).toContain('Internal: the customer never sees this card.');
  });

  it('shows only this ticket for an unverified address, and says why', () => {
    const card = renderCard({
      figures: ticketFigures(timeline),
      ratings: { helpful: 0, notHelpful: 0 },
      // Whatever a caller passes, the card of an unverified address lists no history.
      otherTickets: [{ number: 3, title: 'The real customer’s ticket', htmlUrl: 'https://github.com/northwind/support/issues/3', state: 'open', status: 'waiting' }],
      customer: { tickets: 2, timeWithStaffMs: 5 * 3_600_000 },
      unverified: true,
    });
    expect(card).toContain(
      '| Customer | **Unverified address:** this ticket only (3 h 30 min with staff). Nobody has opened a sign-in link mailed to the address since it was filed, so whoever filed it may not be the customer and their history is not merged in. |',
    );
    expect(card).toContain('| Other tickets | not shown while the address is unverified |');
    expect(card).not.toContain('issues/3');
    expect(card).not.toContain('2 tickets in total');
  });
});
