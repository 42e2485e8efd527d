import { createAppAuth } from '@octokit/auth-app';
import { RequestError } from '@octokit/request-error';
import Bottleneck from 'bottleneck';
import { Octokit } from 'octokit';

/** How the adapter authenticates: a token (classic or fine-grained) or a GitHub App installation. */
export type GitHostAuth = { kind: 'token'; token: string } | { kind: 'app'; appId: number; privateKey: string; installationId: number };

export interface ClientOptions {
  /** API base URL: https://api.github.com, `https://<ghes>/api/v3`, or the local host's URL. @default "https://api.github.com" */
  baseUrl?: string | undefined;
  auth: GitHostAuth;
  /**
   * Minimum milliseconds between writes, and between writes that notify people (issues, comments).
   * GitHub asks for about a second between content-creating requests (secondary limits: about 80 a minute,
   * 500 an hour; https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api).
   * @default { write: 1000, notification: 3000 } (the throttling plugin's own defaults)
   */
  intervalsMs?: { write: number; notification: number } | undefined;
  /** How often a rate-limited request is retried after waiting as told before giving up. @default 3 */
  rateLimitRetries?: number | undefined;
  /** Longest wait (seconds) the client sits out inside a request; longer limits surface as errors. @default 120 */
  maxRetryAfterSeconds?: number | undefined;
  /** Base of the retry plugin's backoff for failed idempotent requests (retries after 1, 4, 9 × base). @default 1000 */
  retryBaseMs?: number | undefined;
  /** Aborts a request that takes longer. @default 30000 */
  requestTimeoutMs?: number | undefined;
  /** Where warnings go. @default console */
  log?: Pick<Console, 'warn' | 'info'> | undefined;
}

/**
 * Requests that must never be repeated blindly: they create something, so a retry after a 5xx or timeout
 * could create it twice. The outbox retries them after looking up their idempotency key instead.
 */
export function isNonIdempotent(method: string, url: string): boolean {
  if (method === 'POST') return true;
  return method === 'PUT' && /\/contents\//.test(url);
}

interface CachedResponse {
  etag: string;
  response: unknown;
}

/** Most ETag entries kept; the oldest is dropped first. */
const ETAG_CACHE_SIZE = 2000;

/**
 * Creates the one Octokit client of the adapter: the `octokit` package's throttling and retry plugins
 * (each client with its own rate limiter groups), retries only for idempotent requests, a request
 * timeout, and conditional requests (ETag / If-None-Match) so unchanged reads cost no rate limit.
 */
export function createClient(options: ClientOptions): Octokit {
  const log = options.log ?? console;
  const retries = options.rateLimitRetries ?? 3;
  const maxWait = options.maxRetryAfterSeconds ?? 120;
  const shouldRetry = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    if (retryCount >= retries || retryAfter > maxWait) {
      log.warn(`git-host: ${kind} for ${request.method} ${request.url}; giving up after ${retryCount} retries (retry-after ${retryAfter}s)`);
      return false;
    }
    log.info(`git-host: ${kind} for ${request.method} ${request.url}; retrying after ${retryAfter}s`);
    return true;
  };
  const intervals = options.intervalsMs;
  // Own limiter groups per client: the plugin's defaults are module-global and would make clients
  // (and tests) wait on each other.
  const groups = intervals
    ? {
        global: new Bottleneck.Group({ maxConcurrent: 10 }),
        auth: new Bottleneck.Group({ maxConcurrent: 1 }),
        search: new Bottleneck.Group({ maxConcurrent: 1, minTime: 2000 }),
        write: new Bottleneck.Group({ maxConcurrent: 1, minTime: intervals.write }),
        notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: intervals.notification }),
      }
    : {};
  const auth =
    options.auth.kind === 'token'
      ? { auth: options.auth.token }
      : { authStrategy: createAppAuth, auth: { appId: options.auth.appId, privateKey: options.auth.privateKey, installationId: options.auth.installationId } };
  const octokit = new Octokit({
    ...auth,
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/$/, '') } : {}),
    userAgent: 'helpdesk-kb',
    log: { debug: () => {}, info: (m: string) => log.info(m), warn: (m: string) => log.warn(m), error: (m: string) => log.warn(m) },
    throttle: { ...groups, onRateLimit: shouldRetry('rate limit'), onSecondaryRateLimit: shouldRetry('secondary rate limit') },
    // 429 is left to the throttling plugin, which honours retry-after and our retry budget.
    retry: { retryAfterBaseValue: options.retryBaseMs ?? 1000, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
  });

  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  octokit.hook.before('request', (request) => {
    // @octokit/plugin-retry would repeat a POST after a 5xx and could create a duplicate.
    // A fresh object per request: `request.request` starts out as the client's shared defaults.
    request.request = {
      ...request.request,
      ...(isNonIdempotent(request.method, request.url) ? { retries: 0 } : {}),
      signal: request.request?.signal ?? AbortSignal.timeout(timeoutMs),
    };
  });

  const etags = new Map<string, CachedResponse>();
  octokit.hook.wrap('request', async (request, requestOptions) => {
    if (requestOptions.method !== 'GET') return request(requestOptions);
    const key = octokit.request.endpoint(requestOptions).url;
    const cached = etags.get(key);
    if (cached) requestOptions.headers = { ...requestOptions.headers, 'if-none-match': cached.etag };
    try {
      const response = await request(requestOptions);
      const etag = response.headers.etag;
      if (etag) {
        etags.delete(key);
        etags.set(key, { etag, response });
        if (etags.size > ETAG_CACHE_SIZE) etags.delete(etags.keys().next().value as string);
      }
      return response;
    } catch (error) {
      if (cached && error instanceof RequestError && error.status === 304) return cached.response as Awaited<ReturnType<typeof request>>;
      throw error;
    }
  });
  return octokit;
}
