import type { components } from '@octokit/openapi-types';
import { createHash } from 'node:crypto';
import { readMetadata, stripMetadata, type MetadataKey, type TicketMetadata } from '../tickets/metadata.ts';
import type { AuthorAssociation, MessageAuthor, TicketMessage, TicketMeta, TicketSummary } from '../tickets/ticket.ts';
import { unsealEmail, type EmailKeys } from './email-seal.ts';

type Issue = components['schemas']['issue'];
type IssueComment = components['schemas']['issue-comment'];

export interface MappingContext {
  botLogin: string;
  emailKeys: EmailKeys | undefined;
  /** Key the bot's metadata blocks are signed with; a block that does not verify under it is not metadata. */
  metadataKey: MetadataKey;
  /** Unsigned v1 blocks are believed only on bodies created before this moment (ms epoch); undefined: never. */
  legacyMetadataBefore: number | undefined;
  /** A bot body's block failed verification; `where` names the body (e.g. "issue #12"), `reason` says why. */
  onRejectedMetadata(where: string, reason: string): void;
  /** The adapter's memory of the last verified metadata per body; without it a rejected block gives undefined. */
  metadataMemory?: MetadataMemory | undefined;
}

/** The metadata half of a MappingContext, as the adapter hands it out (`GitHost.metadataContext()`). */
export type MetadataContext = Pick<MappingContext, 'metadataKey' | 'legacyMetadataBefore' | 'onRejectedMetadata' | 'metadataMemory'>;

/**
 * What the adapter remembers of each body's metadata (ids like `issue:12`, `comment:345`), so a ticket keeps
 * its last verified values when its block is edited, and each rejected body version is logged once.
 */
export interface MetadataMemory {
  /** Makes what is known of these bodies available to `recall` (a store-backed memory reads it); mapping is synchronous. */
  load(ids: readonly string[]): Promise<void>;
  remember(id: string, meta: TicketMetadata): void;
  recall(id: string): TicketMetadata | undefined;
  /** True the first time this version (a hash of the body) of the body is rejected. */
  firstRejection(id: string, version: string): boolean;
  /** Drops what is held of these bodies (a deleted ticket, an erased customer: the store's rows go with their records). */
  forget(ids: readonly string[]): void;
}

/** The memory's id of an issue's body. */
export const issueBodyId = (issueNumber: number): string => `issue:${issueNumber}`;
/** The memory's id of a comment's body. */
export const commentBodyId = (commentId: number | bigint | string): string => `comment:${commentId}`;

/**
 * A body as the desk reads it: GitHub keeps the CRLF line breaks of text typed or edited in its web UI, and the
 * header separator, markers and metadata line are all matched on `\n`.
 */
function normaliseBody(body: string | null | undefined): string | null | undefined {
  return body?.replace(/\r\n/g, '\n');
}

/**
 * Whether only the repository's own collaborators can read it. An `internal` repository (GitHub Enterprise)
 * reports `private: true` yet every member of the enterprise can read it, so it counts as public (emails sealed).
 */
export function isPrivateRepository(repo: { private: boolean; visibility?: string | undefined }): boolean {
  return repo.private && (repo.visibility === undefined || repo.visibility === 'private');
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

/**
 * The verified metadata of a body. When the bot's body carries a block that fails verification (or a block
 * verified earlier was removed), the last verified metadata the adapter remembers for it stands (undefined
 * when none: the body then belongs to nobody), and the rejection is reported once per body version.
 */
function trustedMeta(id: string, where: string, body: string | null | undefined, user: { login: string } | null | undefined, createdAt: string, ctx: MappingContext): TicketMeta | undefined {
  // Only the bot's bodies carry metadata; a block anyone else typed is ignored (readMetadata agrees).
  if (!user || user.login.toLowerCase() !== ctx.botLogin.toLowerCase()) return undefined;
  let reason: string | undefined;
  const meta = readMetadata(body, user, ctx.botLogin, ctx.metadataKey, (r) => (reason = r), { before: ctx.legacyMetadataBefore, createdAt });
  const remembered = ctx.metadataMemory?.recall(id);
  if (meta && remembered && meta.key !== remembered.key) {
    // A body's idempotency key never changes (the bot re-signs a card with the same key): a verified block
    // with another key was copied from another body. Caught only while the memory holds this body.
    reason = 'a verified block copied from another body (its idempotency key changed)';
  } else if (meta) {
    ctx.metadataMemory?.remember(id, meta);
    return openMeta(meta, ctx);
  } else if (reason === undefined) {
    if (!remembered) return undefined;
    reason = 'the verified metadata block was removed';
  }
  const version = createHash('sha256')
    .update(body ?? '', 'utf8')
    .digest('hex')
    .slice(0, 16);
  if (ctx.metadataMemory?.firstRejection(id, version) ?? true) {
    ctx.onRejectedMetadata?.(where, `${reason}; ${remembered ? 'keeping its last verified metadata' : 'no verified metadata known, so it has none'}`);
  }
  return openMeta(remembered, ctx);
}

/** Maps a GitHub issue to a ticket summary; the only place issue field names appear. */
export function issueToSummary(issue: Issue, ctx: MappingContext): TicketSummary {
  const body = normaliseBody(issue.body);
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
    meta: trustedMeta(issueBodyId(issue.number), `issue #${issue.number}`, body, issue.user, issue.created_at, ctx),
    body: stripMetadata(body),
    htmlUrl: issue.html_url,
    locked: issue.locked,
  };
}

/** Maps a GitHub issue comment to a ticket message. */
export function commentToMessage(comment: IssueComment, ctx: MappingContext): TicketMessage {
  const r = comment.reactions;
  const body = normaliseBody(comment.body);
  const reactions: Record<string, number> = r ? { '+1': r['+1'], '-1': r['-1'], laugh: r.laugh, confused: r.confused, heart: r.heart, hooray: r.hooray, eyes: r.eyes, rocket: r.rocket } : {};
  return {
    id: Number(comment.id),
    author: toAuthor(comment.user, comment.author_association, ctx),
    body: stripMetadata(body),
    meta: trustedMeta(
      commentBodyId(comment.id),
      `comment ${comment.id} on issue #${
        String(comment.issue_url ?? '')
          .split('/')
          .pop() || '?'
      }`,
      body,
      comment.user,
      comment.created_at,
      ctx,
    ),
    createdAt: comment.created_at,
    updatedAt: comment.updated_at,
    reactions,
  };
}
