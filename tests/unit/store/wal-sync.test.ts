import { mkdtempSync, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeSqliteDatabase } from '../../../src/store/sqlite.ts';
import { createWalSync } from '../../../src/store/wal-sync.ts';
import { waitFor } from '../../helpers/wait.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sqliteFile() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wal-sync-'));
  dirs.push(dir);
  const file = path.join(dir, 'store.sqlite');
  const db = nodeSqliteDatabase(file);
  db.prepare('create table t (id integer primary key, v text)').run([]);
  return { db, wal: `${file}-wal` };
}

/** A sync that waits until the test lets it finish, then really syncs. */
function gatedSync() {
  const started: Array<() => void> = [];
  return {
    started,
    sync: (file: FileHandle) => new Promise<void>((resolve, reject) => started.push(() => file.sync().then(resolve, reject))),
    finishNext: () => started.shift()!(),
  };
}

describe('the SQLite connection', () => {
  it('counts what may write (a commit among them), not reads, and not relaxed work', () => {
    const { db } = sqliteFile();
    const before = db.writes;
    db.prepare('select * from t').all([]);
    db.prepare('pragma synchronous').all([]);
    expect(db.writes).toBe(before);
    db.prepare('insert into t (v) values (?)').run(['a']);
    db.prepare('insert into t (v) values (?) returning id').all(['b']);
    expect(db.writes).toBe(before + 2);
    db.relaxing += 1;
    db.prepare('insert into t (v) values (?)').run(['c']);
    db.relaxing -= 1;
    expect(db.writes).toBe(before + 2);
    // Commits wait for nobody: the sync to disk is the store's to do, off the event loop.
    expect(db.prepare('pragma synchronous').all([])).toEqual([{ synchronous: 1 }]);
  });
});

describe('syncing the WAL before anyone is answered', () => {
  it('holds every caller until a sync begun after their writes has finished, and shares one sync among them', async () => {
    const { db, wal } = sqliteFile();
    const gate = gatedSync();
    const disk = createWalSync(wal, () => db.writes, gate.sync);
    db.prepare('insert into t (v) values (?)').run(['ticket']);
    let answered = 0;
    const callers = [disk.durable(), disk.durable(), disk.durable()].map((p) => p.then(() => (answered += 1)));
    await waitFor('the sync to start', () => gate.started.length === 1);
    expect(answered).toBe(0);
    gate.finishNext();
    await Promise.all(callers);
    expect(answered).toBe(3);
    expect(disk.syncs).toBe(1);
    await disk.close();
  });

  it('makes a caller whose write came during a sync wait for the next one', async () => {
    const { db, wal } = sqliteFile();
    const gate = gatedSync();
    const disk = createWalSync(wal, () => db.writes, gate.sync);
    db.prepare('insert into t (v) values (?)').run(['first']);
    let firstDone = false;
    const first = disk.durable().then(() => (firstDone = true));
    await waitFor('the first sync', () => gate.started.length === 1);
    // Written while that sync runs: it may not be covered.
    db.prepare('insert into t (v) values (?)').run(['second']);
    let secondDone = false;
    const second = disk.durable().then(() => (secondDone = true));
    gate.finishNext();
    await first;
    expect(firstDone).toBe(true);
    await waitFor('the second sync', () => gate.started.length === 1);
    expect(secondDone).toBe(false);
    gate.finishNext();
    await second;
    expect(disk.syncs).toBe(2);
    await disk.close();
  });

  it('syncs nothing when nothing was written since the last sync, or only relaxed work was', async () => {
    const { db, wal } = sqliteFile();
    const disk = createWalSync(wal, () => db.writes);
    db.prepare('insert into t (v) values (?)').run(['x']);
    await disk.durable();
    expect(disk.syncs).toBe(1);
    db.prepare('select * from t').all([]);
    await disk.durable();
    db.relaxing += 1;
    db.prepare('insert into t (v) values (?)').run(['count']);
    db.relaxing -= 1;
    await disk.durable();
    expect(disk.syncs).toBe(1);
    await disk.close();
  });
});
