import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Later schema changes of the read-model tables (the first version is in ../migrations.ts, '001-initial'). Names sort after it: '002-…'. */
export const readModelMigrations: Record<string, Migration> = {
  /**
   * What the queue sorts by, as columns an index can serve (so a page costs the same at 20,000 tickets), and the
   * two lists a ticket row holds that views filter or total by: its assignees and its public replies per author.
   */
  '002-read-model-queue': {
    async up(db: Kysely<unknown>) {
      // QUEUE_GROUPS order of the status, and the priority's urgency (urgent 0 … low 3, unknown 2).
      await db.schema
        .alterTable('ticket_summaries')
        .addColumn('status_rank', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('ticket_summaries')
        .addColumn('priority_rank', 'integer', (c) => c.notNull().defaultTo(2))
        .execute();
      // "Needs action first" (also every status filter), "priority", "recently updated" and "newest"; ties newest ticket first.
      await db.schema.createIndex('ticket_summaries_action').on('ticket_summaries').columns(['status_rank', 'priority_rank', 'updated_at', 'number desc']).execute();
      await db.schema.createIndex('ticket_summaries_priority').on('ticket_summaries').columns(['priority_rank', 'updated_at', 'number desc']).execute();
      await db.schema.createIndex('ticket_summaries_updated').on('ticket_summaries').columns(['updated_at', 'number']).execute();
      await db.schema.createIndex('ticket_summaries_created_number').on('ticket_summaries').columns(['created_at', 'number']).execute();
      await db.schema.createIndex('ticket_summaries_customer_number').on('ticket_summaries').columns(['customer_id', 'number']).execute();
      // Statistics total every ticket: these indexes hold what they read, so no total reads the table itself.
      await db.schema.createIndex('ticket_summaries_closed_created').on('ticket_summaries').columns(['closed_at', 'created_at']).execute();
      await db.schema.createIndex('ticket_summaries_customer_totals').on('ticket_summaries').columns(['customer_id', 'messages_customer', 'created_at', 'closed_at']).execute();

      await db.schema
        .createTable('ticket_summary_assignees')
        .addColumn('number', 'bigint', (c) => c.notNull())
        .addColumn('login', 'text', (c) => c.notNull())
        // The login lower-cased: logins compare case-insensitively.
        .addColumn('login_key', 'text', (c) => c.notNull())
        // 1 while the ticket is open (statistics count open tickets per supporter).
        .addColumn('open', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('ticket_summary_assignees_pk', ['number', 'login_key'])
        .execute();
      await db.schema.createIndex('ticket_summary_assignees_login').on('ticket_summary_assignees').columns(['login_key', 'number']).execute();
      await db.schema.createIndex('ticket_summary_assignees_open').on('ticket_summary_assignees').columns(['open', 'login_key', 'login']).execute();

      await db.schema
        .createTable('ticket_summary_replies')
        .addColumn('number', 'bigint', (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('author_key', 'text', (c) => c.notNull())
        .addColumn('replies', 'integer', (c) => c.notNull())
        .addColumn('helpful', 'integer', (c) => c.notNull())
        .addColumn('not_helpful', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('ticket_summary_replies_pk', ['number', 'author_key'])
        .execute();
      await db.schema.createIndex('ticket_summary_replies_author').on('ticket_summary_replies').columns(['author_key']).execute();
    },
  },
};
