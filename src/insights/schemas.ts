import { z } from 'zod';
import { LanguageSchema } from '../config/config-schema.ts';
import { FEEDBACK_COMMENT_MAX, REPORT_KEY_PATTERN, SEARCH_QUERY_MAX, SEARCH_REPORTS_MAX, SEARCH_RESULTS_MAX, VOTE_ID_PATTERN } from '../kb/insights-protocol.ts';

/** An article slug as the site's URLs carry it. */
const ArticleSlugSchema = z.string('Name the article ("article": its slug).').regex(/^[a-z0-9][a-z0-9-]{0,199}$/, 'Name the article by its slug, e.g. "return-policy".');

/** Comment text as sent: bounded here in UTF-16 units (twice the limit, so one that only trims down to size passes); cleaned and measured again by the service. */
const CommentSchema = z.string('A comment is text.').max(FEEDBACK_COMMENT_MAX * 2, `The comment may be at most ${FEEDBACK_COMMENT_MAX} characters long.`);

/** A vote posted by the article page's script (JSON). */
export const FeedbackSchema = z.strictObject({
  /** Random id the browser made for this article, the same for every change of its vote. */
  voteId: z.string('Send the vote\'s "voteId".').regex(VOTE_ID_PATTERN, '"voteId" must be 16–64 letters, digits, "_" or "-".'),
  /** The browser's change counter for this vote, from 1: a resend repeats it, a change raises it. */
  seq: z.number('Send "seq", the change counter (a whole number from 1).').int('"seq" must be a whole number.').min(1, '"seq" starts at 1.').max(1_000_000, '"seq" is at most 1000000.'),
  article: ArticleSlugSchema,
  helpful: z.boolean('Say whether the article helped: "helpful": true or false.'),
  /** Optional; absent keeps the comment sent before, "" removes it. */
  comment: CommentSchema.optional(),
});
export type FeedbackInput = z.input<typeof FeedbackSchema>;
export type Feedback = z.output<typeof FeedbackSchema>;

/** The same vote from the form without JavaScript: the server makes its id. */
export const FeedbackFormSchema = z.strictObject({
  article: ArticleSlugSchema,
  helpful: z.enum(['yes', 'no'], 'Choose "yes" or "no".'),
  comment: CommentSchema.optional(),
});

/** One search the search box saw settle: the query as typed, its language and how many results it showed. */
export const SearchReportSchema = z.strictObject({
  /** Random idempotency key of this report: resent after a lost answer, it counts once. */
  key: z.string('Send each report\'s "key".').regex(REPORT_KEY_PATTERN, '"key" must be 16–64 letters, digits, "_" or "-".'),
  query: z.string('Send the "query" as text.').max(SEARCH_QUERY_MAX, `A query may be at most ${SEARCH_QUERY_MAX} characters long.`),
  lang: LanguageSchema,
  results: z
    .number('Send "results", the number of results shown.')
    .int('"results" must be a whole number.')
    .min(0, '"results" is at least 0.')
    .max(SEARCH_RESULTS_MAX, `"results" is at most ${SEARCH_RESULTS_MAX}.`),
});
export type SearchReport = z.output<typeof SearchReportSchema>;

export const SearchReportsSchema = z.strictObject({
  reports: z.array(SearchReportSchema).min(1, 'Send at least one report.').max(SEARCH_REPORTS_MAX, `Send at most ${SEARCH_REPORTS_MAX} reports at once.`),
});
export type SearchReportsInput = z.input<typeof SearchReportsSchema>;

/** The staff page's "Open an issue to write this article" form. */
export const ArticleRequestFormSchema = z.strictObject({
  action: z.literal('request-article', 'Use the buttons on the insights page.'),
  query: z.string('Name the query.').min(1, 'Name the query.').max(SEARCH_QUERY_MAX),
  lang: LanguageSchema,
  /** The page's date range, to come back to. */
  from: z.string().optional(),
  to: z.string().optional(),
});
