import { sql } from 'kysely';
import type { Database } from './database.ts';

/*
 * Knowledgebase insights in the state store (tables of migration 004-kb-insights): article votes, search counts
 * per normalised query per day, and the issues opened to write a missing article. What is normalised, filtered
 * and capped is decided by src/insights/; this file only reads and writes rows, the same SQL on SQLite and PostgreSQL.
 */

/** A vote as the insights service accepts it. */
export interface VoteRow {
  voteId: string;
  article: string;
  lang: string;
  helpful: boolean;
  seq: number;
  /** The neutralised comment; undefined keeps the one already stored, null removes it. */
  comment?: string | null | undefined;
  at: number;
}

/**
 * Records a browser's vote on an article. A vote id is one browser's for one article: the first send inserts the
 * row, a later change (a higher `seq`) replaces its answer, and a resend or a late older change changes nothing
 * (`duplicate`), so a vote queued offline and sent twice still counts once. `conflict`: the id belongs to another article.
 */
export async function recordVote(database: Database, vote: VoteRow): Promise<'recorded' | 'duplicate' | 'conflict'> {
  const row = await database.db
    .insertInto('kb_votes')
    .values({
      vote_id: vote.voteId,
      article: vote.article,
      lang: vote.lang,
      helpful: vote.helpful ? 1 : 0,
      seq: vote.seq,
      comment: vote.comment ?? null,
      created_at: vote.at,
      updated_at: vote.at,
    })
    .onConflict((oc) =>
      oc
        .column('vote_id')
        .doUpdateSet((eb) => ({
          helpful: eb.ref('excluded.helpful'),
          seq: eb.ref('excluded.seq'),
          updated_at: eb.ref('excluded.updated_at'),
          ...(vote.comment !== undefined ? { comment: eb.ref('excluded.comment') } : {}),
        }))
        .where((eb) => eb.and([eb('kb_votes.seq', '<', eb.ref('excluded.seq')), eb('kb_votes.article', '=', eb.ref('excluded.article'))])),
    )
    .returning('vote_id')
    .executeTakeFirst();
  if (row) return 'recorded';
  const existing = await database.db.selectFrom('kb_votes').select('article').where('vote_id', '=', vote.voteId).executeTakeFirst();
  return existing && existing.article !== vote.article ? 'conflict' : 'duplicate';
}

/** One search as the insights service counts it: `query` undefined when it was filtered out as personal-looking. */
export interface SearchCount {
  day: string;
  lang: string;
  query: string | undefined;
  results: number;
  /** Reports carry one; a ticket opened after a search does not. */
  key?: string | undefined;
  at: number;
}

/** Results below which a search counts as "few results" (1 or 2). */
export const FEW_RESULTS_BELOW = 3;

type Counter = 'searches' | 'no_results' | 'few_results' | 'tickets';

function increments(search: SearchCount | undefined, ticket: boolean): Record<Counter, number> {
  if (ticket) return { searches: 0, no_results: 0, few_results: 0, tickets: 1 };
  const results = search?.results ?? 0;
  return { searches: 1, no_results: results === 0 ? 1 : 0, few_results: results > 0 && results < FEW_RESULTS_BELOW ? 1 : 0, tickets: 0 };
}

/** Adds to a day's totals; `extra` counts a query filtered out or over the day's cap. */
async function addToTotals(database: Database, day: string, lang: string, add: Record<Counter, number>, extra: { filtered?: number; over_cap?: number }): Promise<void> {
  const filtered = extra.filtered ?? 0;
  const overCap = extra.over_cap ?? 0;
  await database.relaxed((db) =>
    db
      .insertInto('kb_search_totals')
      .values({ day, lang, ...add, filtered, over_cap: overCap })
      .onConflict((oc) =>
        oc.columns(['day', 'lang']).doUpdateSet((eb) => ({
          searches: eb('kb_search_totals.searches', '+', add.searches),
          no_results: eb('kb_search_totals.no_results', '+', add.no_results),
          few_results: eb('kb_search_totals.few_results', '+', add.few_results),
          tickets: eb('kb_search_totals.tickets', '+', add.tickets),
          filtered: eb('kb_search_totals.filtered', '+', filtered),
          over_cap: eb('kb_search_totals.over_cap', '+', overCap),
        })),
      )
      .execute(),
  );
}

/**
 * Adds to a query's row of the day. A query the day does not hold yet is added only while the day holds fewer
 * than `maxQueriesPerDay` queries; otherwise false (the caller counts it in the day's totals as over the cap).
 * Two processes adding new queries at the same moment may pass the cap by a few rows: it bounds growth, not exactly.
 */
async function addToQuery(database: Database, day: string, lang: string, query: string, add: Record<Counter, number>, maxQueriesPerDay: number): Promise<boolean> {
  return database.relaxed(async (db) => {
    const updated = await db
      .updateTable('kb_search_days')
      .set((eb) => ({
        searches: eb('searches', '+', add.searches),
        no_results: eb('no_results', '+', add.no_results),
        few_results: eb('few_results', '+', add.few_results),
        tickets: eb('tickets', '+', add.tickets),
      }))
      .where('day', '=', day)
      .where('lang', '=', lang)
      .where('query', '=', query)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return true;
    const held = await db
      .selectFrom('kb_search_days')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('day', '=', day)
      .executeTakeFirstOrThrow();
    if (Number(held.n) >= maxQueriesPerDay) return false;
    await db
      .insertInto('kb_search_days')
      .values({ day, lang, query, ...add })
      .onConflict((oc) =>
        oc.columns(['day', 'lang', 'query']).doUpdateSet((eb) => ({
          searches: eb('kb_search_days.searches', '+', add.searches),
          no_results: eb('kb_search_days.no_results', '+', add.no_results),
          few_results: eb('kb_search_days.few_results', '+', add.few_results),
          tickets: eb('kb_search_days.tickets', '+', add.tickets),
        })),
      )
      .execute();
    return true;
  });
}

/** Takes a report's idempotency key; false when it was taken before (the report was counted already). */
async function takeReportKey(database: Database, key: string, at: number): Promise<boolean> {
  const row = await database.relaxed((db) =>
    db
      .insertInto('kb_report_keys')
      .values({ key, at })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .executeTakeFirst(),
  );
  return row !== undefined;
}

/**
 * Counts one search (or, with `ticket`, one ticket opened from a search's "Open a ticket" link). Counters are
 * written with relaxed durability: a power cut may lose the last moment's counts, never a ticket.
 * Returns false when the report's key was counted before.
 */
export async function countSearch(database: Database, search: SearchCount, options: { maxQueriesPerDay: number; ticket?: boolean }): Promise<boolean> {
  if (search.key !== undefined && !(await takeReportKey(database, search.key, search.at))) return false;
  const add = increments(search, options.ticket === true);
  if (search.query === undefined) {
    await addToTotals(database, search.day, search.lang, add, { filtered: 1 });
    return true;
  }
  const kept = await addToQuery(database, search.day, search.lang, search.query, add, options.maxQueriesPerDay);
  await addToTotals(database, search.day, search.lang, add, kept ? {} : { over_cap: 1 });
  return true;
}

/** Deletes search counts of days before `beforeDay`, votes last changed before `votesBefore` and report keys taken before `keysBefore` (ms). */
export async function pruneInsights(database: Database, limits: { beforeDay: string; votesBefore: number; keysBefore: number }): Promise<void> {
  await database.db.deleteFrom('kb_search_days').where('day', '<', limits.beforeDay).execute();
  await database.db.deleteFrom('kb_search_totals').where('day', '<', limits.beforeDay).execute();
  await database.db.deleteFrom('kb_votes').where('updated_at', '<', limits.votesBefore).execute();
  await database.db.deleteFrom('kb_report_keys').where('at', '<', limits.keysBefore).execute();
}

/** Search totals over days `from`…`to` (YYYY-MM-DD, inclusive). */
export interface SearchTotals {
  searches: number;
  noResults: number;
  fewResults: number;
  tickets: number;
  filtered: number;
  overCap: number;
}

const num = (value: unknown) => Number(value ?? 0);

export async function searchTotals(database: Database, from: string, to: string): Promise<SearchTotals> {
  const row = await database.db
    .selectFrom('kb_search_totals')
    .select((eb) => [
      eb.fn.sum<number>('searches').as('searches'),
      eb.fn.sum<number>('no_results').as('no_results'),
      eb.fn.sum<number>('few_results').as('few_results'),
      eb.fn.sum<number>('tickets').as('tickets'),
      eb.fn.sum<number>('filtered').as('filtered'),
      eb.fn.sum<number>('over_cap').as('over_cap'),
    ])
    .where('day', '>=', from)
    .where('day', '<=', to)
    .executeTakeFirst();
  return {
    searches: num(row?.searches),
    noResults: num(row?.no_results),
    fewResults: num(row?.few_results),
    tickets: num(row?.tickets),
    filtered: num(row?.filtered),
    overCap: num(row?.over_cap),
  };
}

/** Searches and searches without results on each day that had any (days without rows are left out). */
export async function searchesPerDay(database: Database, from: string, to: string): Promise<Array<{ day: string; searches: number; noResults: number }>> {
  const rows = await database.db
    .selectFrom('kb_search_totals')
    .select((eb) => ['day', eb.fn.sum<number>('searches').as('searches'), eb.fn.sum<number>('no_results').as('no_results')])
    .where('day', '>=', from)
    .where('day', '<=', to)
    .groupBy('day')
    .orderBy('day')
    .execute();
  return rows.map((r) => ({ day: r.day, searches: num(r.searches), noResults: num(r.no_results) }));
}

/** A query's counts summed over a range of days. */
export interface QueryCounts {
  lang: string;
  query: string;
  searches: number;
  noResults: number;
  fewResults: number;
  tickets: number;
}

/** The queries with the most of one counter over days `from`…`to`, that counter above zero; ties by query. */
export async function topQueries(database: Database, from: string, to: string, by: 'searches' | 'no_results' | 'few_results' | 'tickets', limit: number): Promise<QueryCounts[]> {
  const rows = await database.db
    .selectFrom('kb_search_days')
    .select((eb) => [
      'lang',
      'query',
      eb.fn.sum<number>('searches').as('searches'),
      eb.fn.sum<number>('no_results').as('no_results'),
      eb.fn.sum<number>('few_results').as('few_results'),
      eb.fn.sum<number>('tickets').as('tickets'),
    ])
    .where('day', '>=', from)
    .where('day', '<=', to)
    .groupBy(['lang', 'query'])
    .having((eb) => eb(eb.fn.sum(by), '>', 0))
    .orderBy(sql`sum(${sql.ref(by)})`, 'desc')
    .orderBy('query')
    .orderBy('lang')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ lang: r.lang, query: r.query, searches: num(r.searches), noResults: num(r.no_results), fewResults: num(r.few_results), tickets: num(r.tickets) }));
}

/** Votes per article among those last cast in [`fromMs`, `toMs`). */
export async function votesPerArticle(database: Database, fromMs: number, toMs: number): Promise<Array<{ article: string; lang: string; yes: number; no: number; comments: number; lastAt: number }>> {
  const rows = await database.db
    .selectFrom('kb_votes')
    .select((eb) => [
      'article',
      eb.fn.max('lang').as('lang'),
      eb.fn.sum<number>('helpful').as('yes'),
      eb.fn.countAll<number>().as('total'),
      eb.fn.count<number>('comment').as('comments'),
      eb.fn.max('updated_at').as('last_at'),
    ])
    .where('updated_at', '>=', fromMs)
    .where('updated_at', '<', toMs)
    .groupBy('article')
    .execute();
  return rows.map((r) => ({ article: r.article, lang: String(r.lang), yes: num(r.yes), no: num(r.total) - num(r.yes), comments: num(r.comments), lastAt: num(r.last_at) }));
}

/** The latest comments left with votes in [`fromMs`, `toMs`), newest first. */
export async function recentComments(
  database: Database,
  fromMs: number,
  toMs: number,
  limit: number,
): Promise<Array<{ article: string; lang: string; helpful: boolean; comment: string; at: number }>> {
  const rows = await database.db
    .selectFrom('kb_votes')
    .select(['article', 'lang', 'helpful', 'comment', 'updated_at'])
    .where('comment', 'is not', null)
    .where('updated_at', '>=', fromMs)
    .where('updated_at', '<', toMs)
    .orderBy('updated_at', 'desc')
    .orderBy('vote_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ article: r.article, lang: r.lang, helpful: r.helpful === 1, comment: r.comment ?? '', at: num(r.updated_at) }));
}

/** An issue opened to write an article for a query (`issueNumber` undefined while it is being opened). */
export interface ArticleRequest {
  lang: string;
  query: string;
  issueNumber: number | undefined;
  issueUrl: string | undefined;
  requestedBy: string;
  requestedAt: number;
}

function toArticleRequest(row: { lang: string; query: string; issue_number: number | null; issue_url: string | null; requested_by: string; requested_at: number }): ArticleRequest {
  return {
    lang: row.lang,
    query: row.query,
    issueNumber: row.issue_number === null ? undefined : Number(row.issue_number),
    issueUrl: row.issue_url ?? undefined,
    requestedBy: row.requested_by,
    requestedAt: Number(row.requested_at),
  };
}

/** The article requests of these queries (any language). */
export async function articleRequestsFor(database: Database, queries: readonly string[]): Promise<ArticleRequest[]> {
  if (queries.length === 0) return [];
  const rows = await database.db
    .selectFrom('kb_article_requests')
    .selectAll()
    .where('query', 'in', [...new Set(queries)])
    .execute();
  return rows.map(toArticleRequest);
}

/**
 * Claims the right to open the article request of a query: true when this caller must open the issue, else the
 * request already made (or being made). A claim older than `staleBefore` (ms) without an issue is taken over:
 * the process that made it stopped before it finished.
 */
export async function claimArticleRequest(
  database: Database,
  request: { lang: string; query: string; login: string; at: number; staleBefore: number },
): Promise<{ claimed: true } | { claimed: false; existing: ArticleRequest }> {
  const inserted = await database.db
    .insertInto('kb_article_requests')
    .values({ lang: request.lang, query: request.query, issue_number: null, issue_url: null, requested_by: request.login, requested_at: request.at })
    .onConflict((oc) =>
      oc
        .columns(['lang', 'query'])
        .doUpdateSet({ requested_by: request.login, requested_at: request.at })
        .where('kb_article_requests.issue_number', 'is', null)
        .where('kb_article_requests.requested_at', '<', request.staleBefore),
    )
    .returning('query')
    .executeTakeFirst();
  if (inserted) return { claimed: true };
  const row = await database.db.selectFrom('kb_article_requests').selectAll().where('lang', '=', request.lang).where('query', '=', request.query).executeTakeFirstOrThrow();
  return { claimed: false, existing: toArticleRequest(row) };
}

/** Records the issue a claimed request became. */
export async function completeArticleRequest(database: Database, lang: string, query: string, issue: { number: number; url: string | undefined }): Promise<void> {
  await database.db
    .updateTable('kb_article_requests')
    .set({ issue_number: issue.number, issue_url: issue.url ?? null })
    .where('lang', '=', lang)
    .where('query', '=', query)
    .execute();
}

/** Gives a claim up (opening the issue failed), so the next click tries again. */
export async function releaseArticleRequest(database: Database, lang: string, query: string): Promise<void> {
  await database.db.deleteFrom('kb_article_requests').where('lang', '=', lang).where('query', '=', query).where('issue_number', 'is', null).execute();
}

/** One query's counts over days `from`…`to` (all zero when it has none). */
export async function queryCounts(database: Database, lang: string, query: string, from: string, to: string): Promise<QueryCounts> {
  const row = await database.db
    .selectFrom('kb_search_days')
    .select((eb) => [
      eb.fn.sum<number>('searches').as('searches'),
      eb.fn.sum<number>('no_results').as('no_results'),
      eb.fn.sum<number>('few_results').as('few_results'),
      eb.fn.sum<number>('tickets').as('tickets'),
    ])
    .where('lang', '=', lang)
    .where('query', '=', query)
    .where('day', '>=', from)
    .where('day', '<=', to)
    .executeTakeFirst();
  return { lang, query, searches: num(row?.searches), noResults: num(row?.no_results), fewResults: num(row?.few_results), tickets: num(row?.tickets) };
}
