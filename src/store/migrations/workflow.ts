import type { Migration } from 'kysely/migration';

/** Later schema changes of the workflow tables (the first version is in ../migrations.ts, '001-initial'). Names sort after it: '002-…'. */
export const workflowMigrations: Record<string, Migration> = {};
