import { deriveKey, signToken, verifyToken, type AccessClaims } from '../tickets/access-token.ts';
import { isTicketSessionLapsed } from '../tickets/customer-verification.ts';
import type { CustomerSession } from '../tickets/customer.ts';
import { DeskError } from '../tickets/errors.ts';
import type { RevokedSessions } from './revoked-sessions.ts';
import type { UsedLinks } from './used-links.ts';

export const SESSION_COOKIE = 'helpdesk_session';

export interface CustomerAccessOptions {
  secret: string;
  usedLinks: UsedLinks;
  /** Sessions signed out before they expire (shared by every server process). */
  revokedSessions: RevokedSessions;
  /** When the address last opened a link mailed to it (ms), if ever: one-ticket sessions lapse from then. */
  addressVerifiedAt(email: string): Promise<number | undefined>;
  /** Sign-in links expire after this long. @default 24 hours */
  linkTtlSeconds?: number;
  /** Sessions and ticket links last this long. @default 30 days */
  sessionTtlSeconds?: number;
  now?: () => number;
}

/**
 * Magic links and sessions. Sign-in links are emailed, single-use and expire in a day; they prove
 * the email and open a full session. Whoever submits the ticket form without such a session gets a
 * session for that one ticket only, which proves nothing about the address: it lapses once a link mailed
 * to the address is opened, when the ticket becomes the address owner's.
 */
export function createCustomerAccess(options: CustomerAccessOptions) {
  const linkKey = deriveKey(options.secret, 'link');
  const sessionKey = deriveKey(options.secret, 'session');
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const linkTtl = options.linkTtlSeconds ?? 24 * 60 * 60;
  const sessionTtl = options.sessionTtlSeconds ?? 30 * 24 * 60 * 60;

  return {
    /** Path of an emailed sign-in link; `ticket` only says where to land afterwards. */
    signInPath(email: string, landOn?: string): string {
      const token = signToken({ email, exp: now() + linkTtl, ...(landOn ? { ticket: landOn } : {}) }, linkKey);
      return `/tickets/access?token=${encodeURIComponent(token)}`;
    },

    /** A session limited to one ticket, for the person who submitted it (filed at `filedAt`, ms). */
    ticketSessionToken(email: string, ticket: string, filedAt: number): string {
      return signToken({ email, ticket, filedAt, exp: now() + sessionTtl }, sessionKey);
    },

    /** Checks a sign-in link without using it up (the page its GET shows); throws like `redeem`, except for a used link. */
    inspect(token: string): AccessClaims {
      const result = verifyToken(token, linkKey, now());
      if (!result.ok) throw new DeskError(result.reason === 'expired' ? 'link_expired' : 'link_invalid');
      return result.claims;
    },

    /** Redeems a sign-in link once (on the POST of its Continue button): returns the session token to set and where to go. */
    async redeem(token: string): Promise<{ sessionToken: string; claims: AccessClaims }> {
      const result = verifyToken(token, linkKey, now());
      if (!result.ok) throw new DeskError(result.reason === 'expired' ? 'link_expired' : 'link_invalid');
      if (!(await options.usedLinks.use(result.claims.nonce, result.claims.exp))) throw new DeskError('link_used');
      return { sessionToken: signToken({ email: result.claims.email, exp: now() + sessionTtl }, sessionKey), claims: result.claims };
    },

    /** Reads the session cookie; undefined for none, tampered, expired or signed out. */
    async readSession(cookie: string | undefined): Promise<CustomerSession | undefined> {
      if (!cookie) return undefined;
      const result = verifyToken(cookie, sessionKey, now());
      if (!result.ok || (await options.revokedSessions.isRevoked(cookie))) return undefined;
      const { email, ticket, filedAt, exp } = result.claims;
      if (ticket !== undefined) {
        // Tokens from before `filedAt` existed: they were issued right after filing, a session lifetime before expiry.
        if (isTicketSessionLapsed(filedAt ?? (exp - sessionTtl) * 1000, await options.addressVerifiedAt(email))) return undefined;
      }
      return { email, ...(ticket ? { ticket } : {}) };
    },

    /** Signs a session out for good: a copy of the cookie no longer opens it, on any server process. */
    async signOut(cookie: string | undefined): Promise<void> {
      if (!cookie) return;
      const result = verifyToken(cookie, sessionKey, now());
      if (result.ok) await options.revokedSessions.revoke(cookie, result.claims.exp);
    },

    sessionTtlSeconds: sessionTtl,
  };
}

export type CustomerAccess = ReturnType<typeof createCustomerAccess>;

/** Whether a session may see a ticket owned by `ownerEmail`. */
export function canSeeTicket(session: CustomerSession | undefined, ticketRef: string, ownerEmail: string | undefined): boolean {
  if (!session || !ownerEmail) return false;
  if (session.email !== ownerEmail.trim().toLowerCase()) return false;
  return session.ticket === undefined || session.ticket === ticketRef;
}
