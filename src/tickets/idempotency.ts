import { randomUUID } from 'node:crypto';
import { pooledRandomBytes } from './random-bytes.ts';

/**
 * A fresh idempotency key for one write. It is stored in the metadata of whatever the write creates, so a
 * retry whose first outcome is unknown can look the key up on the host instead of creating a duplicate.
 */
export function newIdempotencyKey(): string {
  return randomUUID();
}

/** Whether a string has the shape of an idempotency key. */
export function isIdempotencyKey(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);
}

// Crockford base32 without I, L, O, U: easy to read out over the phone.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A local ticket reference handed out before the issue exists, e.g. "T-7K2M9QXA". */
export function newTicketRef(): string {
  const bytes = pooledRandomBytes(8);
  let ref = '';
  for (const byte of bytes) ref += ALPHABET[byte % 32];
  return `T-${ref}`;
}

/** Whether a string is a local ticket reference ("T-" and eight base32 characters). */
export function isTicketRef(value: string): boolean {
  return /^T-[0-9A-HJKMNP-TV-Z]{8}$/.test(value);
}
