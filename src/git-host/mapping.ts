import type { components } from '@octokit/openapi-types';
import { readMetadata, stripMetadata, type TicketMetadata } from '../tickets/metadata.ts';
import { unsealEmail, type EmailKeys } from './email-seal.ts';

type Issue = components['schemas']['issue'];
type IssueComment = components['schemas']['issue-comment'];

/** How the author relates to the repository; staff are OWNER, MEMBER or COLLABORATOR (PRODUCT.md, messages). */
export type AuthorAssociation = 'OWNER' | 'MEMBER' | 'COLLABORATOR' | 'CONTRIBUTOR' | 'FIRST_TIMER' | 'FIRST_TIME_CONTRIBUTOR' | 'MANNEQUIN' | 'NONE';

export interface MessageAuthor {
  login: string;
  association: AuthorAssociation;
  /** Written by the server's bot identity: a customer message whose metadata can be trusted. */
  isBot: boolean;
}

/** Metadata as callers see it: a sealed email is opened again when the key allows. */
export type TicketMeta = TicketMetadata;

/** A ticket without its thread. */
export interface TicketSummary {
  number: number;
  title: string;
  state: 'open' | 'closed';
  labels: string[];
  assignees: string[];
  author: MessageAuthor;
  commentCount: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Metadata of the opening message; only present when the bot wrote it. */
  meta: TicketMeta | undefined;
  /** The opening message without its metadata block. */
  body: string;
  /** Where staff open the ticket in the Git host's web UI. */
  htmlUrl: string;
}

/** One message of a ticket's thread after the opening one. */
export interface TicketMessage {
  id: number;
  author: MessageAuthor;
  /** Text without the metadata block. */
  body: string;
  meta: TicketMeta | undefined;
  createdAt: string;
  updatedAt: string;
  /** Reaction counts by content (`+1`, `-1`, …); ratings. */
  reactions: Record<string, number>;
}

/** A ticket with its whole thread. */
export interface Ticket extends TicketSummary {
  messages: TicketMessage[];
}

export interface MappingContext {
  botLogin: string;
  emailKeys: EmailKeys | undefined;
}

function toAuthor(user: { login: string } | null | undefined, association: string | undefined, ctx: MappingContext): MessageAuthor {
  const login = user?.login ?? 'ghost';
  return { login, association: (association ?? 'NONE') as AuthorAssociation, isBot: login.toLowerCase() === ctx.botLogin.toLowerCase() };
}

function openMeta(meta: TicketMetadata | undefined, ctx: MappingContext): TicketMeta | undefined {
  const sealed = meta?.customer?.sealedEmail;
  if (!meta?.customer || !sealed || !ctx.emailKeys) return meta;
  const email = unsealEmail(sealed, ctx.emailKeys);
  return email === undefined ? meta : { ...meta, customer: { ...meta.customer, email } };
}

/** Maps a GitHub issue to a ticket summary; the only place issue field names appear. */
export function issueToSummary(issue: Issue, ctx: MappingContext): TicketSummary {
  return {
    number: issue.number,
    title: issue.title,
    state: issue.state === 'closed' ? 'closed' : 'open',
    labels: issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
    assignees: (issue.assignees ?? []).map((a) => a.login),
    author: toAuthor(issue.user, issue.author_association, ctx),
    commentCount: issue.comments,
    createdAt: issue.created_at,
    updatedAt: issue.updated_at,
    closedAt: issue.closed_at,
    meta: openMeta(readMetadata(issue.body, issue.user, ctx.botLogin), ctx),
    body: stripMetadata(issue.body),
    htmlUrl: issue.html_url,
  };
}

/** Maps a GitHub issue comment to a ticket message. */
export function commentToMessage(comment: IssueComment, ctx: MappingContext): TicketMessage {
  const r = comment.reactions;
  const reactions: Record<string, number> = r ? { '+1': r['+1'], '-1': r['-1'], laugh: r.laugh, confused: r.confused, heart: r.heart, hooray: r.hooray, eyes: r.eyes, rocket: r.rocket } : {};
  return {
    id: Number(comment.id),
    author: toAuthor(comment.user, comment.author_association, ctx),
    body: stripMetadata(comment.body),
    meta: openMeta(readMetadata(comment.body, comment.user, ctx.botLogin), ctx),
    createdAt: comment.created_at,
    updatedAt: comment.updated_at,
    reactions,
  };
}
