import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { Config, Language } from '../config/config-schema.ts';
import { GitHostError, isTransient } from '../git-host/errors.ts';
import type { GitHost } from '../git-host/git-host.ts';
import { openPlainIssue } from '../git-host/plain-issues.ts';
import { FEEDBACK_COMMENT_MAX } from '../kb/insights-protocol.ts';
import type { Database } from '../store/database.ts';
import {
  articleRequestsFor,
  claimArticleRequest,
  completeArticleRequest,
  countSearch,
  pruneInsights,
  queryCounts,
  recentComments,
  recordVote,
  releaseArticleRequest,
  searchesPerDay,
  searchTotals,
  topQueries,
  votesPerArticle,
  type ArticleRequest,
  type QueryCounts,
  type SearchTotals,
} from '../store/kb-insights.ts';
import { DeskError } from '../tickets/errors.ts';
import { customerTextForDisplay, neutralizeCustomerFragment, neutralizeCustomerText } from '../tickets/neutralize.ts';
import { filterQuery, redactPersonal } from './query-filter.ts';
import { ArticleRequestFormSchema, FeedbackFormSchema, FeedbackSchema, SearchReportsSchema } from './schemas.ts';

/** The label of issues opened to write a missing article (created by the Git host on first use). */
export const ARTICLE_REQUEST_LABEL = 'kb: article request';
/** Days of counts an article request's issue quotes. */
const REQUEST_FIGURES_DAYS = 30;
/** Rows each list of the report holds. */
const LIST_ROWS = 50;
/** A claim to open an issue that has not finished after this long was left by a stopped process. */
const CLAIM_STALE_MS = 2 * 60_000;
/** Report keys are remembered this long: a queued report arrives within a day or so, or is dropped by its browser. */
const REPORT_KEY_MS = 2 * 86_400_000;

/** What the insights need to know of a published article. */
export interface ArticleRef {
  title: string;
  lang: Language;
  url: string;
}

export interface InsightsOptions {
  database: Database;
  config: Pick<Config, 'features' | 'insights'>;
  /** The published articles by slug (votes on others are refused). */
  articles: () => ReadonlyMap<string, ArticleRef>;
  /** Where article requests are opened; without it (the CLI) `requestArticle` is refused. */
  host?: Pick<GitHost, 'octokit' | 'repository'> | undefined;
  /** Whether the Git host has an issue page worth linking to (GitHub does; the embedded host has no UI). */
  hostHasIssuePages?: boolean;
  now?: () => number;
}

/** A day range, YYYY-MM-DD, both inclusive (src/staff/stats-range.ts parses it from a query string). */
export interface DayRange {
  from: string;
  to: string;
}

export interface ArticleHelpfulness {
  slug: string;
  title: string;
  lang: string;
  url: string | undefined;
  yes: number;
  no: number;
  /** yes / (yes + no). */
  share: number;
  comments: number;
}

export interface QueryRow extends QueryCounts {
  /** The issue opened to write an article for it, if any. */
  request: ArticleRequest | undefined;
}

/** Everything the staff page and `npm run kb:insights` show for a range. */
export interface InsightsReport {
  range: DayRange;
  searches: SearchTotals;
  votes: { yes: number; no: number };
  /** Every day of the range, with zeros where nothing was counted. */
  perDay: Array<{ day: string; searches: number; noResults: number }>;
  /** Articles with votes, least helpful first (then the most votes). */
  articles: ArticleHelpfulness[];
  comments: Array<{ slug: string; title: string; helpful: boolean; comment: string; at: string }>;
  noResults: QueryRow[];
  fewResults: QueryRow[];
  ticketsAfterSearch: QueryRow[];
  topQueries: QueryRow[];
}

/** Takes one point of the caller's abuse limit (a 429 DeskError when none is left); called once a body is valid. */
export type Meter = () => Promise<void>;
const noMeter: Meter = async () => {};

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Turns a schema's refusal into a 400 whose message names each field and what is wrong with it. */
export function parseOrRefuse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.join('.') || 'body';
    fields[key] ??= issue.code === 'unrecognized_keys' ? `Unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.map((k) => `"${k}"`).join(', ')}.` : issue.message;
  }
  const message = Object.entries(fields)
    .map(([key, text]) => (key === 'body' ? text : `${key}: ${text}`))
    .join(' ');
  throw new DeskError('invalid_input', { message, fields });
}

/** A comment as kept: one kind of line break, no control characters, personal details taken out, then neutralised like all customer text. */
export function cleanComment(raw: string): string | null {
  const text = raw
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/g, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (text === '') return null;
  if ([...text].length > FEEDBACK_COMMENT_MAX) {
    throw new DeskError('invalid_input', {
      message: `The comment may be at most ${FEEDBACK_COMMENT_MAX} characters long; it has ${[...text].length}.`,
      fields: { comment: `At most ${FEEDBACK_COMMENT_MAX} characters.` },
    });
  }
  return neutralizeCustomerText(redactPersonal(text));
}

/** Every day from `from` to `to`. */
function daysOf(range: DayRange): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${range.from}T00:00:00Z`); t <= Date.parse(`${range.to}T00:00:00Z`) && days.length < 400; t += DAY_MS) days.push(dayOf(t));
  return days;
}

/**
 * Knowledgebase insights: article votes, anonymous search counts and the issues opened to write missing articles.
 * Framework-free; the endpoints parse and meter requests and hand the bodies here.
 */
export function createInsights(options: InsightsOptions) {
  const { database, config } = options;
  const now = options.now ?? Date.now;
  let prunedDay: string | undefined;

  function assertOn(): void {
    if (!config.features.insights || !config.features.knowledgebase) throw new DeskError('not_found', { message: 'Knowledgebase insights are switched off on this site.' });
  }

  /** Once per day per process, before the first write: counts past the retention go. */
  async function pruneDaily(at: number): Promise<void> {
    const today = dayOf(at);
    if (prunedDay === today) return;
    prunedDay = today;
    const keep = config.insights.retentionDays * DAY_MS;
    await pruneInsights(database, { beforeDay: dayOf(at - keep), votesBefore: at - keep, keysBefore: at - REPORT_KEY_MS });
  }

  async function record(vote: { voteId: string; seq: number; article: string; helpful: boolean; comment?: string | undefined }, meter: Meter): Promise<{ status: 'recorded' | 'duplicate' }> {
    assertOn();
    const article = options.articles().get(vote.article);
    if (!article) throw new DeskError('invalid_input', { message: `There is no article "${vote.article}".`, fields: { article: 'No such article.' } });
    const comment = vote.comment === undefined ? undefined : cleanComment(vote.comment);
    await meter();
    const at = now();
    await pruneDaily(at);
    const outcome = await recordVote(database, { voteId: vote.voteId, seq: vote.seq, article: vote.article, lang: article.lang, helpful: vote.helpful, comment, at });
    if (outcome === 'conflict') {
      throw new DeskError('invalid_input', { message: 'This "voteId" was used for another article: make a new one for each article.', fields: { voteId: 'Used for another article.' } });
    }
    return { status: outcome };
  }

  /** Where a query is counted: its normalised form, or undefined (filtered); null when there is nothing to count. */
  function queryToCount(raw: string): string | undefined | null {
    const verdict = filterQuery(raw);
    if (verdict.kept) return verdict.query;
    return verdict.reason === 'empty' ? null : undefined;
  }

  return {
    /** A vote from the article page's script (JSON body): recorded, or a `duplicate` of one recorded before. */
    async vote(body: unknown, meter: Meter = noMeter): Promise<{ status: 'recorded' | 'duplicate' }> {
      return record(parseOrRefuse(FeedbackSchema, body), meter);
    },

    /** A vote from the form without JavaScript: the server makes its id, so each send is a vote of its own. */
    async voteFromForm(fields: Record<string, string>, meter: Meter = noMeter): Promise<{ status: 'recorded' | 'duplicate'; article: string }> {
      const form = parseOrRefuse(FeedbackFormSchema, fields);
      const result = await record({ voteId: randomBytes(16).toString('base64url'), seq: 1, article: form.article, helpful: form.helpful === 'yes', comment: form.comment }, meter);
      return { ...result, article: form.article };
    },

    /** Search reports from the search box: each counted once per key, queries normalised, filtered and capped per day. */
    async reportSearches(body: unknown, meter: Meter = noMeter): Promise<{ counted: number; duplicates: number; ignored: number }> {
      assertOn();
      const { reports } = parseOrRefuse(SearchReportsSchema, body);
      await meter();
      const at = now();
      await pruneDaily(at);
      let counted = 0;
      let duplicates = 0;
      let ignored = 0;
      for (const report of reports) {
        const query = queryToCount(report.query);
        if (query === null) {
          ignored++;
          continue;
        }
        const fresh = await countSearch(database, { day: dayOf(at), lang: report.lang, query, results: report.results, key: report.key, at }, { maxQueriesPerDay: config.insights.maxQueriesPerDay });
        if (fresh) counted++;
        else duplicates++;
      }
      return { counted, duplicates, ignored };
    },

    /**
     * A ticket was opened from a search's "Open a ticket" link (the form's hidden `searchQuery`): counted against the
     * query, with the same filter and cap. Anything malformed is ignored: this never stands in a ticket's way.
     */
    async ticketAfterSearch(rawQuery: string | undefined, rawLang: string | undefined): Promise<void> {
      if (!config.features.insights || rawQuery === undefined || rawQuery.length > 500) return;
      const lang = rawLang === 'de' ? 'de' : 'en';
      const query = queryToCount(rawQuery);
      if (query === null) return;
      const at = now();
      await countSearch(database, { day: dayOf(at), lang, query, results: 0, at }, { maxQueriesPerDay: config.insights.maxQueriesPerDay, ticket: true });
    },

    /** What the staff page and the CLI show for a range of days. */
    async report(range: DayRange): Promise<InsightsReport> {
      const articles = options.articles();
      const fromMs = Date.parse(`${range.from}T00:00:00Z`);
      const toMs = Date.parse(`${range.to}T00:00:00Z`) + DAY_MS;
      const [totals, perDay, votes, comments, noResults, fewResults, afterTicket, top] = await Promise.all([
        searchTotals(database, range.from, range.to),
        searchesPerDay(database, range.from, range.to),
        votesPerArticle(database, fromMs, toMs),
        recentComments(database, fromMs, toMs, LIST_ROWS),
        topQueries(database, range.from, range.to, 'no_results', LIST_ROWS),
        topQueries(database, range.from, range.to, 'few_results', LIST_ROWS),
        topQueries(database, range.from, range.to, 'tickets', LIST_ROWS),
        topQueries(database, range.from, range.to, 'searches', LIST_ROWS),
      ]);
      const requests = await articleRequestsFor(
        database,
        [...noResults, ...fewResults, ...afterTicket, ...top].map((q) => q.query),
      );
      const withRequest = (rows: QueryCounts[]): QueryRow[] => rows.map((q) => ({ ...q, request: requests.find((r) => r.lang === q.lang && r.query === q.query) }));
      const byDay = new Map(perDay.map((d) => [d.day, d]));
      const helpfulness = votes
        .map((v): ArticleHelpfulness => {
          const article = articles.get(v.article);
          return {
            slug: v.article,
            title: article?.title ?? v.article,
            lang: article?.lang ?? v.lang,
            url: article?.url,
            yes: v.yes,
            no: v.no,
            share: v.yes / Math.max(1, v.yes + v.no),
            comments: v.comments,
          };
        })
        .sort((a, b) => a.share - b.share || b.yes + b.no - (a.yes + a.no) || a.slug.localeCompare(b.slug));
      return {
        range,
        searches: totals,
        votes: { yes: votes.reduce((n, v) => n + v.yes, 0), no: votes.reduce((n, v) => n + v.no, 0) },
        perDay: daysOf(range).map((day) => byDay.get(day) ?? { day, searches: 0, noResults: 0 }),
        articles: helpfulness,
        comments: comments.map((c) => ({
          slug: c.article,
          title: articles.get(c.article)?.title ?? c.article,
          helpful: c.helpful,
          // Kept neutralised for the Git host's sake; shown as typed (as text, never as HTML).
          comment: customerTextForDisplay(c.comment),
          at: new Date(c.at).toISOString(),
        })),
        noResults: withRequest(noResults),
        fewResults: withRequest(fewResults),
        ticketsAfterSearch: withRequest(afterTicket),
        topQueries: withRequest(top),
      };
    },

    /**
     * Opens a plain issue on the Git host asking for an article that answers a query (label `kb: article request`),
     * once per query and language: a second click, or another member of staff, gets the issue already opened.
     */
    async requestArticle(fields: Record<string, string>, login: string): Promise<{ request: ArticleRequest; opened: boolean }> {
      assertOn();
      const form = parseOrRefuse(ArticleRequestFormSchema, fields);
      const verdict = filterQuery(form.query);
      if (!verdict.kept) throw new DeskError('invalid_input', { message: `"${form.query}" is not a query the insights keep.` });
      const host = options.host;
      if (!host) throw new DeskError('not_allowed', { message: 'No Git host is configured here to open the issue on.' });
      const query = verdict.query;
      const at = now();
      const claim = await claimArticleRequest(database, { lang: form.lang, query, login, at, staleBefore: at - CLAIM_STALE_MS });
      if (!claim.claimed) {
        if (claim.existing.issueNumber !== undefined) return { request: claim.existing, opened: false };
        throw new DeskError('not_allowed', { message: `${claim.existing.requestedBy} is opening the issue for "${query}" right now; reload the page in a moment.` });
      }
      const figures = await queryCounts(database, form.lang, query, dayOf(at - (REQUEST_FIGURES_DAYS - 1) * DAY_MS), dayOf(at));
      const shown = neutralizeCustomerFragment(query);
      const body = [
        `Visitors searched the help centre for **“${shown}”** (${form.lang === 'de' ? 'German' : 'English'}) and found no article that answered it.`,
        '',
        `| In the last ${REQUEST_FIGURES_DAYS} days | |`,
        '| --- | --- |',
        `| Searches | ${figures.searches} |`,
        `| Searches without results | ${figures.noResults} |`,
        `| Searches with only one or two results | ${figures.fewResults} |`,
        `| Tickets opened right after the search | ${figures.tickets} |`,
        '',
        `Write an article under \`content/articles/<category>/\` that answers it (with the visitors' words in its \`keywords\`), then close this issue.`,
        '',
        `Requested by ${neutralizeCustomerFragment(login)} on the staff page "Knowledgebase insights".`,
      ].join('\n');
      try {
        const issue = await openPlainIssue(host, { title: `Write an article: “${shown}”`.slice(0, 250), body, labels: [ARTICLE_REQUEST_LABEL] });
        const url = options.hostHasIssuePages ? issue.url : undefined;
        await completeArticleRequest(database, form.lang, query, { number: issue.number, url });
        return { request: { lang: form.lang, query, issueNumber: issue.number, issueUrl: url, requestedBy: login, requestedAt: at }, opened: true };
      } catch (error) {
        await releaseArticleRequest(database, form.lang, query);
        if (!(error instanceof GitHostError)) throw error;
        if (isTransient(error)) throw new DeskError('host_unavailable', { message: `The Git host did not open the issue (${error.message}). Try again in a minute.`, cause: error });
        throw new DeskError('not_allowed', { message: `The Git host refused to open the issue: ${error.message}`, cause: error });
      }
    },
  };
}

export type Insights = ReturnType<typeof createInsights>;
