import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Tables and columns of the verified state of customers' addresses (tickets/customer-verification.ts). */
export const customerVerificationMigrations: Record<string, Migration> = {
  '003-customer-verification': {
    async up(db: Kysely<unknown>) {
      // The latest moment each customer opened a sign-in link mailed to their address.
      await db.schema
        .createTable('verified_addresses')
        .addColumn('customer_id', 'text', (c) => c.primaryKey())
        .addColumn('verified_at', 'bigint', (c) => c.notNull())
        .execute();
      // A ticket filed unverified (its metadata's `unverifiedSince`, ms), so the queue and the card can mark it;
      // rows written before this migration have none until their ticket is synced again.
      await db.schema.alterTable('ticket_summaries').addColumn('unverified_since', 'bigint').execute();
    },
  },
};
