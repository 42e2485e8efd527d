import { describe, expect, it } from 'vitest';
import { ticketHeader } from '../../../src/desk/desk-service.ts';
import {
  hasUnverifiedNote,
  isTicketSessionLapsed,
  isTicketUnverified,
  isVerifiedSince,
  UNVERIFIED_NOTE,
  withoutUnverifiedNote,
  withUnverifiedNote,
} from '../../../src/tickets/customer-verification.ts';
import { HEADER_END } from '../../../src/tickets/thread.ts';

const FILED = '2026-05-01T10:00:00.000Z';
const filedMs = Date.parse(FILED);

describe('whether a ticket is unverified', () => {
  it.each([
    ['filed signed in (no unverifiedSince)', undefined, undefined, false],
    ['filed signed in, whatever the store says', undefined, filedMs - 1, false],
    ['filed as a guest, address never proven', FILED, undefined, true],
    ['filed as a guest, address proven before it was filed', FILED, filedMs - 1, true],
    ['filed as a guest, a link opened the same millisecond', FILED, filedMs, false],
    ['filed as a guest, a link opened later', FILED, filedMs + 60_000, false],
    ['as the read model holds it (ms)', filedMs, filedMs + 1, false],
    ['a filing time that is no time', 'yesterday', filedMs + 1, true],
  ])('%s', (_, since, verifiedAt, unverified) => {
    expect(isTicketUnverified(since, verifiedAt)).toBe(unverified);
  });

  it('frees the guest’s one-ticket session exactly when the ticket becomes verified', () => {
    for (const verifiedAt of [undefined, filedMs - 1, filedMs, filedMs + 1]) {
      expect(isTicketSessionLapsed(filedMs, verifiedAt), String(verifiedAt)).toBe(!isTicketUnverified(FILED, verifiedAt));
    }
    expect(isVerifiedSince(undefined, filedMs)).toBe(false);
  });
});

describe('the unverified note in the issue header', () => {
  const fields = { customer: 'c-1', name: 'Alice', order: '', type: 'question', category: 'orders', priority: 'normal', createdAt: FILED };

  it('starts the header of a ticket from an unverified address, and only then', () => {
    expect(ticketHeader({ ...fields, unverified: true })).toMatch(/^> ⚠️ \*\*Unverified address:\*\* .*share no personal or order details/);
    expect(ticketHeader({ ...fields, unverified: false })).toMatch(/^\*\*Customer:\*\* Alice \(c-1\)/);
    expect(ticketHeader({ ...fields, unverified: true })).toBe(withUnverifiedNote(ticketHeader({ ...fields, unverified: false })));
  });

  it('comes off again, leaving the rest of the body as it was (line endings as GitHub may store them)', () => {
    const body = `${ticketHeader({ ...fields, unverified: true })}${HEADER_END}Where is my parcel?`;
    expect(hasUnverifiedNote(body)).toBe(true);
    expect(withoutUnverifiedNote(body)).toBe(`${ticketHeader({ ...fields, unverified: false })}${HEADER_END}Where is my parcel?`);
    expect(withoutUnverifiedNote(body.replace(/\n/g, '\r\n'))).toBe(`${ticketHeader({ ...fields, unverified: false })}${HEADER_END}Where is my parcel?`.replace(/\n/g, '\r\n'));
    expect(hasUnverifiedNote(withoutUnverifiedNote(body))).toBe(false);
  });

  it('is recognised only at the start of the body, never in the customer’s text below the header', () => {
    const body = `${ticketHeader({ ...fields, unverified: false })}${HEADER_END}${UNVERIFIED_NOTE}\n\nhello`;
    expect(hasUnverifiedNote(body)).toBe(false);
    expect(withoutUnverifiedNote(body)).toBe(body);
  });
});
