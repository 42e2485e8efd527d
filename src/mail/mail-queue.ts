import { join } from 'node:path';
import { z } from 'zod';
import { DurableLog } from '../store/durable-log.ts';
import type { MailMessage, MailTransport } from './transport.ts';

const MessageSchema = z.strictObject({
  to: z.union([z.string(), z.array(z.string())]),
  subject: z.string(),
  text: z.string(),
  html: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const RecordSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('enqueue'), key: z.string(), at: z.string(), message: MessageSchema }),
  z.strictObject({ t: z.literal('sent'), key: z.string(), at: z.string(), messageId: z.string() }),
  z.strictObject({ t: z.literal('failed'), key: z.string(), at: z.string(), error: z.string(), attempts: z.number(), retryAt: z.string() }),
]);
type QueueRecord = z.output<typeof RecordSchema>;
type StoredMessage = z.output<typeof MessageSchema>;

/** One mail in the queue and how its delivery went. */
export interface QueuedMail {
  key: string;
  message: StoredMessage;
  status: 'pending' | 'sent';
  attempts: number;
  lastError: string | undefined;
  retryAt: number;
}

export interface MailQueueOptions {
  /** Folder of the queue's journal (`DATA_DIR/mail-queue`). */
  dir: string;
  transport: MailTransport;
  /** First retry delay; doubles per failure up to `maxRetryMs`. @default 5000 */
  retryBaseMs?: number;
  /** Longest delay between retries; a mail is retried until it is sent, never dropped. @default 900000 (15 min) */
  maxRetryMs?: number;
  log?: Pick<Console, 'warn'>;
}

export interface MailQueue {
  /**
   * Queues a mail under an event key, durably, before returning. A key seen before is ignored, so an event
   * handled twice (a redelivered webhook, a sweep after a webhook) sends one mail. Returns whether it was new.
   */
  enqueue(key: string, message: MailMessage): boolean;
  /** Every mail the journal knows, by key. */
  readonly mails: ReadonlyMap<string, QueuedMail>;
  /** Starts sending in the background. */
  start(): void;
  /** Sends every pending mail that is due now; resolves when done. */
  drain(): Promise<void>;
  /** Resolves once no mail is pending (or `timeoutMs` passed); for tests and shutdown. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Keeps the journal small: a snapshot rewrite once it holds this many records. */
const COMPACT_AT = 20_000;

/**
 * A durable queue in front of the mail transport: every mail is journaled (fsync'd) under its event key
 * before the caller goes on, sent in the background, and retried with backoff after a failure until the
 * transport accepts it. The `X-Helpdesk-Event` header carries the key, so a copy can be recognised.
 */
export function openMailQueue(options: MailQueueOptions): MailQueue {
  const log = options.log ?? console;
  const base = options.retryBaseMs ?? 5000;
  const max = options.maxRetryMs ?? 15 * 60_000;
  const mails = new Map<string, QueuedMail>();
  const apply = (record: QueueRecord) => {
    if (record.t === 'enqueue') {
      if (!mails.has(record.key)) mails.set(record.key, { key: record.key, message: record.message, status: 'pending', attempts: 0, lastError: undefined, retryAt: 0 });
      return;
    }
    const mail = mails.get(record.key);
    if (!mail) return;
    if (record.t === 'sent') mail.status = 'sent';
    else Object.assign(mail, { attempts: record.attempts, lastError: record.error, retryAt: Date.parse(record.retryAt) });
  };
  const journal = DurableLog.open(join(options.dir, 'journal.ndjson'), RecordSchema, apply, (m) => log.warn(`mail-queue: ${m}`));

  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> | undefined;
  let closed = false;

  function write(record: QueueRecord): void {
    journal.append(record);
    apply(record);
    if (journal.size > COMPACT_AT) {
      journal.compact(
        [...mails.values()].flatMap((m): QueueRecord[] =>
          m.status === 'sent'
            ? [{ t: 'enqueue', key: m.key, at: new Date().toISOString(), message: m.message }, { t: 'sent', key: m.key, at: new Date().toISOString(), messageId: '' }]
            : [{ t: 'enqueue', key: m.key, at: new Date().toISOString(), message: m.message }],
        ),
      );
    }
  }

  async function sendOne(mail: QueuedMail): Promise<void> {
    try {
      const { html, headers, ...rest } = mail.message;
      const sent = await options.transport.send({ ...rest, ...(html === undefined ? {} : { html }), headers: { ...headers, 'X-Helpdesk-Event': mail.key } });
      write({ t: 'sent', key: mail.key, at: new Date().toISOString(), messageId: sent.messageId });
    } catch (error) {
      const attempts = mail.attempts + 1;
      const delay = Math.min(base * 2 ** (attempts - 1), max);
      const message = error instanceof Error ? error.message : String(error);
      write({ t: 'failed', key: mail.key, at: new Date().toISOString(), error: message, attempts, retryAt: new Date(Date.now() + delay).toISOString() });
      log.warn(`mail-queue: sending ${mail.key} failed (attempt ${attempts}): ${message}; retrying in ${Math.round(delay / 1000)} s`);
    }
  }

  // A light tick finds mails whose retry is due; new mails are sent at once.
  const TICK_MS = 1000;

  const queue: MailQueue = {
    mails,
    enqueue(key, message) {
      if (mails.has(key)) return false;
      write({ t: 'enqueue', key, at: new Date().toISOString(), message: MessageSchema.parse(message) });
      if (timer) void queue.drain();
      return true;
    },
    drain() {
      // A drain in progress may have looked before this mail arrived: look again after it.
      if (draining) return draining.then(() => queue.drain());
      const run = (async () => {
        for (;;) {
          const due = [...mails.values()].filter((m) => m.status === 'pending' && m.retryAt <= Date.now());
          if (due.length === 0 || closed) break;
          for (const mail of due) await sendOne(mail);
        }
      })().finally(() => {
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
      while (Date.now() < deadline && [...mails.values()].some((m) => m.status === 'pending')) {
        await (draining ?? new Promise((resolve) => setTimeout(resolve, 20)));
      }
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await draining;
      journal.close();
    },
  };
  return queue;
}
