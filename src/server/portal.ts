import { checkAttachments } from '../tickets/attachments.ts';
import type { TicketView } from '../desk/desk.ts';
import { parseReplyText, parseTicketForm, type FieldErrors } from '../tickets/ticket-form.ts';
import type { CustomerSession } from '../tickets/customer.ts';
import { formFields, formFiles, readForm } from './form-data.ts';
import { DeskError } from '../tickets/errors.ts';
import type { Services } from './services.ts';

/** The request facts a portal action needs, whatever framework serves it. */
export interface PortalRequest {
  request: Request;
  services: Services;
  session: CustomerSession | undefined;
  clientAddress: string;
}

/** What the page or endpoint should answer. */
export type PortalResult =
  | { kind: 'form'; status: number; values: Record<string, string>; errors: FieldErrors }
  | { kind: 'redirect'; location: string; session?: string }
  | { kind: 'done'; message: string };

/** Total request size a form may have: every attachment plus room for the text. */
function maxFormBytes(services: Services): number {
  const { maxBytes, maxCount } = services.config.attachments;
  return maxBytes * Math.max(1, maxCount) + 1024 * 1024;
}

const ticketPath = (ref: string) => `/tickets/${encodeURIComponent(ref)}`;

/**
 * Opens a ticket from the form. Invalid input comes back with per-field messages and the typed
 * values; a valid ticket is journaled, the customer is signed in for that one ticket, and mailed a
 * sign-in link.
 */
export async function openTicket({ request, services, session, clientAddress }: PortalRequest): Promise<PortalResult> {
  const { config, desk, rateLimits, access } = services;
  const form = await readForm(request, maxFormBytes(services));
  const values = formFields(form);
  const accepting = desk.accepting();
  if (!accepting.ok) return { kind: 'form', status: 503, values, errors: { form: accepting.reason } };
  if (!config.features.guests && (!session || session.ticket !== undefined)) {
    return { kind: 'form', status: 403, values, errors: { form: new DeskError('guests_off').message } };
  }
  // The honeypot field is hidden from people; only form-filling scripts put text in it.
  if ((values['website'] ?? '') !== '') return { kind: 'form', status: 400, values, errors: { form: 'We could not accept this form. Please try again.' } };

  const parsed = parseTicketForm(values, config, session && session.ticket === undefined ? session.email : undefined);
  const files = await checkAttachments(await formFiles(form, 'attachments'), config.attachments);
  if (!parsed.ok || !files.ok) {
    const errors: FieldErrors = parsed.ok ? {} : parsed.errors;
    if (!files.ok) errors.attachments = files.error;
    return { kind: 'form', status: 400, values, errors };
  }
  await rateLimits.consume('ticketPerIp', clientAddress);
  await rateLimits.consume('ticketPerEmail', parsed.value.email);
  const key = values['idempotencyKey'];
  const { ref } = await desk.openTicket({ form: parsed.value, files: files.files, idempotencyKey: key && /^[\w-]{8,64}$/.test(key) ? key : undefined });
  await desk.sendSignInLink(parsed.value.email, ref).catch(() => undefined);
  const signedIn = session && session.ticket === undefined && session.email === parsed.value.email.toLowerCase();
  return {
    kind: 'redirect',
    location: `${ticketPath(ref)}?created=1`,
    ...(signedIn ? {} : { session: access.ticketSessionToken(parsed.value.email, ref) }),
  };
}

/** Mails a sign-in link for "My tickets"; the answer is the same whether or not the address has tickets. */
export async function requestSignInLink({ request, services, clientAddress }: PortalRequest): Promise<PortalResult> {
  const values = formFields(await readForm(request, 64 * 1024));
  const email = (values['email'] ?? '').trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) {
    return { kind: 'form', status: 400, values, errors: { email: 'Enter a valid email address, like name@example.com.' } };
  }
  await services.rateLimits.consume('linkPerIp', clientAddress);
  await services.rateLimits.consume('linkPerEmail', email);
  await services.desk.sendSignInLink(email);
  return { kind: 'done', message: `If ${email} has tickets with us, a sign-in link is on its way. It works once, for 24 hours.` };
}

/** Exchanges an emailed link for a session. */
export function redeemLink({ request, services }: PortalRequest): PortalResult {
  const token = new URL(request.url).searchParams.get('token') ?? '';
  const { sessionToken, claims } = services.access.redeem(token);
  return { kind: 'redirect', location: claims.ticket ? ticketPath(claims.ticket) : '/tickets', session: sessionToken };
}

/** Loads a ticket for its customer; anything else is a 404, never a 403, so ticket numbers reveal nothing. */
export async function loadTicket({ services, session }: PortalRequest, ref: string): Promise<TicketView> {
  if (!session) throw new DeskError('not_signed_in');
  const view = await services.desk.viewTicket(ref, session);
  if (!view) throw new DeskError('not_found');
  return view;
}

/** Reply, close, reopen or rate, from the ticket page's forms (`action` field). */
export async function ticketAction(input: PortalRequest, ref: string): Promise<PortalResult> {
  const { request, services, session } = input;
  if (!session) throw new DeskError('not_signed_in');
  const form = await readForm(request, maxFormBytes(services));
  const values = formFields(form);
  switch (values['action']) {
    case 'reply': {
      const text = parseReplyText(values['message'], services.config);
      const files = await checkAttachments(await formFiles(form, 'attachments'), services.config.attachments);
      if (!text.ok || !files.ok) {
        return { kind: 'form', status: 400, values, errors: { ...(text.ok ? {} : { message: text.error }), ...(files.ok ? {} : { attachments: files.error }) } };
      }
      await services.rateLimits.consume('replyPerEmail', session.email);
      await services.desk.reply(ref, session, text.value, files.files);
      return { kind: 'redirect', location: `${ticketPath(ref)}#reply-form` };
    }
    case 'close':
      if (values['confirm'] !== 'yes') return { kind: 'form', status: 400, values, errors: { form: 'Tick the box to confirm that the ticket can be closed.' } };
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
}
