import { GitHostError, isTransient, type GitHost } from '../git-host/index.ts';
import type { Ticket } from '../tickets/ticket.ts';
import { newIdempotencyKey, newTicketRef } from '../tickets/idempotency.ts';
import { legacyExtraToFields, type MetadataFields } from '../tickets/metadata.ts';
import { Journal, type JournalRecord, type OutboxEntry } from './journal.ts';

export type { OutboxEntry } from './journal.ts';

/** A request to the outbox that cannot be served (unknown entry or ticket); the message says which. */
export class OutboxError extends Error {
  override name = 'OutboxError';
}

export type EntryStatus = 'queued' | 'done' | 'poisoned';

/** What the outbox knows about one entry. */
export interface EntryState {
  entry: OutboxEntry;
  status: EntryStatus;
  /** Requests sent so far (each recorded before sending). */
  attempts: number;
  firstAttemptAt: string | undefined;
  lastError: string | undefined;
  /** The host's status code for a poisoned entry. */
  hostStatus: number | undefined;
  /** Not before this time (ms since epoch). */
  retryAt: number;
  result: { number?: number | undefined; messageId?: number | undefined; path?: string | undefined } | undefined;
}

/** A message still waiting to reach the host. */
export interface PendingMessage {
  entryId: string;
  body: string;
  createdAt: string;
  status: 'queued' | 'poisoned';
  error?: string;
}

/** A ticket as the customer may see it, whether or not it has reached the host yet. */
export type TicketView =
  | { status: 'queued'; ref: string; title: string; body: string; labels: string[]; createdAt: string; pending: PendingMessage[]; error?: string; poisoned: boolean }
  | { status: 'created'; ref: string | undefined; number: number; ticket: Ticket; pending: PendingMessage[] };

export interface OutboxOptions {
  /** Folder of the journal (e.g. `DATA_DIR/outbox`). */
  dir: string;
  /** The adapter; without it the outbox only journals (the CLI). */
  host?: GitHost | undefined;
  /** Backoff after a transient failure: base × 2^(attempt−1), capped, with jitter. @default { baseMs: 1000, maxMs: 300000 } */
  backoff?: { baseMs: number; maxMs: number } | undefined;
  /** How often the drainer looks for records other processes appended. @default 1000 */
  pollMs?: number | undefined;
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
}

export interface NewMessageInput {
  body: string;
  customerEmail?: string;
  attachments?: string[];
  fields?: MetadataFields;
}

/** A ticket is named by its local ref ("T-…") or its issue number. */
export type TicketId = string | number;

/** An entry's metadata fields; entries journaled by the first release carry them as `extra`. */
export function opFields(op: { fields?: MetadataFields | undefined; extra?: Record<string, unknown> | undefined }): MetadataFields {
  return op.fields ?? legacyExtraToFields(op.extra);
}

/** Safe file name part of an attachment path. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 100) || 'file';
}

/**
 * The durable outbox: every write carrying customer content is journaled (fsync'd) before it is
 * acknowledged, then a drainer sends it to the host in order per ticket, with backoff, honouring rate
 * limits, and never duplicating a create whose outcome was unknown (it looks the idempotency key up first).
 */
export class Outbox {
  readonly entries = new Map<string, EntryState>();
  /** Enqueue order. */
  private readonly order: string[] = [];
  private readonly refs = new Map<string, number>();
  private readonly refByNumber = new Map<number, string>();
  private journal!: Journal;
  private readonly host: GitHost | undefined;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly pollMs: number;
  private readonly log: Pick<Console, 'warn' | 'info'>;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pausedUntil = 0;

  private constructor(options: OutboxOptions) {
    this.host = options.host;
    this.backoff = options.backoff ?? { baseMs: 1000, maxMs: 300_000 };
    this.pollMs = options.pollMs ?? 1000;
    this.log = options.log ?? console;
  }

  /** Opens the journal in `options.dir` and replays it; call `start()` to drain. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    const outbox = new Outbox(options);
    outbox.journal = await Journal.open(options.dir, (r) => outbox.apply(r), (m) => outbox.log.warn(m));
    return outbox;
  }

  private apply(record: JournalRecord): void {
    if (record.t === 'enqueue') {
      if (this.entries.has(record.entry.id)) return;
      this.entries.set(record.entry.id, { entry: record.entry, status: 'queued', attempts: 0, firstAttemptAt: undefined, lastError: undefined, hostStatus: undefined, retryAt: 0, result: undefined });
      this.order.push(record.entry.id);
      return;
    }
    const state = this.entries.get(record.id);
    if (!state) return;
    switch (record.t) {
      case 'attempt':
        state.attempts += 1;
        state.firstAttemptAt ??= record.at;
        break;
      case 'failed':
        state.lastError = record.error;
        state.retryAt = Date.parse(record.retryAt);
        break;
      case 'done':
        state.status = 'done';
        state.result = record.result;
        if (state.entry.op.kind === 'createTicket' && record.result.number !== undefined) {
          this.refs.set(state.entry.ticket, record.result.number);
          this.refByNumber.set(record.result.number, state.entry.ticket);
        }
        break;
      case 'poisoned':
        state.status = 'poisoned';
        state.lastError = record.error;
        state.hostStatus = record.status;
        break;
      case 'retry':
        if (state.status === 'poisoned') {
          state.status = 'queued';
          state.retryAt = 0;
        }
        break;
    }
  }

  /** The ticket key entries are ordered by: the local ref when known, else "#<number>". */
  private ticketKey(ticket: TicketId): string {
    if (typeof ticket === 'number') return this.refByNumber.get(ticket) ?? `#${ticket}`;
    if (/^#\d+$/.test(ticket)) return this.refByNumber.get(Number(ticket.slice(1))) ?? ticket;
    return ticket;
  }

  private async enqueue(ticket: string, op: OutboxEntry['op']): Promise<OutboxEntry> {
    const entry: OutboxEntry = { id: newIdempotencyKey(), ticket, createdAt: new Date().toISOString(), op };
    await this.journal.append({ t: 'enqueue', entry });
    this.wake?.();
    return entry;
  }

  /** Journals a new ticket; resolves (durably) with its local reference before the host is asked. */
  async createTicket(input: NewTicketInput): Promise<{ ref: string; entryId: string; attachments: string[] }> {
    const ref = newTicketRef();
    const { files = [], ...ticket } = input;
    const uploads = files.map((file) => this.uploadEntry(ref, file));
    const attachments = [...(ticket.attachments ?? []), ...uploads.map((u) => (u.op.kind === 'uploadAttachment' ? u.op.path : ''))];
    const entry: OutboxEntry = { id: newIdempotencyKey(), ticket: ref, createdAt: new Date().toISOString(), op: { kind: 'createTicket', ...ticket, ...(attachments.length > 0 ? { attachments } : {}) } };
    // One durable append: the uploads and the ticket are acknowledged together, uploads first.
    await this.journal.append(...uploads.map((u) => ({ t: 'enqueue' as const, entry: u })), { t: 'enqueue', entry });
    this.wake?.();
    return { ref, entryId: entry.id, attachments };
  }

  private uploadEntry(key: string, file: { filename: string; content: Uint8Array }): OutboxEntry {
    const id = newIdempotencyKey();
    const path = `tickets/${key.replace(/^#/, '')}/${id}/${safeName(file.filename)}`;
    return { id, ticket: key, createdAt: new Date().toISOString(), op: { kind: 'uploadAttachment', path, contentBase64: Buffer.from(file.content).toString('base64'), message: `Attachment for ticket ${key} (${id})` } };
  }

  /** The bytes of an attachment still waiting in the outbox, so it can be shown before it is uploaded. */
  pendingAttachment(path: string): Buffer | undefined {
    for (const state of this.entries.values()) {
      if (state.entry.op.kind === 'uploadAttachment' && state.entry.op.path === path) return Buffer.from(state.entry.op.contentBase64, 'base64');
    }
    return undefined;
  }

  /** Journals a message on a ticket (queued or not). */
  async addComment(ticket: TicketId, input: NewMessageInput): Promise<{ entryId: string }> {
    this.assertKnown(ticket);
    const entry = await this.enqueue(this.ticketKey(ticket), { kind: 'addComment', ...input });
    return { entryId: entry.id };
  }

  /** Journals an attachment upload; the path is fixed now so messages can reference it at once. */
  async uploadAttachment(ticket: TicketId, input: { filename: string; content: Uint8Array }): Promise<{ entryId: string; path: string }> {
    this.assertKnown(ticket);
    const entry = this.uploadEntry(this.ticketKey(ticket), input);
    await this.journal.append({ t: 'enqueue', entry });
    this.wake?.();
    return { entryId: entry.id, path: entry.op.kind === 'uploadAttachment' ? entry.op.path : '' };
  }

  private assertKnown(ticket: TicketId): void {
    if (typeof ticket === 'string' && !/^#\d+$/.test(ticket) && !this.refs.has(ticket) && ![...this.entries.values()].some((s) => s.entry.ticket === ticket && s.entry.op.kind === 'createTicket')) {
      throw new OutboxError(`unknown ticket reference "${ticket}"`);
    }
  }

  /** The issue number a local reference was created as, once it has been. */
  resolve(ref: string): number | undefined {
    return this.refs.get(ref);
  }

  private pendingFor(key: string): PendingMessage[] {
    return this.order
      .map((id) => this.entries.get(id) as EntryState)
      .filter((s) => s.entry.ticket === key && s.entry.op.kind === 'addComment' && s.status !== 'done')
      .map((s) => ({
        entryId: s.entry.id,
        body: s.entry.op.kind === 'addComment' ? s.entry.op.body : '',
        createdAt: s.entry.createdAt,
        status: s.status === 'poisoned' ? 'poisoned' : 'queued',
        ...(s.lastError ? { error: s.lastError } : {}),
      }));
  }

  /** A ticket as the customer sees it: "queued" with its content while it waits, else the host's thread. */
  async readTicket(ticket: TicketId): Promise<TicketView | undefined> {
    await this.journal.refresh();
    const key = this.ticketKey(ticket);
    const number = typeof ticket === 'number' ? ticket : /^#\d+$/.test(ticket) ? Number(ticket.slice(1)) : this.refs.get(ticket);
    if (number === undefined) {
      const create = [...this.entries.values()].find((s) => s.entry.ticket === key && s.entry.op.kind === 'createTicket');
      if (!create || create.entry.op.kind !== 'createTicket') return undefined;
      const op = create.entry.op;
      return {
        status: 'queued',
        ref: key,
        title: op.title,
        body: op.body,
        labels: op.labels,
        createdAt: create.entry.createdAt,
        pending: this.pendingFor(key),
        poisoned: create.status === 'poisoned',
        ...(create.lastError ? { error: create.lastError } : {}),
      };
    }
    if (!this.host) throw new Error('the outbox has no Git host to read tickets from');
    const found = await this.host.getTicket(number);
    if (!found) return undefined;
    return { status: 'created', ref: key.startsWith('#') ? undefined : key, number, ticket: found, pending: this.pendingFor(key) };
  }

  /** Entries by status, in enqueue order (default: everything not done). */
  list(statuses: EntryStatus[] = ['queued', 'poisoned']): EntryState[] {
    return this.order.map((id) => this.entries.get(id) as EntryState).filter((s) => statuses.includes(s.status));
  }

  /** Re-reads records other processes appended (e.g. the CLI's retries). */
  async refresh(): Promise<void> {
    await this.journal.refresh();
  }

  /** Puts a poisoned entry back in the queue. */
  async retry(id: string): Promise<void> {
    const state = this.entries.get(id);
    if (!state) throw new OutboxError(`no outbox entry ${id}`);
    if (state.status !== 'poisoned') throw new OutboxError(`entry ${id} is ${state.status}, not poisoned; only poisoned entries can be retried`);
    await this.journal.append({ t: 'retry', id, at: new Date().toISOString() });
    this.wake?.();
  }

  /** One entry with its state, as JSON for a support engineer. */
  export(id: string): string {
    const state = this.entries.get(id);
    if (!state) throw new OutboxError(`no outbox entry ${id}`);
    return JSON.stringify({ ...state, retryAt: state.retryAt ? new Date(state.retryAt).toISOString() : undefined }, null, 2);
  }

  /** Entries whose turn it is: the first not-done entry of each ticket, unless poisoned or backing off. */
  private ready(now: number): EntryState[] {
    const heads = new Map<string, EntryState>();
    for (const id of this.order) {
      const s = this.entries.get(id) as EntryState;
      if (s.status === 'done' || heads.has(s.entry.ticket)) continue;
      heads.set(s.entry.ticket, s);
    }
    return [...heads.values()].filter((s) => s.status === 'queued' && s.retryAt <= now);
  }

  /** Sends every entry whose turn it is, once; resolves with how many reached a final state. */
  async drainOnce(): Promise<number> {
    if (!this.host) throw new Error('the outbox has no Git host to drain to');
    await this.journal.refresh();
    let settled = 0;
    for (const state of this.ready(Date.now())) {
      if (Date.now() < this.pausedUntil) break;
      if (await this.send(state, this.host)) settled += 1;
    }
    return settled;
  }

  private async send(state: EntryState, host: GitHost): Promise<boolean> {
    const { entry } = state;
    const at = () => new Date().toISOString();
    try {
      const result = await this.perform(state, host);
      await this.journal.append({ t: 'done', id: entry.id, at: at(), result });
      return true;
    } catch (error) {
      const e = error instanceof GitHostError ? error : new GitHostError('unknown-outcome', (error as Error).message, { cause: error });
      if (!isTransient(e) && e.kind !== 'auth') {
        this.log.warn(`outbox: entry ${entry.id} (${entry.op.kind} for ${entry.ticket}) refused for good: ${e.message}`);
        await this.journal.append({ t: 'poisoned', id: entry.id, at: at(), error: e.message, ...(e.status !== undefined ? { status: e.status } : {}) });
        return true;
      }
      const exp = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** Math.max(state.attempts - 1, 0));
      const wait = Math.max(e.retryAfterMs ?? 0, exp * (0.5 + Math.random() / 2));
      if (e.kind === 'rate-limited') this.pausedUntil = Date.now() + wait;
      await this.journal.append({ t: 'failed', id: entry.id, at: at(), error: e.message, retryAt: new Date(Date.now() + wait).toISOString() });
      return false;
    }
  }

  private async perform(state: EntryState, host: GitHost): Promise<{ number?: number; messageId?: number; path?: string }> {
    const { entry } = state;
    const { op } = entry;
    // A previous attempt may have reached the host (timeout, 5xx, crash): look the key up before sending again,
    // among everything created since the first attempt (a minute earlier, for clock skew with the host). Not only
    // among the latest issues: during a burst, hundreds may have been created while this entry backed off.
    const unknown = state.attempts > 0;
    const since = state.firstAttemptAt ? new Date(Date.parse(state.firstAttemptAt) - 60_000) : undefined;
    if (op.kind === 'createTicket') {
      if (unknown) {
        const found = await host.findTicketByKey(entry.id, since ?? new Date(0));
        if (found) return { number: found.number };
      }
      await this.journal.append({ t: 'attempt', id: entry.id, at: new Date().toISOString() });
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
    const number = entry.ticket.startsWith('#') ? Number(entry.ticket.slice(1)) : this.refs.get(entry.ticket);
    if (op.kind === 'uploadAttachment') {
      if (unknown && (await host.readAttachment(op.path)) !== undefined) return { path: op.path };
      await this.journal.append({ t: 'attempt', id: entry.id, at: new Date().toISOString() });
      await host.uploadAttachment({ path: op.path, content: Buffer.from(op.contentBase64, 'base64'), message: op.message });
      return { path: op.path };
    }
    if (number === undefined) throw new GitHostError('unavailable', `ticket ${entry.ticket} has not been created yet`);
    if (unknown) {
      const found = await host.findMessageByKey(number, entry.id, since);
      if (found) return { messageId: found.id, number };
    }
    await this.journal.append({ t: 'attempt', id: entry.id, at: new Date().toISOString() });
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

  /** Drains in the background until `stop()`; wakes on new entries, backoff ends and other processes' records. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let settled = 0;
        try {
          settled = await this.drainOnce();
        } catch (error) {
          this.log.warn(`outbox: drain failed: ${(error as Error).message}`);
        }
        if (settled > 0 || !this.running) continue;
        const next = Math.min(...this.list(['queued']).map((s) => s.retryAt), this.pausedUntil || Infinity);
        const wait = Math.max(Math.min(Number.isFinite(next) ? next - Date.now() : this.pollMs, this.pollMs), 5);
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

  /** Stops the background drainer after the entry in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.journal.close();
  }
}

/** Opens the outbox journal in `options.dir`. */
export function openOutbox(options: OutboxOptions): Promise<Outbox> {
  return Outbox.open(options);
}
