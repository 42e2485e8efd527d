import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Node's built-in SQLite (`node:sqlite`) shaped as the database Kysely's SqliteDialect drives. Built in, so
 * `npm start` needs nothing compiled or downloaded (a native driver would need a prebuilt binary or a
 * compiler with Node 24's headers). Differences from better-sqlite3 that matter here: parameters are
 * spread, and a statement says whether it returns rows through `columns()` rather than `reader`.
 */
export interface NodeSqliteDatabase extends SqliteDatabase {
  raw: DatabaseSync;
  /** Statements run so far that may have written, except those run while `relaxing` (see wal-sync.ts). */
  readonly writes: number;
  /** Above 0 while relaxed work holds the connection: its writes need not reach the disk before anyone is answered. */
  relaxing: number;
  /** Every statement run so far that may have written, relaxed or not (for checkpoints: wal-checkpoint.ts). */
  readonly changes: number;
}

/** Statements that only read; any other may write (a transaction's `commit` among them). */
const READ_ONLY = /^\s*(select|pragma|explain)\b/i;

export function nodeSqliteDatabase(file: string): NodeSqliteDatabase {
  const db = new DatabaseSync(file);
  // WAL lets readers (the CLI, a second process) work beside the writer; NORMAL commits without waiting for the
  // disk, and the store syncs the WAL off the event loop before anyone is answered (wal-sync.ts), so a customer is
  // answered only after their ticket is on disk. busy_timeout waits for another process's write.
  // busy_timeout first, so switching to WAL waits for a writer in another process rather than failing; auto_vacuum
  // before journal_mode: it only takes effect before the file has tables or switches to WAL.
  // secure_delete FAST zeroes deleted rows on pages written anyway, so no remnant of an attachment (or of a
  // purged customer's text) stays in a live page once deleted; freed pages are given back by incremental vacuum.
  db.exec('PRAGMA busy_timeout = 5000; PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = FAST; PRAGMA foreign_keys = ON;');
  // Kysely prepares every query it runs; compiling the same few dozen statements again on each request cost more
  // than running them. Statements run one at a time on this connection, so a compiled one can be reused.
  const prepared = new Map<string, SqliteStatement>();
  const params = (parameters: ReadonlyArray<unknown>) => parameters.map(toSqlite);
  let writes = 0;
  let changes = 0;
  const shapedDb: NodeSqliteDatabase = {
    raw: db,
    relaxing: 0,
    get writes() {
      return writes;
    },
    get changes() {
      return changes;
    },
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const cached = prepared.get(sql);
      if (cached) return cached;
      // Kysely opens transactions with a plain BEGIN (deferred); a write transaction must take the write lock
      // at once, or two processes that both read first deadlock when they upgrade.
      const statement = db.prepare(/^\s*begin\s*$/i.test(sql) ? 'begin immediate' : sql);
      const writing = !READ_ONLY.test(sql);
      const count = () => {
        if (!writing) return;
        changes += 1;
        if (shapedDb.relaxing === 0) writes += 1;
      };
      const shaped: SqliteStatement = {
        reader: statement.columns().length > 0,
        all: (parameters) => {
          count();
          return statement.all(...params(parameters));
        },
        run: (parameters) => {
          count();
          return statement.run(...params(parameters));
        },
        iterate: (parameters) => statement.iterate(...params(parameters)),
      };
      // Bounded: queries with a varying number of parameters (`in (?, ?, …)`) each compile to a statement of their own.
      if (prepared.size >= PREPARED_STATEMENTS) prepared.delete(prepared.keys().next().value as string);
      prepared.set(sql, shaped);
      return shaped;
    },
  };
  return shapedDb;
}

/** Compiled statements kept per connection (oldest dropped first). */
const PREPARED_STATEMENTS = 256;

function toSqlite(value: unknown): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value as SQLInputValue;
}
