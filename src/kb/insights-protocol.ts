/*
 * What the article pages' scripts and the server agree on for knowledgebase insights: the endpoints, the
 * limits of a feedback vote and of a search report, and the marker a ticket opened from a search carries.
 * Plain constants only (no schema library), so the browser bundle stays small; the server's schemas
 * (src/insights/schemas.ts) are built from these numbers.
 */

/** Where a "Was this article helpful?" vote is posted (JSON from the script, a form without it). */
export const FEEDBACK_ENDPOINT = '/api/kb/feedback';
/** Where search reports are posted, in batches. */
export const SEARCH_REPORTS_ENDPOINT = '/api/kb/searches';

/** Longest optional comment on a vote, in characters, after trimming. */
export const FEEDBACK_COMMENT_MAX = 1000;
/** A vote's id: random, made by the browser once per article; the server accepts 16–64 of these characters. */
export const VOTE_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
/** A search report's idempotency key: the same alphabet as a vote id. */
export const REPORT_KEY_PATTERN = VOTE_ID_PATTERN;
/** Most search reports in one request. */
export const SEARCH_REPORTS_MAX = 20;
/** Longest query a search report may carry, in characters (longer ones are refused, not cut: they are not searches). */
export const SEARCH_QUERY_MAX = 200;
/** Most results a report may claim (the search box shows 8; the results page a few dozen). */
export const SEARCH_RESULTS_MAX = 1000;

/** Query-string marker of the no-result "Open a ticket" link, and the ticket form's hidden fields that carry it to intake. */
export const FROM_SEARCH_PARAM = 'from';
export const FROM_SEARCH_VALUE = 'search';
export const SEARCH_QUERY_FIELD = 'searchQuery';
export const SEARCH_LANG_FIELD = 'searchLang';

/** The ticket form, with the search's query as subject and the marker saying the visitor came from a search that found nothing useful. */
export function ticketLinkFromSearch(query: string, lang: string): string {
  const params = new URLSearchParams({ subject: query, [FROM_SEARCH_PARAM]: FROM_SEARCH_VALUE, lang });
  return `/tickets/new?${params}`;
}
