import type { TicketMetadata } from './metadata.ts';

/*
 * Deleting tickets and erasing a customer's data: what a redacted ticket keeps, and which texts mention a person.
 * Pure: the staff feature and the Git host adapter build on it.
 */

/** The title a ticket gets when its customer content is redacted. */
export const REDACTED_TITLE = '[removed]';
/** The text a redacted issue or comment keeps: no customer content. */
export const REDACTED_TEXT = "_This content was removed by the help desk (a ticket deleted, or a customer's data erased at their request)._";

/**
 * What a redacted body's metadata block keeps: the message's identity (kind, idempotency key, ticket ref) and what
 * staff wrote about it (who posted it, its role, merge links, language); never the customer, their name, order,
 * draft key, attachments or verification time.
 */
export function redactedMetadata(meta: TicketMetadata): TicketMetadata {
  const { kind, key, ref, postedBy, role, mergedInto, mergedFrom, lang, startedBy } = meta;
  return {
    kind,
    key,
    ...(ref !== undefined ? { ref } : {}),
    ...(postedBy !== undefined ? { postedBy } : {}),
    ...(role !== undefined ? { role } : {}),
    ...(mergedInto !== undefined ? { mergedInto } : {}),
    ...(mergedFrom !== undefined ? { mergedFrom } : {}),
    ...(lang !== undefined ? { lang } : {}),
    ...(startedBy !== undefined ? { startedBy } : {}),
  };
}

/** Decodes quoted-printable soft breaks and `=XX` escapes (mail bodies), so a search sees the text as written. */
function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\r?\n/g, '');
  return Buffer.from(
    joined.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
}

/** Base64 blocks of a mail (lines of base64 only), decoded. */
function decodedBase64Blocks(text: string): string[] {
  const blocks = text.match(/(?:^[A-Za-z0-9+/=]{16,}\r?\n){1,}/gm) ?? [];
  return blocks.map((block) => Buffer.from(block.replace(/\s+/g, ''), 'base64').toString('utf8'));
}

/**
 * Whether a text (a stored record, a mail file as written, with quoted-printable or base64 parts) mentions any of
 * the needles (an address, a name, a ticket reference or staff link), case-insensitively. Empty needles never match.
 */
export function mentionsAny(text: string, needles: readonly string[]): boolean {
  const wanted = needles.map((n) => n.trim().toLowerCase()).filter((n) => n.length > 0);
  if (wanted.length === 0) return false;
  const views = [text, decodeQuotedPrintable(text), ...decodedBase64Blocks(text)].map((v) => v.toLowerCase());
  return views.some((view) => wanted.some((needle) => contains(view, needle)));
}

/** Whether `needle` occurs in `text`; one ending in a digit only where no digit follows (`#1` is not in `#12`). */
function contains(text: string, needle: string): boolean {
  if (!/\d$/.test(needle)) return text.includes(needle);
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) if (!/\d/.test(text.charAt(at + needle.length))) return true;
  return false;
}
