/**
 * The one catalogue of errors the desk reports: code → the message a person reads. Services throw
 * `DeskError`; the HTTP layer (`server/http.ts`) maps each code to a status and the body
 * `{ error: { code, message } }`.
 */
export const DESK_ERRORS = {
  invalid_input: 'Some fields need attention.',
  bad_content_type: 'Send the form as multipart/form-data or application/x-www-form-urlencoded.',
  too_large: 'The request is too large.',
  forbidden_origin: 'This request did not come from this site. Reload the page and try again.',
  not_signed_in: 'Open the link from your email to see your tickets.',
  not_found: 'There is no such ticket, or it belongs to another email address.',
  link_invalid: 'This link is not valid. Ask for a new one on the My tickets page.',
  link_expired: 'This link has expired. Ask for a new one on the My tickets page.',
  link_used: 'This link was already used. Ask for a new one on the My tickets page.',
  rate_limited: 'Too many requests.',
  tickets_off: 'Tickets are not being accepted at the moment.',
  guests_off: 'Sign in with your email address before opening a ticket.',
  not_allowed: 'That is not possible for this ticket now.',
  forbidden: 'Your account may not do that.',
  host_unavailable: 'The ticket system is not reachable right now. Your message is safe; try again in a minute.',
  method_not_allowed: 'This address does not accept that method.',
  unavailable: 'This cannot be saved right now. Try again in a minute.',
} as const;

export type DeskErrorCode = keyof typeof DESK_ERRORS;

/** An error a person can act on; thrown by services, mapped to a response at the edge. */
export class DeskError extends Error {
  override name = 'DeskError';
  readonly code: DeskErrorCode;
  /** Per-field messages of a form, keyed by field name. */
  readonly fields: Record<string, string> | undefined;
  readonly retryAfterSeconds: number | undefined;
  constructor(code: DeskErrorCode, options: { message?: string; fields?: Record<string, string>; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(options.message ?? DESK_ERRORS[code], { cause: options.cause });
    this.code = code;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
