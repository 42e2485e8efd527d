import type { Database } from '../store/database.ts';
import { latestTicketChange, pruneTicketChanges, prunedThrough, ticketChangesAfter, type TicketChange } from '../store/ticket-changes.ts';

/**
 * How often this process reads the store's change feed while a page listens: a chat message reaches the other side
 * within this (plus the webhook's own way); an indexed read of nothing new costs microseconds.
 */
const POLL_MS = 250;
/** How long changes are kept: a page that lost its connection longer than this reloads what it shows. */
const RETENTION_MS = 3_600_000;
const PRUNE_EVERY_MS = 60_000;
/** Changes read per poll; more means the feed is far behind, and listeners are told to reload. */
const BATCH = 500;
/**
 * On PostgreSQL a seq is taken when a row is inserted, not when its transaction commits: a lower seq can become
 * visible after a higher one. Each poll reads this far back again and skips what it already delivered.
 */
const LOOKBACK = 200;

export type ChangeListener = (event: { changes: TicketChange[] } | { reset: true }) => void;

export interface TicketChangeFeed {
  /**
   * Calls `listener` with every change from now on, once each; with `after` (the last seq a page saw, from its
   * Last-Event-ID), first those it missed — or a reset when they are no longer kept. Returns the unsubscribe.
   */
  subscribe(listener: ChangeListener, after?: number): Promise<() => void>;
  close(): void;
}

/**
 * One reader of the change feed per server process, however many staff pages listen: it polls the store only while
 * someone listens, so every process sees the changes that webhooks brought to any of them.
 */
export function followTicketChanges(options: { database: Database; pollMs?: number; log?: Pick<Console, 'warn'> }): TicketChangeFeed {
  const { database } = options;
  const log = options.log ?? console;
  const listeners = new Set<ChangeListener>();
  let cursor: number | undefined;
  /** The newest change when listening began: older ones are history, never delivered by a poll. */
  let floor = 0;
  let starting: Promise<void> | undefined;
  /** Seqs delivered within the look-back window. */
  let delivered = new Set<number>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  // Kept short whether or not anyone listens: the feed never grows with history.
  const pruning = setInterval(() => {
    const now = Date.now();
    pruneTicketChanges(database, now - RETENTION_MS, now).catch((error: unknown) => log.warn(`helpdesk: live staff views: could not prune the change feed (${(error as Error).message})`));
  }, PRUNE_EVERY_MS);
  pruning.unref();

  function emit(event: Parameters<ChangeListener>[0]): void {
    for (const listener of listeners) listener(event);
  }

  async function poll(): Promise<void> {
    if (polling || cursor === undefined) return;
    polling = true;
    try {
      const from = Math.max(0, cursor - LOOKBACK);
      const rows = await ticketChangesAfter(database, from, BATCH + LOOKBACK);
      // Everyone stopped listening meanwhile.
      if (cursor === undefined) return;
      const fresh = rows.filter((r) => r.seq > floor && !delivered.has(r.seq));
      for (const r of fresh) delivered.add(r.seq);
      const top = rows.at(-1)?.seq ?? cursor;
      cursor = Math.max(cursor, top);
      delivered = new Set([...delivered].filter((seq) => seq > cursor! - LOOKBACK));
      if (rows.length === BATCH + LOOKBACK) {
        // Far behind (a burst of thousands of changes): every page reloads once rather than hearing of each.
        cursor = await latestTicketChange(database);
        floor = cursor;
        delivered = new Set();
        emit({ reset: true });
      } else if (fresh.length > 0) emit({ changes: fresh });
    } catch (error) {
      log.warn(`helpdesk: live staff views: could not read the change feed (${(error as Error).message}); trying again`);
    } finally {
      polling = false;
    }
  }

  function stopIfIdle(): void {
    if (listeners.size > 0 || !timer) return;
    clearInterval(timer);
    timer = undefined;
    cursor = undefined;
    delivered = new Set();
  }

  return {
    async subscribe(listener, after) {
      if (cursor === undefined) {
        starting ??= latestTicketChange(database)
          .then((latest) => {
            cursor = floor = latest;
            delivered = new Set();
          })
          .finally(() => {
            starting = undefined;
          });
        await starting;
      }
      if (!timer) {
        timer = setInterval(() => void poll(), options.pollMs ?? POLL_MS);
        timer.unref();
      }
      listeners.add(listener);
      const now = cursor as number;
      if (after !== undefined && after < now) {
        const missed = (await ticketChangesAfter(database, after, BATCH)).filter((r) => r.seq <= now);
        // Older than the feed keeps, or more than a batch: the page reloads what it shows rather than hear of each.
        if (missed.length === BATCH || after < (await prunedThrough(database))) listener({ reset: true });
        else if (missed.length > 0) listener({ changes: missed });
      }
      return () => {
        listeners.delete(listener);
        stopIfIdle();
      };
    },
    close() {
      clearInterval(pruning);
      listeners.clear();
      stopIfIdle();
    },
  };
}
