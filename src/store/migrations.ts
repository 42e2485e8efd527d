import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';
import type { Engine } from './schema.ts';
import { customerVerificationMigrations } from './migrations/customer-verification.ts';
import { kbInsightsMigrations } from './migrations/kb-insights.ts';
import { liveViewsMigrations } from './migrations/live-views.ts';
import { chatMigrations } from './migrations/chat.ts';
import { outboxMigrations } from './migrations/outbox.ts';
import { privacyMigrations } from './migrations/privacy.ts';
import { readModelMigrations } from './migrations/read-model.ts';
import { slaMigrations } from './migrations/sla.ts';
import { staffSearchMigrations } from './migrations/staff-search.ts';
import { workflowMigrations } from './migrations/workflow.ts';

/**
 * The store's schema, as migrations run at start-up (Kysely's Migrator keeps which ran in its own table,
 * under a lock, so several instances starting together migrate once). Column types are chosen per engine
 * only where they must differ: the auto-increment key and bytes.
 */
function migrations(engine: Engine): Record<string, Migration> {
  const pg = engine === 'postgres';
  const bigint = 'bigint' as const;
  return {
    '001-initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('outbox')
          .addColumn('seq', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('ticket', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('op', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', bigint, (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('first_attempt_at', bigint)
          .addColumn('retry_at', bigint, (c) => c.notNull().defaultTo(0))
          .addColumn('last_error', 'text')
          .addColumn('host_status', 'integer')
          .addColumn('result', 'text')
          .addColumn('done_at', bigint)
          .addColumn('lease_owner', 'text')
          .addColumn('lease_until', bigint)
          .addColumn('customer_email', 'text')
          .addColumn('draft_key', 'text')
          .execute();
        await db.schema.createIndex('outbox_status_ticket').on('outbox').columns(['status', 'ticket', 'seq']).execute();
        await db.schema.createIndex('outbox_ticket').on('outbox').columns(['ticket', 'seq']).execute();
        await db.schema.createIndex('outbox_customer').on('outbox').columns(['customer_email']).execute();
        await db.schema.createIndex('outbox_draft_key').on('outbox').columns(['draft_key']).execute();

        await db.schema
          .createTable('ticket_refs')
          .addColumn('ref', 'text', (c) => c.primaryKey())
          .addColumn('number', bigint, (c) => c.notNull().unique())
          .execute();
        await db.schema
          .createTable('attachment_blobs')
          .addColumn('path', 'text', (c) => c.primaryKey())
          .addColumn('entry_id', 'text', (c) => c.notNull())
          .addColumn('bytes', pg ? 'bytea' : 'blob', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('deliveries')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('at', bigint, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('deliveries_at').on('deliveries').column('at').execute();
        await db.schema
          .createTable('message_kinds')
          .addColumn('id', bigint, (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('workflow_tickets')
          .addColumn('number', bigint, (c) => c.primaryKey())
          .addColumn('record', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('routes')
          .addColumn('pool', 'text', (c) => c.primaryKey())
          .addColumn('login', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('mail_queue')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('retry_at', bigint, (c) => c.notNull().defaultTo(0))
          .addColumn('last_error', 'text')
          .addColumn('lease_owner', 'text')
          .addColumn('lease_until', bigint)
          .addColumn('created_at', bigint, (c) => c.notNull())
          .addColumn('sent_at', bigint)
          .execute();
        await db.schema.createIndex('mail_queue_status').on('mail_queue').columns(['status', 'retry_at']).execute();

        await db.schema
          .createTable('used_links')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', bigint, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('revoked_sessions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', bigint, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('limits')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('window_start', bigint, (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('presence')
          .addColumn('login', 'text', (c) => c.primaryKey())
          .addColumn('present', 'integer', (c) => c.notNull())
          .addColumn('at', bigint, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('verified_metadata')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('meta', 'text', (c) => c.notNull())
          .addColumn('body_hash', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('ticket_summaries')
          .addColumn('number', bigint, (c) => c.primaryKey())
          .addColumn('ref', 'text', (c) => c.unique())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('priority', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('category', 'text', (c) => c.notNull())
          .addColumn('labels', 'text', (c) => c.notNull())
          .addColumn('assignees', 'text', (c) => c.notNull())
          .addColumn('customer_id', 'text')
          .addColumn('created_at', bigint, (c) => c.notNull())
          .addColumn('updated_at', bigint, (c) => c.notNull())
          .addColumn('closed_at', bigint)
          .addColumn('thread', 'text', (c) => c.notNull())
          .addColumn('messages_customer', 'integer', (c) => c.notNull())
          .addColumn('staff_replies', 'integer', (c) => c.notNull())
          .addColumn('internal_notes', 'integer', (c) => c.notNull())
          .addColumn('first_response_at', bigint)
          .addColumn('helpful', 'integer', (c) => c.notNull())
          .addColumn('not_helpful', 'integer', (c) => c.notNull())
          .addColumn('host_updated_at', bigint, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('ticket_summaries_customer').on('ticket_summaries').columns(['customer_id', 'updated_at']).execute();
        await db.schema.createIndex('ticket_summaries_state').on('ticket_summaries').columns(['state', 'updated_at']).execute();
        await db.schema.createIndex('ticket_summaries_created').on('ticket_summaries').column('created_at').execute();
        await db.schema.createIndex('ticket_summaries_closed').on('ticket_summaries').column('closed_at').execute();
      },
    },
    ...outboxMigrations,
    ...workflowMigrations,
    ...readModelMigrations,
    ...customerVerificationMigrations,
    ...staffSearchMigrations,
    ...kbInsightsMigrations,
    ...liveViewsMigrations(engine),
    ...chatMigrations,
    ...slaMigrations,
    ...privacyMigrations(engine),
    '012-limit-windows': {
      // Each counter carries its window, so one statement can take several limits of different windows at once.
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('limits')
          .addColumn('window_ms', bigint, (c) => c.notNull().defaultTo(0))
          .execute();
      },
    },
  };
}

/** The migrations for an engine, in name order. */
export function migrationProvider(engine: Engine): MigrationProvider {
  return { getMigrations: async () => migrations(engine) };
}
