import { DeskError } from './errors.ts';
import { GITHUB_BODY_LIMIT } from './ticket-form.ts';

/**
 * The Git host refuses an issue or comment body over 65,536 characters. The form's limit counts what the
 * customer typed; the body sent is longer: a header, neutralising (`<` becomes `&lt;`, mentions and
 * references get a joiner) and the signed metadata block (tickets/metadata.ts) that the adapter puts in
 * front. So the final body is checked here, before it is journaled: a message that cannot be filed is
 * refused while the customer still has it, never accepted and then lost.
 */

/**
 * The most JSON bytes of a customer message's metadata, attachments aside: the keys and punctuation,
 * the idempotency key (UUID), the reference, the customer (pseudonym and a sealed 254-byte email, the
 * longest form), the order (40 ASCII characters), the name (100 characters, each at most 6 bytes in JSON)
 * a draft key (64 ASCII characters) and the time an unverified ticket was filed, with room to spare.
 */
const METADATA_JSON_BYTES = 1_400;
/** The most JSON bytes one attachment path adds (`tickets/<ref>/<uuid>/<name of at most 100 characters>`), generously. */
const METADATA_BYTES_PER_ATTACHMENT = 400;
/** `<!-- helpdesk:v2 ` + payload + `.` + 43 characters of MAC + ` -->` + the line break. */
const METADATA_FRAME = 17 + 1 + 43 + 4 + 1;

/** The most characters the metadata block in front of a customer message with `attachments` files can take. */
export function metadataRoom(attachments: number): number {
  const json = METADATA_JSON_BYTES + METADATA_BYTES_PER_ATTACHMENT * Math.max(0, attachments);
  return METADATA_FRAME + Math.ceil(json / 3) * 4;
}

/** Characters by which a body (as journaled, before the metadata block) would exceed the host's limit; 0 when it fits. */
export function hostOverflow(body: string, attachments: number): number {
  // UTF-16 units: never fewer than the characters the host counts.
  return Math.max(0, body.length + metadataRoom(attachments) - GITHUB_BODY_LIMIT);
}

/** Refuses a customer message whose final body would not fit the host: a field error on `message`. */
export function assertFitsHost(body: string, attachments: number): void {
  const over = hostOverflow(body, attachments);
  if (over === 0) return;
  throw new DeskError('invalid_input', {
    fields: { message: `Your message is too long once formatted for our ticket system (${over.toLocaleString('en')} characters over). Shorten it or attach the text as a file.` },
  });
}
