/**
 * Whether a ticket's address is verified. Anyone can type any address into the ticket form, so a ticket filed
 * without a signed-in session for its address is *unverified*: its signed metadata records when it was filed
 * (`unverifiedSince`). The address is proven when someone opens a sign-in link mailed to it; the store keeps the
 * latest such moment per customer. One rule follows for every view (issue header, staff workspace, queue, card)
 * and for the guest's session entry of the ticket (tickets/customer.ts):
 * - a ticket is unverified while no link mailed to its address was opened at or after it was filed;
 * - the entry for it in the session of whoever filed it lapses at that same moment, so once the ticket is the
 *   address owner's (and staff may answer with personal details) an impostor's session no longer reads it.
 * Tickets without `unverifiedSince` (filed signed in, or before this rule) are verified.
 */

/** Times are ISO text (metadata) or milliseconds since the epoch (the store). */
type Moment = string | number | null | undefined;

function msOf(moment: Moment): number | undefined {
  if (moment === null || moment === undefined) return undefined;
  const ms = typeof moment === 'number' ? moment : Date.parse(moment);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Whether the address was proven (a mailed link opened at `addressVerifiedAt`) at or after `since`. */
export function isVerifiedSince(since: Moment, addressVerifiedAt: Moment): boolean {
  const from = msOf(since);
  const verified = msOf(addressVerifiedAt);
  return from !== undefined && verified !== undefined && verified >= from;
}

/**
 * Whether staff must treat a ticket's address as unverified: it was filed without proof (`unverifiedSince`,
 * from its signed metadata or the read model) and no mailed link for the address was opened since.
 * An `unverifiedSince` that is not a time counts as "filed unverified, never proven".
 */
export function isTicketUnverified(unverifiedSince: Moment, addressVerifiedAt: Moment): boolean {
  if (unverifiedSince === null || unverifiedSince === undefined) return false;
  if (msOf(unverifiedSince) === undefined) return true;
  return !isVerifiedSince(unverifiedSince, addressVerifiedAt);
}

/** Whether the session entry of whoever filed a ticket at `filedAt` has lapsed: the address was proven since. */
export function isTicketSessionLapsed(filedAt: Moment, addressVerifiedAt: Moment): boolean {
  return isVerifiedSince(filedAt, addressVerifiedAt);
}

/**
 * The first line of the visible header of an unverified ticket's issue body (above "**Customer:**"), for staff
 * reading it on the Git host. The workflow removes it once the address is verified.
 */
export const UNVERIFIED_NOTE =
  '> ⚠️ **Unverified address:** this ticket was filed without signing in, and no sign-in link mailed to the address has been opened since. Whoever filed it may not be the customer: share no personal or order details until the address is verified (this note then goes away).';

/** The one-line mark the staff pages and the card show next to an unverified address. */
export const UNVERIFIED_MARK = 'unverified address';

/** A ticket header with the unverified note in front of it. */
export function withUnverifiedNote(header: string): string {
  return `${UNVERIFIED_NOTE}\n\n${header}`;
}

const NOTE_AT_START = /^> ⚠️ \*\*Unverified address:\*\*[^\n]*\r?\n(?:\r?\n)?/;

/** Whether a ticket's visible body starts with the unverified note (only the bot's header can: it is the body's first line). */
export function hasUnverifiedNote(body: string): boolean {
  return NOTE_AT_START.test(body);
}

/** The visible body without the unverified note at its start; anything else (customer text included) as it is. */
export function withoutUnverifiedNote(body: string): string {
  return body.replace(NOTE_AT_START, '');
}
