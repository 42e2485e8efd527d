import { deriveKey, signSession, signToken, verifySession, verifyToken, type AccessClaims } from '../tickets/access-token.ts';
import { isTicketSessionLapsed } from '../tickets/customer-verification.ts';
import type { CustomerSession, FiledTicket } from '../tickets/customer.ts';
import { DeskError } from '../tickets/errors.ts';
import type { RevokedSessions } from './revoked-sessions.ts';
import type { UsedLinks } from './used-links.ts';

export const SESSION_COOKIE = 'helpdesk_session';

/**
 * Longest session cookie value. With its name and attributes the cookie stays under the 4096 bytes a browser must
 * keep per cookie (RFC 6265 §6.1, https://www.rfc-editor.org/rfc/rfc6265#section-6.1); past it a browser may drop
 * the whole cookie, and every ticket with it.
 */
export const SESSION_TOKEN_MAX = 3800;

export interface CustomerAccessOptions {
  secret: string;
  usedLinks: UsedLinks;
  /** Sessions signed out before they expire (shared by every server process). */
  revokedSessions: RevokedSessions;
  /** When the address last opened a link mailed to it (ms), if ever: a session's tickets filed for it lapse from then. */
  addressVerifiedAt(email: string): Promise<number | undefined>;
  /** Sign-in links expire after this long. @default 24 hours */
  linkTtlSeconds?: number;
  /** Sessions and ticket links last this long. @default 30 days */
  sessionTtlSeconds?: number;
  now?: () => number;
}

/**
 * Magic links and sessions. Sign-in links are emailed, single-use and expire in a day; they prove
 * the email and open a full session. Whoever submits the ticket form without such a session has the ticket
 * added to the session's list of tickets filed in this browser, which proves nothing about the address: each
 * entry opens its one ticket, and lapses once a link mailed to its address is opened (when the ticket becomes
 * the address owner's) or a session lifetime after filing.
 */
export function createCustomerAccess(options: CustomerAccessOptions) {
  const linkKey = deriveKey(options.secret, 'link');
  const sessionKey = deriveKey(options.secret, 'session');
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const linkTtl = options.linkTtlSeconds ?? 24 * 60 * 60;
  const sessionTtl = options.sessionTtlSeconds ?? 30 * 24 * 60 * 60;

  /** The entries still open: filed within a session lifetime, and the address not verified since (one look-up per address). */
  async function liveTickets(filed: readonly FiledTicket[]): Promise<FiledTicket[]> {
    const verifiedAt = new Map<string, Promise<number | undefined>>();
    const live: FiledTicket[] = [];
    for (const entry of filed) {
      if (entry.filedAt <= (now() - sessionTtl) * 1000) continue;
      if (!verifiedAt.has(entry.email)) verifiedAt.set(entry.email, options.addressVerifiedAt(entry.email));
      if (!isTicketSessionLapsed(entry.filedAt, await verifiedAt.get(entry.email))) live.push(entry);
    }
    return live;
  }

  /**
   * The cookie value of a session. Tickets filed here are kept newest first; when addresses are so long that the
   * cookie would pass SESSION_TOKEN_MAX, the oldest are left out.
   */
  function sessionToken(session: CustomerSession): string {
    let tickets = [...(session.tickets ?? [])];
    for (;;) {
      const token = signSession({ ...(session.email ? { email: session.email } : {}), ...(tickets.length ? { tickets } : {}), exp: now() + sessionTtl }, sessionKey);
      if (token.length <= SESSION_TOKEN_MAX || tickets.length === 0) return token;
      tickets = tickets.slice(0, -1);
    }
  }

  return {
    /** Path of an emailed sign-in link; `ticket` only says where to land afterwards. */
    signInPath(email: string, landOn?: string): string {
      const token = signToken({ email, exp: now() + linkTtl, ...(landOn ? { ticket: landOn } : {}) }, linkKey);
      return `/tickets/access?token=${encodeURIComponent(token)}`;
    },

    sessionToken,

    /** Checks a sign-in link without using it up (the page its GET shows); throws like `redeem`, except for a used link. */
    inspect(token: string): AccessClaims {
      const result = verifyToken(token, linkKey, now());
      if (!result.ok) throw new DeskError(result.reason === 'expired' ? 'link_expired' : 'link_invalid');
      return result.claims;
    },

    /**
     * Redeems a sign-in link once (on the POST of its Continue button): returns the session token to set and where to
     * go. The browser's `current` session keeps its tickets filed for other addresses; those of the proven address
     * are now among its tickets (and their entries have lapsed).
     */
    async redeem(token: string, current?: CustomerSession): Promise<{ sessionToken: string; claims: AccessClaims }> {
      const result = verifyToken(token, linkKey, now());
      if (!result.ok) throw new DeskError(result.reason === 'expired' ? 'link_expired' : 'link_invalid');
      if (!(await options.usedLinks.use(result.claims.nonce, result.claims.exp))) throw new DeskError('link_used');
      const { email } = result.claims;
      const tickets = (current?.tickets ?? []).filter((t) => t.email !== email);
      return { sessionToken: sessionToken({ email, ...(tickets.length ? { tickets } : {}) }), claims: result.claims };
    },

    /** Reads the session cookie; undefined for none, tampered, expired, signed out, or with every ticket entry lapsed. */
    async readSession(cookie: string | undefined): Promise<CustomerSession | undefined> {
      if (!cookie) return undefined;
      const result = verifySession(cookie, sessionKey, now());
      if (!result.ok || (await options.revokedSessions.isRevoked(cookie))) return undefined;
      const { email, ticket, filedAt, tickets, exp } = result.claims;
      // Earlier releases: one unproven ticket; without `filedAt` it was issued right after filing, a session lifetime before expiry.
      const filed: FiledTicket[] = ticket !== undefined && email ? [{ ref: ticket, email, filedAt: filedAt ?? (exp - sessionTtl) * 1000 }] : [...(tickets ?? [])];
      const proven = ticket === undefined ? email : undefined;
      const live = await liveTickets(filed);
      if (!proven && live.length === 0) return undefined;
      return { ...(proven ? { email: proven } : {}), ...(live.length ? { tickets: live } : {}) };
    },

    /** Signs a session out for good: a copy of the cookie no longer opens it, on any server process. */
    async signOut(cookie: string | undefined): Promise<void> {
      if (!cookie) return;
      const result = verifySession(cookie, sessionKey, now());
      if (result.ok) await options.revokedSessions.revoke(cookie, result.claims.exp);
    },

    sessionTtlSeconds: sessionTtl,
  };
}

export type CustomerAccess = ReturnType<typeof createCustomerAccess>;
