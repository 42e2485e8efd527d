import { RequestError } from '@octokit/request-error';

/**
 * What went wrong at the Git host, classified by what the desk should do about it:
 * - retry later: `rate-limited` (primary or secondary limit, 429, abuse detection; `retryAfterMs` says when),
 *   `unavailable` (a read failed: 5xx, timeout, network), `unknown-outcome` (a write failed in a way that may or
 *   may not have applied it: look the idempotency key up first) and `conflict` (409: a concurrent write won the race);
 * - wait for an operator: `auth` (401: credentials rejected), `operator` (403 for permissions, SAML single sign-on,
 *   an archived repository; the repository missing or its issues disabled) and `config` (our own configuration
 *   forbids it, e.g. clear-text emails on a public repository). Every write would fail the same way until someone
 *   fixes the set-up, so writes pause rather than give up;
 * - `gone`: the issue was deleted (410) or transferred to another repository, or is not there (404) while the
 *   repository is: the ticket was removed;
 * - `moved`: the host answered a redirect (`location`); the adapter resolves it to `gone` or follows it;
 * - `not-found`: something else does not exist, or is not visible to the credentials (404);
 * - `refused`: the host refused this request for good (400, 422 with the reason, other 4xx); retrying cannot help.
 */
export type GitHostErrorKind = 'refused' | 'not-found' | 'gone' | 'moved' | 'conflict' | 'auth' | 'operator' | 'rate-limited' | 'unavailable' | 'unknown-outcome' | 'config';

export class GitHostError extends Error {
  override name = 'GitHostError';
  readonly kind: GitHostErrorKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** Where a redirect (`moved`) points. */
  readonly location: string | undefined;

  constructor(kind: GitHostErrorKind, message: string, options: { status?: number | undefined; retryAfterMs?: number | undefined; location?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.location = options.location;
  }
}

/** Whether an error from the host is worth retrying later on its own (as opposed to a refusal for good). */
export function isTransient(error: GitHostError): boolean {
  return error.kind === 'rate-limited' || error.kind === 'unavailable' || error.kind === 'unknown-outcome' || error.kind === 'conflict';
}

/** Whether every write would fail this way until an operator fixes the set-up (credentials, access, repository). */
export function needsOperator(error: GitHostError): boolean {
  return error.kind === 'auth' || error.kind === 'operator' || error.kind === 'config';
}

/**
 * GitHub's advice when a secondary limit comes without `retry-after`: wait at least a minute
 * (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit);
 * also the throttling plugin's fallback.
 */
export const SECONDARY_LIMIT_FALLBACK_MS = 60_000;

/** Rate limits the throttling plugin recognised and left to the caller, with the wait it computed (ms). */
const recognisedLimits = new WeakMap<object, number>();

/** Records that the throttling plugin classed this error as a rate limit to be waited out for `waitMs`. */
export function markRateLimited(error: unknown, waitMs: number): void {
  if (typeof error === 'object' && error !== null) recognisedLimits.set(error, waitMs);
}

function header(error: RequestError, name: string): string | undefined {
  const value = error.response?.headers[name];
  return value === undefined || value === null ? undefined : String(value);
}

/**
 * Milliseconds to wait when the answer is a rate limit, else undefined: the throttling plugin's own verdict (it
 * recognises secondary limits with and without `retry-after`), then the headers — `retry-after`, or
 * `x-ratelimit-remaining: 0` with `x-ratelimit-reset` — then 429 and 403 answers pointing at GitHub's rate-limit
 * or abuse-detection documentation (older hosts), which get GitHub's one-minute advice.
 */
export function rateLimitWait(error: unknown, now: number = Date.now()): number | undefined {
  if (!(error instanceof RequestError)) return undefined;
  const recognised = recognisedLimits.get(error);
  if (recognised !== undefined) return recognised;
  if (error.status !== 403 && error.status !== 429) return undefined;
  const retryAfter = header(error, 'retry-after');
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  if (header(error, 'x-ratelimit-remaining') === '0') {
    const reset = Number(header(error, 'x-ratelimit-reset'));
    // One second past the reset, as GitHub advises.
    if (Number.isFinite(reset)) return Math.max(reset * 1000 - now, 0) + 1000;
  }
  const documentation = (error.response?.data as { documentation_url?: unknown } | undefined)?.documentation_url;
  if (error.status === 429 || (typeof documentation === 'string' && /rate-limit|abuse/i.test(documentation))) return SECONDARY_LIMIT_FALLBACK_MS;
  return undefined;
}

/** What an operator must do about a 403 that is not a rate limit. */
function forbiddenHint(error: RequestError): string {
  // SAML single sign-on: the token must be authorised for the organisation (the header carries the link).
  const sso = header(error, 'x-github-sso');
  if (sso !== undefined) {
    const url = /url=(\S+)/.exec(sso)?.[1];
    return ` Authorise the token for the organisation's SAML single sign-on${url ? `: ${url}` : ''}.`;
  }
  return ' Check that the credentials may write issues and contents in the repository, and that it is not archived.';
}

/**
 * Turns whatever Octokit threw into a GitHostError. Branches on status codes and headers (and the throttling
 * plugin's verdict), never on message text. `write` marks requests that create content, whose outcome is unknown
 * after a 5xx or timeout.
 */
export function toGitHostError(error: unknown, context: { write: boolean; what: string }): GitHostError {
  if (error instanceof GitHostError) return error;
  if (error instanceof RequestError) {
    const status = error.status;
    const data = error.response?.data as { message?: string; errors?: Array<{ message?: string; field?: string; code?: string } | string> } | undefined;
    // 422 answers put the detail in `errors` (https://docs.github.com/rest/overview/troubleshooting).
    const details = (data?.errors ?? []).map((e) => (typeof e === 'string' ? e : (e.message ?? `${e.field ?? '?'} ${e.code ?? 'invalid'}`)));
    const hostMessage = `${data?.message ?? error.message}${details.length > 0 ? ` (${details.join('; ')})` : ''}`;
    const message = `${context.what}: the Git host answered ${status}: ${hostMessage}`;
    const retryAfterMs = rateLimitWait(error);
    if (status >= 300 && status < 400) return new GitHostError('moved', message, { status, location: header(error, 'location'), cause: error });
    if (status === 401) return new GitHostError('auth', message, { status, cause: error });
    if (retryAfterMs !== undefined) return new GitHostError('rate-limited', message, { status, retryAfterMs, cause: error });
    if (status === 403) return new GitHostError('operator', `${message}.${forbiddenHint(error)}`, { status, cause: error });
    if (status === 404) return new GitHostError('not-found', message, { status, cause: error });
    if (status === 409) return new GitHostError('conflict', message, { status, cause: error });
    if (status === 410) return new GitHostError('gone', message, { status, cause: error });
    if (status >= 400 && status < 500 && status !== 408) return new GitHostError('refused', message, { status, cause: error });
    return new GitHostError(context.write ? 'unknown-outcome' : 'unavailable', message, { status, cause: error });
  }
  const message = `${context.what}: ${error instanceof Error ? error.message : String(error)}`;
  return new GitHostError(context.write ? 'unknown-outcome' : 'unavailable', message, { cause: error });
}
