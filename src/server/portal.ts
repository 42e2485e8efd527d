import { checkAttachments } from '../tickets/attachments.ts';
import type { TicketView } from '../desk/desk.ts';
import { parseReplyText, parseTicketForm, type FieldErrors } from '../tickets/ticket-form.ts';
import { actingEmail, rememberFiledTicket, type CustomerSession } from '../tickets/customer.ts';
import { formFields, formFiles, readForm } from './form-data.ts';
import { BODY_LIMITS, formBodyLimit } from './bounded-body.ts';
import { DeskError, localizeDeskError } from '../tickets/errors.ts';
import { ERROR_STATUS } from './http.ts';
import { parseEmail } from '../tickets/email.ts';
import type { Services } from './services.ts';
import type { Language } from '../config/config-schema.ts';
import { SEARCH_LANG_FIELD, SEARCH_QUERY_FIELD } from '../kb/insights-protocol.ts';

/** The request facts a portal action needs, whatever framework serves it. */
export interface PortalRequest {
  request: Request;
  services: Services;
  session: CustomerSession | undefined;
  clientAddress: string;
}

/** A form sent back to be fixed or sent again, with everything that was typed. */
export interface FormResult {
  kind: 'form';
  status: number;
  values: Record<string, string>;
  errors: FieldErrors;
  /** The refusal behind it: JSON callers get it as the error body, and its `Retry-After`. */
  refusal?: DeskError;
  /** Names of the files that were sent: a page cannot give chosen files back, so it asks for them again. */
  filesToChooseAgain?: string[];
}

/** What the page or endpoint should answer. */
export type PortalResult = FormResult | { kind: 'redirect'; location: string; session?: string } | { kind: 'done'; message: string };

/** Total request size a form may have: every attachment plus room for the text. */
function maxFormBytes(services: Services): number {
  return formBodyLimit(services.config);
}

/**
 * Runs what a form asks once its fields are read: any refusal (fields to fix, a rate limit, the desk closed or away)
 * comes back as the form with everything that was typed, and the refusal at its top.
 */
async function orFormBack(values: Record<string, string>, files: readonly { name: string }[], act: () => Promise<PortalResult>): Promise<PortalResult> {
  try {
    return await act();
  } catch (thrown) {
    if (!(thrown instanceof DeskError)) throw thrown;
    // The form says which language its customer reads (its hidden `lang` field).
    const error = localizeDeskError(thrown, formLanguage(values));
    return {
      kind: 'form',
      status: ERROR_STATUS[error.code],
      values,
      errors: error.fields ?? { form: error.message },
      refusal: error,
      ...(files.length ? { filesToChooseAgain: files.map((f) => f.name) } : {}),
    };
  }
}

/** The language a customer form was filled in: its hidden `lang` field, English unless it says German. */
export function formLanguage(values: Record<string, string>): Language {
  return values['lang'] === 'de' ? 'de' : 'en';
}

const ticketPath = (ref: string) => `/tickets/${encodeURIComponent(ref)}`;

/**
 * Opens a ticket from the form. Invalid input, a rate limit or a desk that is not taking tickets comes back as the
 * form with what was typed; a valid ticket is journaled, added to the tickets this browser's session opens, and
 * its customer is mailed a sign-in link.
 */
export async function openTicket({ request, services, session, clientAddress }: PortalRequest): Promise<PortalResult> {
  const { config, desk, rateLimits, access } = services;
  const form = await readForm(request, maxFormBytes(services));
  const values = formFields(form);
  const sent = await formFiles(form, 'attachments');
  const lang = formLanguage(values);
  return orFormBack(values, sent, async () => {
    const accepting = desk.accepting();
    if (!accepting.ok) throw new DeskError('tickets_off', { message: accepting.reason });
    if (!config.features.guests && !session?.email) throw new DeskError('guests_off');
    // The honeypot field is hidden from people; only form-filling scripts put text in it.
    if ((values['website'] ?? '') !== '') {
      throw new DeskError('invalid_input', {
        message: lang === 'de' ? 'Wir konnten dieses Formular nicht annehmen. Bitte versuchen Sie es erneut.' : 'We could not accept this form. Please try again.',
      });
    }

    const parsed = parseTicketForm(values, config, session?.email, lang);
    const files = await checkAttachments(sent, config.attachments, lang);
    if (!parsed.ok || !files.ok) {
      const errors: FieldErrors = parsed.ok ? {} : parsed.errors;
      if (!files.ok) errors.attachments = files.error;
      throw new DeskError('invalid_input', { fields: errors as Record<string, string> });
    }
    await rateLimits.consume('ticketPerIp', clientAddress, 'ticketPerEmail', parsed.value.email);
    const key = values['idempotencyKey'];
    // Only a session from a mailed link proves the address; anyone else's ticket is marked unverified.
    const signedIn = session?.email !== undefined && session.email === parsed.value.email;
    // The confirmation mail commits with the ticket, to the address parseEmail normalised (the one the session holds).
    const { ref, filedAt, duplicate } = await desk.openTicket({ form: parsed.value, lang, files: files.files, idempotencyKey: key && /^[\w-]{8,64}$/.test(key) ? key : undefined, signedIn });
    // Knowledgebase insights: a ticket opened from a search's "Open a ticket" link counts against that query, once.
    // A side output: its failure is a warning, never the customer's problem.
    if (!duplicate && values[SEARCH_QUERY_FIELD] !== undefined) {
      await services.insights
        .ticketAfterSearch(values[SEARCH_QUERY_FIELD], values[SEARCH_LANG_FIELD])
        .catch((error: unknown) => console.warn(`helpdesk: could not count a ticket opened after a search: ${String(error)}`));
    }
    return {
      kind: 'redirect',
      location: `${ticketPath(ref)}?created=1`,
      // Dated by the first filing, so a draft resubmitted after the address was verified gets an entry that has lapsed.
      ...(signedIn ? {} : { session: access.sessionToken(rememberFiledTicket(session, { ref, email: parsed.value.email, filedAt })) }),
    };
  });
}

/** Mails a sign-in link for "My tickets"; the answer is the same whether or not the address has tickets. */
export async function requestSignInLink({ request, services, clientAddress }: PortalRequest): Promise<PortalResult> {
  const values = formFields(await readForm(request, BODY_LIMITS.signInForm));
  // The same rule as the ticket form's; the normalised address is both mailed and put in the link.
  const lang = formLanguage(values);
  const parsed = parseEmail(values['email'], lang);
  if (!parsed.ok) return { kind: 'form', status: 400, values, errors: { email: parsed.message } };
  const { email } = parsed;
  await services.rateLimits.consume('linkPerIp', clientAddress, 'linkPerEmail', email);
  await services.desk.sendSignInLink(email, undefined, lang);
  const message =
    lang === 'de'
      ? `Falls ${email} Tickets bei uns hat, ist ein Anmeldelink unterwegs. Er funktioniert einmal, 24 Stunden lang.`
      : `If ${email} has tickets with us, a sign-in link is on its way. It works once, for 24 hours.`;
  return { kind: 'done', message };
}

/**
 * What an emailed link's page shows (GET): the link is checked but neither used up nor exchanged for a
 * session, so a cross-site GET signs nobody in and a mail scanner that fetches links does not burn them.
 * The page's Continue button posts the token to `redeemLink`.
 */
export function inspectLink({ request, services }: PortalRequest): { token: string; email: string; ticket: string | undefined } {
  const token = new URL(request.url).searchParams.get('token') ?? '';
  const claims = services.access.inspect(token);
  return { token, email: claims.email, ticket: claims.ticket };
}

/** Exchanges an emailed link for a session: only on the POST of its Continue button (same-origin, checked by the middleware). */
export async function redeemLink({ request, services, session }: PortalRequest): Promise<PortalResult> {
  const token = formFields(await readForm(request, BODY_LIMITS.accessLink))['token'] ?? '';
  const { sessionToken, claims } = await services.access.redeem(token, session);
  // The link proves the address: its tickets filed unverified count as verified from now.
  await services.desk.confirmAddress(claims.email);
  return { kind: 'redirect', location: claims.ticket ? ticketPath(claims.ticket) : '/tickets', session: sessionToken };
}

/**
 * Loads a ticket for its customer. Anything else — no session, another customer's ticket, no such ticket — is the
 * same refusal (`not_signed_in` without a session, else `not_found`), so a reference reveals nothing.
 */
export async function loadTicket({ services, session }: PortalRequest, ref: string): Promise<TicketView> {
  if (!session) throw new DeskError('not_signed_in');
  const view = await services.desk.viewTicket(ref, session);
  if (!view) throw new DeskError('not_found');
  return view;
}

/** Reply, close, reopen or rate, from the ticket page's forms (`action` field); a refusal keeps what was typed. */
export async function ticketAction(input: PortalRequest, ref: string): Promise<PortalResult> {
  const { request, services, session, clientAddress } = input;
  if (!session) throw new DeskError('not_signed_in');
  const form = await readForm(request, maxFormBytes(services));
  const values = formFields(form);
  const sent = await formFiles(form, 'attachments');
  // The ticket page's forms carry the ticket's language.
  const lang = formLanguage(values);
  return orFormBack(values, sent, async () => {
    // The address its writes are metered by; the desk checks that it owns the ticket.
    const email = actingEmail(session, ref);
    if (email === undefined) throw new DeskError('not_found');
    // Each of these writes to the Git host: metered per customer and per address, like replies.
    if (values['action'] === 'close' || values['action'] === 'reopen' || values['action'] === 'rate') {
      await services.rateLimits.consume('changePerEmail', email, 'changePerIp', clientAddress);
    }
    switch (values['action']) {
      case 'reply': {
        const text = parseReplyText(values['message'], services.config, lang);
        const files = await checkAttachments(sent, services.config.attachments, lang);
        if (!text.ok || !files.ok) {
          throw new DeskError('invalid_input', { fields: { ...(text.ok ? {} : { message: text.error }), ...(files.ok ? {} : { attachments: files.error }) } });
        }
        await services.rateLimits.consume('replyPerEmail', email);
        await services.desk.reply(ref, session, text.value, files.files);
        return { kind: 'redirect', location: `${ticketPath(ref)}#reply-form` };
      }
      case 'close':
        if (values['confirm'] !== 'yes') {
          const message = lang === 'de' ? 'Setzen Sie das Häkchen, um zu bestätigen, dass das Ticket geschlossen werden kann.' : 'Tick the box to confirm that the ticket can be closed.';
          throw new DeskError('invalid_input', { message });
        }
        await services.desk.setClosed(ref, session, true);
        return { kind: 'redirect', location: ticketPath(ref) };
      case 'reopen':
        await services.desk.setClosed(ref, session, false);
        return { kind: 'redirect', location: ticketPath(ref) };
      case 'rate': {
        const messageId = Number(values['message']);
        const rating = values['rating'];
        if (!Number.isSafeInteger(messageId) || (rating !== 'helpful' && rating !== 'not-helpful')) {
          throw new DeskError('invalid_input', { message: 'Choose "helpful" or "not helpful" for a staff reply.' });
        }
        await services.desk.rate(ref, session, messageId, rating);
        return { kind: 'redirect', location: `${ticketPath(ref)}#message-${messageId}` };
      }
      default:
        throw new DeskError('invalid_input', { message: 'Unknown action; use the buttons on the ticket page.' });
    }
  });
}
