import type { components } from '@octokit/openapi-types';
import { Webhooks } from '@octokit/webhooks';
import { z } from 'zod';
import type { TicketMessage } from '../tickets/ticket.ts';
import { commentBodyId, commentToMessage, type MetadataContext } from './mapping.ts';

type IssueComment = components['schemas']['issue-comment'];

/** What happened to a ticket, in ticket terms, as a webhook told it. */
export type TicketChangeKind = 'opened' | 'edited' | 'closed' | 'reopened' | 'assigned' | 'unassigned' | 'labeled' | 'unlabeled' | 'message-created' | 'message-edited' | 'message-deleted' | 'other';

/** A ticket event parsed from a Git host webhook. */
export interface TicketEvent {
  ticketNumber: number;
  change: TicketChangeKind;
  /** Who caused it; `isBot` when it was the server's own identity. */
  actor: { login: string; isBot: boolean };
  /** The label added or removed (`labeled` / `unlabeled`). */
  label?: string;
  /** The message as the event carried it: for `message-created`, the body as first written. */
  message?: TicketMessage;
}

// Only the fields the desk reads are checked; GitHub adds fields over time, so the objects stay open.
const UserSchema = z.looseObject({ login: z.string() });
const IssueSchema = z.looseObject({ number: z.number().int().positive(), pull_request: z.unknown().optional() });
const CommentSchema = z.looseObject({
  id: z.number(),
  body: z.string().nullable().optional(),
  user: UserSchema.nullable(),
  author_association: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
const PayloadSchema = z.looseObject({
  action: z.string(),
  issue: IssueSchema,
  comment: CommentSchema.optional(),
  label: z.looseObject({ name: z.string() }).optional(),
  repository: z.looseObject({ full_name: z.string() }).optional(),
  sender: UserSchema.nullable().optional(),
});

const ISSUE_ACTIONS: Record<string, TicketChangeKind> = {
  opened: 'opened',
  edited: 'edited',
  closed: 'closed',
  reopened: 'reopened',
  assigned: 'assigned',
  unassigned: 'unassigned',
  labeled: 'labeled',
  unlabeled: 'unlabeled',
};
const COMMENT_ACTIONS: Record<string, TicketChangeKind> = { created: 'message-created', edited: 'message-edited', deleted: 'message-deleted' };

/**
 * Checks `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the webhook secret) with
 * @octokit/webhooks, in constant time. A missing or malformed signature is simply not valid.
 */
export async function verifyWebhookSignature(secret: string, rawBody: string, signature: string | null | undefined): Promise<boolean> {
  if (!signature || !/^sha256=[0-9a-f]{64}$/i.test(signature)) return false;
  try {
    return await new Webhooks({ secret }).verify(rawBody, signature);
  } catch {
    return false;
  }
}

/** The bodies whose metadata mapping this webhook reads (MetadataMemory.load them first). */
export function webhookBodyIds(eventName: string, payload: unknown): string[] {
  const parsed = PayloadSchema.safeParse(payload);
  return eventName === 'issue_comment' && parsed.success && parsed.data.comment ? [commentBodyId(parsed.data.comment.id)] : [];
}

/**
 * Maps a verified `issues` or `issue_comment` webhook to a ticket event; undefined for other events,
 * pull requests, other repositories and payloads without the fields the desk needs.
 */
export function webhookToTicketEvent(eventName: string, payload: unknown, context: { botLogin: string; repository: string; metadata: MetadataContext }): TicketEvent | undefined {
  if (eventName !== 'issues' && eventName !== 'issue_comment') return undefined;
  const parsed = PayloadSchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const p = parsed.data;
  if (p.issue.pull_request !== undefined && p.issue.pull_request !== null) return undefined;
  if (p.repository && p.repository.full_name.toLowerCase() !== context.repository.toLowerCase()) return undefined;
  const login = p.sender?.login ?? 'ghost';
  const event: TicketEvent = {
    ticketNumber: p.issue.number,
    change: (eventName === 'issues' ? ISSUE_ACTIONS[p.action] : COMMENT_ACTIONS[p.action]) ?? 'other',
    actor: { login, isBot: login.toLowerCase() === context.botLogin.toLowerCase() },
  };
  if (p.label && (event.change === 'labeled' || event.change === 'unlabeled')) event.label = p.label.name;
  if (eventName === 'issue_comment' && p.comment) event.message = commentToMessage(p.comment as unknown as IssueComment, { botLogin: context.botLogin, emailKeys: undefined, ...context.metadata });
  return event;
}
