import { sql, type Kysely } from 'kysely';
import { GroupCommit } from '../outbox/group-commit.ts';
import type { Config } from '../config/config-schema.ts';
import type { Database } from '../store/database.ts';
import type { StoreSchema } from '../store/schema.ts';
import { describeWait } from './http.ts';
import { DeskError } from '../tickets/errors.ts';

/** Limits per action, as points per window; generous for people, tight for scripts. */
export const RATE_LIMITS = {
  /** New tickets per client address. */
  ticketPerIp: { points: 10, duration: 60 * 60 },
  /** New tickets per email address. */
  ticketPerEmail: { points: 5, duration: 60 * 60 },
  /** Magic-link mails per email address. */
  linkPerEmail: { points: 3, duration: 15 * 60 },
  /** Magic-link requests per client address. */
  linkPerIp: { points: 10, duration: 15 * 60 },
  /** Staff sign-in attempts per client address. */
  staffSignInPerIp: { points: 10, duration: 15 * 60 },
  /** Replies per customer. */
  replyPerEmail: { points: 30, duration: 60 * 60 },
  /** Ratings, closes and reopens per customer: each writes to the Git host (and updates the ticket card). */
  changePerEmail: { points: 30, duration: 60 * 60 },
  /** The same per client address, against one script cycling through many sessions. */
  changePerIp: { points: 60, duration: 60 * 60 },
  /** Article votes per client (keyed by a hash of the address: the limits table keeps no address of a reader). */
  feedbackPerClient: { points: 30, duration: 60 * 60 },
  /** Search-report requests (each up to 20 searches) per client, keyed the same way. */
  searchReportsPerClient: { points: 120, duration: 60 * 60 },
} as const;

export type RateLimitName = keyof typeof RATE_LIMITS;

export interface RateLimits {
  /**
   * Takes one point of each limit named (`consume('ticketPerIp', ip, 'ticketPerEmail', email)`), all in one
   * transaction; throws a 429 DeskError saying when to try again if any of them has none left.
   */
  consume(...takes: Takes): Promise<void>;
}

/** Pairs of a limit and the key it counts (a client address, an email address). */
type Takes = [RateLimitName, string, ...(RateLimitName | string)[]];

/** The configured limits in place of the defaults. */
export function limitsFromConfig(abuse: Config['abuse']): Partial<Record<RateLimitName, { points: number; duration: number }>> {
  return {
    ticketPerIp: { points: abuse.ticketsPerIpPerHour, duration: 60 * 60 },
    ticketPerEmail: { points: abuse.ticketsPerEmailPerHour, duration: 60 * 60 },
    linkPerEmail: { points: abuse.linksPerEmailPer15Min, duration: 15 * 60 },
    feedbackPerClient: { points: abuse.feedbackPerClientPerHour, duration: 60 * 60 },
    searchReportsPerClient: { points: abuse.searchReportsPerClientPerHour, duration: 60 * 60 },
  };
}

/** Windows older than the longest limit are deleted after this many takes (per process). */
const PRUNE_EVERY = 500;

/**
 * Limits shared by every server process, in the state store's `limits` table: a fixed window per key. A
 * request's takes are one atomic upsert, so two processes counting the same key at once never both see room for the
 * last point (a limit of N holds across instances, not N per instance):
 *
 *   INSERT INTO limits (key, window_start, count, window_ms) VALUES (:key, :now, 1, :window), …
 *   ON CONFLICT (key) DO UPDATE SET
 *     count        = CASE WHEN limits.window_start <= :now - :window THEN 1    ELSE limits.count + 1     END,
 *     window_start = CASE WHEN limits.window_start <= :now - :window THEN :now ELSE limits.window_start END
 *   RETURNING key, count, window_start
 *
 * (both CASEs read the row as it was: SQL evaluates every SET expression against the old row). The same
 * statement runs on SQLite (3.35+) and PostgreSQL.
 */
export function createRateLimits(database: Database, overrides: Partial<Record<RateLimitName, { points: number; duration: number }>> = {}): RateLimits {
  const limits = Object.fromEntries((Object.keys(RATE_LIMITS) as RateLimitName[]).map((name) => [name, overrides[name] ?? RATE_LIMITS[name]])) as Record<
    RateLimitName,
    { points: number; duration: number }
  >;
  const longestMs = Math.max(...Object.values(limits).map((l) => l.duration)) * 1000;
  let consumed = 0;
  const together = new GroupCommit<Kysely<StoreSchema>>((work) => database.relaxed(work));
  return {
    async consume(...takes) {
      const pairs: Array<{ name: RateLimitName; key: string }> = [];
      for (let i = 0; i + 1 < takes.length; i += 2) pairs.push({ name: takes[i] as RateLimitName, key: takes[i + 1] as string });
      // Counters: a lost take after a power cut costs nothing, an fsync per request costs intake latency. All of a
      // request's takes are one statement, atomic on its own; the takes of requests read in the same turn share one
      // relaxed transaction (a commit per request was the dearest write of a ticket submission).
      // The time is read when the statement runs, not when the request asked: a window another request (or process)
      // opened meanwhile then never lies in this take's future.
      let now = 0;
      const rows = await together.run(async (db) => {
        now = Date.now();
        const values = sql.join(pairs.map(({ name, key }) => sql`(${`${name}:${key.toLowerCase()}`}, cast(${now} as bigint), 1, cast(${limits[name].duration * 1000} as bigint))`));
        const { rows } = await sql<{ key: string; count: number; window_start: number }>`
          insert into limits (key, window_start, count, window_ms) values ${values}
          on conflict (key) do update set
            count = case when limits.window_start <= excluded.window_start - excluded.window_ms then 1 else limits.count + 1 end,
            window_start = case when limits.window_start <= excluded.window_start - excluded.window_ms then excluded.window_start else limits.window_start end,
            window_ms = excluded.window_ms
          returning key, count, window_start`.execute(db);
        return new Map(rows.map((row) => [row.key, row]));
      });
      if ((consumed = (consumed + 1) % PRUNE_EVERY) === 0)
        await database.db
          .deleteFrom('limits')
          .where('window_start', '<=', now - longestMs)
          .execute();
      // The longest wait among the limits that ran out: trying earlier would be refused again.
      let seconds = 0;
      for (const { name, key } of pairs) {
        const { points, duration } = limits[name];
        const row = rows.get(`${name}:${key.toLowerCase()}`)!;
        if (row.count > points) seconds = Math.max(seconds, Math.max(1, Math.ceil((Number(row.window_start) + duration * 1000 - now) / 1000)));
      }
      if (seconds === 0) return;
      throw new DeskError('rate_limited', { message: `Too many requests. Please try again in ${describeWait(seconds)}.`, retryAfterSeconds: seconds });
    },
  };
}
