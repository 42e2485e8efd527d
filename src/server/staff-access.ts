import { hmacSha256 } from '../tickets/keyed-hash.ts';
import { z } from 'zod';
import { verifyPassword } from '../staff/passwords.ts';
import { deriveKey, signPayload, verifyPayload } from '../tickets/access-token.ts';
import type { Config } from '../config/config-schema.ts';
import type { RevokedSessions } from './revoked-sessions.ts';

export const STAFF_COOKIE = 'helpdesk_staff';
const SESSION_HOURS = 12;

const StaffClaimsSchema = z.strictObject({
  login: z.string().min(1),
  exp: z.number().int(),
  via: z.enum(['password', 'github']).optional(),
  /** For a password session: which password it was opened with (`passwordFingerprint`). */
  password: z.string().optional(),
});

/** A signed-in member of staff. */
export interface StaffSession {
  login: string;
}

/**
 * Staff sign-in with the accounts of the config file (scrypt hashes). Sessions are signed with their
 * own key and last a working day. A password session names the password it was opened with, so it ends at
 * once when its account leaves `config.staffAccounts` or gets another password: the accounts are read on
 * every check, and the server keeps them in step with the file (src/server/config-reload.ts).
 */
export function createStaffAccess(options: { secret: string; config: Pick<Config, 'staffAccounts'>; revokedSessions: RevokedSessions; now?: () => number }) {
  const key = deriveKey(options.secret, 'staff-session');
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const account = (login: string) => options.config.staffAccounts.find((a) => a.login.toLowerCase() === login.toLowerCase());
  // Keyed, and short: the cookie tells hashes apart without carrying anything of one. The prefix holds a ':',
  // which no signed payload (base64url) does, so a fingerprint is never a session's MAC.
  const passwordFingerprint = (passwordHash: string) => hmacSha256(key).update(`password-hash:${passwordHash}`).digest('base64url').slice(0, 22);
  return {
    /** A session token for valid credentials, undefined otherwise (the same answer for an unknown login). */
    async signIn(login: string, password: string): Promise<string | undefined> {
      const found = account(login.trim());
      // Hash anyway for an unknown login, so timing does not reveal which logins exist.
      const ok = await verifyPassword(password, found?.passwordHash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      if (!found || !ok) return undefined;
      return signPayload({ login: found.login, exp: now() + SESSION_HOURS * 3600, via: 'password', password: passwordFingerprint(found.passwordHash) }, key);
    },
    /** A session for someone the Git host vouched for (GitHub sign-in, staff checked by the caller). */
    sessionForHostUser(login: string): string {
      return signPayload({ login, exp: now() + SESSION_HOURS * 3600, via: 'github' }, key);
    },
    async readSession(cookie: string | undefined): Promise<StaffSession | undefined> {
      if (!cookie) return undefined;
      const result = verifyPayload(cookie, key, StaffClaimsSchema, now());
      if (!result.ok) return undefined;
      // A password session lives as long as its account and password do; GitHub sessions were checked at sign-in.
      if (result.claims.via !== 'github') {
        const found = account(result.claims.login);
        if (!found || result.claims.password !== passwordFingerprint(found.passwordHash)) return undefined;
      }
      if (await options.revokedSessions.isRevoked(cookie)) return undefined;
      return { login: result.claims.login };
    },
    /** Signs a session out for good: a copy of the cookie no longer opens it, on any server process. */
    async signOut(cookie: string | undefined): Promise<void> {
      if (!cookie) return;
      const result = verifyPayload(cookie, key, StaffClaimsSchema, now());
      if (result.ok) await options.revokedSessions.revoke(cookie, result.claims.exp);
    },
    sessionSeconds: SESSION_HOURS * 3600,
  };
}

export type StaffAccess = ReturnType<typeof createStaffAccess>;
