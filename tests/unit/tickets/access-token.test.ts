import { describe, expect, it } from 'vitest';
import { deriveKey, signToken, verifyToken } from '../../../src/tickets/access-token.ts';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const linkKey = deriveKey(secret, 'link');
const now = 1_800_000_000;

describe('signed access tokens', () => {
  const token = signToken({ email: ' Zoe@Example.com ', ticket: 'T-ABC123', exp: now + 60 }, linkKey);

  it('verify with the key they were made with and carry the normalised email', () => {
    const result = verifyToken(token, linkKey, now);
    expect(result.ok && result.claims).toMatchObject({ email: 'zoe@example.com', ticket: 'T-ABC123', exp: now + 60 });
  });

  it('expire', () => {
    expect(verifyToken(token, linkKey, now + 60)).toEqual({ ok: false, reason: 'expired' });
  });

  it('are single-purpose: a link token is no session token', () => {
    expect(verifyToken(token, deriveKey(secret, 'session'), now)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuse a changed payload, even one re-encoded with another email', () => {
    const [payload, signature] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, email: 'mallory@example.com' })).toString('base64url');
    expect(verifyToken(`${forged}.${signature}`, linkKey, now)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it.each(['', '.', 'abc', 'a.b.c', `${'x'.repeat(5000)}.y`, '💥.💥'])('treat %j as malformed or forged without throwing', (input) => {
    expect(verifyToken(input, linkKey, now).ok).toBe(false);
  });

  it('differ each time, so each link can be used once', () => {
    const again = signToken({ email: 'zoe@example.com', exp: now + 60 }, linkKey);
    const other = signToken({ email: 'zoe@example.com', exp: now + 60 }, linkKey);
    expect(again).not.toBe(other);
  });
});
