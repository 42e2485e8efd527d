import type { GitHostError } from '../git-host/index.ts';
import { DeskError, type DeskErrorCode } from '../tickets/errors.ts';

/** The HTTP status of each desk error code. */
export const ERROR_STATUS: Record<DeskErrorCode, number> = {
  invalid_input: 400,
  bad_content_type: 415,
  too_large: 413,
  forbidden_origin: 403,
  not_signed_in: 401,
  not_found: 404,
  link_invalid: 400,
  link_expired: 400,
  link_used: 400,
  rate_limited: 429,
  tickets_off: 503,
  guests_off: 403,
  not_allowed: 409,
  forbidden: 403,
  host_unavailable: 502,
  method_not_allowed: 405,
  unavailable: 503,
};

/** JSON response with no caching: everything the API returns is private. */
export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.set('Cache-Control', 'private, no-store');
  return new Response(JSON.stringify(body), { ...init, headers });
}

/** The response for a DeskError. */
export function errorResponse(error: DeskError): Response {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  return json({ error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } }, { status: ERROR_STATUS[error.code], headers });
}

/** Whether the client asked for JSON (the enhanced form and the API) rather than a page. */
export function wantsJson(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes('application/json');
}

/** "3 minutes" / "1 minute" / "30 seconds" for retry messages. */
export function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** Who meets a Git host outage: staff pages are told what to check and what still works, everyone else that their messages are safe. */
export type OutageAudience = 'customer' | 'staff';

/** A Git host outage as one request met it. */
export interface HostOutage {
  audience: OutageAudience;
  /** Seconds until trying again is worth it: what the host's rate limit said, else a minute. */
  retryAfterSeconds: number;
  /** What the host answered; shown to staff only. */
  reason: string;
  /** The path (and query) the request was for: the outage page's "try again" link. */
  retryPath: string;
}

/** Where the middleware rewrites a page the Git host failed for; opened directly, it is not found. */
export const OUTAGE_PAGE_PATH = '/host-unavailable';

const HOST_RETRY_SECONDS = 60;

/** The JSON reason staff get: customers' wording ("your message is safe") would tell them nothing. */
const STAFF_HOST_UNAVAILABLE =
  "The Git host is not reachable, so this cannot be read or changed right now. The queue and statistics still work, and customers' writes wait in the outbox. Try again in a minute.";

/** Describes an outage for the request it failed: staff for the staff pages, customers anywhere else. */
export function hostOutage(url: URL, error: GitHostError): HostOutage {
  return {
    audience: url.pathname === '/staff' || url.pathname.startsWith('/staff/') ? 'staff' : 'customer',
    retryAfterSeconds: error.retryAfterMs === undefined ? HOST_RETRY_SECONDS : Math.max(1, Math.ceil(error.retryAfterMs / 1000)),
    reason: error.message,
    retryPath: `${url.pathname}${url.search}`,
  };
}

/** The answer to the API and the enhanced forms while the Git host fails: 502, the reason worded for who asks, `Retry-After`. */
export function hostUnavailable(outage: HostOutage): Response {
  const message = outage.audience === 'staff' ? { message: STAFF_HOST_UNAVAILABLE } : {};
  return errorResponse(new DeskError('host_unavailable', { retryAfterSeconds: outage.retryAfterSeconds, ...message }));
}

/** Outages by the request rewritten for them: the outage page shows only for these, never for a visitor's own request. */
const rewrittenOutages = new WeakMap<Request, HostOutage>();

/**
 * The request a page the Git host failed for is rewritten to: a GET of the outage page with the visitor's headers (a
 * form's body was read already, and the page needs none of it).
 */
export function outagePageRequest(request: Request, outage: HostOutage): Request {
  const headers = new Headers(request.headers);
  for (const name of ['content-type', 'content-length', 'transfer-encoding']) headers.delete(name);
  const page = new Request(new URL(OUTAGE_PAGE_PATH, request.url), { method: 'GET', headers });
  rewrittenOutages.set(page, outage);
  return page;
}

/** The outage a request was rewritten for by the middleware, if it was. */
export function outageOf(request: Request): HostOutage | undefined {
  return rewrittenOutages.get(request);
}
