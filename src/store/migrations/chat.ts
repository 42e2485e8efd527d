import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Who is watching a chat conversation live, and conversations staff started for a customer (the on-site popup). */
export const chatMigrations: Record<string, Migration> = {
  '008-chat': {
    async up(db: Kysely<unknown>) {
      // A visitor's open chat panel says so every 20 s: while it does, staff answers are not also mailed.
      await db.schema
        .createTable('chat_watchers')
        .addColumn('number', 'bigint', (c) => c.primaryKey())
        .addColumn('until', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('conversation_invites')
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('staff_name', 'text', (c) => c.notNull())
        // The staff message that opens it: the customer reads it in the popup (only a session proving their address).
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('conversation_invites_pk', ['customer_id', 'ref'])
        .execute();
      await db.schema.createIndex('conversation_invites_at').on('conversation_invites').column('at').execute();
    },
  },
};
