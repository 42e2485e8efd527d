import { createAppAuth } from '@octokit/auth-app';
import { RequestError } from '@octokit/request-error';
import Bottleneck from 'bottleneck';
import { Octokit } from 'octokit';
import { createBoundedCache } from './bounded-cache.ts';
import { GitHostError, markRateLimited, rateLimitWait } from './errors.ts';

/** How the adapter authenticates: a token (classic or fine-grained) or a GitHub App installation. */
export type GitHostAuth = { kind: 'token'; token: string } | { kind: 'app'; appId: number; privateKey: string; installationId: number };

export interface ClientOptions {
  /** API base URL: https://api.github.com, `https://<ghes>/api/v3`, or the local host's URL. @default "https://api.github.com" */
  baseUrl?: string | undefined;
  auth: GitHostAuth;
  /**
   * Minimum milliseconds between writes, and between writes that notify people (issues, comments), with no hourly
   * budget: for hosts without secondary limits (the embedded host). Unset: GitHub's limits (GITHUB_WRITE_PACING).
   * @default GITHUB_WRITE_PACING
   */
  intervalsMs?: { write: number; notification: number } | undefined;
  /** How often a rate-limited request is retried inside the request, after a short wait, before giving up. @default 3 */
  rateLimitRetries?: number | undefined;
  /**
   * Longest wait (seconds) the client sits out inside a request. A longer one (GitHub's secondary limits ask for a
   * minute) surfaces at once as a `rate-limited` error with the wait, for the caller to sit out (the outbox pauses).
   * @default 5
   */
  maxRetryAfterSeconds?: number | undefined;
  /** Base of the retry plugin's backoff for failed idempotent requests (retries after 1, 4, 9 × base). @default 1000 */
  retryBaseMs?: number | undefined;
  /** Aborts one HTTP attempt that takes longer; waits between attempts (rate limits, backoff) do not count. @default 30000 */
  requestTimeoutMs?: number | undefined;
  /** Where warnings go. @default console */
  log?: Pick<Console, 'warn' | 'info'> | undefined;
  /** The clock rate-limit holds are measured on (ms since epoch); tests pass a fake one. @default Date.now */
  now?: (() => number) | undefined;
  /**
   * Most bytes of answers kept for conditional requests (ETag), counted as the length of their JSON; an answer over
   * an eighth of it (a large attachment, a long page) is not kept. @default 16777216 (16 MiB)
   */
  etagCacheBytes?: number | undefined;
}

/**
 * Writes within GitHub's documented budget for content-creating requests of one identity: at most 80 a minute and
 * 500 an hour (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits),
 * at least a second apart (https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#pause-between-mutative-requests).
 * One write at a time, a little over a second apart (Bottleneck's timers may fire a millisecond early; at most 58 a
 * minute), each drawing on a bucket of 50 that refills by one every 8 s (450 an hour): in any hour at most
 * 50 + 450 = 500, whenever it starts. A ticket costs about three writes,
 * so about 150 new tickets an hour sustained, a burst of about 16 at once.
 */
export const GITHUB_WRITE_PACING = { minTimeMs: 1050, burst: 50, refillEveryMs: 8000 } as const;

/** The Bottleneck settings of the write limiter for a pacing (exported so the budget can be checked on a fake clock). */
export function writeLimiterSettings(pacing: { minTimeMs: number; burst: number; refillEveryMs: number } = GITHUB_WRITE_PACING): Bottleneck.ConstructorOptions {
  return {
    maxConcurrent: 1,
    minTime: pacing.minTimeMs,
    reservoir: pacing.burst,
    reservoirIncreaseAmount: 1,
    reservoirIncreaseInterval: pacing.refillEveryMs,
    reservoirIncreaseMaximum: pacing.burst,
    // How often the bucket is topped up: a second is precise enough for an 8 s refill (Bottleneck's default is 250 ms).
    heartbeatInterval: 1000,
    // A limiter idle this long is dropped and later made afresh with a full bucket: by then it has refilled anyway.
    timeout: pacing.burst * pacing.refillEveryMs * 2,
  };
}

/**
 * Requests that must never be repeated blindly: they create something, so a retry after a 5xx or timeout
 * could create it twice. The outbox retries them after looking up their idempotency key instead.
 */
export function isNonIdempotent(method: string, url: string): boolean {
  if (method === 'POST') return true;
  return method === 'PUT' && /\/contents\//.test(url);
}

/**
 * One issue and what hangs off it. GitHub answers 301 for an issue transferred to another repository; the
 * adapter decides whether to follow (only within the same repository), so these are not followed by fetch.
 */
function isIssueUrl(url: string): boolean {
  return /\/repos\/[^/]+\/[^/]+\/issues\/\d+(?:[/?]|$)/.test(new URL(url, 'http://host.invalid').pathname);
}

const isWrite = (method: string) => method !== 'GET' && method !== 'HEAD';

interface CachedResponse {
  etag: string;
  response: { data: unknown };
  /** What keeping it costs, roughly: the length of its body as JSON text, plus a little for the rest. */
  bytes: number;
}

/** Default byte budget of the ETag cache: a thousand or more issue and thread answers of usual size (see TICKET_CACHE_BYTES). */
const ETAG_CACHE_BYTES = 8 * 1024 * 1024;

/**
 * About the length of a value's JSON text, counted no further than just past `limit`: a 100 MB blob is not walked
 * (nor serialised) only to learn that it is too large to keep.
 */
function jsonLength(value: unknown, limit: number): number {
  let length = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && length <= limit) {
    const item = stack.pop();
    if (typeof item === 'string') length += item.length + 2;
    else if (Array.isArray(item)) {
      length += 2;
      for (let i = 0; i < item.length && length <= limit; i++, length++) stack.push(item[i]);
    } else if (item !== null && typeof item === 'object') {
      length += 2;
      for (const key in item) {
        if (length > limit) break;
        length += key.length + 4;
        stack.push((item as Record<string, unknown>)[key]);
      }
    } else length += String(item).length;
  }
  return length;
}

/** What a client has sent, for checks and figures: requests, and conditional ones the host answered 304 (free of rate limit). */
export interface ClientStats {
  requests: number;
  notModified: number;
}

const statsByClient = new WeakMap<Octokit, ClientStats>();

/** The running counts of a client made by createClient (zeros for any other). */
export function clientStats(octokit: Octokit): Readonly<ClientStats> {
  return { ...(statsByClient.get(octokit) ?? { requests: 0, notModified: 0 }) };
}

/**
 * Creates the one Octokit client of the adapter: the `octokit` package's throttling and retry plugins
 * (each client with its own rate limiter groups, pacing writes within GitHub's budget), retries only for
 * idempotent requests, a timeout per HTTP attempt, conditional requests (ETag / If-None-Match) so unchanged
 * reads cost no rate limit, and no request sent into a rate limit the host reported until it is over.
 */
export function createClient(options: ClientOptions): Octokit {
  const log = options.log ?? console;
  const now = options.now ?? Date.now;
  const retries = options.rateLimitRetries ?? 3;
  const maxWait = options.maxRetryAfterSeconds ?? 5;
  // The waits the throttling plugin asked for and we declined to sit out in the request, by request.
  const declined = new WeakMap<object, number>();
  const decide = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    if (retryCount < retries && retryAfter <= maxWait) {
      log.info(`git-host: ${kind} for ${request.method} ${request.url}; retrying after ${retryAfter}s`);
      return true;
    }
    declined.set(request, retryAfter * 1000);
    log.warn(`git-host: ${kind} for ${request.method} ${request.url} (retry-after ${retryAfter}s, ${retryCount} retries so far); the caller waits`);
    return false;
  };
  const intervals = options.intervalsMs;
  const write = intervals ? { maxConcurrent: 1, minTime: intervals.write } : writeLimiterSettings();
  // Own limiter groups per client: the plugin's defaults are module-global and would make clients (and tests)
  // wait on each other. Notifying writes draw on the write budget; GitHub documents no separate pace for them.
  const groups = {
    global: new Bottleneck.Group({ maxConcurrent: 10 }),
    auth: new Bottleneck.Group({ maxConcurrent: 1 }),
    search: new Bottleneck.Group({ maxConcurrent: 1, minTime: 2000 }),
    write: new Bottleneck.Group(write),
    notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: intervals ? intervals.notification : GITHUB_WRITE_PACING.minTimeMs }),
  };
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  // The timeout covers one HTTP attempt: the plugins' waits before a retry happen outside fetch.
  const timedFetch: typeof fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const timeout = AbortSignal.timeout(timeoutMs);
    return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout, ...(isIssueUrl(url) ? { redirect: 'manual' } : {}) });
  };
  const auth =
    options.auth.kind === 'token'
      ? { auth: options.auth.token }
      : { authStrategy: createAppAuth, auth: { appId: options.auth.appId, privateKey: options.auth.privateKey, installationId: options.auth.installationId } };
  const octokit = new Octokit({
    ...auth,
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/$/, '') } : {}),
    userAgent: 'helpdesk-kb',
    request: { fetch: timedFetch },
    log: { debug: () => {}, info: (m: string) => log.info(m), warn: (m: string) => log.warn(m), error: (m: string) => log.warn(m) },
    throttle: { ...groups, onRateLimit: decide('rate limit'), onSecondaryRateLimit: decide('secondary rate limit') },
    // 429 is left to the throttling plugin, which honours retry-after and our retry budget.
    retry: { retryAfterBaseValue: options.retryBaseMs ?? 1000, doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451] },
  });

  octokit.hook.before('request', (request) => {
    // @octokit/plugin-retry would repeat a POST after a 5xx and could create a duplicate.
    // A fresh object per request: `request.request` starts out as the client's shared defaults.
    request.request = { ...request.request, ...(isNonIdempotent(request.method, request.url) ? { retries: 0 } : {}) };
  });

  // Until a reported limit is over: no write after a secondary limit, nothing after the primary one ran out.
  let writesHeldUntil = 0;
  let allHeldUntil = 0;
  // Bounded by bytes, not entries: answers range from a label to a 100 MB blob.
  const etagBytes = options.etagCacheBytes ?? ETAG_CACHE_BYTES;
  const etags = createBoundedCache<string, CachedResponse>({ maxBytes: etagBytes, maxEntryBytes: etagBytes / 8, sizeOf: (cached) => cached.bytes });
  const stats: ClientStats = { requests: 0, notModified: 0 };
  statsByClient.set(octokit, stats);
  octokit.hook.wrap('request', async (request, requestOptions) => {
    const { method } = requestOptions;
    const heldUntil = isWrite(method) ? Math.max(writesHeldUntil, allHeldUntil) : allHeldUntil;
    if (now() < heldUntil) {
      throw new GitHostError('rate-limited', `${method} ${requestOptions.url}: held back until the Git host's rate limit is over (${new Date(heldUntil).toISOString()})`, {
        retryAfterMs: heldUntil - now(),
      });
    }
    const key = method === 'GET' ? octokit.request.endpoint(requestOptions).url : undefined;
    const cached = key === undefined ? undefined : etags.get(key);
    if (cached) requestOptions.headers = { ...requestOptions.headers, 'if-none-match': cached.etag };
    stats.requests += 1;
    try {
      const response = await request(requestOptions);
      const status = response.status as number;
      if (status >= 300 && status < 400) {
        // Not followed (see isIssueUrl): an error carrying the answer, for the adapter to decide.
        throw new RequestError(`${method} ${requestOptions.url} answered ${status} (moved)`, status, { request: octokit.request.endpoint(requestOptions), response });
      }
      const etag = response.headers.etag;
      if (key !== undefined && etag) etags.set(key, { etag, response, bytes: 512 + etag.length + jsonLength(response.data, etagBytes / 8) });
      return response;
    } catch (error) {
      if (cached && error instanceof RequestError && error.status === 304) {
        stats.notModified += 1;
        return cached.response as Awaited<ReturnType<typeof request>>;
      }
      const wait = declined.get(requestOptions);
      if (wait !== undefined) markRateLimited(error, wait);
      const limited = rateLimitWait(error, now());
      if (limited !== undefined && error instanceof RequestError) {
        if (error.response?.headers['x-ratelimit-remaining'] === '0') allHeldUntil = Math.max(allHeldUntil, now() + limited);
        else if (isWrite(method)) writesHeldUntil = Math.max(writesHeldUntil, now() + limited);
      }
      throw error;
    }
  });
  return octokit;
}
