import { deriveKey, signToken, verifyToken, type AccessClaims } from '../tickets/access-token.ts';
import type { CustomerSession } from '../tickets/customer.ts';
import { DeskError } from '../tickets/errors.ts';
import type { UsedLinks } from './used-links.ts';


export const SESSION_COOKIE = 'helpdesk_session';

export interface CustomerAccessOptions {
  secret: string;
  usedLinks: UsedLinks;
  /** Sign-in links expire after this long. @default 24 hours */
  linkTtlSeconds?: number;
  /** Sessions and ticket links last this long. @default 30 days */
  sessionTtlSeconds?: number;
  now?: () => number;
}

/**
 * Magic links and sessions. Sign-in links are emailed, single-use and expire in a day; they prove
 * the email and open a full session. Ticket links are shown on the confirmation page to whoever
 * submitted the form, so they open only that one ticket.
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

    /** A session limited to one ticket, for the person who just submitted it. */
    ticketSessionToken(email: string, ticket: string): string {
      return signToken({ email, ticket, exp: now() + sessionTtl }, sessionKey);
    },

    /** Redeems a sign-in link once: returns the session token to set and where to go. */
    redeem(token: string): { sessionToken: string; claims: AccessClaims } {
      const result = verifyToken(token, linkKey, now());
      if (!result.ok) throw new DeskError(result.reason === 'expired' ? 'link_expired' : 'link_invalid');
      if (!options.usedLinks.use(result.claims.nonce, result.claims.exp)) throw new DeskError('link_used');
      return { sessionToken: signToken({ email: result.claims.email, exp: now() + sessionTtl }, sessionKey), claims: result.claims };
    },

    /** Reads the session cookie; undefined for none, tampered or expired. */
    readSession(cookie: string | undefined): CustomerSession | undefined {
      if (!cookie) return undefined;
      const result = verifyToken(cookie, sessionKey, now());
      if (!result.ok) return undefined;
      return { email: result.claims.email, ...(result.claims.ticket ? { ticket: result.claims.ticket } : {}) };
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
