import { describe, expect, it } from 'vitest';
import { createCustomerAccess } from '../../../src/server/customer-access.ts';
import { deriveKey, signToken } from '../../../src/tickets/access-token.ts';

const SECRET = 'customer-access-test-secret-0123456789';
const NOW = 1_800_000_000;
const TTL = 30 * 24 * 3600;

/** Customer access at NOW (seconds), with `verified` as when each address last opened a mailed link (ms). */
function accessWith(verified: Record<string, number>) {
  return createCustomerAccess({
    secret: SECRET,
    usedLinks: { use: async () => true },
    revokedSessions: { revoke: async () => {}, isRevoked: async () => false },
    addressVerifiedAt: async (email) => verified[email],
    now: () => NOW,
  });
}

describe('the session of whoever filed a ticket without signing in', () => {
  const filedAt = NOW * 1000 - 5_000;

  it('opens that one ticket while the address is unverified (or was proven only before the filing)', async () => {
    for (const verified of [{}, { 'alice@example.com': filedAt - 1 }]) {
      const access = accessWith(verified);
      expect(await access.readSession(access.ticketSessionToken('alice@example.com', 'T-ABCDEFGH', filedAt))).toEqual({ email: 'alice@example.com', ticket: 'T-ABCDEFGH' });
    }
  });

  it('lapses once a link mailed to the address is opened, at or after the filing', async () => {
    for (const at of [filedAt, filedAt + 60_000]) {
      const access = accessWith({ 'alice@example.com': at });
      expect(await access.readSession(access.ticketSessionToken('alice@example.com', 'T-ABCDEFGH', filedAt))).toBeUndefined();
    }
  });

  it('counts a token of an earlier release (no filing time) as filed when it was issued', async () => {
    const legacy = signToken({ email: 'alice@example.com', ticket: 'T-ABCDEFGH', exp: NOW + TTL - 10 }, deriveKey(SECRET, 'session'));
    const issuedMs = (NOW - 10) * 1000;
    expect(await accessWith({ 'alice@example.com': issuedMs - 1 }).readSession(legacy)).toEqual({ email: 'alice@example.com', ticket: 'T-ABCDEFGH' });
    expect(await accessWith({ 'alice@example.com': issuedMs }).readSession(legacy)).toBeUndefined();
  });

  it('leaves a signed-in session (from a mailed link) alone', async () => {
    const access = accessWith({ 'alice@example.com': NOW * 1000 + 1 });
    const full = signToken({ email: 'alice@example.com', exp: NOW + TTL }, deriveKey(SECRET, 'session'));
    expect(await access.readSession(full)).toEqual({ email: 'alice@example.com' });
  });
});
