import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '../store/database.ts';
import type { StoreSchema } from '../store/schema.ts';
import type { MailMessage, MailTransport } from './transport.ts';

export const MailMessageSchema = z.strictObject({
  to: z.union([z.string(), z.array(z.string())]),
  subject: z.string(),
  text: z.string(),
  html: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});
type StoredMessage = z.output<typeof MailMessageSchema>;

/** One mail in the queue and how its delivery went. */
export interface QueuedMail {
  key: string;
  message: StoredMessage;
  status: 'pending' | 'sent';
  attempts: number;
  lastError: string | undefined;
  retryAt: number;
}

/** A mail a worker has leased for sending. */
export interface ClaimedMail {
  key: string;
  message: StoredMessage;
  attempts: number;
}

export interface MailQueueOptions {
  /** The state store; every server process on it shares one queue. */
  database: Database;
  transport: MailTransport;
  /** First retry delay; doubles per failure up to `maxRetryMs`. @default 5000 */
  retryBaseMs?: number;
  /** Longest delay between retries; a mail is retried until it is sent, never dropped. @default 900000 (15 min) */
  maxRetryMs?: number;
  /**
   * How long a worker's claim on mails lasts without renewal: while it works on them it renews the claim every
   * third of this, however long a send takes, so only a worker that died (a crash, a kill) loses its mails to
   * another, this long after its last renewal. @default 60000
   */
  leaseMs?: number;
  /** Mails claimed at a time. @default 10 */
  batchSize?: number;
  /** This worker's name in `lease_owner`. @default host, process and a random part */
  owner?: string;
  /** Waits (briefly) while people's requests are being answered; called before each mail. @default never waits */
  giveWay?: (stopped: () => boolean) => Promise<void>;
  log?: Pick<Console, 'warn'>;
}

export interface MailQueue {
  /**
   * Queues a mail under an event key, durably, before resolving. A key seen before (by any server process)
   * is ignored, so an event handled twice (a redelivered webhook, a sweep after a webhook) sends one mail.
   * Resolves to whether it was new.
   */
  enqueue(key: string, message: MailMessage): Promise<boolean>;
  /**
   * Queues a mail in the caller's transaction, so it commits together with the caller's other writes (one sync
   * to disk for both, and neither without the other); call `wake()` once that transaction has committed.
   */
  enqueueWithin(trx: Kysely<StoreSchema>, key: string, message: MailMessage): Promise<boolean>;
  /** Sends what was queued with `enqueueWithin` in a transaction that has now committed. */
  wake(): void;
  /** One mail by key and how its delivery went (tests, support). */
  mail(key: string): Promise<QueuedMail | undefined>;
  /** Starts sending in the background. */
  start(): void;
  /** Sends every pending mail that is due now and not leased by another worker; resolves when done. */
  drain(): Promise<void>;
  /** Resolves once no mail is pending (or `timeoutMs` passed); for tests and shutdown. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Leases up to `limit` due mails to `owner` until `now + leaseMs`, atomically across server processes, and
 * returns them. One statement: `UPDATE … WHERE key IN (SELECT … LIMIT n) RETURNING`. On PostgreSQL the
 * inner select locks its rows `FOR UPDATE SKIP LOCKED`, so concurrent workers claim disjoint mails without
 * waiting for each other (and a row another worker leased meanwhile is re-checked and skipped); on SQLite
 * the statement is a write transaction of its own, which holds the database's write lock from the select
 * to the update, so no other process can claim in between.
 */
export async function claimMails(database: Database, owner: string, options: { leaseMs: number; limit: number; now?: number }): Promise<ClaimedMail[]> {
  const now = options.now ?? Date.now();
  const { db } = database;
  const rows = await db
    .updateTable('mail_queue')
    .set({ lease_owner: owner, lease_until: now + options.leaseMs })
    .where((eb) =>
      eb(
        'key',
        'in',
        eb
          .selectFrom('mail_queue')
          .select('key')
          .where('status', '=', 'queued')
          .where('retry_at', '<=', now)
          .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]))
          .orderBy('created_at')
          .orderBy('key')
          .limit(options.limit)
          .$if(database.engine === 'postgres', (q) => q.forUpdate().skipLocked()),
      ),
    )
    // Checked again on the row as it is now (another worker's lease, taken since the select, is respected).
    .where('status', '=', 'queued')
    .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]))
    .returning(['key', 'message', 'attempts'])
    .execute();
  return rows.map((r) => ({ key: r.key, message: MailMessageSchema.parse(JSON.parse(r.message)), attempts: r.attempts }));
}

/**
 * A durable queue in front of the mail transport, in the state store: every mail is stored under its event
 * key (insert-if-absent, so one mail per key whichever process enqueues it) before the caller goes on, and
 * workers in any server process claim due mails with a lease, send them, and mark them sent; a failure is
 * retried with backoff until the transport accepts the mail. The `X-Helpdesk-Event` header carries the key,
 * so a copy can be recognised.
 *
 * Each mail is sent once, with the standard at-least-once edge: a worker that crashes after the SMTP
 * server accepted a mail but before marking it sent leaves it leased; when the lease runs out another
 * worker sends it again. Only that window can produce a second copy (with the same `X-Helpdesk-Event`).
 */
export function openMailQueue(options: MailQueueOptions): MailQueue {
  const { db } = options.database;
  const log = options.log ?? console;
  const base = options.retryBaseMs ?? 5000;
  const max = options.maxRetryMs ?? 15 * 60_000;
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = options.batchSize ?? 10;
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> | undefined;
  let lookAgain = false;
  let closed = false;

  async function sendOne(mail: ClaimedMail): Promise<void> {
    try {
      const { html, headers, ...rest } = mail.message;
      await options.transport.send({ ...rest, ...(html === undefined ? {} : { html }), headers: { ...headers, 'X-Helpdesk-Event': mail.key } });
    } catch (error) {
      const attempts = mail.attempts + 1;
      const delay = Math.min(base * 2 ** (attempts - 1), max);
      const message = error instanceof Error ? error.message : String(error);
      // Only while the lease is still ours: a worker that took over (or sent it) keeps its word.
      await db
        .updateTable('mail_queue')
        .set({ attempts, last_error: message, retry_at: Date.now() + delay, lease_owner: null, lease_until: null })
        .where('key', '=', mail.key)
        .where('status', '=', 'queued')
        .where('lease_owner', '=', owner)
        .execute();
      log.warn(`mail-queue: sending ${mail.key} failed (attempt ${attempts}): ${message}; retrying in ${Math.round(delay / 1000)} s`);
      return;
    }
    // Sent: marked so whoever holds the lease now (this worker, or one that took over a lease that ran out).
    // A crash right here, after the SMTP server accepted the mail, is the one way it can be sent twice. Recorded
    // without waiting for the disk: a power cut in the next moment widens that same window, nothing more.
    await options.database.relaxed((rdb) =>
      rdb.updateTable('mail_queue').set({ status: 'sent', sent_at: Date.now(), lease_owner: null, lease_until: null }).where('key', '=', mail.key).where('status', '=', 'queued').execute(),
    );
  }

  /** Keeps this worker's claim on mails it is still working on (a failed renewal is tried again at the next beat). */
  async function renew(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await db
      .updateTable('mail_queue')
      .set({ lease_until: Date.now() + leaseMs })
      .where('key', 'in', keys)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'queued')
      .execute()
      .catch((error: unknown) => log.warn(`mail-queue: could not renew the claim on ${keys.length} mails: ${(error as Error).message}`));
  }

  /** Gives back leases this worker took but did not use (closing mid-batch). */
  async function release(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await db.updateTable('mail_queue').set({ lease_owner: null, lease_until: null }).where('key', 'in', keys).where('lease_owner', '=', owner).where('status', '=', 'queued').execute();
  }

  // A light tick finds mails whose retry is due (or queued by another process); new mails are sent at once.
  const TICK_MS = 1000;

  const queue: MailQueue = {
    async enqueue(key, message) {
      const added = await queue.enqueueWithin(db, key, message);
      if (added) queue.wake();
      return added;
    },
    async enqueueWithin(trx, key, message) {
      const rows = await trx
        .insertInto('mail_queue')
        .values({
          key,
          message: JSON.stringify(MailMessageSchema.parse(message)),
          status: 'queued',
          attempts: 0,
          retry_at: 0,
          last_error: null,
          lease_owner: null,
          lease_until: null,
          created_at: Date.now(),
          sent_at: null,
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .returning('key')
        .execute();
      return rows.length > 0;
    },
    wake() {
      if (timer) void queue.drain();
    },
    async mail(key) {
      const row = await db.selectFrom('mail_queue').selectAll().where('key', '=', key).executeTakeFirst();
      if (!row) return undefined;
      return {
        key,
        message: MailMessageSchema.parse(JSON.parse(row.message)),
        status: row.status === 'sent' ? 'sent' : 'pending',
        attempts: row.attempts,
        lastError: row.last_error ?? undefined,
        retryAt: row.retry_at,
      };
    },
    drain() {
      // A drain in progress may have looked before this mail arrived: it looks again before it ends (one more look
      // however many mails arrived meanwhile: a wake per mail must not pile up a drain per mail).
      if (draining) {
        lookAgain = true;
        return draining;
      }
      const run = (async () => {
        lookAgain = false;
        while (!closed) {
          const claimed = await claimMails(options.database, owner, { leaseMs, limit: batchSize });
          if (claimed.length === 0 && !lookAgain) break;
          lookAgain = false;
          const held = new Set(claimed.map((m) => m.key));
          const heartbeat = setInterval(() => void renew([...held]), Math.max(Math.floor(leaseMs / 3), 10));
          try {
            for (const [i, mail] of claimed.entries()) {
              if (closed) {
                await release(claimed.slice(i).map((m) => m.key));
                break;
              }
              await options.giveWay?.(() => closed);
              await sendOne(mail);
              held.delete(mail.key);
            }
          } finally {
            clearInterval(heartbeat);
          }
          if (claimed.length < batchSize && !lookAgain) break;
          lookAgain = false;
        }
      })()
        .catch((error: unknown) => log.warn(`mail-queue: could not read the queue (${(error as Error).message}); the next tick retries`))
        .finally(() => {
          if (draining === run) draining = undefined;
        });
      draining = run;
      return run;
    },
    start() {
      if (timer || closed) return;
      timer = setInterval(() => void queue.drain(), TICK_MS).unref();
      void queue.drain();
    },
    async idle(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const pending = await db.selectFrom('mail_queue').select('key').where('status', '=', 'queued').limit(1).executeTakeFirst();
        if (!pending) return;
        await (draining ?? new Promise((resolve) => setTimeout(resolve, 20)));
      }
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await draining;
    },
  };
  return queue;
}
