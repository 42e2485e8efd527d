import type { Config } from '../config/config-schema.ts';
import type { MetadataFields } from './metadata.ts';

/**
 * What a message in a ticket's thread is, which decides who may see it:
 * - `customer`: written by the bot for the customer (verified metadata names a customer);
 * - `staff-reply`: a staff comment marked public: the customer sees it;
 * - `internal-note`: a staff comment not marked public: staff only;
 * - `system`: bot comments that are not customer messages (ticket card, escalation notes): staff only;
 * - `outsider`: anyone without write access (possible on public repositories): never shown to the customer.
 */
export type MessageKind = 'customer' | 'staff-reply' | 'internal-note' | 'system' | 'outsider';

export const MESSAGE_KINDS: readonly MessageKind[] = ['customer', 'staff-reply', 'internal-note', 'system', 'outsider'];

/** The facts about a message that decide its kind, whatever host it came from. */
export interface ClassifiableMessage {
  author: { login: string; isBot: boolean };
  body: string;
  /** Verified metadata (only bot bodies carry it). */
  meta: (Pick<MetadataFields, 'postedBy' | 'role'> & { customer?: unknown }) | undefined;
}

/** A message as the server sees it on the host: its facts, id and when it was written and last edited. */
export interface SeenMessage extends ClassifiableMessage {
  id: number;
  createdAt: string;
  updatedAt: string;
}

export type KindRules = Pick<Config, 'repliesPublicByDefault'>;

/**
 * Staff who write on the site's staff pages post through the bot identity; the bot's verified metadata
 * names them and says whether the message is public.
 */
export function staffViaSite(message: Pick<ClassifiableMessage, 'author' | 'meta'>): MetadataFields['postedBy'] {
  return message.author.isBot ? message.meta?.postedBy : undefined;
}

/** Who wrote a message as people see it: the staff member behind a bot-posted staff message, else the author. */
export function effectiveAuthor(message: Pick<ClassifiableMessage, 'author' | 'meta'>): string {
  return staffViaSite(message)?.login ?? message.author.login;
}

// The marker is the first thing in the comment and a word of its own: `/reply` followed by whitespace or the
// end of the text. `/reply-draft`, `/reply.` and `/replying` are notes (PRODUCT.md, "Messages").
const REPLY_MARKER = /^[ \t]*\/reply(?=\s|$)/i;
const INTERNAL_MARKER = /^[ \t]*\/internal(?=\s|$)/i;
const ESCALATE_MARKER = /^[ \t]*\/escalate(?=\s|$)/i;

/** Whether a staff comment written on the Git host is public under the team's rule. */
export function isMarkedPublic(body: string, rules: KindRules): boolean {
  if (ESCALATE_MARKER.test(body)) return false;
  return rules.repliesPublicByDefault ? !INTERNAL_MARKER.test(body) : REPLY_MARKER.test(body);
}

/** The text of a staff comment without its leading `/reply` or `/internal` marker. */
export function withoutMarker(body: string): string {
  return body
    .replace(/^[ \t]*\/(reply|internal)(?=\s|$)[ \t]*/i, '')
    .replace(/^\s*\n/, '')
    .trim();
}

/**
 * The kind of a message from its current text. `authorHasWriteAccess` comes from the Git host (the
 * collaborator permission), never from the config or a webhook's `author_association`.
 */
export function classifyMessage(message: ClassifiableMessage, rules: KindRules, authorHasWriteAccess: boolean): MessageKind {
  if (message.author.isBot) {
    const staff = staffViaSite(message);
    if (staff) return staff.visibility === 'public' ? 'staff-reply' : 'internal-note';
    return message.meta?.customer ? 'customer' : 'system';
  }
  if (!authorHasWriteAccess) return 'outsider';
  return isMarkedPublic(message.body, rules) ? 'staff-reply' : 'internal-note';
}

/**
 * The kind of a message the first time the server sees it. This kind is kept for good (PRODUCT.md: internal
 * notes never reach a customer "whatever their later edits"), so it errs towards internal: a staff comment
 * that was already edited when first seen (a missed webhook, found by the sweep) could have been a note
 * edited into a reply, so it counts as a note. Staff see the ticket stay yellow and answer again, which is
 * the product's rule for a forgotten marker.
 */
export function firstSightKind(message: SeenMessage, rules: KindRules, authorHasWriteAccess: boolean): MessageKind {
  const kind = classifyMessage(message, rules, authorHasWriteAccess);
  if (kind !== 'staff-reply' || message.author.isBot) return kind;
  return Date.parse(message.updatedAt) > Date.parse(message.createdAt) ? 'internal-note' : kind;
}

/** Remembers the kind of every message by id; first sight wins, across every server process. */
export interface MessageKindRegistry {
  /** The remembered kinds of these messages (those never seen are absent). */
  getAll(ids: readonly number[]): Promise<Map<number, MessageKind>>;
  /**
   * Records kinds unless recorded already (insert-if-absent, atomic across processes) and returns the kinds
   * in force for these ids: another view may have written first, and then its kind wins.
   */
  rememberAll(entries: ReadonlyArray<readonly [number, MessageKind]>): Promise<Map<number, MessageKind>>;
}

export interface KindContext {
  registry: MessageKindRegistry;
  rules: KindRules;
  /** Write access of a login on the ticket repository, confirmed by the Git host (cached there). */
  hasWriteAccess(login: string): Promise<boolean>;
}

/**
 * The kinds in force for a thread: the remembered kind of every message seen before; the others are
 * classified now (asking the Git host who has write access) and remembered, so whichever view sees a
 * message first decides its kind for every view after it. `firstBodies` gives the body as first written
 * when a webhook carried it (a created event), which decides over the current text.
 */
export async function kindsOf(messages: readonly SeenMessage[], ctx: KindContext, firstBodies?: ReadonlyMap<number, SeenMessage>): Promise<Map<number, MessageKind>> {
  const kinds = new Map<number, MessageKind>();
  if (messages.length === 0) return kinds;
  const known = await ctx.registry.getAll(messages.map((m) => m.id));
  const fresh: Array<[number, MessageKind]> = [];
  for (const message of messages) {
    const kind = known.get(message.id);
    if (kind) {
      kinds.set(message.id, kind);
      continue;
    }
    const seen = firstBodies?.get(message.id) ?? message;
    const writer = !seen.author.isBot && (await ctx.hasWriteAccess(seen.author.login));
    fresh.push([message.id, firstSightKind(seen, ctx.rules, writer)]);
  }
  if (fresh.length === 0) return kinds;
  // Another view (or server process) may have fixed some of these meanwhile: the kinds in force win.
  const inForce = await ctx.registry.rememberAll(fresh);
  const decided = new Map(fresh);
  return new Map(messages.map((m) => [m.id, kinds.get(m.id) ?? inForce.get(m.id) ?? decided.get(m.id)!] as const));
}

/** Whether the customer may see a message of this kind. */
export function isVisibleToCustomer(kind: MessageKind): boolean {
  return kind === 'customer' || kind === 'staff-reply';
}
