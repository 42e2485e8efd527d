import type { CheckedAttachment } from '../tickets/attachments.ts';
import type { TicketStatus } from '../tickets/labels.ts';
import type { TicketForm } from '../tickets/ticket-form.ts';
import type { CustomerSession } from '../tickets/customer.ts';
import type { Language } from '../config/config-schema.ts';

/** A ticket as its customer sees it in "My tickets". */
export interface TicketListItem {
  ref: string;
  subject: string;
  status: TicketStatus | 'queued' | 'removed';
  openedAt: string;
  updatedAt: string;
}

export interface AttachmentView {
  name: string;
  /** Download URL on this site (never the Git host's). */
  url: string;
  inlineImage: boolean;
}

/** One message on the customer's ticket page: their own or a staff public reply, nothing else. */
export interface MessageView {
  /** Host id of the message; absent while queued. */
  id: number | undefined;
  kind: 'customer' | 'staff';
  authorName: string;
  /** Sanitized HTML. */
  html: string;
  createdAt: string;
  queued: boolean;
  attachments: AttachmentView[];
  /** The customer's rating of a staff reply. */
  rating: 'helpful' | 'not-helpful' | undefined;
  /** A message of a ticket that was merged into this one: that ticket's reference. */
  mergedFrom?: string | undefined;
}

/** What a customer reads about a ticket the Git host no longer has. */
export const REMOVED_MESSAGE = 'This ticket was removed from our ticket system, so it can no longer be shown or answered. If you still need help, please open a new ticket.';

/**
 * What a customer reads on a ticket whose conversation staff locked on the Git host: no more replies from the desk
 * (on the host only collaborators may comment on it, and locking says the conversation is over).
 */
export const LOCKED_MESSAGE = 'Our support team has closed this conversation to new replies. If you need more help, please open a new ticket.';

export interface TicketView {
  ref: string;
  subject: string;
  /** `removed`: the Git host no longer has it (deleted, or transferred to another repository). */
  status: TicketStatus | 'queued' | 'removed';
  priority: string;
  type: string;
  category: string;
  order: string | undefined;
  /** The language the ticket was filed in, which its page is shown in; absent where it is not known (English). */
  lang?: Language | undefined;
  openedAt: string;
  updatedAt: string;
  messages: MessageView[];
  /** A chat conversation (labelled `channel: chat`): the chat widget shows it live. */
  chat: boolean;
  /** Staff locked the conversation: no replies (LOCKED_MESSAGE says why). */
  locked: boolean;
  canReply: boolean;
  canClose: boolean;
  canReopen: boolean;
  canRate: boolean;
  /**
   * Set while the Git host cannot be read: the view is the last known state — `thread`: the conversation as this server
   * last read it (at `readAt`); `summary`: the ticket's facts from the read model and the messages still queued, no
   * conversation. Replies are queued; closing, reopening and rating wait for the host.
   */
  lastKnown?: { source: 'thread'; readAt: string } | { source: 'summary' } | undefined;
}

export interface OpenTicketInput {
  form: TicketForm;
  /** The language the form was filled in: the ticket keeps it for the customer's pages and mails. @default "en" */
  lang?: Language | undefined;
  files: CheckedAttachment[];
  /** From an offline draft: the same key twice from the same address within a day makes one ticket. */
  idempotencyKey: string | undefined;
  /**
   * The submitter holds a session for the form's address (they opened a link mailed to it): the ticket is verified
   * from the start. Otherwise it is marked unverified until such a link is opened (tickets/customer-verification.ts).
   */
  signedIn: boolean;
  /** Started in the chat widget: labelled as a chat conversation. */
  channel?: 'chat' | undefined;
}

/** What the customer portal asks of the support desk. Everything returns only what the session may see. */
export interface Desk {
  /** Whether new tickets are accepted, and why not. */
  accepting(): { ok: true } | { ok: false; reason: string };
  /**
   * Records the ticket and its confirmation mail (with a sign-in link to it) in one commit. `filedAt` (ms): when
   * the ticket was first filed (for a duplicate draft, the first submission; the mail is sent once either way).
   */
  openTicket(input: OpenTicketInput): Promise<{ ref: string; duplicate: boolean; filedAt: number }>;
  /** Every ticket of the session's proven address, and the tickets filed in this browser it still opens; newest first. */
  listTickets(session: CustomerSession): Promise<TicketListItem[]>;
  /** Undefined when there is no such ticket or the session does not open it (the page asks to sign in, the same for both). */
  viewTicket(ref: string, session: CustomerSession | undefined): Promise<TicketView | undefined>;
  /** The issue number of a ticket the session opens; undefined while it is queued, or when the session does not open it. */
  ticketNumber(ref: string, session: CustomerSession | undefined): Promise<number | undefined>;
  reply(ref: string, session: CustomerSession | undefined, text: string, files: CheckedAttachment[]): Promise<void>;
  setClosed(ref: string, session: CustomerSession | undefined, closed: boolean): Promise<void>;
  rate(ref: string, session: CustomerSession | undefined, messageId: number, rating: 'helpful' | 'not-helpful'): Promise<void>;
  attachment(ref: string, session: CustomerSession | undefined, name: string): Promise<{ bytes: Uint8Array; type: string; name: string } | undefined>;
  /** Records that the customer proved the address (opened a link mailed to it) at `at` (ms, default now). */
  confirmAddress(email: string, at?: number): Promise<void>;
  /**
   * A conversation a supporter starts with a customer (the staff pages' customer profile): a chat-labelled ticket
   * assigned to them whose first message is their public reply. Check that they may write to customers first.
   */
  openConversation(input: { email: string; name: string | undefined; lang: Language; staffLogin: string; staffName: string; text: string }): Promise<{ ref: string }>;
  /** Emails a sign-in link; says nothing about whether the address has tickets. */
  sendSignInLink(email: string, landOn?: string, lang?: Language): Promise<void>;
}
