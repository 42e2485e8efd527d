import type { Database } from '../store/database.ts';

/**
 * Remembers the nonces of sign-in links already used, until they expire, so a link forwarded or captured
 * from a mailbox cannot be opened a second time, whichever server process it is opened on.
 */
export interface UsedLinks {
  /** Records a nonce (its link expires at `expiresAt`, seconds); false when it was already used. */
  use(nonce: string, expiresAt: number): Promise<boolean>;
}

export function createUsedLinks(database: Database, nowSeconds: () => number = () => Math.floor(Date.now() / 1000)): UsedLinks {
  const { db } = database;
  return {
    async use(nonce, expiresAt) {
      // Expired links are refused by their signature check anyway: forgetting them keeps the table small.
      await db
        .deleteFrom('used_links')
        .where('expires_at', '<=', nowSeconds() * 1000)
        .execute();
      // Insert-if-absent: of two processes opening the same link at once, only one inserts the row.
      const rows = await db
        .insertInto('used_links')
        .values({ id: nonce, expires_at: expiresAt * 1000 })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .execute();
      return rows.length === 1;
    },
  };
}
