import type { CheckedAttachment } from '../tickets/attachments.ts';
import type { TicketStatus } from '../tickets/labels.ts';
import type { TicketForm } from '../tickets/ticket-form.ts';
import type { CustomerSession } from '../tickets/customer.ts';

/** A ticket as its customer sees it in "My tickets". */
export interface TicketListItem {
  ref: string;
  subject: string;
  status: TicketStatus | 'queued';
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
}

export interface TicketView {
  ref: string;
  subject: string;
  status: TicketStatus | 'queued';
  priority: string;
  type: string;
  category: string;
  order: string | undefined;
  openedAt: string;
  updatedAt: string;
  messages: MessageView[];
  canReply: boolean;
  canClose: boolean;
  canReopen: boolean;
  canRate: boolean;
}

export interface OpenTicketInput {
  form: TicketForm;
  files: CheckedAttachment[];
  /** From an offline draft: the same key twice makes one ticket. */
  idempotencyKey: string | undefined;
}

/** What the customer portal asks of the support desk. Everything returns only what the session may see. */
export interface Desk {
  /** Whether new tickets are accepted, and why not. */
  accepting(): { ok: true } | { ok: false; reason: string };
  openTicket(input: OpenTicketInput): Promise<{ ref: string; duplicate: boolean }>;
  listTickets(session: CustomerSession): Promise<TicketListItem[]>;
  /** Undefined when there is no such ticket or it is not the session's (the page answers 404). */
  viewTicket(ref: string, session: CustomerSession | undefined): Promise<TicketView | undefined>;
  reply(ref: string, session: CustomerSession | undefined, text: string, files: CheckedAttachment[]): Promise<void>;
  setClosed(ref: string, session: CustomerSession | undefined, closed: boolean): Promise<void>;
  rate(ref: string, session: CustomerSession | undefined, messageId: number, rating: 'helpful' | 'not-helpful'): Promise<void>;
  attachment(ref: string, session: CustomerSession | undefined, name: string): Promise<{ bytes: Uint8Array; type: string; name: string } | undefined>;
  /** Emails a sign-in link; says nothing about whether the address has tickets. */
  sendSignInLink(email: string, landOn?: string): Promise<void>;
}
