import { hkdfSync, timingSafeEqual } from 'node:crypto';
import { pooledRandomBytes } from './random-bytes.ts';
import { hmacSha256 } from './keyed-hash.ts';
import { z } from 'zod';
import { FILED_TICKETS_MAX } from './customer.ts';

/**
 * What a signed token lets its holder do. Each purpose has its own key, so a token made for one
 * purpose never verifies as another:
 * - `link`: a magic link emailed to a customer (one ticket, or all their tickets);
 * - `session`: the session cookie a magic link opens.
 */
export type TokenPurpose = 'link' | 'session';

const ClaimsSchema = z.strictObject({
  /** Verified customer email, lower-cased. */
  email: z.string().min(3),
  /** Ticket reference the token is limited to; absent means all of the email's tickets. */
  ticket: z.string().optional(),
  /**
   * For a session limited to a ticket its holder filed without proving the address: when that ticket was filed
   * (ms). The session lapses once the address is verified at or after it (customer-verification.ts).
   */
  filedAt: z.number().int().optional(),
  /** Expiry, seconds since the epoch. */
  exp: z.number().int(),
  /** Random id, so a used link can be refused when it comes back. */
  nonce: z.string().min(8),
});
export type AccessClaims = z.output<typeof ClaimsSchema>;

const FiledTicketSchema = z.strictObject({
  ref: z.string().min(1).max(40),
  /** The unproven address the ticket was filed with, lower-cased. */
  email: z.string().min(3).max(320),
  /** When it was filed (ms): the entry lapses once the address is verified at or after it. */
  filedAt: z.number().int(),
});

/**
 * A customer session cookie (purpose `session`). Sessions of earlier releases were `ClaimsSchema`-shaped: a proven
 * `email`, or an unproven `email` with the one `ticket` (and `filedAt`) it opened; they still verify.
 */
const SessionClaimsSchema = z.strictObject({
  /** The proven address (a mailed link was opened): all of its tickets. With `ticket` (earlier releases), unproven. */
  email: z.string().min(3).optional(),
  /** Tickets this browser filed without proving their address, newest first. */
  tickets: z.array(FiledTicketSchema).max(FILED_TICKETS_MAX).optional(),
  /** Earlier releases: the one ticket the session opened. */
  ticket: z.string().optional(),
  /** Earlier releases: when that ticket was filed (ms). */
  filedAt: z.number().int().optional(),
  exp: z.number().int(),
  nonce: z.string().min(8),
});
export type SessionClaims = z.output<typeof SessionClaimsSchema>;

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

/** Derives the key of one purpose from the server secret (HKDF-SHA256), so one secret serves all. */
export function deriveKey(secret: string, purpose: TokenPurpose | 'staff-session' | 'email-seal' | 'customer-id' | 'draft-key'): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'helpdesk', `helpdesk:${purpose}:v1`, 32));
}

/** Emails compare case-insensitively and without surrounding spaces. */
function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function mac(key: Buffer, payload: string): Buffer {
  return hmacSha256(key).update(payload).digest();
}

/** Signs any JSON payload: `<base64url JSON>.<base64url HMAC-SHA256>`. */
export function signPayload(payload: object, key: Buffer): string {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${encoded}.${mac(key, encoded).toString('base64url')}`;
}

/** Checks a signed payload's signature, shape (`schema`) and `exp`; never throws on hostile input. */
export function verifyPayload<T extends { exp: number }>(
  token: string,
  key: Buffer,
  schema: z.ZodType<T>,
  nowSeconds = Math.floor(Date.now() / 1000),
): { ok: true; claims: T } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' } {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1] || token.length > 4096) return { ok: false, reason: 'malformed' };
  const [payload, signature] = parts as [string, string];
  const expected = mac(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  if (parsed.data.exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims: parsed.data };
}

/** Signs customer access claims with a fresh nonce. */
export function signToken(claims: Omit<AccessClaims, 'nonce'> & { nonce?: string }, key: Buffer): string {
  return signPayload({ ...claims, email: normaliseEmail(claims.email), nonce: claims.nonce ?? pooledRandomBytes(12).toString('base64url') }, key);
}

/** Checks a customer access token. */
export function verifyToken(token: string, key: Buffer, nowSeconds = Math.floor(Date.now() / 1000)): VerifyResult {
  return verifyPayload(token, key, ClaimsSchema, nowSeconds);
}

/** Signs a customer session with a fresh nonce; addresses are lower-cased. */
export function signSession(claims: Omit<SessionClaims, 'nonce'>, key: Buffer): string {
  const { email, tickets, ...rest } = claims;
  return signPayload(
    {
      ...rest,
      ...(email ? { email: normaliseEmail(email) } : {}),
      ...(tickets?.length ? { tickets: tickets.map((t) => ({ ...t, email: normaliseEmail(t.email) })) } : {}),
      nonce: pooledRandomBytes(12).toString('base64url'),
    },
    key,
  );
}

/** Checks a customer session cookie, of this release or an earlier one. */
export function verifySession(token: string, key: Buffer, nowSeconds = Math.floor(Date.now() / 1000)) {
  return verifyPayload(token, key, SessionClaimsSchema, nowSeconds);
}
