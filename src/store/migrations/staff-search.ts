import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Who the customer is and what they wrote first, in the read model, for the staff pages' search and statistics. */
export const staffSearchMigrations: Record<string, Migration> = {
  '005-staff-search': {
    async up(db: Kysely<unknown>) {
      // Rows written before this migration have none until their ticket is synced again (the sweep, a webhook).
      await db.schema.alterTable('ticket_summaries').addColumn('customer_email', 'text').execute();
      await db.schema.alterTable('ticket_summaries').addColumn('customer_name', 'text').execute();
      // Lower-cased subject, reference, customer and opening message, bounded: what a staff search matches.
      await db.schema.alterTable('ticket_summaries').addColumn('search_text', 'text').execute();
    },
  },
  '009-merged-tickets': {
    async up(db: Kysely<unknown>) {
      // The ticket a duplicate was merged into (its merge note): statistics count the pair once.
      await db.schema.alterTable('ticket_summaries').addColumn('merged_into', 'bigint').execute();
    },
  },
};
