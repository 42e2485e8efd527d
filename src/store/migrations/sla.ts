import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Response targets (SLA): what the desk recorded of each ticket, by its own clock, and when each ticket is due. */
export const slaMigrations: Record<string, Migration> = {
  '010-sla-clocks': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sla_clocks')
        .addColumn('number', 'bigint', (c) => c.primaryKey())
        // JSON: when it opened, its public messages and statuses as the desk saw them (tickets/sla.ts, SlaTimeline).
        .addColumn('timeline', 'text', (c) => c.notNull())
        // When the desk began recording the ticket: breaches due before it were never anyone's to prevent, so no mail.
        .addColumn('since', 'bigint', (c) => c.notNull())
        // The running target due next (ms) and which it is; null when none runs or its clock is paused.
        .addColumn('due_at', 'bigint')
        .addColumn('due_target', 'text')
        .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
        // When the ticket's SLA label changes by time alone: the sweep syncs it then.
        .addColumn('next_check_at', 'bigint')
        .execute();
      await db.schema.createIndex('sla_clocks_next_check').on('sla_clocks').column('next_check_at').execute();
      await db.schema.createIndex('sla_clocks_due').on('sla_clocks').column('due_at').execute();
    },
  },
};
