import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Later schema changes of the outbox tables (the first version is in ../migrations.ts, '001-initial'). Names sort after it: '002-…'. */
export const outboxMigrations: Record<string, Migration> = {
  '002-outbox-draft-key-and-retention': {
    async up(db: Kysely<unknown>) {
      // One ticket per offline draft, even when two server processes receive the same draft at once
      // (NULLs are distinct on both engines: only creates carry a draft key).
      await db.schema.dropIndex('outbox_draft_key').execute();
      await db.schema.createIndex('outbox_draft_key_unique').on('outbox').column('draft_key').unique().execute();
      // The retention sweep deletes done entries by age.
      await db.schema.createIndex('outbox_done_at').on('outbox').columns(['status', 'done_at']).execute();
    },
  },
  '006-outbox-unsettled-until': {
    async up(db: Kysely<unknown>) {
      // Until when a sent write's outcome may still change on the host (ms): no process resends before then.
      await db.schema.alterTable('outbox').addColumn('unsettled_until', 'bigint').execute();
    },
  },
};
