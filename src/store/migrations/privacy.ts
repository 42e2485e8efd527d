import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Deleted tickets and the audit log of deletions and customer data exports and erasures (issue 18). Neither holds
 * customer content: a removed ticket keeps its number and ref (so the customer's old link says it was removed), an
 * audit entry who did what to which ticket, and counts.
 */
export function privacyMigrations(engine: 'sqlite' | 'postgres'): Record<string, Migration> {
  const pg = engine === 'postgres';
  return {
    '011-privacy': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('removed_tickets')
          .addColumn('number', 'bigint', (c) => c.primaryKey())
          .addColumn('ref', 'text')
          .addColumn('removed_at', 'bigint', (c) => c.notNull())
          // `deleted` (the issue is gone) or `redacted` (closed, locked, its customer content replaced).
          .addColumn('outcome', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('removed_tickets_ref').on('removed_tickets').column('ref').execute();
        await db.schema
          .createTable('audit_log')
          .addColumn('seq', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('at', 'bigint', (c) => c.notNull())
          // A staff login, or `cli:<user>` for the command line.
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          // `ticket #12`, or `customer` (an erased customer is named nowhere, not even by their pseudonymous id).
          .addColumn('target', 'text', (c) => c.notNull())
          // JSON of counts and outcomes; never customer text.
          .addColumn('detail', 'text', (c) => c.notNull())
          .execute();
      },
    },
  };
}
