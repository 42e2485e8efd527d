import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/database.ts';
import { nodeSqliteDatabase } from '../../../src/store/sqlite.ts';
import { startWalCheckpoints } from '../../../src/store/wal-checkpoint.ts';
import { waitFor } from '../../helpers/wait.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wal-checkpoint-'));
  dirs.push(dir);
  return dir;
}

/** Rows of `meta` in the database file alone, as a copy without its WAL reads them: what checkpoints have moved there. */
function rowsInMainFile(file: string, dir: string): number {
  const copy = path.join(dir, `copy-${Math.random().toString(36).slice(2)}.sqlite`);
  copyFileSync(file, copy);
  const db = new DatabaseSync(copy, { readOnly: true });
  try {
    return Number((db.prepare("select count(*) as n from meta where key like 'row-%'").get() as { n: number }).n);
  } finally {
    db.close();
  }
}

describe('SQLite checkpoints off the event loop', () => {
  it('the store commits without checkpointing; the worker moves the WAL into the database file', async () => {
    const dir = tempDir();
    const database = await openDatabase({ dataDir: dir });
    const file = path.join(dir, 'helpdesk.sqlite');
    try {
      const setting = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(database.db);
      expect(setting.rows[0]?.wal_autocheckpoint).toBe(0);
      // Well past SQLite's own threshold of 1,000 pages: with automatic checkpoints these would be in the file already.
      const text = 'x'.repeat(2000);
      for (let i = 0; i < 3000; i += 100)
        await database.db
          .insertInto('meta')
          .values(Array.from({ length: 100 }, (_, j) => ({ key: `row-${i + j}`, value: text })))
          .execute();
      await waitFor('the worker to checkpoint', () => rowsInMainFile(file, dir) === 3000);
    } finally {
      await database.close();
    }
  });

  it('a checkpoint asked for covers every write before it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'store.sqlite');
    const db = nodeSqliteDatabase(file);
    db.raw.exec('PRAGMA wal_autocheckpoint = 0; create table meta (key text primary key, value text)');
    // The table in the database file itself, so a copy of that file alone can be read.
    db.raw.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const checkpoints = startWalCheckpoints(
      file,
      () => db.changes,
      (error) => expect.fail(error.message),
      60_000,
    );
    try {
      for (let i = 0; i < 50; i++) db.prepare('insert into meta values (?, ?)').run([`row-${i}`, 'a'.repeat(500)]);
      expect(rowsInMainFile(file, dir)).toBe(0);
      await checkpoints.checkpointNow();
      expect(rowsInMainFile(file, dir)).toBe(50);
    } finally {
      await checkpoints.close();
      db.close();
    }
  });

  it('checkpoints by itself while there are writes', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'store.sqlite');
    const db = nodeSqliteDatabase(file);
    db.raw.exec('PRAGMA wal_autocheckpoint = 0; create table meta (key text primary key, value text)');
    const checkpoints = startWalCheckpoints(
      file,
      () => db.changes,
      (error) => expect.fail(error.message),
      20,
    );
    try {
      db.prepare("insert into meta values ('row-1', 'a')").run([]);
      await waitFor('a checkpoint', () => checkpoints.checkpoints > 0 && rowsInMainFile(file, dir) === 1);
      const after = checkpoints.checkpoints;
      // Nothing written since: no more work for the worker.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(checkpoints.checkpoints).toBe(after);
    } finally {
      await checkpoints.close();
      db.close();
    }
  });

  it('says so when the worker cannot checkpoint, so the store can fall back to checkpointing itself', async () => {
    const dir = tempDir();
    const failures: string[] = [];
    // A folder where the database file should be: the worker cannot open it.
    const checkpoints = startWalCheckpoints(
      dir,
      () => 1,
      (error) => failures.push(error.message),
      20,
    );
    try {
      await waitFor('the failure', () => failures.length > 0);
      expect(failures).toHaveLength(1);
    } finally {
      await checkpoints.close();
    }
  });
});
