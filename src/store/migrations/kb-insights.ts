import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Tables of knowledgebase insights (src/insights/): article votes, search counts per day and the issues staff
 * opened to write a missing article. Nothing here names a person: a vote is keyed by a random id its browser
 * made for that one article, and searches are counts per normalised query per day.
 */
export const kbInsightsMigrations: Record<string, Migration> = {
  '004-kb-insights': {
    async up(db: Kysely<unknown>) {
      // One row per browser and article: the latest answer to "Was this article helpful?".
      await db.schema
        .createTable('kb_votes')
        .addColumn('vote_id', 'text', (c) => c.primaryKey())
        .addColumn('article', 'text', (c) => c.notNull())
        .addColumn('lang', 'text', (c) => c.notNull())
        .addColumn('helpful', 'integer', (c) => c.notNull())
        // The browser's change counter: a resent or late older change never replaces a newer one.
        .addColumn('seq', 'integer', (c) => c.notNull())
        // Neutralised customer text, or null.
        .addColumn('comment', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('kb_votes_article').on('kb_votes').columns(['article', 'updated_at']).execute();
      await db.schema.createIndex('kb_votes_updated').on('kb_votes').columns(['updated_at']).execute();

      // Counts per normalised query per day (UTC) and language; a day holds at most a configured number of queries.
      await db.schema
        .createTable('kb_search_days')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('lang', 'text', (c) => c.notNull())
        .addColumn('query', 'text', (c) => c.notNull())
        .addColumn('searches', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('no_results', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('few_results', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('tickets', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('kb_search_days_pk', ['day', 'lang', 'query'])
        .execute();

      // Totals per day and language, including what was not kept per query (filtered as personal-looking, or over the day's cap).
      await db.schema
        .createTable('kb_search_totals')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('lang', 'text', (c) => c.notNull())
        .addColumn('searches', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('no_results', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('few_results', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('tickets', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('filtered', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('over_cap', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('kb_search_totals_pk', ['day', 'lang'])
        .execute();

      // Idempotency keys of search reports already counted (a report resent after a lost answer counts once); kept two days.
      await db.schema
        .createTable('kb_report_keys')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('kb_report_keys_at').on('kb_report_keys').columns(['at']).execute();

      // The issue opened on the Git host to write an article for a query: one per query and language.
      await db.schema
        .createTable('kb_article_requests')
        .addColumn('lang', 'text', (c) => c.notNull())
        .addColumn('query', 'text', (c) => c.notNull())
        // Null while the issue is being opened (a claim, so two clicks open one issue).
        .addColumn('issue_number', 'bigint')
        .addColumn('issue_url', 'text')
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('kb_article_requests_pk', ['lang', 'query'])
        .execute();
    },
  },
};
