import type { components } from '@octokit/openapi-types';
import type { Octokit } from 'octokit';
import { deriveMetadataKey, readMetadata, withMetadata, type MetadataFields, type MetadataKey, type TicketMetadata } from '../tickets/metadata.ts';
import { withAttachmentLinks, type AttachmentLinkOptions } from './attachment-links.ts';
import { createBoundedCache } from './bounded-cache.ts';
import { jsonWithFile } from './json-with-file.ts';
import { GITHUB_BODY_LIMIT } from '../tickets/ticket-form.ts';
import { createClient, type ClientOptions } from './client.ts';
import { customerIdFor, deriveEmailKeys, sealEmail, type EmailKeys } from './email-seal.ts';
import { GitHostError, toGitHostError } from './errors.ts';
import type { Ticket, TicketMessage, TicketSummary } from '../tickets/ticket.ts';
import { redactedMetadata } from '../tickets/privacy.ts';
import { commentBodyId, commentToMessage, isPrivateRepository, issueBodyId, issueToSummary, type MappingContext, type MetadataContext, type MetadataMemory } from './mapping.ts';

type Issue = components['schemas']['issue'];
type IssueComment = components['schemas']['issue-comment'];

export interface GitHostOptions extends ClientOptions {
  /** Repository holding the ticket issues, as owner/name. */
  repository: string;
  /** Repository and branch receiving attachments. @default the ticket repository, branch "attachments" */
  attachments?: { repository?: string | undefined; branch: string } | undefined;
  /** Secret the email sealing keys derive from (EMAIL_ENCRYPTION_KEY or SESSION_SECRET). */
  emailSecret?: string | undefined;
  /**
   * The server secret (SESSION_SECRET or the generated one) the metadata MAC key derives from: every block
   * the bot writes is signed with it, and a block that does not verify is ignored (and logged).
   */
  metadataSecret: string;
  /**
   * Unsigned (v1) metadata blocks are believed only on bodies created before this moment (ms epoch): when
   * this installation started signing. Unset: never.
   */
  legacyMetadataBefore?: number | undefined;
  /**
   * Where the last verified metadata of each body is kept (the store's, src/store/verified-metadata.ts, in the
   * server). @default in memory, the latest 50,000 bodies, forgotten on restart
   */
  metadataMemory?: MetadataMemory | undefined;
  /** Login of the bot identity; asked from the host when unset. */
  botLogin?: string | undefined;
  /**
   * How long a ticket read is served from memory before asking the host again (with ETag), when no webhook, sweep
   * or own write said it changed: the bound on staleness when webhooks are missing. @default 60000
   */
  cacheTtlMs?: number | undefined;
  /** Most bytes of tickets (mapped, with their threads) kept in memory; a thread over an eighth of it is not kept. @default 16777216 (16 MiB) */
  ticketCacheBytes?: number | undefined;
  /**
   * How long after a create whose outcome is unknown (5xx, timeout, reset) an idempotency lookup that does not find
   * it is looked up again before it is believed: a list read right after a write may not show it yet (GitHub serves
   * reads from replicas; the outbox retries half a second after the failure). @default 5000
   */
  lookupSettleMs?: number | undefined;
  /** Links to attachments written into the issue and comment bodies, for staff working in the issue UI. */
  attachmentLinks?: Pick<AttachmentLinkOptions, 'siteUrl'> & { web?: boolean | undefined };
}

/** A new ticket: the opening message and its labels, created in one request. */
export interface NewTicket {
  title: string;
  /** Visible text (header and customer message); the metadata block is added in front. */
  body: string;
  labels: string[];
  assignees?: string[];
  /** Idempotency key of the outbox entry. */
  key: string;
  /** Local reference handed to the customer. */
  ref?: string;
  /** The customer's email; stored in clear text on private repositories, sealed on public ones. */
  customerEmail?: string;
  attachments?: string[];
  /** Named metadata fields (order, customer name, draft key, posted-by, role). */
  fields?: MetadataFields;
}

/** A new message on a ticket, posted by the bot identity. */
export interface NewMessage {
  body: string;
  key: string;
  ref?: string;
  customerEmail?: string;
  attachments?: string[];
  /** Named metadata fields (order, customer name, draft key, posted-by, role). */
  fields?: MetadataFields;
}

/** What to change on a ticket; everything in one request. */
export interface TicketChange {
  /** The full label set after the change. */
  labels?: string[];
  state?: 'open' | 'closed';
  /** Why it was closed. @default "completed" */
  closeReason?: 'completed' | 'not_planned' | 'duplicate';
  /** The full assignee set after the change. */
  assignees?: string[];
}

export interface AttachmentRef {
  path: string;
  /** Blob sha of the stored content. */
  sha: string;
  size: number;
}

/** Reaction contents GitHub accepts; ratings use `+1` and `-1`. */
export type ReactionContent = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';

/** Everything the ticket features ask of the Git host, in ticket terms. */
export interface GitHost {
  readonly repository: string;
  readonly octokit: Octokit;
  /** The bot identity's login (asked once). */
  botLogin(): Promise<string>;
  /** Whether the ticket repository is private, not public nor internal to an enterprise (asked once); decides email sealing. */
  isPrivate(): Promise<boolean>;
  createTicket(input: NewTicket): Promise<TicketSummary>;
  /**
   * One ticket with its thread; undefined when there is no such issue in the ticket repository (never made, deleted,
   * or transferred to another repository). Throws an `operator` GitHostError when the repository itself is missing
   * or has issues turned off: then no ticket can be read, and none is gone. Served from memory until `invalidate`, an
   * own write or the TTL (`cacheTtlMs`) says otherwise; concurrent reads share one; `fresh` asks the host.
   */
  getTicket(ticketNumber: number, options?: { fresh?: boolean }): Promise<Ticket | undefined>;
  /**
   * The copy of a ticket this process read last, however old (past the TTL, or after `invalidate` said it changed),
   * and when it was read; never asks the host. What a customer's page shows while the host cannot be reached.
   */
  lastKnownTicket(ticketNumber: number): { ticket: Ticket; readAt: string } | undefined;
  /** A user's permission on the ticket repository (`admin`, `write`, `read`, …); undefined when they have none. */
  permissionOf(login: string): Promise<string | undefined>;
  /**
   * Whether a login is staff: it has write access to the ticket repository (admin, maintain or write role),
   * as the host's collaborator permission endpoint says. Not `author_association` (which varies by viewer)
   * nor the supporter list. False for read, triage, no access, an unknown login, and the bot itself.
   * Answers are cached per login (10 minutes when true, 1 minute when false; 1,000 logins at most) and
   * concurrent lookups of a login share one request. When the host fails (anything but not-found) this
   * throws the GitHostError and caches nothing: callers must treat a failure as "not known to be staff",
   * never as staff.
   */
  hasWriteAccess(login: string): Promise<boolean>;
  /** Drops the cached answer of `hasWriteAccess` for one login, or for all (on `member`, `membership`, `organization` webhooks). */
  forgetPermission(login?: string): void;
  /** Every ticket (issue the bot opened) in a state, newest first (every page at once; views read the store's read model instead). */
  listTickets(state: 'open' | 'closed' | 'all'): Promise<TicketSummary[]>;
  /**
   * One page of the bot's issues, oldest first (`perPage` at most 100): the read model's first build, which can stop
   * and continue at a page. `lastPage` is the host's last page number for that page size (this one when it is the last).
   */
  listTicketPage(page: number, perPage?: number): Promise<{ tickets: TicketSummary[]; lastPage: number }>;
  /** A ticket's thread without its opening message (every page); for a ticket already listed, one request fewer than getTicket. */
  listMessages(ticketNumber: number): Promise<TicketMessage[]>;
  addComment(ticketNumber: number, input: NewMessage): Promise<TicketMessage>;
  /** Replaces the body of a message the bot wrote (e.g. the ticket card), keeping it one comment. */
  editComment(ticketNumber: number, messageId: number, input: NewMessage): Promise<TicketMessage>;
  /** Tickets (open and closed) updated at or after `since`, oldest update first; for the reconciliation sweep. */
  listTicketsUpdatedSince(since: Date | undefined): Promise<TicketSummary[]>;
  updateTicket(ticketNumber: number, change: TicketChange): Promise<TicketSummary>;
  /**
   * Replaces the visible text of a ticket the bot opened (what follows its metadata block), keeping the block exactly
   * as written: it is signed, and a sealed email stays sealed. False, writing nothing, when the issue's first line is
   * not a block that verifies (someone else edited it).
   */
  replaceTicketText(ticketNumber: number, text: string): Promise<boolean>;
  setLabels(ticketNumber: number, labels: string[]): Promise<TicketSummary>;
  setState(ticketNumber: number, state: 'open' | 'closed'): Promise<TicketSummary>;
  setAssignees(ticketNumber: number, assignees: string[]): Promise<TicketSummary>;
  uploadAttachment(input: { path: string; content: Uint8Array; message: string }): Promise<AttachmentRef>;
  /** The attachment's bytes; undefined when absent. */
  readAttachment(path: string): Promise<Buffer | undefined>;
  addReaction(messageId: number, content: ReactionContent): Promise<void>;
  listReactions(messageId: number): Promise<Array<{ content: string; login: string }>>;
  /** Sets the bot's reaction (a rating): adds `content` and removes the bot's `replaces` reaction if any. */
  setReaction(messageId: number, content: ReactionContent, replaces?: ReactionContent): Promise<void>;
  /**
   * Looks a ticket up by the idempotency key in its metadata, among the bot's issues created at or after `since`
   * (newest first, as many pages as that takes); without `since`, among the bot's 100 most recent issues.
   */
  findTicketByKey(key: string, since?: Date): Promise<TicketSummary | undefined>;
  /** Looks a message up by its idempotency key among the bot's comments on a ticket. */
  findMessageByKey(ticketNumber: number, key: string, since?: Date): Promise<TicketMessage | undefined>;
  /** Creates the attachments branch from the default branch when it is missing. */
  ensureAttachmentBranch(): Promise<void>;
  /**
   * Deletes a ticket's issue (GraphQL `deleteIssue`, which needs admin rights on the repository): `deleted`, or
   * `not-permitted` when the host refuses (FORBIDDEN, or 403), having changed nothing.
   */
  deleteTicket(ticketNumber: number): Promise<'deleted' | 'not-permitted'>;
  /**
   * Replaces a ticket's title and opening text, keeping only the identity of its metadata block (redactedMetadata):
   * no customer, name, order or attachments stay. Optionally closes (as not planned) and locks it.
   */
  redactTicket(ticketNumber: number, input: { title: string; text: string; closeAndLock?: boolean }): Promise<void>;
  /** Replaces a comment's text; a bot comment keeps only the identity of its metadata block. */
  redactMessage(ticketNumber: number, messageId: number, text: string): Promise<void>;
  /** Every file on the attachments branch under a folder (`tickets/<ref>/`), with its size. */
  listAttachments(folder: string): Promise<AttachmentRef[]>;
  /**
   * Rewrites the attachments branch so the given files leave it and its history: one new commit, without parents,
   * of every other file (Git data API: a tree, a commit, the ref forced to it). Answers the paths removed.
   */
  removeAttachments(paths: readonly string[]): Promise<string[]>;
  /**
   * Drops everything the adapter keeps about a ticket, its last known copy and what it remembers of the metadata of
   * its body and of these messages too (a deleted ticket, an erased customer).
   */
  forgetTicket(ticketNumber: number, messageIds?: readonly number[]): void;
  /**
   * Forgets what is cached about a ticket, and keeps any read already under way from being cached: called for
   * webhooks and the sweep (the adapter's own writes call it themselves).
   */
  invalidate(ticketNumber: number): void;
  /** The stable pseudonymous id of a customer. */
  customerId(email: string): string;
  /**
   * The adapter's metadata key, legacy cut-off, rejection log and memory of verified metadata, for mapping
   * bodies that arrive another way (webhook payloads) exactly as the adapter's own reads do.
   */
  metadataContext(): MetadataContext;
}

/** A GraphQL answer refusing the mutation (`FORBIDDEN`): the caller lacks the rights, nothing changed. */
function isGraphqlRefusal(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'GraphqlResponseError') return false;
  const errors = (error as Error & { errors?: Array<{ type?: string }> }).errors ?? [];
  return errors.some((e) => e.type === 'FORBIDDEN');
}

function splitRepo(fullName: string): { owner: string; repo: string } {
  const [owner, repo] = fullName.split('/') as [string, string];
  return { owner, repo };
}

/** Issues per page when looking an idempotency key up (GitHub's maximum page size). */
const KEY_LOOKUP_ISSUES = 100;
/** Default of `lookupSettleMs`: GitHub documents no bound on how long a list may lag a write; seconds, in practice. */
const LOOKUP_SETTLE_MS = 5000;
/** Creates with an unknown outcome remembered for `lookupSettleMs` (least recent dropped first). */
const UNSETTLED_KEYS = 1000;

/** How long `hasWriteAccess` trusts an answer: staff for longer, others briefly so a new collaborator is staff soon. */
const STAFF_TTL_MS = 10 * 60_000;
const NOT_STAFF_TTL_MS = 60_000;
/** Logins whose `hasWriteAccess` answer is kept (least recently used dropped first). */
const PERMISSION_CACHE_SIZE = 1000;
/** Roles granting write access; `role_name` may also be a custom role, then the base `permission` decides. */
const WRITE_ROLES = new Set(['admin', 'maintain', 'write']);
const BASE_ROLES = new Set(['admin', 'maintain', 'write', 'triage', 'read', 'none']);

/**
 * How long a ticket read is trusted without a webhook saying otherwise. GitHub itself marks API answers fresh for 60 s
 * (`Cache-Control: private, max-age=60`), and without webhooks a staff change then reaches the customer's page within
 * a minute; re-reading a viewed ticket costs two conditional requests a minute, answered 304 (free of rate limit).
 */
const TICKET_TTL_MS = 60_000;
/**
 * Default byte budget of mapped tickets: a thousand or more usual threads, more than a small team has open. Kept
 * small on purpose: a full cache is part of the server's resident memory for good (with the ETag cache's, 32 MiB
 * of the 70 MiB the server grew by from 500 to 5,000 attachment tickets when both held 16 MiB).
 */
const TICKET_CACHE_BYTES = 8 * 1024 * 1024;

/** What a cached ticket holds, roughly (UTF-16 text and per-object overhead): its texts plus a fixed cost per message. */
function ticketBytes(ticket: Ticket): number {
  let chars = 1024 + ticket.title.length + ticket.body.length;
  for (const m of ticket.messages) chars += 256 + m.body.length;
  return chars * 2;
}

/** A read of one ticket under way, which concurrent readers share; `stale` once the ticket changed meanwhile. */
interface TicketRead {
  promise: Promise<Ticket | undefined>;
  stale: boolean;
  /** Order of reads started, so an older read finishing last never replaces a newer one's answer. */
  seq: number;
}

/**
 * Bodies whose last verified metadata the in-memory default remembers (issues and comments together), oldest-written
 * dropped first; a restart forgets it (an edited block then gives no metadata, which is safe). The server keeps it in
 * the store instead.
 */
const METADATA_MEMORY_SIZE = 50_000;

/** The adapter's bounded memory of verified metadata per body, and of rejected body versions already logged. */
function createMetadataMemory(limit: number): MetadataMemory {
  const entries = new Map<string, { meta: TicketMetadata | undefined; rejected: string | undefined }>();
  const put = (id: string, entry: { meta: TicketMetadata | undefined; rejected: string | undefined }) => {
    entries.delete(id);
    entries.set(id, entry);
    if (entries.size > limit) entries.delete(entries.keys().next().value as string);
  };
  return {
    load: async () => {},
    remember: (id, meta) => put(id, { meta, rejected: undefined }),
    recall: (id) => entries.get(id)?.meta,
    firstRejection(id, version) {
      const entry = entries.get(id);
      if (entry?.rejected === version) return false;
      put(id, { meta: entry?.meta, rejected: version });
      return true;
    },
    forget: (ids) => ids.forEach((id) => entries.delete(id)),
  };
}

/** Creates the adapter: the one module that talks to the Git host. */
export function createGitHost(options: GitHostOptions): GitHost {
  const octokit = createClient(options);
  const ticketRepo = splitRepo(options.repository);
  const attachmentRepo = splitRepo(options.attachments?.repository ?? options.repository);
  const attachmentBranch = options.attachments?.branch ?? 'attachments';
  const emailKeys: EmailKeys | undefined = options.emailSecret ? deriveEmailKeys(options.emailSecret) : undefined;
  const ttl = options.cacheTtlMs ?? TICKET_TTL_MS;
  const now = options.now ?? Date.now;
  const metadataKey: MetadataKey = deriveMetadataKey(options.metadataSecret);
  const metadataMemory = options.metadataMemory ?? createMetadataMemory(METADATA_MEMORY_SIZE);
  const log = options.log ?? console;
  const onRejectedMetadata = (where: string, reason: string) => log.warn(`git-host: ignoring the metadata block of ${where} in ${options.repository}: ${reason}`);
  const metadataContext = (): MetadataContext => ({ metadataKey, legacyMetadataBefore: options.legacyMetadataBefore, onRejectedMetadata, metadataMemory });
  const linkOptions: AttachmentLinkOptions = {
    siteUrl: options.attachmentLinks?.siteUrl,
    web: options.attachmentLinks?.web && options.baseUrl ? { apiBaseUrl: options.baseUrl, repository: `${attachmentRepo.owner}/${attachmentRepo.repo}`, branch: attachmentBranch } : undefined,
  };
  /** A new body with its metadata block, and links to its attachments where they fit the host's limit. */
  function bodyWith(meta: TicketMetadata, body: string): string {
    const plain = withMetadata(meta, body, metadataKey);
    const linked = withAttachmentLinks(body, meta.attachments, linkOptions);
    if (linked === body) return plain;
    const full = withMetadata(meta, linked, metadataKey);
    return full.length <= GITHUB_BODY_LIMIT ? full : plain;
  }

  let botLoginPromise: Promise<string> | undefined;
  let privatePromise: Promise<boolean> | undefined;
  /**
   * Mapped tickets by issue number, served until a webhook, the sweep or an own write says the issue changed (`expired`)
   * or the TTL passes; an expired copy stays (within the byte budget) as the last known state for an outage.
   */
  const tickets = createBoundedCache<number, { ticket: Ticket; at: number; seq: number; expired?: true }>({
    maxBytes: options.ticketCacheBytes ?? TICKET_CACHE_BYTES,
    sizeOf: (entry) => ticketBytes(entry.ticket),
  });
  /** Reads under way by issue number: only while they run, so bounded by the requests in flight. */
  const reads = new Map<number, Set<TicketRead>>();
  let readSeq = 0;
  /** `hasWriteAccess` answers by lower-cased login, in least-recently-used order, and the lookups in flight. */
  const staffAnswers = new Map<string, { staff: boolean; expires: number }>();
  const staffLookups = new Map<string, Promise<boolean>>();
  /** Idempotency keys of creates (issues, comments) whose outcome is unknown, with when the failure was seen. */
  const unsettled = new Map<string, number>();
  const settleMs = options.lookupSettleMs ?? LOOKUP_SETTLE_MS;

  /** Remembers a create that failed with an unknown outcome, so a lookup soon after does not believe an empty answer. */
  async function remembering<T>(key: string, create: () => Promise<T>): Promise<T> {
    try {
      return await create();
    } catch (error) {
      if (error instanceof GitHostError && error.kind === 'unknown-outcome') {
        unsettled.delete(key);
        unsettled.set(key, now());
        if (unsettled.size > UNSETTLED_KEYS) unsettled.delete(unsettled.keys().next().value as string);
      }
      throw error;
    }
  }

  /**
   * Looks an idempotency key up; when not found and a create with that key failed with an unknown outcome less than
   * `lookupSettleMs` ago, waits until then and looks once more (the first lookup may predate the create being listed).
   */
  async function settledLookup<T>(key: string, lookup: () => Promise<T | undefined>): Promise<T | undefined> {
    const found = await lookup();
    const failedAt = unsettled.get(key);
    if (found !== undefined || failedAt === undefined) return found;
    const wait = failedAt + settleMs - now();
    if (wait > 0) {
      log.info(`git-host: idempotency key ${key} not listed yet ${Math.round((now() - failedAt) / 100) / 10} s after its create failed; looking again in ${Math.ceil(wait / 100) / 10} s`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    unsettled.delete(key);
    return wait > 0 ? lookup() : undefined;
  }

  async function call<T>(what: string, write: boolean, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toGitHostError(error, { write, what });
    }
  }

  /**
   * Why the ticket repository cannot hold tickets, if it cannot: not found or not visible to the credentials, or
   * its issues turned off (GitHub then answers 410 to every issue request). Asked when an issue or the issue list is
   * missing, to tell a removed ticket from a set-up only an operator can fix; conditional, so usually free.
   */
  async function repositoryProblem(): Promise<string | undefined> {
    try {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}', ticketRepo);
      return data.has_issues === false ? `issues are turned off in repository ${options.repository}; turn them on (Settings → General → Features)` : undefined;
    } catch (error) {
      const e = toGitHostError(error, { write: false, what: `read repository ${options.repository}` });
      if (e.kind === 'not-found' || e.kind === 'gone') return `repository ${options.repository} was not found, or the credentials cannot see it; check gitHost.repository and the token's access`;
      throw e;
    }
  }

  let repositoryIdPromise: Promise<number> | undefined;
  /** The ticket repository's id (ids survive renames and transfers, names do not). */
  function repositoryId(): Promise<number> {
    repositoryIdPromise ??= call(`read repository ${options.repository}`, false, () => octokit.request('GET /repos/{owner}/{repo}', ticketRepo)).then((r) => Number(r.data.id));
    repositoryIdPromise.catch(() => (repositoryIdPromise = undefined));
    return repositoryIdPromise;
  }

  /** Where a redirect of an issue leads, when that is still the ticket repository (`/repositories/<its id>/issues/<n>`). */
  async function sameRepositoryTarget(location: string | undefined): Promise<{ repository_id: number; issue_number: number } | undefined> {
    const match = location === undefined ? null : /\/repositories\/(\d+)\/issues\/(\d+)$/.exec(new URL(location, 'http://host.invalid').pathname);
    if (!match) return undefined;
    return Number(match[1]) === (await repositoryId()) ? { repository_id: Number(match[1]), issue_number: Number(match[2]) } : undefined;
  }

  /**
   * A missing or moved issue in ticket terms: `gone` when the repository is fine (the issue was deleted, transferred
   * to another repository, or is not there); `operator` when the repository itself is the problem, or answers under
   * another name. GitHub redirects a transferred issue to its new repository: never followed blindly.
   */
  async function explainIssueError(ticketNumber: number, error: unknown): Promise<unknown> {
    if (!(error instanceof GitHostError)) return error;
    if (error.kind === 'moved') {
      if (await sameRepositoryTarget(error.location)) {
        return new GitHostError('operator', `${error.message}; the repository answers under another name (renamed or transferred): set gitHost.repository to its current name`, {
          status: error.status,
          cause: error,
        });
      }
      return new GitHostError('gone', `ticket #${ticketNumber} was transferred out of ${options.repository} (to ${error.location ?? 'another repository'})`, { status: error.status, cause: error });
    }
    if (error.kind !== 'not-found' && error.kind !== 'gone') return error;
    const problem = await repositoryProblem();
    if (problem) return new GitHostError('operator', `${error.message}; ${problem}`, { status: error.status, cause: error });
    return new GitHostError('gone', `ticket #${ticketNumber} is no longer in ${options.repository} (${error.status === 410 ? 'deleted' : 'not found'})`, { status: error.status, cause: error });
  }

  /**
   * A comment refused with 403 because the conversation is locked is a refusal of this one message, not of every write:
   * on a locked issue only collaborators may comment, and a GitHub App's bot never is one. Told apart from a refusal
   * for the operator (credentials, SSO, archived) by reading the issue's `locked`, not by the answer's text.
   */
  async function explainLockedRefusal(ticketNumber: number, error: unknown): Promise<unknown> {
    if (!(error instanceof GitHostError && error.status === 403 && error.kind === 'operator')) return error;
    let issue: Issue;
    try {
      ({ data: issue } = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...ticketRepo, issue_number: ticketNumber }));
    } catch {
      return error;
    }
    if (!issue.locked) return error;
    const reason = issue.active_lock_reason ? ` as ${issue.active_lock_reason}` : '';
    return new GitHostError(
      'refused',
      `ticket #${ticketNumber} is locked${reason}: on a locked issue only collaborators may comment, and ${await botLogin()} is not one${options.auth.kind === 'app' ? ' (a GitHub App never is)' : ''}. Unlock the issue to let the message through, then retry the entry (npm run outbox -- retry <id>)`,
      { status: 403, cause: error },
    );
  }

  /** A request about one issue: a missing or moved issue comes back as `gone` or `operator` (explainIssueError). */
  async function callOnIssue<T>(ticketNumber: number, what: string, write: boolean, fn: () => Promise<T>): Promise<T> {
    try {
      return await call(what, write, fn);
    } catch (error) {
      throw await explainIssueError(ticketNumber, error);
    }
  }

  /** A request about the repository's issues as a whole: missing (404, 410) only when the repository is, so `operator`. */
  async function callOnRepository<T>(what: string, write: boolean, fn: () => Promise<T>): Promise<T> {
    try {
      return await call(what, write, fn);
    } catch (error) {
      if (!(error instanceof GitHostError && (error.kind === 'not-found' || error.kind === 'gone'))) throw error;
      const problem = await repositoryProblem();
      throw problem ? new GitHostError('operator', `${error.message}; ${problem}`, { status: error.status, cause: error }) : error;
    }
  }

  function botLogin(): Promise<string> {
    botLoginPromise ??= (async () => {
      if (options.botLogin) return options.botLogin;
      if (options.auth.kind === 'app') {
        const { data } = await call('identify the GitHub App', false, () => octokit.request('GET /app'));
        return `${data?.slug ?? 'app'}[bot]`;
      }
      const { data } = await call('identify the token user', false, () => octokit.request('GET /user'));
      return data.login;
    })();
    botLoginPromise.catch(() => (botLoginPromise = undefined));
    return botLoginPromise;
  }

  function isPrivate(): Promise<boolean> {
    privatePromise ??= call(`read repository ${options.repository}`, false, () => octokit.request('GET /repos/{owner}/{repo}', ticketRepo)).then((r) => isPrivateRepository(r.data));
    privatePromise.catch(() => (privatePromise = undefined));
    return privatePromise;
  }

  async function mapping(): Promise<MappingContext> {
    return { botLogin: await botLogin(), emailKeys, ...metadataContext() };
  }

  /** Issues as tickets, once the memory of their bodies' metadata is loaded (mapping itself is synchronous). */
  async function summariesOf(issues: readonly Issue[], ctx: MappingContext): Promise<TicketSummary[]> {
    await metadataMemory.load(issues.map((issue) => issueBodyId(issue.number)));
    return issues.map((issue) => issueToSummary(issue, ctx));
  }
  const summaryOf = async (issue: Issue, ctx: MappingContext): Promise<TicketSummary> => (await summariesOf([issue], ctx))[0]!;
  /** Comments as messages, once the memory of their bodies' metadata is loaded. */
  async function messagesOf(comments: readonly IssueComment[], ctx: MappingContext): Promise<TicketMessage[]> {
    await metadataMemory.load(comments.map((comment) => commentBodyId(comment.id)));
    return comments.map((comment) => commentToMessage(comment, ctx));
  }
  const messageOf = async (comment: IssueComment, ctx: MappingContext): Promise<TicketMessage> => (await messagesOf([comment], ctx))[0]!;

  function customerId(email: string): string {
    return customerIdFor(email, emailKeys);
  }

  async function customerRef(email: string | undefined): Promise<TicketMetadata['customer']> {
    if (email === undefined) return undefined;
    const id = customerId(email);
    if (await isPrivate()) return { id, email };
    if (!emailKeys) {
      throw new GitHostError(
        'config',
        `repository ${options.repository} is not private (public, or internal to an enterprise): customer emails would be stored in clear text. Set EMAIL_ENCRYPTION_KEY (or SESSION_SECRET) so they are sealed, or make the repository private.`,
      );
    }
    return { id, sealedEmail: sealEmail(email, emailKeys) };
  }

  async function updateTicket(ticketNumber: number, change: TicketChange): Promise<TicketSummary> {
    const { data } = await writing(ticketNumber, () =>
      callOnIssue(ticketNumber, `update ticket #${ticketNumber}`, true, () =>
        octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
          ...ticketRepo,
          issue_number: ticketNumber,
          ...(change.labels ? { labels: change.labels } : {}),
          ...(change.assignees ? { assignees: change.assignees } : {}),
          ...(change.state ? { state: change.state } : {}),
          ...(change.state === 'closed' ? { state_reason: change.closeReason ?? 'completed' } : {}),
        }),
      ),
    );
    return summaryOf(data, await mapping());
  }

  /** The permission endpoint's answer; undefined when the host does not know the login (404). */
  async function readPermission(login: string): Promise<{ permission: string; role_name?: string | undefined } | undefined> {
    try {
      const { data } = await call(`read the permission of ${login}`, false, () => octokit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', { ...ticketRepo, username: login }));
      return data;
    } catch (error) {
      if (error instanceof GitHostError && error.kind === 'not-found') return undefined;
      throw error;
    }
  }

  async function hasWriteAccess(login: string): Promise<boolean> {
    const key = login.toLowerCase();
    if (key === (await botLogin()).toLowerCase()) return false;
    const cached = staffAnswers.get(key);
    if (cached && cached.expires > Date.now()) {
      staffAnswers.delete(key);
      staffAnswers.set(key, cached);
      return cached.staff;
    }
    staffAnswers.delete(key);
    const pending = staffLookups.get(key);
    if (pending) return pending;
    const lookup = (async () => {
      const data = await readPermission(login);
      const role = data?.role_name && BASE_ROLES.has(data.role_name) ? data.role_name : data?.permission;
      return role !== undefined && WRITE_ROLES.has(role);
    })();
    staffLookups.set(key, lookup);
    try {
      const staff = await lookup;
      // Kept only if nobody forgot this login while the request ran (the answer may predate the change).
      if (staffLookups.get(key) === lookup) {
        staffAnswers.set(key, { staff, expires: Date.now() + (staff ? STAFF_TTL_MS : NOT_STAFF_TTL_MS) });
        if (staffAnswers.size > PERMISSION_CACHE_SIZE) staffAnswers.delete(staffAnswers.keys().next().value as string);
      }
      return staff;
    } finally {
      if (staffLookups.get(key) === lookup) staffLookups.delete(key);
    }
  }

  function forgetPermission(login?: string): void {
    if (login === undefined) {
      staffAnswers.clear();
      staffLookups.clear();
      return;
    }
    staffAnswers.delete(login.toLowerCase());
    staffLookups.delete(login.toLowerCase());
  }

  async function ensureAttachmentBranch(): Promise<void> {
    try {
      await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...attachmentRepo, ref: `heads/${attachmentBranch}` });
      return;
    } catch (error) {
      const e = toGitHostError(error, { write: false, what: `read branch ${attachmentBranch}` });
      if (e.kind !== 'not-found') throw e;
    }
    const repo = await call('read the attachments repository', false, () => octokit.request('GET /repos/{owner}/{repo}', attachmentRepo));
    const base = await call('read the default branch', false, () => octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...attachmentRepo, ref: `heads/${repo.data.default_branch}` }));
    await call(`create branch ${attachmentBranch}`, false, () =>
      octokit.request('POST /repos/{owner}/{repo}/git/refs', { ...attachmentRepo, ref: `refs/heads/${attachmentBranch}`, sha: base.data.object.sha }),
    );
  }

  /** One ticket and its whole thread from the host, uncached; undefined when it is gone. */
  async function fetchTicket(ticketNumber: number): Promise<Ticket | undefined> {
    const ctx = await mapping();
    let issue: Issue;
    let comments: IssueComment[];
    try {
      [issue, comments] = await Promise.all([
        call(`read ticket #${ticketNumber}`, false, () => octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...ticketRepo, issue_number: ticketNumber })).then((r) => r.data),
        call(`read the thread of ticket #${ticketNumber}`, false, () =>
          octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...ticketRepo, issue_number: ticketNumber, per_page: 100 }),
        ),
      ]);
    } catch (error) {
      // The repository answers under another name: read the issue where it points, still in this repository.
      const target = error instanceof GitHostError && error.kind === 'moved' ? await sameRepositoryTarget(error.location) : undefined;
      if (!target) {
        const explained = await explainIssueError(ticketNumber, error);
        if (explained instanceof GitHostError && explained.kind === 'gone') {
          log.info(`git-host: ${explained.message}`);
          return undefined;
        }
        throw explained;
      }
      [issue, comments] = await Promise.all([
        call(`read ticket #${ticketNumber}`, false, () => octokit.request('GET /repositories/{repository_id}/issues/{issue_number}', target)).then((r) => r.data as Issue),
        call(`read the thread of ticket #${ticketNumber}`, false, () => octokit.paginate('GET /repositories/{repository_id}/issues/{issue_number}/comments', { ...target, per_page: 100 })).then(
          (c) => c as IssueComment[],
        ),
      ]);
    }
    await metadataMemory.load([issueBodyId(issue.number), ...comments.map((comment) => commentBodyId(comment.id))]);
    const summary = issueToSummary(issue, ctx);
    return { ...summary, messages: comments.map((c) => commentToMessage(c, ctx)) };
  }

  /** Reads a ticket for everyone asking meanwhile, and caches the answer unless the ticket changed during the read. */
  function startRead(ticketNumber: number): TicketRead {
    const at = now();
    const read: TicketRead = { promise: Promise.resolve(undefined), stale: false, seq: ++readSeq };
    const running = reads.get(ticketNumber) ?? new Set<TicketRead>();
    reads.set(ticketNumber, running);
    running.add(read);
    read.promise = fetchTicket(ticketNumber)
      .then((ticket) => {
        if (!read.stale) {
          const newer = (tickets.peek(ticketNumber)?.seq ?? 0) > read.seq;
          if (!ticket) tickets.delete(ticketNumber);
          else if (!newer) tickets.set(ticketNumber, { ticket, at, seq: read.seq });
        }
        return ticket;
      })
      .finally(() => {
        const set = reads.get(ticketNumber);
        set?.delete(read);
        if (set?.size === 0) reads.delete(ticketNumber);
      });
    return read;
  }

  /** The ticket changed (a webhook, the sweep, an own write): stop serving its copy (kept as the last known state), and let no read under way cache an older one. */
  function forget(ticketNumber: number): void {
    const cached = tickets.peek(ticketNumber);
    if (cached) cached.expired = true;
    for (const read of reads.get(ticketNumber) ?? []) read.stale = true;
    reads.delete(ticketNumber);
  }

  /** An own write to a ticket: whatever its outcome (an unknown one may have applied), the cached copy is dropped. */
  async function writing<T>(ticketNumber: number, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      forget(ticketNumber);
    }
  }

  const host: GitHost = {
    repository: options.repository,
    octokit,
    botLogin,
    isPrivate,
    customerId,
    metadataContext,
    updateTicket,
    ensureAttachmentBranch,

    async createTicket(input) {
      const meta: TicketMetadata = {
        kind: 'ticket',
        key: input.key,
        ...(input.ref ? { ref: input.ref } : {}),
        ...(input.customerEmail !== undefined ? { customer: await customerRef(input.customerEmail) } : {}),
        ...(input.attachments ? { attachments: input.attachments } : {}),
        ...input.fields,
      };
      const { data } = await remembering(input.key, () =>
        callOnRepository('create ticket', true, () =>
          octokit.request('POST /repos/{owner}/{repo}/issues', {
            ...ticketRepo,
            title: input.title,
            body: bodyWith(meta, input.body),
            labels: input.labels,
            ...(input.assignees ? { assignees: input.assignees } : {}),
          }),
        ),
      );
      const ctx = await mapping();
      // A new body: the memory knows nothing of it to load.
      const summary = issueToSummary(data, ctx);
      // A new issue has no comments yet: the ticket is known whole, and its customer's first view costs no read.
      if (data.comments === 0) tickets.set(summary.number, { ticket: { ...summary, messages: [] }, at: now(), seq: ++readSeq });
      return summary;
    },

    getTicket(ticketNumber, readOptions) {
      if (!readOptions?.fresh) {
        const cached = tickets.get(ticketNumber);
        if (cached && !cached.expired && now() - cached.at < ttl) return Promise.resolve(cached.ticket);
        // Concurrent first views of a ticket share one read.
        const running = [...(reads.get(ticketNumber) ?? [])].findLast((read) => !read.stale);
        if (running) return running.promise;
      }
      return startRead(ticketNumber).promise;
    },

    lastKnownTicket(ticketNumber) {
      const cached = tickets.peek(ticketNumber);
      return cached && { ticket: cached.ticket, readAt: new Date(cached.at).toISOString() };
    },

    async permissionOf(login) {
      return (await readPermission(login))?.permission;
    },
    hasWriteAccess,
    forgetPermission,
    async listTickets(state) {
      const ctx = await mapping();
      const issues = await callOnRepository('list tickets', false, () =>
        octokit.paginate('GET /repos/{owner}/{repo}/issues', { ...ticketRepo, creator: ctx.botLogin, state, per_page: 100, sort: 'created', direction: 'desc' }),
      );
      return summariesOf(issues.filter((issue) => !('pull_request' in issue && issue.pull_request)) as Issue[], ctx);
    },
    async listTicketPage(page, perPage = 100) {
      const ctx = await mapping();
      const { data, headers } = await callOnRepository('list tickets', false, () =>
        octokit.request('GET /repos/{owner}/{repo}/issues', { ...ticketRepo, creator: ctx.botLogin, state: 'all', sort: 'created', direction: 'asc', per_page: perPage, page }),
      );
      const last = /<[^>]*[?&]page=(\d+)[^>]*>;\s*rel="last"/.exec(headers.link ?? '')?.[1];
      const tickets = await summariesOf(data.filter((issue) => !('pull_request' in issue && issue.pull_request)) as Issue[], ctx);
      return { tickets, lastPage: last === undefined ? page : Number(last) };
    },
    async listMessages(ticketNumber) {
      const ctx = await mapping();
      const comments = await callOnIssue(ticketNumber, `read the thread of ticket #${ticketNumber}`, false, () =>
        octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...ticketRepo, issue_number: ticketNumber, per_page: 100 }),
      );
      return messagesOf(comments, ctx);
    },

    async addComment(ticketNumber, input) {
      const meta: TicketMetadata = {
        kind: 'message',
        key: input.key,
        ...(input.ref ? { ref: input.ref } : {}),
        ...(input.customerEmail !== undefined ? { customer: await customerRef(input.customerEmail) } : {}),
        ...(input.attachments ? { attachments: input.attachments } : {}),
        ...input.fields,
      };
      const post = () =>
        callOnIssue(ticketNumber, `comment on ticket #${ticketNumber}`, true, () =>
          octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...ticketRepo, issue_number: ticketNumber, body: bodyWith(meta, input.body) }),
        );
      let data: IssueComment;
      try {
        ({ data } = await writing(ticketNumber, () => remembering(input.key, post)));
      } catch (error) {
        throw await explainLockedRefusal(ticketNumber, error);
      }
      // A new body: the memory knows nothing of it to load.
      return commentToMessage(data, await mapping());
    },

    async editComment(ticketNumber, messageId, input) {
      const meta: TicketMetadata = { kind: 'message', key: input.key, ...input.fields };
      const { data } = await writing(ticketNumber, () =>
        call(`edit message ${messageId} on ticket #${ticketNumber}`, false, () =>
          octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...ticketRepo, comment_id: messageId, body: withMetadata(meta, input.body, metadataKey) }),
        ),
      );
      return messageOf(data, await mapping());
    },

    async listTicketsUpdatedSince(since) {
      const ctx = await mapping();
      const issues = await callOnRepository('list recently updated tickets', false, () =>
        octokit.paginate('GET /repos/{owner}/{repo}/issues', { ...ticketRepo, state: 'all', sort: 'updated', direction: 'asc', per_page: 100, ...(since ? { since: since.toISOString() } : {}) }),
      );
      return summariesOf(issues.filter((issue) => !('pull_request' in issue && issue.pull_request)) as Issue[], ctx);
    },

    async replaceTicketText(ticketNumber, text) {
      const ctx = await mapping();
      const { data } = await callOnIssue(ticketNumber, `read ticket #${ticketNumber}`, false, () =>
        octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...ticketRepo, issue_number: ticketNumber }),
      );
      const block = (data.body ?? '').split('\n', 1)[0]?.replace(/\r$/, '') ?? '';
      if (!readMetadata(block, data.user, ctx.botLogin, metadataKey, undefined, { before: options.legacyMetadataBefore, createdAt: data.created_at })) return false;
      await writing(ticketNumber, () =>
        callOnIssue(ticketNumber, `edit ticket #${ticketNumber}`, true, () =>
          octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { ...ticketRepo, issue_number: ticketNumber, body: `${block}\n${text}` }),
        ),
      );
      return true;
    },
    setLabels: (n, labels) => updateTicket(n, { labels }),
    setState: (n, state) => updateTicket(n, { state }),
    setAssignees: (n, assignees) => updateTicket(n, { assignees }),

    async uploadAttachment(input) {
      const put = () =>
        call(`upload attachment ${input.path}`, true, () =>
          octokit.request('PUT /repos/{owner}/{repo}/contents/{path}', {
            ...attachmentRepo,
            path: input.path,
            // The body as bytes (jsonWithFile): no file-sized string left on the heap per upload.
            data: jsonWithFile({ branch: attachmentBranch, message: input.message }, input.content),
            headers: { 'content-type': 'application/json; charset=utf-8' },
          } as unknown as Parameters<typeof octokit.request<'PUT /repos/{owner}/{repo}/contents/{path}'>>[1]),
        );
      let response: Awaited<ReturnType<typeof put>>;
      try {
        response = await put();
      } catch (error) {
        // A missing attachments branch is created on first use (setup:labels creates it up front).
        if (!(error instanceof GitHostError && error.kind === 'not-found')) throw error;
        await ensureAttachmentBranch();
        response = await put();
      }
      return { path: input.path, sha: response.data.content?.sha ?? '', size: input.content.length };
    },

    async readAttachment(path) {
      try {
        // The `object` media type: files of 1–100 MB come without content (the default JSON one refuses them, 403).
        const { data } = await call(`read attachment ${path}`, false, () =>
          octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { ...attachmentRepo, path, ref: attachmentBranch, mediaType: { format: 'object' } }),
        );
        if (Array.isArray(data) || data.type !== 'file') return undefined;
        if ('content' in data && data.content && data.encoding === 'base64') return Buffer.from(data.content, 'base64');
        // Files over 1 MB come without content from the contents API; the blob API serves up to 100 MB.
        const blob = await call(`read attachment blob ${path}`, false, () => octokit.request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { ...attachmentRepo, file_sha: data.sha }));
        return Buffer.from(blob.data.content, 'base64');
      } catch (error) {
        if (error instanceof GitHostError && error.kind === 'not-found') return undefined;
        throw error;
      }
    },

    async addReaction(messageId, content) {
      try {
        await call(`react to message ${messageId}`, true, () =>
          octokit.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', { ...ticketRepo, comment_id: messageId, content }),
        );
      } finally {
        // Only the message id is known here: drop whichever cached ticket holds it (no webhook reports reactions).
        for (const n of [...tickets.keys()]) if (tickets.peek(n)?.ticket.messages.some((m) => m.id === messageId)) forget(n);
      }
    },

    async listReactions(messageId) {
      const reactions = await call(`read reactions of message ${messageId}`, false, () =>
        octokit.paginate('GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', { ...ticketRepo, comment_id: messageId, per_page: 100 }),
      );
      return reactions.map((r) => ({ content: r.content, login: r.user?.login ?? 'ghost' }));
    },

    async setReaction(messageId, content, replaces) {
      if (replaces !== undefined && replaces !== content) {
        const login = await botLogin();
        const reactions = await call(`read reactions of message ${messageId}`, false, () =>
          octokit.paginate('GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', { ...ticketRepo, comment_id: messageId, content: replaces, per_page: 100 }),
        );
        for (const r of reactions.filter((x) => x.user?.login === login && x.content === replaces)) {
          await call(`remove reaction from message ${messageId}`, false, () =>
            octokit.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions/{reaction_id}', { ...ticketRepo, comment_id: messageId, reaction_id: r.id }),
          );
        }
      }
      await host.addReaction(messageId, content);
    },

    async findTicketByKey(key, since) {
      const ctx = await mapping();
      // Newest created first: an issue created while we page shifts the rest to later pages (seen twice,
      // never skipped), and creation times never change, so we can stop at the first one older than `since`.
      // (In a burst, a create whose answer was lost can be hundreds of issues back by the time it is retried.)
      return settledLookup(key, () =>
        callOnRepository('look up a ticket by idempotency key', false, async () => {
          const pages = octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues', {
            ...ticketRepo,
            creator: ctx.botLogin,
            state: 'all',
            sort: 'created',
            direction: 'desc',
            per_page: KEY_LOOKUP_ISSUES,
          });
          for await (const { data } of pages) {
            for (const summary of await summariesOf(data as Issue[], ctx)) {
              // `meta` is verified metadata only (a forged or edited block never matches; see mapping.ts).
              if (summary.author.isBot && summary.meta?.key === key) return summary;
            }
            const oldest = data.at(-1);
            if (!since || !oldest || Date.parse(oldest.created_at) < since.getTime()) return undefined;
          }
          return undefined;
        }),
      );
    },

    findMessageByKey(ticketNumber, key, since) {
      return settledLookup(key, () => findMessage(ticketNumber, key, since));
    },

    invalidate: forget,

    async deleteTicket(ticketNumber) {
      const { data } = await callOnIssue(ticketNumber, `read ticket #${ticketNumber}`, false, () =>
        octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...ticketRepo, issue_number: ticketNumber }),
      );
      try {
        await writing(ticketNumber, () => octokit.graphql('mutation($id: ID!) { deleteIssue(input: { issueId: $id }) { clientMutationId } }', { id: data.node_id }));
      } catch (error) {
        // GraphQL answers a refusal with HTTP 200 and an error of type FORBIDDEN; a token the endpoint refuses gets 403.
        if (isGraphqlRefusal(error)) return 'not-permitted';
        const e = toGitHostError(error, { write: true, what: `delete ticket #${ticketNumber}` });
        if (e.status === 403) return 'not-permitted';
        throw e;
      }
      host.forgetTicket(ticketNumber);
      return 'deleted';
    },

    async redactTicket(ticketNumber, input) {
      const ctx = await mapping();
      const { data } = await callOnIssue(ticketNumber, `read ticket #${ticketNumber}`, false, () =>
        octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...ticketRepo, issue_number: ticketNumber }),
      );
      const { meta } = await summaryOf(data, ctx);
      const body = meta ? withMetadata(redactedMetadata(meta), input.text, metadataKey) : input.text;
      await writing(ticketNumber, () =>
        callOnIssue(ticketNumber, `redact ticket #${ticketNumber}`, true, () =>
          octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
            ...ticketRepo,
            issue_number: ticketNumber,
            title: input.title,
            body,
            ...(input.closeAndLock ? { state: 'closed' as const, state_reason: 'not_planned' as const } : {}),
          }),
        ),
      );
      if (input.closeAndLock && !data.locked) {
        await writing(ticketNumber, () =>
          callOnIssue(ticketNumber, `lock ticket #${ticketNumber}`, true, () => octokit.request('PUT /repos/{owner}/{repo}/issues/{issue_number}/lock', { ...ticketRepo, issue_number: ticketNumber })),
        );
      }
    },

    async redactMessage(ticketNumber, messageId, text) {
      const ctx = await mapping();
      const { data } = await call(`read message ${messageId}`, false, () => octokit.request('GET /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...ticketRepo, comment_id: messageId }));
      const { meta } = await messageOf(data, ctx);
      const body = meta ? withMetadata(redactedMetadata(meta), text, metadataKey) : text;
      await writing(ticketNumber, () =>
        call(`redact message ${messageId} on ticket #${ticketNumber}`, true, () =>
          octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...ticketRepo, comment_id: messageId, body }),
        ),
      );
    },

    async listAttachments(folder) {
      const tree = (await attachmentTree()) ?? [];
      const prefix = folder.endsWith('/') ? folder : `${folder}/`;
      return tree.filter((entry) => entry.path.startsWith(prefix)).map((entry) => ({ path: entry.path, sha: entry.sha, size: entry.size }));
    },

    async removeAttachments(paths) {
      // No attachments branch yet (nothing was ever attached): made first, so the rewrite below still happens. On the
      // embedded host that rewrite is what clears the edits just made out of its git history (README).
      let tree = await attachmentTree();
      if (tree === undefined) {
        await ensureAttachmentBranch();
        tree = (await attachmentTree()) ?? [];
      }
      const gone = new Set(paths);
      const removed = tree.filter((entry) => gone.has(entry.path)).map((entry) => entry.path);
      const what = `rewrite the attachments branch ${attachmentBranch}`;
      const kept: Array<{ path: string; mode: '100644'; type: 'blob'; sha?: string; content?: string }> = tree
        .filter((entry) => !gone.has(entry.path))
        .map((entry) => ({ path: entry.path, mode: '100644', type: 'blob', sha: entry.sha }));
      // A commit needs a tree with something in it: a branch left empty keeps a note of what it is for.
      if (kept.length === 0) kept.push({ path: 'README.md', mode: '100644', type: 'blob', content: "Attachments of the help desk's tickets.\n" });
      // One commit without parents: the files leave the branch's history too, not only its tip. GitHub keeps the old
      // commits reachable by sha until it collects them; README ("Erasing a customer's data") says how to ask for that.
      const { data: newTree } = await call(what, true, () => octokit.request('POST /repos/{owner}/{repo}/git/trees', { ...attachmentRepo, tree: kept }));
      const { data: commit } = await call(what, true, () =>
        octokit.request('POST /repos/{owner}/{repo}/git/commits', { ...attachmentRepo, message: `Attachments (history rewritten: ${removed.length} file(s) removed)`, tree: newTree.sha, parents: [] }),
      );
      await call(what, true, () => octokit.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { ...attachmentRepo, ref: `heads/${attachmentBranch}`, sha: commit.sha, force: true }));
      return removed;
    },

    forgetTicket(ticketNumber, messageIds = []) {
      forget(ticketNumber);
      tickets.delete(ticketNumber);
      metadataMemory.forget([issueBodyId(ticketNumber), ...messageIds.map(commentBodyId)]);
    },
  };

  /** The files of the attachments branch (blobs only); undefined when the branch does not exist. */
  async function attachmentTree(): Promise<AttachmentRef[] | undefined> {
    try {
      const { data } = await call(`list the attachments branch ${attachmentBranch}`, false, () =>
        octokit.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { ...attachmentRepo, tree_sha: attachmentBranch, recursive: 'true' }),
      );
      if (data.truncated) throw new GitHostError('operator', `the attachments branch ${attachmentBranch} holds more files than one tree listing returns; remove old attachments by hand`);
      return data.tree
        .filter((entry) => entry.type === 'blob' && entry.path !== undefined && entry.sha !== undefined)
        .map((entry) => ({ path: entry.path as string, sha: entry.sha as string, size: entry.size ?? 0 }));
    } catch (error) {
      if (error instanceof GitHostError && error.kind === 'not-found') return undefined;
      throw error;
    }
  }

  async function findMessage(ticketNumber: number, key: string, since: Date | undefined): Promise<TicketMessage | undefined> {
    const ctx = await mapping();
    const comments = await callOnIssue(ticketNumber, `look up a message on ticket #${ticketNumber} by idempotency key`, false, () =>
      octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        ...ticketRepo,
        issue_number: ticketNumber,
        per_page: 100,
        ...(since ? { since: since.toISOString() } : {}),
      }),
    );
    for (const message of await messagesOf(comments, ctx)) {
      // `meta` is verified metadata only (a forged or edited block never matches; see mapping.ts).
      if (message.author.isBot && message.meta?.key === key) return message;
    }
    return undefined;
  }
  return host;
}
