import { createHash } from 'node:crypto';
import type { Database } from '../store/database.ts';

/**
 * Sessions signed out before they expire. A session is a signed cookie that any server process accepts
 * until its expiry; signing out records the cookie (by its hash) here until then, and every process
 * refuses a recorded one.
 */
export interface RevokedSessions {
  /** Records a session token as signed out until `expiresAt` (seconds since the epoch). */
  revoke(token: string, expiresAt: number): Promise<void>;
  isRevoked(token: string): Promise<boolean>;
}

/** A token is stored by its hash: the table never holds a usable session. */
const idOf = (token: string) => createHash('sha256').update(token).digest('base64url');

export function createRevokedSessions(database: Database, nowSeconds: () => number = () => Math.floor(Date.now() / 1000)): RevokedSessions {
  const { db } = database;
  return {
    async revoke(token, expiresAt) {
      await db
        .deleteFrom('revoked_sessions')
        .where('expires_at', '<=', nowSeconds() * 1000)
        .execute();
      await db
        .insertInto('revoked_sessions')
        .values({ id: idOf(token), expires_at: expiresAt * 1000 })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },
    async isRevoked(token) {
      return (await db.selectFrom('revoked_sessions').select('id').where('id', '=', idOf(token)).executeTakeFirst()) !== undefined;
    },
  };
}
