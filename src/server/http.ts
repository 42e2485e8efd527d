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

/** The answer while the Git host fails: JSON for the API and the enhanced forms, a short page otherwise. */
export function hostUnavailable(request: Request): Response {
  const error = new DeskError('host_unavailable');
  if (wantsJson(request) || new URL(request.url).pathname.startsWith('/api/')) return errorResponse(error);
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Try again in a minute</title></head><body><main><h1>Try again in a minute</h1><p>${error.message}</p><p><a href="">Reload</a> · <a href="/">Help Centre home</a></p></main></body></html>`;
  return new Response(page, { status: 502, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Retry-After': '60' } });
}
