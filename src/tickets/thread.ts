import type { Config } from '../server/config-schema.ts';
import { customerTextForDisplay } from './neutralize.ts';

/**
 * What a message in a ticket's thread is, which decides who may see it:
 * - `customer`: written by the bot for the customer (trusted metadata names a customer);
 * - `staff-reply`: a staff comment marked public: the customer sees it;
 * - `internal-note`: a staff comment not marked public: staff only;
 * - `system`: bot comments that are not customer messages (ticket card, escalation notes): staff only;
 * - `outsider`: anyone else (possible on public repositories): never shown to the customer.
 */
export type MessageKind = 'customer' | 'staff-reply' | 'internal-note' | 'system' | 'outsider';

/** The facts about a message that decide its kind, whatever host it came from. */
export interface ClassifiableMessage {
  author: { login: string; association: string; isBot: boolean };
  body: string;
  /** Trusted metadata (only bot bodies carry it). */
  meta: { customer?: unknown; extra?: Record<string, unknown> | undefined } | undefined;
}

/**
 * Staff who write on the site's staff pages post through the bot identity; the bot's trusted
 * metadata names them and says whether the message is public (`extra.staff`, `extra.visibility`).
 */
export function staffViaSite(message: Pick<ClassifiableMessage, 'author' | 'meta'>): { login: string; visibility: 'public' | 'internal' } | undefined {
  const extra = message.author.isBot ? message.meta?.extra : undefined;
  if (typeof extra?.['staff'] !== 'string') return undefined;
  return { login: extra['staff'], visibility: extra['visibility'] === 'public' ? 'public' : 'internal' };
}

/** Who wrote a message as people see it: the staff member behind a bot-posted staff message, else the author. */
export function effectiveAuthor(message: Pick<ClassifiableMessage, 'author' | 'meta'>): string {
  return staffViaSite(message)?.login ?? message.author.login;
}

export type ThreadRules = Pick<Config, 'repliesPublicByDefault' | 'supporters'>;

const STAFF_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);
const REPLY_MARKER = /^\s*\/reply\b[^\n]*(\n|$)/i;
const INTERNAL_MARKER = /^\s*\/internal\b[^\n]*(\n|$)/i;

/** Staff: write access on the repository, or listed as a supporter in the config. */
export function isStaff(author: ClassifiableMessage['author'], rules: Pick<Config, 'supporters'>): boolean {
  if (author.isBot) return false;
  return STAFF_ASSOCIATIONS.has(author.association) || rules.supporters.some((s) => s.login.toLowerCase() === author.login.toLowerCase());
}

/**
 * Classifies a message. A staff comment is public only when its first line starts with `/reply`
 * (or, with `repliesPublicByDefault`, unless it starts with `/internal`), so a forgotten marker
 * keeps a note internal instead of leaking it.
 */
export function classifyMessage(message: ClassifiableMessage, rules: ThreadRules): MessageKind {
  if (message.author.isBot) {
    const staff = staffViaSite(message);
    if (staff) return staff.visibility === 'public' ? 'staff-reply' : 'internal-note';
    return message.meta?.customer ? 'customer' : 'system';
  }
  if (!isStaff(message.author, rules)) return 'outsider';
  if (rules.repliesPublicByDefault) return INTERNAL_MARKER.test(message.body) ? 'internal-note' : 'staff-reply';
  return REPLY_MARKER.test(message.body) ? 'staff-reply' : 'internal-note';
}

/** The text a customer sees of a public message: markers stripped, neutralising undone. */
export function publicText(message: ClassifiableMessage, kind: MessageKind): string {
  if (kind === 'customer') return customerTextForDisplay(stripCustomerHeader(message.body));
  // Text after the marker on its line is kept: "/reply Thanks for waiting" reads as "Thanks for waiting".
  if (kind === 'staff-reply' && staffViaSite(message)) return stripCustomerHeader(message.body).trim();
  if (kind === 'staff-reply') return message.body.replace(/^\s*\/(reply|internal)\b[ \t]*/i, '').replace(/^\s*\n/, '').trim();
  throw new Error(`a ${kind} message has no public text`);
}

/** Whether the customer may see a message of this kind. */
export function isVisibleToCustomer(kind: MessageKind): boolean {
  return kind === 'customer' || kind === 'staff-reply';
}

/** Separates the visible staff header the bot writes above customer text. */
export const HEADER_END = '\n\n---\n\n';

/** The customer's own text of a bot-written message, without the staff header. */
export function stripCustomerHeader(body: string): string {
  const end = body.indexOf(HEADER_END);
  return end === -1 ? body : body.slice(end + HEADER_END.length);
}
