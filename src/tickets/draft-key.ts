import { hmacSha256 } from './keyed-hash.ts';

/**
 * An offline draft's idempotency key makes a resubmitted form answer with the ticket it already made. The key
 * alone must not open that ticket: whoever learns it (and the address) would get the reference and a session. So
 * the key is bound to the submitter and to a window:
 * - only its digest is stored (outbox column, issue metadata): HMAC-SHA256 under a key derived from the server
 *   secret, over the key, the normalised address and whether the submitter was signed in for it, so another address
 *   (or a guest replaying a signed-in customer's draft) gives another digest, and nobody without the secret can
 *   compute or test one;
 * - a digest answers for `DRAFT_KEY_TTL_MS` after the first submission; later, or from another address, the form
 *   makes a new ticket.
 * Clear keys written by earlier releases (metadata, outbox rows) never equal a digest (`d1:` prefix; clear keys
 * are `[\w-]{8,64}`), so they match nothing.
 */

/**
 * How long a draft key answers with its ticket: a day, enough for a draft saved offline and sent on reconnecting
 * (or a retried submit whose answer was lost), short enough that an old key is worthless.
 */
export const DRAFT_KEY_TTL_MS = 24 * 60 * 60 * 1000;

const DIGEST_PREFIX = 'd1:';
/** Domain separation from every other MAC under keys from the same secret. */
const MAC_PREFIX = 'helpdesk-draft-key-v1\n';

/**
 * The stored form of a draft key: bound to the submitter (their address, and whether they were signed in for it),
 * keyed by `key` (32 bytes derived from the server secret).
 */
export function draftKeyDigest(draftKey: string, submitter: { email: string; signedIn: boolean }, key: Buffer): string {
  if (!Buffer.isBuffer(key) || key.length < 32) throw new TypeError('draftKeyDigest: the key must be 32 bytes derived from the server secret');
  // Newline-separated: an address has no newline, so no two inputs share a MAC input.
  const mac = hmacSha256(key)
    .update(MAC_PREFIX)
    .update(`${submitter.signedIn ? 'signed-in' : 'guest'}\n${submitter.email.trim().toLowerCase()}\n${draftKey}`)
    .digest('base64url');
  return `${DIGEST_PREFIX}${mac}`;
}

/** The earliest first submission (ms) whose draft key still answers at `now`. */
export function draftKeyCutoff(now: number): number {
  return now - DRAFT_KEY_TTL_MS;
}
