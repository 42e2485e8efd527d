import type { Migration } from 'kysely/migration';

/** Later schema changes of the read-model tables (the first version is in ../migrations.ts, '001-initial'). Names sort after it: '002-…'. */
export const readModelMigrations: Record<string, Migration> = {};
