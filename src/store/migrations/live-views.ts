import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { Engine } from '../schema.ts';

/**
 * What the live staff views need: a short feed of which tickets changed (every server process reads it, so a
 * webhook received by one updates the pages open on all) and who has a ticket open in the workspace.
 */
export function liveViewsMigrations(engine: Engine): Record<string, Migration> {
  const pg = engine === 'postgres';
  return {
    '007-live-views': {
      async up(db: Kysely<unknown>) {
        // Kept for an hour: long enough for a page that lost its connection to catch up, never history.
        await db.schema
          .createTable('ticket_changes')
          .addColumn('seq', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('number', 'bigint', (c) => c.notNull())
          // 'ticket': its summary changed; 'viewers': someone opened, started replying on or left its workspace.
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('ticket_changes_at').on('ticket_changes').column('at').execute();
        await db.schema
          .createTable('ticket_viewers')
          .addColumn('number', 'bigint', (c) => c.notNull())
          .addColumn('login_key', 'text', (c) => c.notNull())
          .addColumn('login', 'text', (c) => c.notNull())
          .addColumn('replying', 'integer', (c) => c.notNull())
          .addColumn('until', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('ticket_viewers_pk', ['number', 'login_key'])
          .execute();
        await db.schema.createIndex('ticket_viewers_until').on('ticket_viewers').column('until').execute();
      },
    },
  };
}
