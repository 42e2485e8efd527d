import type { Generated } from 'kysely';

/** The database engine behind the store. */
export type Engine = 'sqlite' | 'postgres';

/*
 * The store's tables, for both engines. Times are milliseconds since the epoch (bigint), JSON is text, and
 * bytes are blob/bytea, so one set of queries serves SQLite and PostgreSQL.
 */

/** Small facts of the installation: when the workflow was installed, the sweep cursor, … */
export interface MetaTable {
  key: string;
  value: string;
}

/** Queued writes to the Git host; `seq` orders them, per ticket. */
export interface OutboxTable {
  seq: Generated<number>;
  /** Also the idempotency key written into the metadata block. */
  id: string;
  /** Local ref ("T-…") or "#<issue number>". */
  ticket: string;
  kind: 'createTicket' | 'addComment' | 'uploadAttachment';
  /** The operation as JSON, without attachment bytes (those are in `attachment_blobs` until delivered). */
  op: string;
  status: 'queued' | 'done' | 'poisoned';
  created_at: number;
  attempts: number;
  first_attempt_at: number | null;
  /**
   * Until when the last request sent may still be applied by the host, or listed (ms; migration 006): set before
   * each send, cleared when the host answered a definite refusal. No process resends the entry before then.
   */
  unsettled_until: number | null;
  retry_at: number;
  last_error: string | null;
  host_status: number | null;
  /** JSON `{ number?, messageId?, path? }` once done. */
  result: string | null;
  done_at: number | null;
  /** The process working on it, and until when (a crashed worker's lease runs out). */
  lease_owner: string | null;
  lease_until: number | null;
  /** Customer email of the entry, lower-cased (drafts and "My tickets" before the issue exists). */
  customer_email: string | null;
  /** Draft idempotency key of a create (an offline draft sent twice makes one ticket). */
  draft_key: string | null;
}

/** Local ticket refs and the issue each became. */
export interface TicketRefsTable {
  ref: string;
  number: number;
}

/** Attachment bytes waiting for the Git host; deleted once it has them. */
export interface AttachmentBlobsTable {
  path: string;
  entry_id: string;
  bytes: Uint8Array;
}

/** Webhook deliveries handled, by delivery id and by body hash (a replay under a fresh id). */
export interface DeliveriesTable {
  id: string;
  hash: string;
  at: number;
}

/** Each message's kind as first seen; first writer wins. */
export interface MessageKindsTable {
  id: number;
  kind: string;
}

/** What the workflow remembers per ticket between events (JSON of TicketRecord). */
export interface WorkflowTicketsTable {
  number: number;
  record: string;
}

/** The login each routing pool assigned last. */
export interface RoutesTable {
  pool: string;
  login: string;
}

/** Mail waiting to be sent, sent once per key. */
export interface MailQueueTable {
  key: string;
  message: string;
  status: 'queued' | 'sent' | 'failed';
  attempts: number;
  retry_at: number;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  sent_at: number | null;
}

/** Single-use sign-in links already used, until they expire anyway. */
export interface UsedLinksTable {
  id: string;
  expires_at: number;
}

/** Sessions signed out before they expire. */
export interface RevokedSessionsTable {
  id: string;
  expires_at: number;
}

/** Abuse limits: a fixed window per key. */
export interface LimitsTable {
  key: string;
  window_start: number;
  count: number;
  /** The window's length (ms) of the limit this counter belongs to (0 in rows older than the column). */
  window_ms: Generated<number>;
}

/** Supporters present or away, set on the staff pages (starting from the config). */
export interface PresenceTable {
  login: string;
  present: number;
  at: number;
}

/** The last verified metadata of each bot-written issue body and comment (`issue:<n>`, `comment:<id>`). */
export interface VerifiedMetadataTable {
  id: string;
  meta: string;
  body_hash: string;
}

/** The read model: one row per ticket, kept current by webhooks, the sweep and the desk's own writes. */
export interface TicketSummariesTable {
  number: number;
  ref: string | null;
  title: string;
  state: 'open' | 'closed';
  status: string;
  priority: string;
  type: string;
  category: string;
  /** JSON arrays. */
  labels: string;
  assignees: string;
  /** Pseudonymous customer id (keyed hash of the email). */
  customer_id: string | null;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
  /** JSON of the thread's figures: kinds with times and authors, ratings (what statistics and the card need). */
  thread: string;
  messages_customer: number;
  staff_replies: number;
  internal_notes: number;
  first_response_at: number | null;
  helpful: number;
  not_helpful: number;
  /** The host's updated_at this row was built from; a stale webhook never overwrites a newer row. */
  host_updated_at: number;
  /** Sort keys of the queue (migration 002-read-model-queue): the status's place in QUEUE_GROUPS, the priority's urgency. */
  status_rank: number;
  priority_rank: number;
  /** When the ticket was filed from an unverified address (metadata `unverifiedSince`, ms; migration 003-customer-verification). */
  unverified_since: number | null;
  /** The customer's address and the name they gave (migration 005-staff-search); null on rows not synced since. */
  customer_email: string | null;
  customer_name: string | null;
  /** What a staff search matches, lower-cased and bounded (`searchTextOf`); null on rows not synced since. */
  search_text: string | null;
  /** The ticket this duplicate was merged into (its merge note); null when it was not merged. */
  merged_into: number | null;
}

/** When each customer last opened a sign-in link mailed to their address (keyed by the pseudonymous customer id). */
export interface VerifiedAddressesTable {
  customer_id: string;
  verified_at: number;
}

/** A ticket's assignees, one row each (the queue's assignee filters, statistics' open tickets per supporter). */
export interface TicketSummaryAssigneesTable {
  number: number;
  login: string;
  /** Lower-cased login. */
  login_key: string;
  /** 1 while the ticket is open. */
  open: number;
}

/** A ticket's public staff replies per author, with the customer's ratings of them (statistics per supporter). */
export interface TicketSummaryRepliesTable {
  number: number;
  author: string;
  /** Lower-cased author login. */
  author_key: string;
  replies: number;
  helpful: number;
  not_helpful: number;
}

/** Knowledgebase insights (migration 004-kb-insights): a browser's latest vote on one article, keyed by a random id it made for it. */
export interface KbVotesTable {
  vote_id: string;
  article: string;
  lang: string;
  /** 1: helpful, 0: not helpful. */
  helpful: number;
  seq: number;
  /** Neutralised customer text (tickets/neutralize.ts), or null. */
  comment: string | null;
  created_at: number;
  updated_at: number;
}

/** Search counts per normalised query per day (UTC, YYYY-MM-DD) and language. */
export interface KbSearchDaysTable {
  day: string;
  lang: string;
  query: string;
  searches: number;
  no_results: number;
  few_results: number;
  /** Tickets opened from the no-result "Open a ticket" link of this query. */
  tickets: number;
}

/** Search totals per day and language, with what was not kept per query. */
export interface KbSearchTotalsTable {
  day: string;
  lang: string;
  searches: number;
  no_results: number;
  few_results: number;
  tickets: number;
  /** Queries dropped as personal-looking (an email address, a phone number, a long digit run, …). */
  filtered: number;
  /** Queries counted only here because the day already held its most distinct queries. */
  over_cap: number;
}

/** Idempotency keys of search reports already counted, for two days. */
export interface KbReportKeysTable {
  key: string;
  at: number;
}

/** Issues opened on the Git host to write an article for a query; `issue_number` null while being opened. */
export interface KbArticleRequestsTable {
  lang: string;
  query: string;
  issue_number: number | null;
  issue_url: string | null;
  requested_by: string;
  requested_at: number;
}

/** Which tickets changed lately, in the order written: the live staff views' feed. */
export interface TicketChangesTable {
  seq: Generated<number>;
  number: number;
  kind: 'ticket' | 'viewers';
  at: number;
}

/** Who has a ticket open in the workspace, and whether they are writing in it, until their page stops saying so. */
export interface TicketViewersTable {
  number: number;
  login_key: string;
  login: string;
  replying: number;
  until: number;
}

/** A visitor's chat panel watching a conversation, until its last heartbeat runs out. */
export interface ChatWatchersTable {
  number: number;
  until: number;
}

/** Conversations a supporter started with a customer: their open chat panel shows a popup. */
export interface ConversationInvitesTable {
  customer_id: string;
  ref: string;
  staff_name: string;
  text: string;
  at: number;
}

/** Response targets: one row per ticket the desk measures (src/store/sla.ts). */
export interface SlaClocksTable {
  number: number;
  timeline: string;
  since: number;
  due_at: number | null;
  due_target: string | null;
  paused: number;
  next_check_at: number | null;
}

/** Tickets deleted from the staff pages (migration 011-privacy): their customer's old link says so. */
export interface RemovedTicketsTable {
  number: number;
  ref: string | null;
  removed_at: number;
  outcome: 'deleted' | 'redacted';
}

/** Who deleted a ticket, exported or erased a customer's data, and when; counts only, no customer content. */
export interface AuditLogTable {
  seq: Generated<number>;
  at: number;
  actor: string;
  action: 'delete-ticket' | 'export-customer' | 'erase-customer';
  target: string;
  detail: string;
}

export interface StoreSchema {
  meta: MetaTable;
  outbox: OutboxTable;
  ticket_refs: TicketRefsTable;
  attachment_blobs: AttachmentBlobsTable;
  deliveries: DeliveriesTable;
  message_kinds: MessageKindsTable;
  workflow_tickets: WorkflowTicketsTable;
  routes: RoutesTable;
  mail_queue: MailQueueTable;
  used_links: UsedLinksTable;
  revoked_sessions: RevokedSessionsTable;
  limits: LimitsTable;
  presence: PresenceTable;
  verified_metadata: VerifiedMetadataTable;
  ticket_summaries: TicketSummariesTable;
  ticket_summary_assignees: TicketSummaryAssigneesTable;
  ticket_summary_replies: TicketSummaryRepliesTable;
  verified_addresses: VerifiedAddressesTable;
  kb_votes: KbVotesTable;
  kb_search_days: KbSearchDaysTable;
  kb_search_totals: KbSearchTotalsTable;
  kb_report_keys: KbReportKeysTable;
  kb_article_requests: KbArticleRequestsTable;
  ticket_changes: TicketChangesTable;
  ticket_viewers: TicketViewersTable;
  chat_watchers: ChatWatchersTable;
  conversation_invites: ConversationInvitesTable;
  removed_tickets: RemovedTicketsTable;
  audit_log: AuditLogTable;
  sla_clocks: SlaClocksTable;
}
