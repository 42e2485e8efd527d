import { formatDuration } from '../tickets/display.ts';
import type { MessageKind } from '../tickets/message-kinds.ts';
import { neutralizeCustomerFragment } from '../tickets/neutralize.ts';

/** A ticket as the card's figures need it: when things happened and who wrote them. */
export interface CardTicket {
  number: number;
  title: string;
  htmlUrl: string;
  state: 'open' | 'closed';
  createdAt: string;
  closedAt: string | null;
  /** The thread after the opening message, each with the kind in force. */
  messages: Array<{ kind: MessageKind; createdAt: string }>;
}

/** The figures of one ticket. */
export interface TicketFigures {
  /** Customer messages including the opening one, staff replies and internal notes. */
  messages: { total: number; customer: number; staffReplies: number; internalNotes: number };
  /** Milliseconds from opening to the first staff public reply; undefined while there is none. */
  firstResponseMs: number | undefined;
  /**
   * Milliseconds the ticket waited on staff: from each customer message that found the ball in the
   * customer's court until the next staff public reply (or the close). A wait still running is not counted,
   * so the figure depends on the thread alone and the card does not change by itself.
   */
  timeWithStaffMs: number;
}

/** What the ticket card shows (figures of this ticket and of the customer's tickets). */
export interface TicketCard {
  figures: TicketFigures;
  ratings: { helpful: number; notHelpful: number };
  /** The customer's other tickets, newest first. */
  otherTickets: Array<{ number: number; title: string; htmlUrl: string; state: 'open' | 'closed'; status: string }>;
  customer: { tickets: number; timeWithStaffMs: number } | undefined;
  /**
   * The ticket's address is not verified (tickets/customer-verification.ts): the card shows this ticket only, never
   * the history of the customer who really holds the address.
   */
  unverified?: boolean | undefined;
}

/** The figures of one ticket, from its thread. */
export function ticketFigures(ticket: CardTicket): TicketFigures {
  const opened = Date.parse(ticket.createdAt);
  const thread = [...ticket.messages].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  let waitingSince: number | undefined = opened;
  let firstResponseMs: number | undefined;
  let timeWithStaffMs = 0;
  const counts = { total: 1, customer: 1, staffReplies: 0, internalNotes: 0 };
  for (const message of thread) {
    const at = Date.parse(message.createdAt);
    if (message.kind === 'customer') {
      counts.customer += 1;
      waitingSince ??= at;
    } else if (message.kind === 'staff-reply') {
      counts.staffReplies += 1;
      firstResponseMs ??= at - opened;
      if (waitingSince !== undefined) timeWithStaffMs += Math.max(at - waitingSince, 0);
      waitingSince = undefined;
    } else if (message.kind === 'internal-note') counts.internalNotes += 1;
    else continue;
    counts.total += 1;
  }
  if (waitingSince !== undefined && ticket.state === 'closed' && ticket.closedAt) timeWithStaffMs += Math.max(Date.parse(ticket.closedAt) - waitingSince, 0);
  return { messages: counts, firstResponseMs, timeWithStaffMs };
}

/** Marks the card's first line, so staff recognise it; the bot's metadata identifies it for the server. */
export const CARD_TITLE = '### 🗂️ Ticket card';

/**
 * The card as markdown. Ticket titles are customer text, so they are neutralised (no @mentions or
 * cross-references from the bot's comment).
 */
export function renderCard(card: TicketCard): string {
  const f = card.figures;
  const others = card.unverified
    ? 'not shown while the address is unverified'
    : card.otherTickets.length
      ? card.otherTickets.map((t) => `[${neutralizeCustomerFragment(t.title.replace(/[[\]]/g, ''))}](${t.htmlUrl}) (${t.status})`).join(' · ')
      : 'none';
  const customer = card.unverified
    ? `**Unverified address:** this ticket only (${formatDuration(f.timeWithStaffMs)} with staff). Nobody has opened a sign-in link mailed to the address since it was filed, so whoever filed it may not be the customer and their history is not merged in.`
    : card.customer
      ? `${card.customer.tickets} ticket${card.customer.tickets === 1 ? '' : 's'} in total, ${formatDuration(card.customer.timeWithStaffMs)} with staff`
      : 'unknown (email not readable)';
  const rows: Array<[string, string]> = [
    ['Messages', `${f.messages.total} (customer ${f.messages.customer}, staff replies ${f.messages.staffReplies}, internal notes ${f.messages.internalNotes})`],
    ['First staff response', f.firstResponseMs === undefined ? 'no public reply yet' : `after ${formatDuration(f.firstResponseMs)}`],
    ['Time with staff', formatDuration(f.timeWithStaffMs)],
    ['Ratings', `${card.ratings.helpful} helpful, ${card.ratings.notHelpful} not helpful`],
    ['Customer', customer],
    ['Other tickets', others],
  ];
  return [
    CARD_TITLE,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`),
    '',
    '_Kept up to date by the help desk. Internal: the customer never sees this card._',
  ].join('\n');
}

export { formatDuration };
