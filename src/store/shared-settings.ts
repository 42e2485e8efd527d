import type { Database } from './database.ts';

/**
 * A value every process sharing the store must agree on (server secrets, the moment metadata signing began):
 * kept in the store's `meta` table. The first process to write one decides it; the others read its value, so
 * instances started together on one PostgreSQL never end up with different secrets.
 */
export async function sharedSetting(database: Database, key: string, initial: () => string): Promise<string> {
  const read = async () => (await database.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst())?.value;
  const existing = await read();
  if (existing !== undefined) return existing;
  await database.db
    .insertInto('meta')
    .values({ key, value: initial() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const decided = await read();
  if (decided === undefined) throw new Error(`the store did not keep the shared setting ${key}`);
  return decided;
}
