import { RequestError } from '@octokit/request-error';

/**
 * What went wrong at the Git host, in terms callers can act on:
 * - `refused`: the host rejected the request for good (400, 403 without rate limit, 409, 410, 422); retrying cannot help.
 * - `not-found`: the ticket, file or repository does not exist (or is not visible to the credentials).
 * - `auth`: the credentials were rejected (401).
 * - `rate-limited`: primary or secondary rate limit; `retryAfterMs` says when to try again.
 * - `unavailable`: a read failed (5xx, timeout, network); safe to retry.
 * - `unknown-outcome`: a write failed in a way that may or may not have applied it (5xx, timeout, reset);
 *   look the idempotency key up before retrying.
 * - `config`: our own configuration forbids the operation (e.g. clear-text emails on a public repository).
 */
export type GitHostErrorKind = 'refused' | 'not-found' | 'auth' | 'rate-limited' | 'unavailable' | 'unknown-outcome' | 'config';

export class GitHostError extends Error {
  override name = 'GitHostError';
  readonly kind: GitHostErrorKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(kind: GitHostErrorKind, message: string, options: { status?: number | undefined; retryAfterMs?: number | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Whether an error from the host is worth retrying later (as opposed to a refusal for good). */
export function isTransient(error: GitHostError): boolean {
  return error.kind === 'rate-limited' || error.kind === 'unavailable' || error.kind === 'unknown-outcome';
}

function header(error: RequestError, name: string): string | undefined {
  const value = error.response?.headers[name];
  return value === undefined || value === null ? undefined : String(value);
}

/** Milliseconds to wait according to `retry-after` or `x-ratelimit-reset`, if the answer says. */
function retryAfterOf(error: RequestError): number | undefined {
  const retryAfter = header(error, 'retry-after');
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  if (header(error, 'x-ratelimit-remaining') === '0') {
    const reset = Number(header(error, 'x-ratelimit-reset'));
    if (Number.isFinite(reset)) return Math.max(reset * 1000 - Date.now(), 0) + 1000;
  }
  return undefined;
}

/**
 * Turns whatever Octokit threw into a GitHostError. Branches on status codes and headers only, never on
 * message text. `write` marks requests that create content, whose outcome is unknown after a 5xx or timeout.
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
    const retryAfterMs = retryAfterOf(error);
    if (status === 401) return new GitHostError('auth', message, { status, cause: error });
    if (status === 429 || (status === 403 && retryAfterMs !== undefined)) return new GitHostError('rate-limited', message, { status, retryAfterMs, cause: error });
    if (status === 404) return new GitHostError('not-found', message, { status, cause: error });
    if (status >= 400 && status < 500 && status !== 408) return new GitHostError('refused', message, { status, cause: error });
    return new GitHostError(context.write ? 'unknown-outcome' : 'unavailable', message, { status, cause: error });
  }
  const message = `${context.what}: ${error instanceof Error ? error.message : String(error)}`;
  return new GitHostError(context.write ? 'unknown-outcome' : 'unavailable', message, { cause: error });
}
