/*
 * What of a visitor's search query is kept: a normalised form (case, width and spacing folded), and nothing
 * that looks personal. The filter errs on the side of dropping: a query with an email address, a phone or
 * account number, a long digit run, a web address or a long letter-and-digit code is counted only as
 * "filtered" in the day's totals, never stored.
 */

/** Longest query kept, in characters after normalising; longer text is more likely a pasted message than a search. */
export const QUERY_KEPT_MAX = 80;
/** Most words a kept query has. */
export const QUERY_WORDS_MAX = 10;

export type QueryVerdict =
  | { kept: true; query: string }
  /** `empty`: nothing to count (under two characters). The others are counted as filtered. */
  | { kept: false; reason: 'empty' | 'too-long' | 'personal' };

/** Why a query looks personal; each pattern has an example in tests/unit/insights/query-filter.test.ts. */
const PERSONAL_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  // Any @: email addresses, also half-typed ones ("anna@", "@gmail").
  ['an email address', /@/],
  // Five digits in a row: order, customer, tracking and card numbers, postcodes, birthdays written 01012000.
  ['a long number', /\d{5}/],
  // Seven digits with separators between them: phone numbers, IBANs, card numbers typed in groups.
  ['a phone or account number', /\d(?:[\s()./+-]*\d){6}/],
  // Web addresses may carry tokens and names.
  ['a web address', /:\/\/|\bwww\.|\.(?:com|net|org|de|io|co|uk)\b/],
  // A code of 10+ letters and digits with at least 3 digits: tracking numbers, vouchers, licence keys.
  ['a code', /\b(?=[a-z0-9-]*\d[a-z0-9-]*\d[a-z0-9-]*\d)[a-z0-9-]{10,}\b/],
];

/** Unicode compatibility form, lower case, one space between words. */
function foldQuery(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
    .toLowerCase()
    .replace(/\s+/g, ' ');
}

/** Normalises a query for counting: Unicode compatibility form, lower case, one space between words, no punctuation at the ends. */
export function normaliseQuery(raw: string): string {
  return foldQuery(raw).replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '');
}

/** What looks personal in a normalised query, or undefined. */
export function personalLooking(query: string): string | undefined {
  return PERSONAL_PATTERNS.find(([, pattern]) => pattern.test(query))?.[0];
}

/** Decides whether a visitor's query is kept, and in which form. */
export function filterQuery(raw: string): QueryVerdict {
  const query = normaliseQuery(raw);
  if ([...query].length < 2) return { kept: false, reason: 'empty' };
  // Before the ends are trimmed too: "anna@" is half an address.
  if (personalLooking(foldQuery(raw)) !== undefined) return { kept: false, reason: 'personal' };
  if ([...query].length > QUERY_KEPT_MAX || query.split(' ').length > QUERY_WORDS_MAX) return { kept: false, reason: 'too-long' };
  return { kept: true, query };
}

/**
 * Takes what looks personal out of a comment left with a vote: email addresses and phone, account or order numbers
 * become "[removed]". Comments are read by staff only; visitors are asked not to include personal details.
 */
export function redactPersonal(text: string): string {
  return text
    .replace(/[^\s@<>()]+@[^\s@<>()]+/g, '[removed]')
    .replace(/\+?\d(?:[ ()./-]*\d){6,}/g, '[removed]')
    .replace(/\d{5,}/g, '[removed]');
}
