import { createHash } from 'node:crypto';
import type { GitHost } from '../git-host/index.ts';
import type { TicketMessage } from '../tickets/ticket.ts';
import { verifyWebhookSignature, webhookBodyIds, webhookToTicketEvent, type TicketEvent } from '../git-host/webhooks.ts';
import type { MailQueue } from '../mail/mail-queue.ts';
import type { MailTemplates } from '../mail/render-template.ts';
import type { Config } from '../config/config-schema.ts';
import type { Database } from '../store/database.ts';
import { kindsOf, type MessageKind } from '../tickets/message-kinds.ts';
import { WorkflowStore } from './store.ts';
import { slaChecksDue, unmeasuredOpenTickets } from '../store/sla.ts';
import { slaSettingsOf } from '../tickets/sla.ts';
import { isDeskTicket, kindContext, syncTicket, type SyncDeps, type SyncResult } from './sync-ticket.ts';

/** One webhook request as the endpoint received it. */
export interface WebhookDelivery {
  /** `X-GitHub-Delivery`. */
  id: string | null;
  /** `X-GitHub-Event`. */
  event: string | null;
  /** `X-Hub-Signature-256`. */
  signature: string | null;
  /** The raw body, exactly as received: the signature covers these bytes. */
  body: string;
}

/** What became of a delivery; the endpoint maps it to a status code. */
export type DeliveryOutcome =
  | { status: 'accepted'; ticketNumber?: number }
  | { status: 'duplicate' }
  | { status: 'ignored' }
  | { status: 'rejected'; reason: 'unsigned' | 'bad-signature' | 'not-configured' | 'bad-payload' };

export interface WorkflowOptions {
  config: Config;
  host: GitHost;
  mail: MailQueue;
  templates: MailTemplates;
  /** The customer's absolute sign-in link for a ticket. */
  signInUrl(email: string, ref: string): string;
  /** The ticket's absolute address in the staff workspace. */
  staffTicketUrl(ticketNumber: number): string;
  /** The state store the workflow remembers in (shared by every server process on it). */
  database: Database;
  /** Secret of `X-Hub-Signature-256`; without it every delivery is refused. */
  webhookSecret: string | undefined;
  /** Seconds between reconciliation sweeps. @default config.sweepIntervalSeconds */
  sweepIntervalSeconds?: number;
  log?: Pick<Console, 'warn' | 'info'>;
  /** The server's clock: response targets and the sweep's look at due tickets go by it (scripted in tests). @default Date.now */
  now?: () => number;
}

/** Staff-side automation: webhooks in, labels, assignees, notes, mails and cards out. */
export interface Workflow {
  /** Verifies, de-duplicates and queues one webhook delivery; answers before the ticket is processed. */
  receive(delivery: WebhookDelivery): Promise<DeliveryOutcome>;
  /** The kinds in force for a thread: as first seen (by any view), whatever their later edits. */
  kindsOf(messages: readonly TicketMessage[]): Promise<Map<number, MessageKind>>;
  /** Something changed that no webhook reports (a rating): refresh the ticket soon. */
  ticketChanged(ticketNumber: number): void;
  /** Re-reads tickets updated since the last sweep (and those whose processing failed) and repairs them. */
  sweep(): Promise<{ checked: number; results: SyncResult[] }>;
  /** Runs a sweep now and then every `sweepIntervalSeconds`. */
  start(): void;
  /** Resolves once queued ticket processing and pending mails are done (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

// Tickets updated this long before the cursor are read again: clocks differ and updates land late.
const SWEEP_OVERLAP_MS = 5 * 60_000;
// A failed sync is retried this often before it is left to the next sweep.
const RETRIES = [2_000, 10_000, 30_000];
const ACCESS_EVENTS = new Set(['member', 'membership', 'organization', 'team', 'team_add', 'repository']);
const QUIET_BOT_CHANGES = new Set(['labeled', 'unlabeled', 'assigned', 'unassigned']);

/** Opens the workflow: its memory in the state store and the processing queue (one ticket at a time). */
export function openWorkflow(options: WorkflowOptions): Workflow {
  const log = options.log ?? console;
  const store = new WorkflowStore(options.database);
  // Recorded at the first start of the workflow on this store, before any event is looked at.
  void store.installedAt().catch((error: unknown) => log.warn(`workflow: could not read the store (${(error as Error).message}); retrying on the first event`));
  const deps: SyncDeps = {
    config: options.config,
    host: options.host,
    store,
    mail: options.mail,
    templates: options.templates,
    signInUrl: options.signInUrl,
    staffTicketUrl: options.staffTicketUrl,
    log,
    database: options.database,
    now: options.now ?? Date.now,
  };
  const chains = new Map<number, Promise<unknown>>();
  const inFlight = new Set<Promise<unknown>>();
  const failed = new Set<number>();
  const timers = new Set<NodeJS.Timeout>();
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<{ checked: number; results: SyncResult[] }> | undefined;
  let closed = false;

  function later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) fn();
    }, ms).unref();
    timers.add(timer);
  }

  /** Queues a sync of the ticket behind any running one, so a ticket is never processed twice at once. */
  function schedule(ticketNumber: number, event: TicketEvent | undefined, attempt = 0): Promise<SyncResult | undefined> {
    const run = (chains.get(ticketNumber) ?? Promise.resolve())
      .then(() => syncTicket(deps, ticketNumber, event))
      .then(
        (result) => {
          failed.delete(ticketNumber);
          // A ticket new to the read model shows on the cards of the customer's other tickets.
          if (!closed) for (const other of result.related ?? []) void schedule(other, undefined);
          return result;
        },
        (error: unknown) => {
          failed.add(ticketNumber);
          const retry = RETRIES[attempt];
          log.warn(`workflow: ticket #${ticketNumber} could not be processed (${(error as Error).message}); ${retry ? `retrying in ${retry / 1000} s` : 'the next sweep retries'}`);
          if (retry) later(retry, () => void schedule(ticketNumber, event, attempt + 1));
          return undefined;
        },
      );
    chains.set(ticketNumber, run);
    inFlight.add(run);
    void run.finally(() => {
      inFlight.delete(run);
      if (chains.get(ticketNumber) === run) chains.delete(ticketNumber);
    });
    return run;
  }

  async function sweep(): Promise<{ checked: number; results: SyncResult[] }> {
    const cursor = (await store.cursor()) ?? new Date(await store.installedAt()).toISOString();
    const since = new Date(Date.parse(cursor) - SWEEP_OVERLAP_MS);
    const tickets = await options.host.listTicketsUpdatedSince(since);
    // Time alone moves response targets (due soon, overdue): those tickets are synced too, though nothing changed on the host.
    // And open tickets not measured yet (targets turned on over a backlog), a page per sweep.
    const measuring = slaSettingsOf(options.config) !== undefined;
    const due = measuring ? [...(await slaChecksDue(options.database, deps.now?.() ?? Date.now())), ...(await unmeasuredOpenTickets(options.database))] : [];
    const numbers = new Set([...tickets.filter(isDeskTicket).map((t) => t.number), ...failed, ...due]);
    const results: SyncResult[] = [];
    for (const n of numbers) {
      const result = await schedule(n, undefined);
      if (result) results.push(result);
    }
    const newest = tickets.map((t) => t.updatedAt).reduce((a, b) => (b > a ? b : a), cursor);
    if (newest !== cursor) await store.setCursor(newest);
    await store.pruneDeliveries();
    return { checked: numbers.size, results };
  }

  const workflow: Workflow = {
    async receive(delivery) {
      const secret = options.webhookSecret;
      if (!secret) return { status: 'rejected', reason: 'not-configured' };
      if (!delivery.signature) return { status: 'rejected', reason: 'unsigned' };
      if (!(await verifyWebhookSignature(secret, delivery.body, delivery.signature))) return { status: 'rejected', reason: 'bad-signature' };
      // A replayed body is caught by its hash even under a fresh delivery id.
      const hash = createHash('sha256').update(delivery.body).digest('hex');
      let payload: unknown;
      try {
        payload = JSON.parse(delivery.body);
      } catch {
        return { status: 'rejected', reason: 'bad-payload' };
      }
      // Insert-if-absent by id and by hash, in the store every instance shares: only the first instance (or
      // the first attempt) to record a delivery processes it.
      if (!(await store.rememberDelivery(delivery.id ?? hash, hash))) return { status: 'duplicate' };
      // Who has write access changed: staff identity is asked of the host again.
      if (ACCESS_EVENTS.has(delivery.event ?? '')) options.host.forgetPermission();
      const metadata = options.host.metadataContext();
      await metadata.metadataMemory?.load(webhookBodyIds(delivery.event ?? '', payload));
      const event = webhookToTicketEvent(delivery.event ?? '', payload, { botLogin: await options.host.botLogin(), repository: options.host.repository, metadata });
      if (!event) return { status: 'ignored' };
      options.host.invalidate(event.ticketNumber);
      // Our own label and assignee writes come back as webhooks; the sync that made them already settled the ticket.
      if (event.actor.isBot && QUIET_BOT_CHANGES.has(event.change)) return { status: 'accepted', ticketNumber: event.ticketNumber };
      void schedule(event.ticketNumber, event);
      return { status: 'accepted', ticketNumber: event.ticketNumber };
    },

    kindsOf: (messages) => kindsOf(messages, kindContext(deps)),

    ticketChanged(ticketNumber) {
      if (!closed) void schedule(ticketNumber, undefined);
    },

    sweep() {
      sweeping ??= sweep().finally(() => (sweeping = undefined));
      return sweeping;
    },

    start() {
      if (sweepTimer || closed) return;
      const every = (options.sweepIntervalSeconds ?? options.config.sweepIntervalSeconds) * 1000;
      const tick = () => void workflow.sweep().catch((error: unknown) => log.warn(`workflow: sweep failed (${(error as Error).message}); the next one retries`));
      sweepTimer = setInterval(tick, every).unref();
      tick();
    },

    async idle() {
      while (inFlight.size > 0 || sweeping) await Promise.allSettled([...inFlight, ...(sweeping ? [sweeping] : [])]);
      await options.mail.idle();
    },

    async close() {
      closed = true;
      if (sweepTimer) clearInterval(sweepTimer);
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled([...inFlight, ...(sweeping ? [sweeping] : [])]);
    },
  };
  return workflow;
}
