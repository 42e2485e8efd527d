import { describe, expect, it } from 'vitest';
import { createCustomerAccess, SESSION_COOKIE, SESSION_TOKEN_MAX } from '../../../src/server/customer-access.ts';
import { deriveKey, signToken } from '../../../src/tickets/access-token.ts';
import { FILED_TICKETS_MAX, rememberFiledTicket, type CustomerSession } from '../../../src/tickets/customer.ts';

const SECRET = 'customer-access-test-secret-0123456789';
const NOW = 1_800_000_000;
const TTL = 30 * 24 * 3600;

/** Customer access at NOW (seconds), with `verified` as when each address last opened a mailed link (ms). */
function accessWith(verified: Record<string, number>, options: { usedLinks?: () => Promise<boolean> } = {}) {
  return createCustomerAccess({
    secret: SECRET,
    usedLinks: { use: options.usedLinks ?? (async () => true) },
    revokedSessions: { revoke: async () => {}, isRevoked: async () => false },
    addressVerifiedAt: async (email) => verified[email],
    now: () => NOW,
  });
}

const filed = (ref: string, email: string, filedAt: number) => ({ ref, email, filedAt });

describe('the session of whoever files tickets without signing in', () => {
  const filedAt = NOW * 1000 - 5_000;

  it('opens the ticket while the address is unverified (or was proven only before the filing)', async () => {
    for (const verified of [{}, { 'alice@example.com': filedAt - 1 }]) {
      const access = accessWith(verified);
      const token = access.sessionToken({ tickets: [filed('T-ABCDEFGH', 'Alice@Example.com', filedAt)] });
      expect(await access.readSession(token)).toEqual({ tickets: [filed('T-ABCDEFGH', 'alice@example.com', filedAt)] });
    }
  });

  it('lapses once a link mailed to the address is opened, at or after the filing', async () => {
    for (const at of [filedAt, filedAt + 60_000]) {
      const access = accessWith({ 'alice@example.com': at });
      expect(await access.readSession(access.sessionToken({ tickets: [filed('T-ABCDEFGH', 'alice@example.com', filedAt)] }))).toBeUndefined();
    }
  });

  it('keeps every ticket the browser filed; each lapses on its own address and filing time', async () => {
    const earlier = filedAt - 60_000;
    const access = accessWith({ 'alice@example.com': filedAt - 30_000 });
    let session: CustomerSession | undefined;
    session = rememberFiledTicket(session, filed('T-AAAAAAAA', 'alice@example.com', earlier));
    session = rememberFiledTicket(session, filed('T-BBBBBBBB', 'bob@example.com', earlier));
    session = rememberFiledTicket(session, filed('T-CCCCCCCC', 'alice@example.com', filedAt));
    // Alice proved her address between the first and the third ticket: only the first lapsed.
    expect(await access.readSession(access.sessionToken(session))).toEqual({
      tickets: [filed('T-CCCCCCCC', 'alice@example.com', filedAt), filed('T-BBBBBBBB', 'bob@example.com', earlier)],
    });
  });

  it('forgets a ticket a session lifetime after it was filed', async () => {
    const access = accessWith({});
    const old = NOW * 1000 - TTL * 1000;
    const session = { tickets: [filed('T-NEWNEWNE', 'a@example.com', filedAt), filed('T-OLDOLDOL', 'a@example.com', old)] };
    expect(await access.readSession(access.sessionToken(session))).toEqual({ tickets: [filed('T-NEWNEWNE', 'a@example.com', filedAt)] });
  });

  it(`remembers the newest ${FILED_TICKETS_MAX} tickets, in a cookie that stays under 4 KB even with the longest addresses`, async () => {
    const access = accessWith({});
    let session: CustomerSession | undefined;
    for (let i = 0; i < 25; i++) session = rememberFiledTicket(session, filed(`T-${String(i).padStart(8, '0')}`, 'customer@example.com', filedAt + i));
    const token = access.sessionToken(session!);
    expect(`${SESSION_COOKIE}=${token}; Max-Age=${TTL}; Path=/; HttpOnly; Secure; SameSite=Lax`.length).toBeLessThan(4096);
    const read = await access.readSession(token);
    expect(read?.tickets?.map((t) => t.ref)).toEqual(Array.from({ length: 20 }, (_, i) => `T-${String(24 - i).padStart(8, '0')}`));

    // 254-character addresses, each different: the oldest tickets give way so the cookie still fits.
    let long: CustomerSession | undefined;
    for (let i = 0; i < 20; i++) long = rememberFiledTicket(long, filed(`T-${String(i).padStart(8, '0')}`, `${String(i).padStart(2, '0')}${'x'.repeat(238)}@example.com`, filedAt + i));
    const longToken = access.sessionToken(long!);
    expect(longToken.length).toBeLessThanOrEqual(SESSION_TOKEN_MAX);
    const kept = (await access.readSession(longToken))?.tickets ?? [];
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.length).toBeLessThan(20);
    expect(kept[0]?.ref).toBe('T-00000019');
  });

  it('counts a one-ticket token of an earlier release as one ticket filed here', async () => {
    const key = deriveKey(SECRET, 'session');
    const withFiledAt = signToken({ email: 'alice@example.com', ticket: 'T-ABCDEFGH', filedAt, exp: NOW + TTL }, key);
    expect(await accessWith({}).readSession(withFiledAt)).toEqual({ tickets: [filed('T-ABCDEFGH', 'alice@example.com', filedAt)] });
    // Without a filing time it was issued right after filing, a session lifetime before it expires.
    const legacy = signToken({ email: 'alice@example.com', ticket: 'T-ABCDEFGH', exp: NOW + TTL - 10 }, key);
    const issuedMs = (NOW - 10) * 1000;
    expect(await accessWith({ 'alice@example.com': issuedMs - 1 }).readSession(legacy)).toEqual({ tickets: [filed('T-ABCDEFGH', 'alice@example.com', issuedMs)] });
    expect(await accessWith({ 'alice@example.com': issuedMs }).readSession(legacy)).toBeUndefined();
  });

  it('refuses a cookie signed with another key or edited', async () => {
    const access = accessWith({});
    const token = access.sessionToken({ tickets: [filed('T-ABCDEFGH', 'alice@example.com', filedAt)] });
    const [payload, signature] = token.split('.') as [string, string];
    const edited = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), email: 'alice@example.com' })).toString('base64url');
    expect(await access.readSession(`${edited}.${signature}`)).toBeUndefined();
    expect(await access.readSession(signToken({ email: 'alice@example.com', exp: NOW + TTL }, deriveKey('another-secret-another-secret-0123', 'session')))).toBeUndefined();
  });
});

describe('a session from a mailed link', () => {
  it('is left alone by the verification of its address', async () => {
    const access = accessWith({ 'alice@example.com': NOW * 1000 + 1 });
    const full = signToken({ email: 'alice@example.com', exp: NOW + TTL }, deriveKey(SECRET, 'session'));
    expect(await access.readSession(full)).toEqual({ email: 'alice@example.com' });
  });

  it('keeps the tickets the browser filed for other addresses; those of the proven address are among its own', async () => {
    const filedAt = NOW * 1000 - 5_000;
    const current = { tickets: [filed('T-AAAAAAAA', 'alice@example.com', filedAt), filed('T-BBBBBBBB', 'bob@example.com', filedAt)] };
    const access = accessWith({ 'alice@example.com': NOW * 1000 });
    const link = new URL(access.signInPath('alice@example.com'), 'https://x').searchParams.get('token')!;
    const { sessionToken } = await access.redeem(link, current);
    expect(await access.readSession(sessionToken)).toEqual({ email: 'alice@example.com', tickets: [filed('T-BBBBBBBB', 'bob@example.com', filedAt)] });
  });
});
