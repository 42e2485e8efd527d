import { describe, expect, it } from 'vitest';
import { actingEmail, canSeeTicket, FILED_TICKETS_MAX, isFiledHereOnly, rememberFiledTicket, sessionEmailFor } from '../../../src/tickets/customer.ts';

const entry = (ref: string, email = 'guest@example.com', filedAt = 1_000) => ({ ref, email, filedAt });

describe('rememberFiledTicket', () => {
  it('puts the newest first, lower-cases the address and keeps a proven address', () => {
    const session = rememberFiledTicket({ email: 'me@example.com', tickets: [entry('T-AAAAAAAA')] }, entry('T-BBBBBBBB', 'Other@Example.COM', 2_000));
    expect(session).toEqual({ email: 'me@example.com', tickets: [entry('T-BBBBBBBB', 'other@example.com', 2_000), entry('T-AAAAAAAA')] });
  });

  it('keeps one entry, with its first filing time, for a reference filed again (an offline draft sent twice)', () => {
    const once = rememberFiledTicket(undefined, entry('T-AAAAAAAA', 'guest@example.com', 1_000));
    const twice = rememberFiledTicket(rememberFiledTicket(once, entry('T-BBBBBBBB')), entry('T-AAAAAAAA', 'guest@example.com', 5_000));
    expect(twice.tickets).toEqual([entry('T-AAAAAAAA', 'guest@example.com', 1_000), entry('T-BBBBBBBB')]);
  });

  it(`remembers at most ${FILED_TICKETS_MAX}, dropping the oldest`, () => {
    let session = rememberFiledTicket(undefined, entry('T-00000000'));
    for (let i = 1; i <= FILED_TICKETS_MAX; i++) session = rememberFiledTicket(session, entry(`T-${String(i).padStart(8, '0')}`));
    expect(session.tickets).toHaveLength(FILED_TICKETS_MAX);
    expect(session.tickets?.map((t) => t.ref)).not.toContain('T-00000000');
  });
});

describe('which tickets a session sees', () => {
  const guest = { tickets: [entry('T-AAAAAAAA', 'alice@example.com'), entry('T-BBBBBBBB', 'bob@example.com')] };

  it('a filed entry opens its own reference, as the address it was filed with, and nothing else of that address', () => {
    expect(sessionEmailFor(guest, 'T-AAAAAAAA', 'Alice@Example.com ')).toBe('alice@example.com');
    expect(sessionEmailFor(guest, 'T-BBBBBBBB', 'bob@example.com')).toBe('bob@example.com');
    // Alice's other ticket, and a reference whose owner is not the entry's address.
    expect(canSeeTicket(guest, 'T-CCCCCCCC', 'alice@example.com')).toBe(false);
    expect(canSeeTicket(guest, 'T-AAAAAAAA', 'bob@example.com')).toBe(false);
    expect(canSeeTicket(guest, 'T-AAAAAAAA', undefined)).toBe(false);
    expect(canSeeTicket(undefined, 'T-AAAAAAAA', 'alice@example.com')).toBe(false);
  });

  it('a proven address opens every ticket of that address', () => {
    const signedIn = { email: 'alice@example.com', tickets: [entry('T-BBBBBBBB', 'bob@example.com')] };
    expect(sessionEmailFor(signedIn, 'T-ANYTHING', 'alice@example.com')).toBe('alice@example.com');
    expect(sessionEmailFor(signedIn, 'T-BBBBBBBB', 'bob@example.com')).toBe('bob@example.com');
    expect(canSeeTicket(signedIn, 'T-OTHERBOB', 'bob@example.com')).toBe(false);
  });

  it('acts on a ticket as the address it was filed with, else the proven one; says when it sees a ticket only as filed here', () => {
    const signedIn = { email: 'alice@example.com', tickets: [entry('T-BBBBBBBB', 'bob@example.com')] };
    expect(actingEmail(signedIn, 'T-BBBBBBBB')).toBe('bob@example.com');
    expect(actingEmail(signedIn, 'T-ANYTHING')).toBe('alice@example.com');
    expect(actingEmail(guest, 'T-ANYTHING')).toBeUndefined();
    expect(isFiledHereOnly(signedIn, 'T-BBBBBBBB')).toBe(true);
    expect(isFiledHereOnly(signedIn, 'T-ANYTHING')).toBe(false);
  });
});
