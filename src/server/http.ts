/**
 * The one catalogue of API errors: code → HTTP status and the message a person reads.
 * Bodies are `{ error: { code, message } }`.
 */
export const API_ERRORS = {
  invalid_input: { status: 400, message: 'Some fields need attention.' },
  bad_content_type: { status: 415, message: 'Send the form as multipart/form-data or application/x-www-form-urlencoded.' },
  too_large: { status: 413, message: 'The request is too large.' },
  forbidden_origin: { status: 403, message: 'This request did not come from this site. Reload the page and try again.' },
  not_signed_in: { status: 401, message: 'Open the link from your email to see your tickets.' },
  not_found: { status: 404, message: 'There is no such ticket, or it belongs to another email address.' },
  link_invalid: { status: 400, message: 'This link is not valid. Ask for a new one on the My tickets page.' },
  link_expired: { status: 400, message: 'This link has expired. Ask for a new one on the My tickets page.' },
  link_used: { status: 400, message: 'This link was already used. Ask for a new one on the My tickets page.' },
  rate_limited: { status: 429, message: 'Too many requests.' },
  tickets_off: { status: 503, message: 'Tickets are not being accepted at the moment.' },
  guests_off: { status: 403, message: 'Sign in with your email address before opening a ticket.' },
  not_allowed: { status: 409, message: 'That is not possible for this ticket now.' },
  host_unavailable: { status: 502, message: 'The ticket system is not reachable right now. Your message is safe; try again in a minute.' },
  method_not_allowed: { status: 405, message: 'This address does not accept that method.' },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** An error an endpoint answers with; thrown in services, mapped to a response at the edge. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly fields: Record<string, string> | undefined;
  readonly retryAfterSeconds: number | undefined;
  constructor(code: ApiErrorCode, options: { message?: string; fields?: Record<string, string>; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(options.message ?? API_ERRORS[code].message, { cause: options.cause });
    this.code = code;
    this.status = API_ERRORS[code].status;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** JSON response with no caching: everything the API returns is private. */
export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.set('Cache-Control', 'private, no-store');
  return new Response(JSON.stringify(body), { ...init, headers });
}

/** The response for an ApiError. */
export function errorResponse(error: ApiError): Response {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  return json({ error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } }, { status: error.status, headers });
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

/** The answer while the Git host fails: JSON for the API and the enhanced forms, a short page otherwise. */
export function hostUnavailable(request: Request): Response {
  const error = new ApiError('host_unavailable');
  if (wantsJson(request) || new URL(request.url).pathname.startsWith('/api/')) return errorResponse(error);
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Try again in a minute</title></head><body><main><h1>Try again in a minute</h1><p>${error.message}</p><p><a href="">Reload</a> · <a href="/">Help Centre home</a></p></main></body></html>`;
  return new Response(page, { status: 502, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Retry-After': '60' } });
}
