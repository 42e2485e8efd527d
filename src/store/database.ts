import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { migrationProvider } from './migrations.ts';
import type { Engine, StoreSchema } from './schema.ts';
import { nodeSqliteDatabase } from './sqlite.ts';
import { startWalCheckpoints } from './wal-checkpoint.ts';
import { createWalSync } from './wal-sync.ts';

export type { Engine } from './schema.ts';

/** The server's one state store. */
export interface Database {
  readonly engine: Engine;
  readonly db: Kysely<StoreSchema>;
  /** Where it lives, for messages (a file path, or the PostgreSQL URL without its password). */
  readonly description: string;
  /**
   * Runs `work` in one transaction with relaxed durability: its commit does not wait for the disk (SQLite: synchronous NORMAL in
   * WAL mode; PostgreSQL: synchronous_commit off). A crash of the process loses nothing; a power cut may lose
   * the last fraction of a second of these writes. For counters such as abuse limits, which a request must
   * not pay an fsync for, or a mail marked sent (lost, it is sent again); never for a ticket, a mail to send or
   * anything a customer was told is done.
   */
  relaxed<T>(work: (db: Kysely<StoreSchema>) => Promise<T>): Promise<T>;
  /**
   * Resolves once everything committed so far, relaxed work aside, is on disk: await it before telling anyone a write
   * is kept (the site answers no request before it, src/middleware.ts). SQLite commits without waiting for the disk
   * and syncs here, off the event loop, once for all who wait (wal-sync.ts); PostgreSQL's commits are durable already.
   */
  durable(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://…` for PostgreSQL; unset for SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  /** Folder of the SQLite file (`DATA_DIR`). */
  dataDir: string;
  /** PostgreSQL pool size per process. @default 10 */
  poolSize?: number;
}

/** The PostgreSQL URL with its password hidden. */
export function describeDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * Opens the store and brings its schema up to date: SQLite in `DATA_DIR/helpdesk.sqlite` by default (nothing to
 * install), PostgreSQL when `databaseUrl` is set (several server processes share it).
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let database: Database;
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      // bigint columns hold milliseconds and ids, well inside Number's safe range.
      types: { getTypeParser: (oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) } as never,
    });
    // An idle connection the server ends (a restart, a failover, an administrator) is reported on the pool;
    // unhandled, that event would end the process. The pool opens a new connection for the next query.
    pool.on('error', (error) => console.warn(`helpdesk: a PostgreSQL connection ended (${error.message}); reconnecting on the next query`));
    database = {
      engine: 'postgres',
      db: new Kysely<StoreSchema>({ dialect: new PostgresDialect({ pool }) }),
      description: `PostgreSQL at ${describeDatabaseUrl(options.databaseUrl)}`,
      relaxed: (work) =>
        database.db.transaction().execute(async (trx) => {
          await sql`set local synchronous_commit = off`.execute(trx);
          return work(trx);
        }),
      durable: async () => {},
      close: async () => database.db.destroy(),
    };
  } else {
    mkdirSync(options.dataDir, { recursive: true });
    const file = path.join(options.dataDir, 'helpdesk.sqlite');
    const connection = nodeSqliteDatabase(file);
    const wal = createWalSync(`${file}-wal`, () => connection.writes);
    connection.raw.exec('PRAGMA wal_autocheckpoint = 0');
    const checkpoints = startWalCheckpoints(
      file,
      () => connection.changes,
      (error) => {
        // The WAL must not grow without end: SQLite checkpoints by itself again, on this thread.
        console.warn(`helpdesk: ${error.message}; SQLite checkpoints on the server's own thread from now on`);
        connection.raw.exec('PRAGMA wal_autocheckpoint = 1000');
      },
    );
    database = {
      engine: 'sqlite',
      db: new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database: connection }) }),
      description: `SQLite at ${file}`,
      // The one connection, held for the whole of `work` (Kysely serialises its use), so every statement counted as
      // relaxed is `work`'s own; one transaction, so several writes append to the log once.
      relaxed: (work) =>
        database.db.connection().execute(async (held) => {
          connection.relaxing += 1;
          try {
            return await held.transaction().execute(work);
          } finally {
            connection.relaxing -= 1;
          }
        }),
      durable: () => wal.durable(),
      close: async () => {
        await wal.durable();
        await wal.close();
        await checkpoints.close();
        await database.db.destroy();
      },
    };
  }
  const { error, results } = await new Migrator({ db: database.db, provider: migrationProvider(database.engine) }).migrateToLatest();
  if (error) {
    await database.close();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`could not bring the store (${database.description}) up to date${failed ? ` at migration ${failed}` : ''}: ${(error as Error).message}`, { cause: error });
  }
  return database;
}
