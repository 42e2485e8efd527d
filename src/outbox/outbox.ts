import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Insertable, type Selectable, type Transaction } from 'kysely';
import { GitHostError, isTransient, needsOperator, type GitHost } from '../git-host/index.ts';
import type { Ticket } from '../tickets/ticket.ts';
import { draftKeyCutoff } from '../tickets/draft-key.ts';
import { attachmentPath } from '../tickets/attachments.ts';
import { newIdempotencyKey, newTicketRef } from '../tickets/idempotency.ts';
import { legacyExtraToFields, type MetadataFields } from '../tickets/metadata.ts';
import type { Database } from '../store/database.ts';
import { importOutboxJournal } from '../store/import-outbox-journal.ts';
import type { OutboxTable, StoreSchema } from '../store/schema.ts';
import { OutboxOpSchema, type OutboxEntry, type OutboxOp } from './entry.ts';
import { GroupCommit } from './group-commit.ts';

export type { OutboxEntry, OutboxOp } from './entry.ts';

/** A request to the outbox that cannot be served (unknown entry or ticket); the message says which. */
export class OutboxError extends Error {
  override name = 'OutboxError';
}

export type EntryStatus = 'queued' | 'done' | 'poisoned';

/** What the outbox knows about one entry. */
export interface EntryState {
  /** Its place in the store's order (per ticket, entries run by `seq`). */
  seq: number;
  entry: OutboxEntry;
  status: EntryStatus;
  /** Requests sent so far (each recorded before sending). */
  attempts: number;
  firstAttemptAt: string | undefined;
  /** Until when the last request sent may still reach the host or be listed there (ms); no resend before then. */
  unsettledUntil: number | undefined;
  lastError: string | undefined;
  /** The host's status code for a poisoned entry. */
  hostStatus: number | undefined;
  /** Not before this time (ms since epoch). */
  retryAt: number;
  result: { number?: number | undefined; messageId?: number | undefined; path?: string | undefined } | undefined;
  doneAt: string | undefined;
  /** The process working on it and until when, while one is. */
  lease: { owner: string; until: string } | undefined;
}

/** A message still waiting to reach the host. */
export interface PendingMessage {
  entryId: string;
  body: string;
  createdAt: string;
  status: 'queued' | 'poisoned';
  error?: string;
}

/** A ticket as the customer may see it, whether or not it has reached the host yet, or after it left it. */
export type TicketView =
  | { status: 'queued'; ref: string; title: string; body: string; labels: string[]; createdAt: string; pending: PendingMessage[]; error?: string; poisoned: boolean }
  | { status: 'created'; ref: string | undefined; number: number; ticket: Ticket; pending: PendingMessage[] }
  /** Filed as `number`, which the host no longer has (deleted, or transferred to another repository); the address it was filed from while the store still knows it. */
  | { status: 'removed'; ref: string | undefined; number: number; customerEmail: string | undefined };

/**
 * Why every process's outbox holds its writes back, and until when (kept in the store, so all of them and
 * `npm run outbox` see it): the host's rate limit (`rate-limited`, until the host said), or a refusal only an operator
 * can fix (`operator`: credentials, permissions, single sign-on, archived repository, issues off), after which one
 * entry is tried again every `operatorRetryMs`, and writes resume once one goes through.
 */
export interface OutboxPause {
  kind: 'rate-limited' | 'operator';
  /** What the host answered, and what to fix. */
  reason: string;
  /** Since when (ms since epoch). */
  since: number;
  /** Until when (ms since epoch); for `operator`, when the next entry is tried. */
  until: number;
}

const PAUSE_KEY = 'outbox:pause';

export interface OutboxOptions {
  /** The state store (one per process, shared with the other services). */
  database: Database;
  /** The adapter; without it the outbox only records (the CLI). */
  host?: GitHost | undefined;
  /** The journal folder of earlier releases (`DATA_DIR/outbox`): imported into the store on open, then renamed aside. */
  journalDir?: string | undefined;
  /** Backoff after a transient failure: base × 2^(attempt−1), capped, with jitter. @default { baseMs: 1000, maxMs: 300000 } */
  backoff?: { baseMs: number; maxMs: number } | undefined;
  /** How often the drainer looks for entries other processes added. @default 1000 */
  pollMs?: number | undefined;
  /** How long a claim lasts without renewal: a crashed process's entries are taken over after this. Renewed every third of it while working. @default 15000 */
  leaseMs?: number | undefined;
  /** Entries claimed at a time. @default 10 */
  claimBatch?: number | undefined;
  /** Days delivered entries are kept (what says "filed, as which issue"); ticket refs stay. @default 30 */
  retentionDays?: number | undefined;
  /** While writes wait for an operator (see OutboxPause), how often one entry is tried again. @default 60000 */
  operatorRetryMs?: number | undefined;
  /** The clock of pauses, retries and leases (ms since epoch); tests pass a fake one. @default Date.now */
  now?: (() => number) | undefined;
  /** How often the drainer applies the retention and, on SQLite, gives freed pages back. @default 600000 */
  maintenanceMs?: number | undefined;
  /**
   * Waits (briefly) while people's requests are being answered; the drainer calls it before each entry, so a burst
   * of customers is answered first and delivery still goes on. @default never waits
   */
  giveWay?: ((stopped: () => boolean) => Promise<void>) | undefined;
  /**
   * How long after a create or comment was sent its outcome may still change when no answer came (a timeout, a reset,
   * a crash): the request's timeout (the host may apply it until then) plus the time a list may lag a write. Whichever
   * process finds no trace of such an attempt waits this long after it before sending again; after an answer, only
   * the list's lag. @default 40000
   */
  unsettledMs?: number | undefined;
  log?: Pick<Console, 'warn' | 'info'> | undefined;
}

export interface NewTicketInput {
  title: string;
  body: string;
  labels: string[];
  assignees?: string[];
  customerEmail?: string;
  attachments?: string[];
  /** Files to upload before the ticket is created; their paths join `attachments`. */
  files?: Array<{ filename: string; content: Uint8Array }>;
  fields?: MetadataFields;
  /** When the ticket was filed (ms); what a draft key's window counts from. @default now */
  filedAt?: number;
  /**
   * Further writes that belong with the ticket (its confirmation mail), in the transaction that records it: both
   * commit, or neither. Also run when a resubmitted draft finds its ticket (`duplicate`), with that ticket's ref.
   */
  alongside?: (trx: Transaction<StoreSchema>, filed: { ref: string; duplicate: boolean }) => Promise<unknown>;
}

export interface NewMessageInput {
  body: string;
  customerEmail?: string;
  attachments?: string[];
  fields?: MetadataFields;
}

/** A ticket is named by its local ref ("T-…") or its issue number. */
export type TicketId = string | number;

/** An entry's metadata fields; entries written by the first release carry them as `extra`. */
export function opFields(op: { fields?: MetadataFields | undefined; extra?: Record<string, unknown> | undefined }): MetadataFields {
  return op.fields ?? legacyExtraToFields(op.extra);
}

type Row = Selectable<OutboxTable>;
type Tx = Transaction<StoreSchema>;

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? undefined : new Date(ms).toISOString());
const issueNumber = (ticket: string) => (/^#\d+$/.test(ticket) ? Number(ticket.slice(1)) : undefined);

/**
 * How long after sending a message the outbox checks that a thread read shows it: longer than any process keeps a
 * cached thread (the adapter's 60 s) plus clock differences between processes.
 */
const RECENTLY_SENT_MS = 5 * 60_000;

/** Whether a thread is missing any of these messages (by idempotency key, which the message's metadata carries). */
function lacksAny(ticket: Ticket, keys: readonly string[]): boolean {
  if (keys.length === 0) return false;
  const present = new Set(ticket.messages.map((m) => m.meta?.key));
  return keys.some((key) => !present.has(key));
}

function toState(row: Row): EntryState {
  return {
    seq: Number(row.seq),
    entry: { id: row.id, ticket: row.ticket, kind: row.kind, createdAt: iso(row.created_at) as string, op: row.status === 'done' ? undefined : OutboxOpSchema.parse(JSON.parse(row.op)) },
    status: row.status,
    attempts: row.attempts,
    firstAttemptAt: iso(row.first_attempt_at),
    unsettledUntil: row.unsettled_until === null || row.unsettled_until === undefined ? undefined : Number(row.unsettled_until),
    lastError: row.last_error ?? undefined,
    hostStatus: row.host_status ?? undefined,
    retryAt: Number(row.retry_at),
    result: row.result ? (JSON.parse(row.result) as EntryState['result']) : undefined,
    doneAt: iso(row.done_at),
    lease: row.lease_owner && row.lease_until ? { owner: row.lease_owner, until: iso(row.lease_until) as string } : undefined,
  };
}

/** How long a list of the host may lag a write it answered (GitHub documents no bound; seconds in practice). */
const LIST_LAG_MS = 5_000;

/** An earlier attempt of the entry may still be applied or listed by the host (`unsettledUntil`): send nothing yet. */
class NotSettled extends Error {
  override name = 'NotSettled';
  readonly until: number;
  constructor(until: number) {
    super(`an earlier attempt may still reach the host until ${new Date(until).toISOString()}`);
    this.until = until;
  }
}

/** The claim was taken over by another process (ours ran out): leave the entry to it. */
class LeaseLost extends Error {
  override name = 'LeaseLost';
}

/**
 * SQLite has one writer at a time. Two connections in one process (tests; two stores) would wait for each other
 * in SQLite's busy handler, which blocks the event loop — and with it the very transaction being waited for.
 * So this process's outbox writes to SQLite queue here instead; other processes still meet SQLite's lock.
 */
let sqliteWrites: Promise<unknown> = Promise.resolve();
function queueSqliteWrite<T>(fn: () => Promise<T>): Promise<T> {
  const run = sqliteWrites.then(fn, fn);
  sqliteWrites = run.catch(() => undefined);
  return run;
}

/** A unique constraint refused a row (PostgreSQL 23505; SQLite's constraint error). */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === '23505' || (typeof e?.message === 'string' && e.message.includes('UNIQUE constraint failed'));
}

/** Freed attachment bytes after which SQLite's free pages are given back at once rather than at the next maintenance. */
const VACUUM_AFTER_BYTES = 8 * 1024 * 1024;

/**
 * The durable outbox, on the state store: every write carrying customer content is committed (SQLite: synced;
 * PostgreSQL: committed) before it is acknowledged — concurrent intake shares one transaction — then drainers,
 * in any number of processes, send it to the host in order per ticket, with backoff, honouring rate limits, and
 * never duplicating a write whose outcome was unknown (they look the idempotency key up first).
 *
 * Entries are claimed with leases: only the oldest unfinished entry of a ticket may be claimed, and only while
 * no other entry of that ticket holds a live lease, so one worker at a time serves a ticket; a crashed worker's
 * lease runs out and another process takes over. Nothing proportional to history is held in memory: attachment
 * bytes stay in the store only until the host has them, delivered entries keep only what answers "was this
 * filed, as which issue", and are deleted after the retention period.
 */
export class Outbox {
  readonly database: Database;
  /** This process's name on the leases it holds. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly host: GitHost | undefined;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly unsettledMs: number;
  private readonly claimBatch: number;
  private readonly retentionDays: number;
  private readonly maintenanceMs: number;
  private readonly operatorRetryMs: number;
  private readonly now: () => number;
  private readonly log: Pick<Console, 'warn' | 'info'>;
  private readonly intake: GroupCommit<Tx>;
  private running = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pausedUntil = 0;
  /** Whether this process saw a pause in the store that a delivered entry should lift. */
  private pauseSeen = false;
  /** Entries this process has claimed and not yet finished (at most one batch). */
  private readonly held = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;
  private lastClaimed = 0;
  private nextMaintenance = 0;
  private freedBytes = 0;
  private readonly giveWay: ((stopped: () => boolean) => Promise<void>) | undefined;

  private constructor(options: OutboxOptions) {
    this.database = options.database;
    this.host = options.host;
    this.backoff = options.backoff ?? { baseMs: 1000, maxMs: 300_000 };
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 15_000;
    this.unsettledMs = options.unsettledMs ?? 40_000;
    this.claimBatch = options.claimBatch ?? 10;
    this.retentionDays = options.retentionDays ?? 30;
    this.maintenanceMs = options.maintenanceMs ?? 600_000;
    this.operatorRetryMs = options.operatorRetryMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? console;
    this.giveWay = options.giveWay;
    this.intake = new GroupCommit<Tx>(
      (body) => this.commit(body),
      () => this.database.durable(),
    );
  }

  /** Opens the outbox on the store, importing an old journal folder first if there is one; call `start()` to drain. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    const outbox = new Outbox(options);
    const { journalDir } = options;
    if (journalDir) await outbox.serial(() => importOutboxJournal(outbox.database, journalDir, outbox.log));
    return outbox;
  }

  private get db() {
    return this.database.db;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.database.engine === 'sqlite' ? queueSqliteWrite(fn) : fn();
  }

  /** One write transaction (on SQLite, queued behind this process's other outbox writes). */
  /** Runs `body` in a transaction of its own, and resolves once it is on disk: an attempt is recorded before it is sent, an outcome before the next step. */
  private async write<T>(body: (trx: Tx) => Promise<T>): Promise<T> {
    const result = await this.commit(body);
    await this.database.durable();
    return result;
  }

  private commit<T>(body: (trx: Tx) => Promise<T>): Promise<T> {
    return this.serial(() => this.db.transaction().execute(body));
  }

  /** Intake transactions committed, and the calls they carried (group commit: fewer transactions than calls under load). */
  get intakeStats(): { transactions: number; calls: number } {
    return { transactions: this.intake.commits, calls: this.intake.committedCalls };
  }

  /** The ticket key entries are ordered by: the local ref when known, else "#<number>". */
  private async ticketKey(ticket: TicketId): Promise<string> {
    const number = typeof ticket === 'number' ? ticket : issueNumber(ticket);
    if (number === undefined) return ticket as string;
    const row = await this.db.selectFrom('ticket_refs').select('ref').where('number', '=', number).executeTakeFirst();
    return row?.ref ?? `#${number}`;
  }

  private async assertKnown(key: string): Promise<void> {
    if (issueNumber(key) !== undefined) return;
    if ((await this.resolve(key)) !== undefined || (await this.createEntry(key)) !== undefined) return;
    throw new OutboxError(`unknown ticket reference "${key}"`);
  }

  private row(entry: { id: string; ticket: string; createdAt: number; op: OutboxOp }): Insertable<OutboxTable> {
    const { op } = entry;
    const email = op.kind === 'uploadAttachment' ? undefined : op.customerEmail?.trim().toLowerCase();
    return {
      id: entry.id,
      ticket: entry.ticket,
      kind: op.kind,
      op: JSON.stringify(op),
      status: 'queued',
      created_at: entry.createdAt,
      attempts: 0,
      retry_at: 0,
      customer_email: email ?? null,
      draft_key: op.kind === 'createTicket' ? (opFields(op).draftKey ?? null) : null,
    };
  }

  private uploadEntry(key: string, file: { filename: string; content: Uint8Array }, createdAt: number) {
    const id = newIdempotencyKey();
    const path = attachmentPath(key, id, file.filename);
    return { id, ticket: key, createdAt, op: { kind: 'uploadAttachment' as const, path, message: `Attachment for ticket ${key} (${id})` }, bytes: file.content };
  }

  private async insertUpload(trx: Tx, upload: ReturnType<Outbox['uploadEntry']>): Promise<void> {
    await trx.insertInto('outbox').values(this.row(upload)).execute();
    await trx.insertInto('attachment_blobs').values({ path: upload.op.path, entry_id: upload.id, bytes: upload.bytes }).execute();
  }

  /**
   * Records a new ticket; resolves with its local reference once committed, before the host is asked. Its files
   * (bytes included) and the ticket are one transaction, uploads first. A draft key (its digest, tickets/draft-key.ts)
   * recorded within its window answers with that ticket instead (`duplicate`, with when that ticket was filed); one
   * past its window is forgotten and the draft makes a new ticket.
   */
  async createTicket(input: NewTicketInput): Promise<{ ref: string; entryId: string; attachments: string[]; duplicate: boolean; filedAt: number }> {
    const ref = newTicketRef();
    const { files = [], filedAt, alongside, ...ticket } = input;
    const now = filedAt ?? Date.now();
    const uploads = files.map((file) => this.uploadEntry(ref, file, now));
    const attachments = [...(ticket.attachments ?? []), ...uploads.map((u) => u.op.path)];
    const op: OutboxOp = { kind: 'createTicket', ...ticket, ...(attachments.length > 0 ? { attachments } : {}) };
    const entry = { id: newIdempotencyKey(), ticket: ref, createdAt: now, op };
    const draftKey = opFields(op).draftKey;
    const result = await this.intake
      .run(async (trx) => {
        if (draftKey !== undefined) {
          const existing = await trx.selectFrom('outbox').select(['ticket', 'id', 'created_at']).where('draft_key', '=', draftKey).executeTakeFirst();
          if (existing && Number(existing.created_at) >= draftKeyCutoff(now)) {
            await alongside?.(trx, { ref: existing.ticket, duplicate: true });
            return { ref: existing.ticket, entryId: existing.id, attachments: [], duplicate: true, filedAt: Number(existing.created_at) };
          }
          // Past its window: the old entry lets go of the key (the column is unique), and this draft is a new ticket.
          if (existing) await trx.updateTable('outbox').set({ draft_key: null }).where('id', '=', existing.id).execute();
        }
        for (const upload of uploads) await this.insertUpload(trx, upload);
        await trx.insertInto('outbox').values(this.row(entry)).execute();
        await alongside?.(trx, { ref, duplicate: false });
        return { ref, entryId: entry.id, attachments, duplicate: false, filedAt: now };
      })
      .catch(async (error: unknown) => {
        // The same draft, resent to another instance while the first was still committing it: that commit won.
        if (draftKey === undefined || !isUniqueViolation(error)) throw error;
        const existing = await this.db.selectFrom('outbox').select(['ticket', 'id', 'created_at']).where('draft_key', '=', draftKey).executeTakeFirst();
        if (!existing) throw error;
        return { ref: existing.ticket, entryId: existing.id, attachments: [], duplicate: true, filedAt: Number(existing.created_at) };
      });
    this.wake?.();
    return result;
  }

  /** The ticket an offline draft (its digest) already became, if it was recorded within the draft key's window. */
  async ticketForDraft(draftKey: string, now = Date.now()): Promise<string | undefined> {
    return (await this.db.selectFrom('outbox').select('ticket').where('draft_key', '=', draftKey).where('created_at', '>=', draftKeyCutoff(now)).executeTakeFirst())?.ticket;
  }

  /** The bytes of an attachment still waiting in the outbox, so it can be shown before it is uploaded. */
  async pendingAttachment(path: string): Promise<Buffer | undefined> {
    const row = await this.db.selectFrom('attachment_blobs').select('bytes').where('path', '=', path).executeTakeFirst();
    return row ? Buffer.from(row.bytes) : undefined;
  }

  /** Records a message on a ticket (queued or not). */
  async addComment(ticket: TicketId, input: NewMessageInput): Promise<{ entryId: string }> {
    const key = await this.ticketKey(ticket);
    await this.assertKnown(key);
    const entry = { id: newIdempotencyKey(), ticket: key, createdAt: Date.now(), op: { kind: 'addComment' as const, ...input } };
    await this.intake.run((trx) => trx.insertInto('outbox').values(this.row(entry)).execute());
    this.wake?.();
    return { entryId: entry.id };
  }

  /** Records an attachment upload (its bytes in the store); the path is fixed now so messages can reference it at once. */
  async uploadAttachment(ticket: TicketId, input: { filename: string; content: Uint8Array }): Promise<{ entryId: string; path: string }> {
    const key = await this.ticketKey(ticket);
    await this.assertKnown(key);
    const upload = this.uploadEntry(key, input, Date.now());
    await this.intake.run((trx) => this.insertUpload(trx, upload));
    this.wake?.();
    return { entryId: upload.id, path: upload.op.path };
  }

  /** The issue number a local reference was created as, once it has been. */
  async resolve(ref: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('ticket_refs').select('number').where('ref', '=', ref).executeTakeFirst();
    return row ? Number(row.number) : undefined;
  }

  /** The create entry of a ticket while the store holds it (queued, poisoned, or done until retention). */
  async createEntry(ref: string): Promise<EntryState | undefined> {
    const row = await this.db.selectFrom('outbox').selectAll().where('ticket', '=', ref).where('kind', '=', 'createTicket').orderBy('seq').limit(1).executeTakeFirst();
    return row ? toState(row) : undefined;
  }

  /** A customer's tickets not yet on the host (queued or poisoned), oldest first. */
  async queuedTickets(email: string): Promise<Array<{ ref: string; title: string; createdAt: string; poisoned: boolean }>> {
    const rows = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'createTicket')
      .where('status', '<>', 'done')
      .where('customer_email', '=', email.trim().toLowerCase())
      .orderBy('seq')
      .execute();
    return rows
      .map(toState)
      .flatMap((s) => (s.entry.op?.kind === 'createTicket' ? [{ ref: s.entry.ticket, title: s.entry.op.title, createdAt: s.entry.createdAt, poisoned: s.status === 'poisoned' }] : []));
  }

  private async pendingFor(key: string): Promise<PendingMessage[]> {
    return (await this.messagesFor(key, undefined)).pending;
  }

  /** A ticket's messages not yet on the host (queued or refused), oldest first, without asking the host: for its page while the host cannot be read. */
  async pendingMessages(ticket: TicketId): Promise<PendingMessage[]> {
    return this.pendingFor(await this.ticketKey(ticket));
  }

  /** A ticket's messages not yet on the host, and the keys of those sent since `sentSince` (ms epoch), in one query. */
  private async messagesFor(key: string, sentSince: number | undefined): Promise<{ pending: PendingMessage[]; sent: string[] }> {
    const rows = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('ticket', '=', key)
      .where('kind', '=', 'addComment')
      .where((eb) => (sentSince === undefined ? eb('status', '<>', 'done') : eb.or([eb('status', '<>', 'done'), eb('done_at', '>=', sentSince)])))
      .orderBy('seq')
      .execute();
    const states = rows.map(toState);
    const sent = states.filter((s) => s.status === 'done').map((s) => s.entry.id);
    const pending = states
      .filter((s) => s.status !== 'done')
      .map((s) => ({
        entryId: s.entry.id,
        body: s.entry.op?.kind === 'addComment' ? s.entry.op.body : '',
        createdAt: s.entry.createdAt,
        status: s.status === 'poisoned' ? ('poisoned' as const) : ('queued' as const),
        ...(s.lastError ? { error: s.lastError } : {}),
      }));
    return { pending, sent };
  }

  /** A ticket as the customer sees it: "queued" with its content while it waits, else the host's thread. */
  async readTicket(ticket: TicketId): Promise<TicketView | undefined> {
    const key = await this.ticketKey(ticket);
    const number = typeof ticket === 'number' ? ticket : (issueNumber(ticket) ?? (await this.resolve(ticket)));
    if (number === undefined) {
      const create = await this.createEntry(key);
      const op = create?.entry.op;
      if (!create || op?.kind !== 'createTicket') return undefined;
      return {
        status: 'queued',
        ref: key,
        title: op.title,
        body: op.body,
        labels: op.labels,
        createdAt: create.entry.createdAt,
        pending: await this.pendingFor(key),
        poisoned: create.status === 'poisoned',
        ...(create.lastError ? { error: create.lastError } : {}),
      };
    }
    if (!this.host) throw new Error('the outbox has no Git host to read tickets from');
    // Asked before the thread, so a message is in the thread or shown as pending, never in neither.
    const { pending, sent } = await this.messagesFor(key, Date.now() - RECENTLY_SENT_MS);
    let found = await this.host.getTicket(number);
    // Another server process may have sent a message lately, and the webhook telling of it reached that process, not
    // this one: a cached thread without it is read again, so the customer's own reply never vanishes once sent.
    if (found && lacksAny(found, sent)) found = await this.host.getTicket(number, { fresh: true });
    const ref = key.startsWith('#') ? undefined : key;
    if (!found) {
      // Filed here (the ref became this issue), so it existed: the host deleted it or moved it to another repository.
      if (ref === undefined) return undefined;
      const row = await this.db.selectFrom('outbox').select('customer_email').where('ticket', '=', ref).where('kind', '=', 'createTicket').executeTakeFirst();
      return { status: 'removed', ref, number, customerEmail: row?.customer_email ?? undefined };
    }
    return { status: 'created', ref, number, ticket: found, pending };
  }

  /** Entries by status, in order (default: everything not done); `limit` keeps a long history from being read whole. */
  async list(statuses: EntryStatus[] = ['queued', 'poisoned'], options: { limit?: number } = {}): Promise<EntryState[]> {
    let query = this.db.selectFrom('outbox').selectAll().where('status', 'in', statuses).orderBy('seq');
    if (options.limit !== undefined) query = query.limit(options.limit);
    return (await query.execute()).map(toState);
  }

  /** How many entries wait to be sent, and how many the host refused for good (what staff pages report). */
  async counts(): Promise<{ queued: number; poisoned: number }> {
    const rows = await this.db
      .selectFrom('outbox')
      .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
      .where('status', 'in', ['queued', 'poisoned'])
      .groupBy('status')
      .execute();
    const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
    return { queued: count('queued'), poisoned: count('poisoned') };
  }

  /** One entry, if the store still holds it. */
  async get(id: string): Promise<EntryState | undefined> {
    const row = await this.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toState(row) : undefined;
  }

  /** Why writes are held back, and until when, if they are (in the store: every process's outbox holds back). */
  async paused(): Promise<OutboxPause | undefined> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', PAUSE_KEY).executeTakeFirst();
    const pause = row ? (JSON.parse(row.value) as OutboxPause) : undefined;
    this.pauseSeen ||= pause !== undefined;
    return pause;
  }

  private async pause(pause: OutboxPause): Promise<void> {
    const value = JSON.stringify(pause);
    await this.write((trx) =>
      trx
        .insertInto('meta')
        .values({ key: PAUSE_KEY, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute(),
    );
    this.pausedUntil = pause.until;
    this.pauseSeen = true;
  }

  /**
   * Lifts a pause; whether there was one. By hand (`npm run outbox -- resume`, once an operator fixed the set-up),
   * the entry the pause held back is due at once too; otherwise it is called when an entry went through.
   */
  async resume(byHand = true): Promise<boolean> {
    const pause = await this.paused();
    this.pausedUntil = 0;
    this.pauseSeen = false;
    // A pause still running was set after this process looked (another process, or a later answer): it stands.
    if (!pause || (!byHand && this.now() < pause.until)) return false;
    await this.write(async (trx) => {
      await trx.deleteFrom('meta').where('key', '=', PAUSE_KEY).execute();
      if (byHand) await trx.updateTable('outbox').set({ retry_at: 0 }).where('status', '=', 'queued').where('retry_at', '=', pause.until).execute();
    });
    this.log.info(`outbox: writes to the Git host resumed (${byHand ? 'by hand' : 'an entry went through'}) after: ${pause.reason}`);
    this.wake?.();
    return true;
  }

  /** Puts a poisoned entry back in the queue. */
  async retry(id: string): Promise<void> {
    const state = await this.get(id);
    if (!state) throw new OutboxError(`no outbox entry ${id}`);
    if (state.status !== 'poisoned') throw new OutboxError(`entry ${id} is ${state.status}, not poisoned; only poisoned entries can be retried`);
    await this.write((trx) => trx.updateTable('outbox').set({ status: 'queued', retry_at: 0, lease_owner: null, lease_until: null }).where('id', '=', id).where('status', '=', 'poisoned').execute());
    this.wake?.();
  }

  /** One entry with its state, as JSON for a support engineer (attachment bytes as their size). */
  async export(id: string): Promise<string> {
    const state = await this.get(id);
    if (!state) throw new OutboxError(`no outbox entry ${id}`);
    const blob =
      state.entry.kind === 'uploadAttachment' && state.status !== 'done' ? await this.db.selectFrom('attachment_blobs').select('bytes').where('entry_id', '=', id).executeTakeFirst() : undefined;
    return JSON.stringify({ ...state, retryAt: state.retryAt ? new Date(state.retryAt).toISOString() : undefined, ...(blob ? { pendingBytes: blob.bytes.length } : {}) }, null, 2);
  }

  /**
   * Claims up to `limit` entries whose turn it is, for this process, until the lease runs out (renewed while
   * they are worked on): the oldest unfinished entry of a ticket, queued and due, when no entry of that ticket
   * holds a live lease. On PostgreSQL other processes' claims are skipped (`FOR UPDATE SKIP LOCKED`); on SQLite
   * the write transaction is enough.
   */
  async claim(limit = this.claimBatch): Promise<EntryState[]> {
    return this.write(async (trx) => {
      const now = this.now();
      let query = trx
        .selectFrom('outbox as o')
        .selectAll('o')
        .where('o.status', '=', 'queued')
        .where('o.retry_at', '<=', now)
        .where((eb) => eb.or([eb('o.lease_until', 'is', null), eb('o.lease_until', '<=', now)]))
        .where((eb) => eb.not(eb.exists(eb.selectFrom('outbox as p').select('p.seq').whereRef('p.ticket', '=', 'o.ticket').whereRef('p.seq', '<', 'o.seq').where('p.status', '<>', 'done'))))
        .where((eb) => eb.not(eb.exists(eb.selectFrom('outbox as l').select('l.seq').whereRef('l.ticket', '=', 'o.ticket').whereRef('l.seq', '<>', 'o.seq').where('l.lease_until', '>', now))))
        .orderBy('o.seq')
        .limit(limit);
      if (this.database.engine === 'postgres') query = query.forUpdate().skipLocked();
      const rows = await query.execute();
      if (rows.length === 0) return [];
      const until = now + this.leaseMs;
      await trx
        .updateTable('outbox')
        .set({ lease_owner: this.owner, lease_until: until })
        .where(
          'seq',
          'in',
          rows.map((r) => r.seq),
        )
        .execute();
      return rows.map((r) => toState({ ...r, lease_owner: this.owner, lease_until: until }));
    });
  }

  /** Gives back claims not worked on (stopping, or paused by a rate limit). */
  private async release(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    // Not waited onto the disk: a release lost to a power cut only leaves the lease to run out.
    await this.commit((trx) => trx.updateTable('outbox').set({ lease_owner: null, lease_until: null }).where('id', 'in', ids).where('lease_owner', '=', this.owner).execute());
    for (const id of ids) this.held.delete(id);
  }

  private async renewLeases(): Promise<void> {
    if (this.held.size === 0) return;
    const ids = [...this.held];
    // As for a release: a renewal lost to a power cut is a lease that runs out, which a restart expects anyway.
    await this.commit((trx) =>
      trx
        .updateTable('outbox')
        .set({ lease_until: this.now() + this.leaseMs })
        .where('id', 'in', ids)
        .where('lease_owner', '=', this.owner)
        .execute(),
    );
  }

  /** Claims the entries whose turn it is and sends them, once each; resolves with how many reached a final state. */
  async drainOnce(): Promise<number> {
    const host = this.host;
    if (!host) throw new Error('the outbox has no Git host to drain to');
    this.lastClaimed = 0;
    // The store says, not this process's memory: another process (or `npm run outbox -- resume`) may have changed it.
    const pause = await this.paused();
    this.pausedUntil = pause?.until ?? 0;
    if (pause && this.now() < pause.until) return 0;
    // After a refusal for the operator, one entry tries whether it is fixed before the rest follow.
    const claimed = await this.claim(pause?.kind === 'operator' ? 1 : this.claimBatch);
    this.lastClaimed = claimed.length;
    if (claimed.length === 0) return 0;
    for (const s of claimed) this.held.add(s.entry.id);
    this.heartbeat ??= setInterval(
      () => void this.renewLeases().catch((error: unknown) => this.log.warn(`outbox: could not renew leases: ${(error as Error).message}`)),
      Math.max(Math.floor(this.leaseMs / 3), 10),
    );
    this.heartbeat.unref?.();
    let settled = 0;
    try {
      for (const state of claimed) {
        // Leases are renewed meanwhile.
        await this.giveWay?.(() => this.stopping);
        if (this.stopping || this.now() < this.pausedUntil) break;
        if (await this.send(state, host)) settled += 1;
        this.held.delete(state.entry.id);
      }
    } finally {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
      await this.release([...this.held]).catch((error: unknown) => this.log.warn(`outbox: could not release leases: ${(error as Error).message}`));
      this.held.clear();
    }
    return settled;
  }

  private async send(state: EntryState, host: GitHost): Promise<boolean> {
    const { entry } = state;
    try {
      const result = await this.perform(state, host);
      await this.finish(state, result);
      if (this.pauseSeen) await this.resume(false);
      return true;
    } catch (error) {
      if (error instanceof LeaseLost) {
        this.log.warn(`outbox: entry ${entry.id} (${entry.kind} for ${entry.ticket}) was taken over by another process; leaving it to it`);
        return false;
      }
      if (error instanceof NotSettled) {
        // Looked up again (and only then sent) once the earlier attempt can no longer appear on the host.
        await this.write((trx) =>
          trx
            .updateTable('outbox')
            .set({ retry_at: error.until, lease_owner: null, lease_until: null })
            .where('id', '=', entry.id)
            .where('lease_owner', '=', this.owner)
            .where('status', '=', 'queued')
            .execute(),
        );
        return false;
      }
      const e = error instanceof GitHostError ? error : new GitHostError('unknown-outcome', (error as Error).message, { cause: error });
      const mine = (trx: Tx) => trx.updateTable('outbox').where('id', '=', entry.id).where('lease_owner', '=', this.owner).where('status', '=', 'queued');
      if (needsOperator(e)) {
        // Every write would be refused the same way: hold them all back, never give a customer's entry up.
        const until = this.now() + this.operatorRetryMs;
        await this.pause({ kind: 'operator', reason: e.message, since: this.now(), until });
        this.log.warn(
          `outbox: writes to the Git host are paused until an operator fixes the set-up (entries stay queued; one is tried again every ${Math.round(this.operatorRetryMs / 1000)} s, or run \`npm run outbox -- resume\`): ${e.message}`,
        );
        await this.write((trx) => mine(trx).set({ last_error: e.message, retry_at: until, lease_owner: null, lease_until: null, unsettled_until: null }).execute());
        return false;
      }
      if (!isTransient(e)) {
        this.log.warn(`outbox: entry ${entry.id} (${entry.kind} for ${entry.ticket}) refused for good: ${e.message}`);
        await this.write((trx) =>
          mine(trx)
            .set({ status: 'poisoned', last_error: e.message, host_status: e.status ?? null, lease_owner: null, lease_until: null })
            .execute(),
        );
        return true;
      }
      const exp = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** Math.max(state.attempts - 1, 0));
      // A rate limit is waited out exactly as long as the host said (nothing is written meanwhile), other failures back off.
      const wait = e.kind === 'rate-limited' && e.retryAfterMs !== undefined ? e.retryAfterMs : Math.ceil(exp * (0.5 + Math.random() / 2));
      if (e.kind === 'rate-limited') {
        await this.pause({ kind: 'rate-limited', reason: e.message, since: this.now(), until: this.now() + wait });
        this.log.warn(`outbox: the Git host's rate limit holds writes back for ${Math.ceil(wait / 1000)} s: ${e.message}`);
      }
      // A rate limit's refusal is definite (nothing was written). Any other answer means the host is done with the
      // request, so only its list may lag; without an answer (a timeout, a reset) the whole window stands.
      const settled = e.kind === 'rate-limited' ? { unsettled_until: null } : e.status !== undefined ? { unsettled_until: this.now() + LIST_LAG_MS } : {};
      await this.write((trx) =>
        mine(trx)
          .set({ last_error: e.message, retry_at: this.now() + wait, lease_owner: null, lease_until: null, ...settled })
          .execute(),
      );
      return false;
    }
  }

  /** Marks an entry done in one transaction with its consequences: the ticket ref, the attachment bytes deleted, the op pruned. */
  private async finish(state: EntryState, result: { number?: number; messageId?: number; path?: string }): Promise<void> {
    const { entry } = state;
    await this.write(async (trx) => {
      // Whoever holds the entry now, this outcome is true: record it unless it already is.
      await trx
        .updateTable('outbox')
        .set({ status: 'done', result: JSON.stringify(result), done_at: Date.now(), op: '{}', last_error: null, lease_owner: null, lease_until: null })
        .where('id', '=', entry.id)
        .where('status', '<>', 'done')
        .execute();
      if (entry.kind === 'createTicket' && result.number !== undefined)
        await trx
          .insertInto('ticket_refs')
          .values({ ref: entry.ticket, number: result.number })
          .onConflict((oc) => oc.doNothing())
          .execute();
      if (entry.kind === 'uploadAttachment') await trx.deleteFrom('attachment_blobs').where('entry_id', '=', entry.id).execute();
    });
  }

  /**
   * Refuses to send again while an earlier attempt may still be applied or listed by the host: its request may have
   * been waiting at the host when its sender gave up or died, and a lookup that finds no trace before then proves
   * nothing. Whichever process holds the entry, it waits until the earlier attempt has settled.
   */
  private mustBeSettled(state: EntryState): void {
    if (state.unsettledUntil !== undefined && this.now() < state.unsettledUntil) throw new NotSettled(state.unsettledUntil);
  }

  /** Records (and commits) an attempt before its request is sent, renewing the lease; throws LeaseLost when another process has the entry. */
  private async recordAttempt(state: EntryState): Promise<void> {
    // The first attempt's time is compared with the host's creation times (idempotency lookups): the wall clock.
    const now = Date.now();
    const updated = await this.write((trx) =>
      trx
        .updateTable('outbox')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(now)),
          unsettled_until: this.now() + this.unsettledMs,
          lease_until: this.now() + this.leaseMs,
        }))
        .where('id', '=', state.entry.id)
        .where('lease_owner', '=', this.owner)
        .where('status', '=', 'queued')
        .executeTakeFirst(),
    );
    if (Number(updated.numUpdatedRows) === 0) throw new LeaseLost(`entry ${state.entry.id} is no longer ours`);
    state.attempts += 1;
    state.firstAttemptAt ??= iso(now);
    state.unsettledUntil = this.now() + this.unsettledMs;
  }

  private async perform(state: EntryState, host: GitHost): Promise<{ number?: number; messageId?: number; path?: string }> {
    const { entry } = state;
    const { op } = entry;
    if (!op) throw new GitHostError('refused', `entry ${entry.id} has no operation left to send`);
    // A previous attempt may have reached the host (timeout, 5xx, crash — ours or another process's): look the key
    // up before sending again, among everything created since the first attempt (a minute earlier, for clock skew
    // with the host). Not only among the latest issues: during a burst, hundreds may have been created meanwhile.
    const unknown = state.attempts > 0;
    const since = state.firstAttemptAt ? new Date(Date.parse(state.firstAttemptAt) - 60_000) : undefined;
    if (op.kind === 'createTicket') {
      if (unknown) {
        const found = await host.findTicketByKey(entry.id, since ?? new Date(0));
        if (found) return { number: found.number };
        this.mustBeSettled(state);
      }
      await this.recordAttempt(state);
      const { assignees, customerEmail, attachments } = op;
      const created = await host.createTicket({
        title: op.title,
        body: op.body,
        labels: op.labels,
        key: entry.id,
        ref: entry.ticket,
        ...(assignees ? { assignees } : {}),
        ...(customerEmail !== undefined ? { customerEmail } : {}),
        ...(attachments ? { attachments } : {}),
        fields: opFields(op),
      });
      return { number: created.number };
    }
    if (op.kind === 'uploadAttachment') {
      if (unknown && (await host.readAttachment(op.path)) !== undefined) return { path: op.path };
      const blob = await this.db.selectFrom('attachment_blobs').select('bytes').where('entry_id', '=', entry.id).executeTakeFirst();
      if (!blob) throw new GitHostError('refused', `the bytes of attachment ${op.path} are missing from the store`);
      await this.recordAttempt(state);
      const content = Buffer.from(blob.bytes);
      await host.uploadAttachment({ path: op.path, content, message: op.message });
      this.freedBytes += content.length;
      return { path: op.path };
    }
    const number = issueNumber(entry.ticket) ?? (await this.resolve(entry.ticket));
    if (number === undefined) throw new GitHostError('unavailable', `ticket ${entry.ticket} has not been created yet`);
    if (unknown) {
      const found = await host.findMessageByKey(number, entry.id, since);
      if (found) return { messageId: found.id, number };
      this.mustBeSettled(state);
    }
    await this.recordAttempt(state);
    const { customerEmail, attachments } = op;
    const message = await host.addComment(number, {
      body: op.body,
      key: entry.id,
      ...(entry.ticket.startsWith('#') ? {} : { ref: entry.ticket }),
      ...(customerEmail !== undefined ? { customerEmail } : {}),
      ...(attachments ? { attachments } : {}),
      fields: opFields(op),
    });
    return { messageId: message.id, number };
  }

  /**
   * Housekeeping: deletes delivered entries older than the retention (their ticket refs stay) and, on SQLite,
   * gives the pages freed by deleted rows and attachment bytes back to the file system (incremental vacuum).
   */
  async maintain(now = Date.now()): Promise<{ deleted: number; freedPages: number }> {
    const cutoff = now - this.retentionDays * 86_400_000;
    const result = await this.write((trx) => trx.deleteFrom('outbox').where('status', '=', 'done').where('done_at', '<', cutoff).executeTakeFirst());
    const freedPages = this.database.engine === 'sqlite' ? await this.vacuum() : 0;
    this.freedBytes = 0;
    return { deleted: Number(result.numDeletedRows), freedPages };
  }

  private async vacuum(): Promise<number> {
    const db = this.db;
    const mode = (await sql<{ auto_vacuum: number }>`pragma auto_vacuum`.execute(db)).rows[0]?.auto_vacuum;
    if (mode !== 2) {
      // A store created with auto_vacuum set after journal_mode keeps "none": switch it once (a full VACUUM).
      await this.serial(async () => {
        await sql`pragma auto_vacuum = incremental`.execute(db);
        await sql`vacuum`.execute(db);
      });
    }
    let freed = 0;
    for (;;) {
      const free = Number((await sql<{ freelist_count: number }>`pragma freelist_count`.execute(db)).rows[0]?.freelist_count ?? 0);
      if (free === 0) break;
      // The driver steps a statement once, and each step of incremental_vacuum frees one page: a page per statement,
      // a few thousand per transaction.
      const pages = Math.min(free, 4096);
      await this.write(async (trx) => {
        for (let i = 0; i < pages; i += 1) await sql`pragma incremental_vacuum(1)`.execute(trx);
      });
      freed += pages;
      if (pages === free) break;
    }
    if (freed > 0) await sql`pragma wal_checkpoint(truncate)`.execute(db).catch(() => undefined);
    return freed;
  }

  /** The next time a queued entry becomes due (ms since epoch), if any is waiting for one. */
  private async nextDue(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.min('retry_at').as('next'))
      .where('status', '=', 'queued')
      .where('retry_at', '>', this.now())
      .executeTakeFirst();
    return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
  }

  /** Drains in the background until `stop()`; wakes on new entries, when a backoff ends, and every `pollMs` for other processes' entries. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.loop = (async () => {
      while (this.running) {
        let settled = 0;
        try {
          if (Date.now() >= this.nextMaintenance || this.freedBytes >= VACUUM_AFTER_BYTES) {
            this.nextMaintenance = Date.now() + this.maintenanceMs;
            await this.maintain();
          }
          settled = await this.drainOnce();
        } catch (error) {
          this.log.warn(`outbox: drain failed: ${(error as Error).message}`);
        }
        if (!this.running) break;
        if (settled > 0 || this.lastClaimed >= this.claimBatch) continue;
        // Idle: attachment bytes the host now has leave the disk too, not only at the next threshold.
        if (this.freedBytes > 0) {
          await this.maintain().catch((error: unknown) => {
            this.freedBytes = 0; // tried again at the next maintenance, not in a loop
            this.log.warn(`outbox: housekeeping failed: ${(error as Error).message}`);
          });
          continue;
        }
        const next = Math.min((await this.nextDue().catch(() => undefined)) ?? Infinity, this.pausedUntil > this.now() ? this.pausedUntil : Infinity);
        const wait = Math.max(Math.min(Number.isFinite(next) ? next - this.now() : this.pollMs, this.pollMs), 5);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    })();
  }

  /** Stops the background drainer after the entry in flight (claims not yet worked on are given back). */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.stopping = false;
  }

  /** Stops draining and waits for intake in progress; the database stays open (its owner closes it). */
  async close(): Promise<void> {
    await this.stop();
    await this.intake.idle();
  }
}

/** Opens the outbox on the store (importing an old journal folder first, if given and present). */
export function openOutbox(options: OutboxOptions): Promise<Outbox> {
  return Outbox.open(options);
}
