/** A ticket a browser filed without proving its address: its session sees it until the address is verified. */
export interface FiledTicket {
  ref: string;
  /** The address typed into the form (normalised), which nobody has proven. */
  email: string;
  /** When the ticket was first filed (ms): the entry lapses once the address is verified at or after it. */
  filedAt: number;
}

/**
 * A customer's session: an address proven by a mailed link, the tickets this browser filed without one, or both
 * (a guest who files tickets, then signs in with one address, keeps the others).
 */
export interface CustomerSession {
  /** The address proven by opening a link mailed to it: the session sees every ticket of that address. */
  email?: string;
  /** Tickets this browser filed for unproven addresses, newest first: each one only, until its address is verified. */
  tickets?: readonly FiledTicket[];
}

/** Most tickets a session remembers filing: a browser's recent tickets, not a history (the mailed link gives that). */
export const FILED_TICKETS_MAX = 20;

const normalise = (email: string) => email.trim().toLowerCase();

/**
 * The session with `ticket` remembered as filed in this browser, newest first, at most `max` of them (the oldest
 * go first). Filing the same reference again (an offline draft sent twice) keeps one entry, with its first filing time.
 */
export function rememberFiledTicket(session: CustomerSession | undefined, ticket: FiledTicket, max = FILED_TICKETS_MAX): CustomerSession {
  const earlier = session?.tickets ?? [];
  const entry = { ...ticket, email: normalise(ticket.email), filedAt: earlier.find((t) => t.ref === ticket.ref)?.filedAt ?? ticket.filedAt };
  const tickets = [entry, ...earlier.filter((t) => t.ref !== ticket.ref)].slice(0, max);
  return { ...(session?.email ? { email: session.email } : {}), tickets };
}

/**
 * The address through which a session sees a ticket owned by `ownerEmail`: its proven address, or the address of its
 * own entry for that reference; undefined when it does not see the ticket. A filed entry opens only its reference,
 * and only while it names the owner's address, so an entry never opens anyone's other tickets.
 */
export function sessionEmailFor(session: CustomerSession | undefined, ref: string, ownerEmail: string | undefined): string | undefined {
  if (!session || !ownerEmail) return undefined;
  const owner = normalise(ownerEmail);
  if (session.email === owner) return owner;
  return session.tickets?.some((t) => t.ref === ref && t.email === owner) ? owner : undefined;
}

/** Whether a session may see a ticket owned by `ownerEmail`. */
export function canSeeTicket(session: CustomerSession | undefined, ref: string, ownerEmail: string | undefined): boolean {
  return sessionEmailFor(session, ref, ownerEmail) !== undefined;
}

/**
 * The address a session would act as on ticket `ref` before the ticket is read (what its writes are metered by):
 * the entry it filed for that reference, else its proven address. Whether it may act is the desk's check.
 */
export function actingEmail(session: CustomerSession | undefined, ref: string): string | undefined {
  return session?.tickets?.find((t) => t.ref === ref)?.email ?? session?.email;
}

/** Whether the session sees `ref` only because this browser filed it (not through a proven address). */
export function isFiledHereOnly(session: CustomerSession | undefined, ref: string): boolean {
  const entry = session?.tickets?.find((t) => t.ref === ref);
  return entry !== undefined && entry.email !== session?.email;
}
