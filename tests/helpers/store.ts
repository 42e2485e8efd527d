// The store under test: SQLite in a temporary folder, or a fresh PostgreSQL database when the run is
// `npm run test:postgres` (STORE_ENGINE=postgres, TEST_DATABASE_URL pointing at a server that may create databases).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database, type Engine } from '../../src/store/database.ts';

/** The engine this run tests. */
export const STORE_ENGINE: Engine = process.env['STORE_ENGINE'] === 'postgres' ? 'postgres' : 'sqlite';

function serverUrl(): string {
  const url = process.env['TEST_DATABASE_URL'];
  if (!url)
    throw new Error(
      'STORE_ENGINE=postgres needs TEST_DATABASE_URL=postgres://user:password@127.0.0.1:5432/postgres (a role that may create databases); see the README, "Running the store tests on PostgreSQL".',
    );
  return url;
}

/** A fresh, empty store of the engine under test (its schema migrated), and how to remove it. */
export async function freshStore(): Promise<{ database: Database; dataDir: string; databaseUrl: string | undefined; open(): Promise<Database>; remove(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'helpdesk-store-'));
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  if (STORE_ENGINE === 'postgres') {
    const name = `helpdesk_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: serverUrl() });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(serverUrl());
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const client = new pg.Client({ connectionString: serverUrl() });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    };
  }
  const opened: Database[] = [];
  const open = async () => {
    const another = await openDatabase({ dataDir, databaseUrl });
    opened.push(another);
    return another;
  };
  const database = await open();
  return {
    database,
    dataDir,
    databaseUrl,
    open,
    async remove() {
      // Every connection of the test closes before the database is dropped.
      await Promise.all(opened.map((d) => d.close().catch(() => {})));
      await dropDatabase();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
