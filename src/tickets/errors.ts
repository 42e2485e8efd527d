import type { Language } from '../config/config-schema.ts';

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

/** The same catalogue for German customers (the customer pages of a German ticket or form). */
const DESK_ERRORS_DE: Record<DeskErrorCode, string> = {
  invalid_input: 'Einige Felder brauchen Ihre Aufmerksamkeit.',
  bad_content_type: 'Senden Sie das Formular als multipart/form-data oder application/x-www-form-urlencoded.',
  too_large: 'Die Anfrage ist zu groß.',
  forbidden_origin: 'Diese Anfrage kam nicht von dieser Seite. Laden Sie die Seite neu und versuchen Sie es erneut.',
  not_signed_in: 'Öffnen Sie den Link aus Ihrer E-Mail, um Ihre Tickets zu sehen.',
  not_found: 'Dieses Ticket gibt es nicht, oder es gehört zu einer anderen E-Mail-Adresse.',
  link_invalid: 'Dieser Link ist ungültig. Fordern Sie auf der Seite „Meine Tickets“ einen neuen an.',
  link_expired: 'Dieser Link ist abgelaufen. Fordern Sie auf der Seite „Meine Tickets“ einen neuen an.',
  link_used: 'Dieser Link wurde bereits benutzt. Fordern Sie auf der Seite „Meine Tickets“ einen neuen an.',
  rate_limited: 'Zu viele Anfragen.',
  tickets_off: 'Wir nehmen im Moment keine Tickets an. Bitte versuchen Sie es später erneut — die Hilfeartikel haben vielleicht schon Ihre Antwort.',
  guests_off: 'Melden Sie sich mit Ihrer E-Mail-Adresse an, bevor Sie ein Ticket eröffnen.',
  not_allowed: 'Das ist bei diesem Ticket gerade nicht möglich.',
  forbidden: 'Ihr Konto darf das nicht.',
  host_unavailable: 'Das Ticketsystem ist gerade nicht erreichbar. Ihre Nachricht ist sicher; versuchen Sie es in einer Minute erneut.',
  method_not_allowed: 'Diese Adresse nimmt diese Methode nicht an.',
  unavailable: 'Das kann gerade nicht gespeichert werden. Versuchen Sie es in einer Minute erneut.',
};

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

/**
 * A refusal in the customer's language. English keeps the error's own message (which may say more than the
 * catalogue); German readers get the catalogue's German wording, with the wait of a rate limit. Form errors
 * (`invalid_input`) are worded in the customer's language where they arise, so they pass through.
 */
export function localizeDeskError(error: DeskError, lang: Language): DeskError {
  if (lang === 'en' || error.code === 'invalid_input') return error;
  const wait = error.retryAfterSeconds;
  const message =
    error.code === 'rate_limited' && wait !== undefined
      ? `Zu viele Anfragen. Bitte versuchen Sie es in ${wait < 60 ? `${wait} Sekunde${wait === 1 ? '' : 'n'}` : `${Math.ceil(wait / 60)} Minute${Math.ceil(wait / 60) === 1 ? '' : 'n'}`} erneut.`
      : DESK_ERRORS_DE[error.code];
  return new DeskError(error.code, { message, ...(error.fields ? { fields: error.fields } : {}), ...(wait !== undefined ? { retryAfterSeconds: wait } : {}), cause: error });
}
