import type { Config } from '../config/config-schema.ts';
import type { Desk, MessageView, TicketView } from '../desk/desk.ts';
import { actingEmail, rememberFiledTicket, type CustomerSession } from '../tickets/customer.ts';
import { parseEmail } from '../tickets/email.ts';
import { DeskError } from '../tickets/errors.ts';
import { parseReplyText, type TicketForm } from '../tickets/ticket-form.ts';
import { readBoundedText } from './bounded-body.ts';
import type { CustomerAccess } from './customer-access.ts';
import type { RateLimits } from './rate-limits.ts';
import type { TicketChangeFeed } from './ticket-change-feed.ts';
import { openEventStream, streamSlots } from './event-stream.ts';
import type { Database } from '../store/database.ts';
import { invitesSince, markWatching } from '../store/chat.ts';

/*
 * The chat widget's side of the desk. A conversation is a ticket labelled `channel: chat`: the same neutralising,
 * limits, metadata, outbox, abuse limits and access rules as a ticket, and staff answer it in the issue UI or on the
 * staff pages. What the widget adds is a live stream of the conversation's public messages.
 */

/** A chat request body: a message and, for the first one, who is writing. */
export const CHAT_BODY_LIMIT = 128 * 1024;
/** Streams open at once in this process, and per conversation (a few tabs). */
const MAX_STREAMS = 1000;
const MAX_STREAMS_PER_CONVERSATION = 6;
const KEEP_ALIVE_MS = 20_000;
/** How often the widget hears whether someone is present, and how often a conversation still queued is looked at. */
const PRESENCE_EVERY_MS = 15_000;
const QUEUED_EVERY_MS = 1_000;
/** An open panel says it is watching this often (workflow: no mail per answer while it does), valid this long. */
const WATCHING_EVERY_MS = 20_000;
const WATCHING_FOR_MS = 45_000;
/** How often an open panel looks for a conversation a supporter started with its customer, and how far back. */
const INVITES_EVERY_MS = 2_000;
const INVITES_BACK_MS = 60_000;
/** A stream ends after this long; the widget reconnects at once from the last message it has. */
const STREAM_LIFETIME_MS = 15 * 60_000;

/** One message as the widget shows it: the customer's page's view of it, never an internal note. */
export interface ChatMessage {
  /** The host's id; 0 for the opening message. */
  id: number;
  kind: 'customer' | 'staff';
  authorName: string;
  html: string;
  createdAt: string;
  attachments: MessageView['attachments'];
}

export interface ChatStatus {
  enabled: boolean;
  /** Someone on the staff is present: answers come in minutes; otherwise the widget takes a message answered by mail. */
  present: boolean;
  /** The address the visitor's session proves: the widget asks for none. */
  signedInEmail: string | undefined;
}

export interface ChatDeps {
  config: Config;
  desk: Desk;
  access: Pick<CustomerAccess, 'sessionToken'>;
  rateLimits: RateLimits;
  feed: TicketChangeFeed;
  database: Database;
  /** The pseudonymous id the read model keeps a customer under (the Git host adapter's). */
  customerId(email: string): string;
}

export interface Chat {
  status(session: CustomerSession | undefined): ChatStatus;
  /** Opens a conversation with its first message; the session to set covers it. */
  start(input: { request: Request; session: CustomerSession | undefined; clientAddress: string }): Promise<{ ref: string; present: boolean; session?: string }>;
  send(input: { request: Request; session: CustomerSession | undefined; ref: string }): Promise<void>;
  /**
   * The conversation's public messages as server-sent events: `message` (id = the message's, data a ChatMessage)
   * in thread order, each once — from after Last-Event-ID on a reconnect; `status` when it is closed or reopened;
   * `presence` when staff come or go; `invite` when a supporter starts a conversation with the customer (with its
   * reference and first message only for a session that proves the address; otherwise a mail brings the link).
   */
  stream(input: { session: CustomerSession | undefined; ref: string; lastEventId?: string | null | undefined; signal?: AbortSignal | undefined }): Promise<ReadableStream<Uint8Array>>;
}

async function readJson(request: Request): Promise<Record<string, unknown>> {
  const text = await readBoundedText(request, CHAT_BODY_LIMIT);
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Answered below.
  }
  throw new DeskError('invalid_input', { message: 'Send a JSON object, e.g. {"message": "…"}.' });
}

/** The conversation's subject on the Git host: its first line, clipped. */
export function chatSubject(message: string): string {
  const line = message.split('\n').find((l) => l.trim() !== '') ?? message;
  const words = line.replace(/\s+/g, ' ').trim();
  return `Chat: ${words.length > 60 ? `${words.slice(0, 59)}…` : words}`;
}

/** The messages a stream sends: those with a host id after `after`, the opening one as 0, in thread order. */
export function chatMessagesAfter(view: TicketView, after: number): ChatMessage[] {
  const out: ChatMessage[] = [];
  view.messages.forEach((m) => {
    if (m.queued) return;
    // The opening message is the issue's body: the only delivered one without a comment id.
    const id = m.id ?? 0;
    if (id <= after) return;
    out.push({ id, kind: m.kind, authorName: m.authorName, html: m.html, createdAt: m.createdAt, attachments: m.attachments });
  });
  return out.sort((a, b) => a.id - b.id);
}

/** A Last-Event-ID as a message id; anything else starts from the beginning. */
function messageIdOf(lastEventId: string | null | undefined): number {
  return lastEventId && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : -1;
}

export function createChat(deps: ChatDeps): Chat {
  const { config, desk, rateLimits, feed } = deps;
  const present = () => config.supporters.some((s) => s.present);
  const slots = streamSlots({ total: MAX_STREAMS, perKey: MAX_STREAMS_PER_CONVERSATION });

  function enabled(): boolean {
    return config.features.chat && config.features.tickets;
  }

  return {
    status(session) {
      return { enabled: enabled(), present: present(), signedInEmail: session?.email };
    },

    async start({ request, session, clientAddress }) {
      if (!enabled()) throw new DeskError('tickets_off', { message: 'Chat is not offered on this site.' });
      const body = await readJson(request);
      const lang = body['lang'] === 'de' ? 'de' : 'en';
      // Form-filling scripts fill every field, the hidden one too.
      if (typeof body['website'] === 'string' && body['website'] !== '') throw new DeskError('invalid_input', { message: 'We could not accept this message. Please try again.' });
      if (!config.features.guests && !session?.email) throw new DeskError('guests_off');
      const email = session?.email ? { ok: true as const, email: session.email } : parseEmail(body['email'], lang);
      const text = parseReplyText(body['message'], config, lang);
      const name = typeof body['name'] === 'string' ? body['name'].replace(/\s+/g, ' ').trim() : '';
      const fields: Record<string, string> = {};
      if (!email.ok) fields['email'] = email.message;
      if (!text.ok) fields['message'] = text.error;
      if (name.length > 100) fields['name'] = lang === 'de' ? 'Der Name darf höchstens 100 Zeichen lang sein.' : 'Your name can be at most 100 characters.';
      if (!email.ok || !text.ok || Object.keys(fields).length > 0) throw new DeskError('invalid_input', { fields });
      await rateLimits.consume('ticketPerIp', clientAddress, 'ticketPerEmail', email.email);
      const form: TicketForm = {
        email: email.email,
        name,
        subject: chatSubject(text.value),
        message: text.value,
        type: config.ticketTypes[0] as string,
        category: config.categories[0]?.id as string,
        order: '',
        priority: 'normal',
      };
      const signedIn = session?.email !== undefined && session.email === email.email;
      const key = typeof body['key'] === 'string' && /^[\w-]{8,64}$/.test(body['key']) ? body['key'] : undefined;
      // With nobody present the message is taken all the same: it waits in the pool and is answered by mail.
      const { ref, filedAt } = await desk.openTicket({ form, lang, files: [], idempotencyKey: key, signedIn, channel: 'chat' });
      return { ref, present: present(), ...(signedIn ? {} : { session: deps.access.sessionToken(rememberFiledTicket(session, { ref, email: email.email, filedAt })) }) };
    },

    async send({ request, session, ref }) {
      if (!session) throw new DeskError('not_signed_in');
      const email = actingEmail(session, ref);
      if (email === undefined) throw new DeskError('not_found');
      const body = await readJson(request);
      const lang = body['lang'] === 'de' ? 'de' : 'en';
      const text = parseReplyText(body['message'], config, lang);
      if (!text.ok) throw new DeskError('invalid_input', { fields: { message: text.error } });
      await rateLimits.consume('replyPerEmail', email);
      await desk.reply(ref, session, text.value, []);
    },

    async stream({ session, ref, lastEventId, signal }) {
      const view = await desk.viewTicket(ref, session);
      if (!view) throw new DeskError(session ? 'not_found' : 'not_signed_in');
      const release = slots.take(ref);
      if (!release) throw new DeskError('rate_limited', { message: 'This conversation is open in too many windows; close one and try again.' });
      let number = await desk.ticketNumber(ref, session);
      const email = actingEmail(session as CustomerSession, ref) as string;
      const customer = deps.customerId(email);
      const proven = session?.email === email;
      const invited = new Set<string>([ref]);
      const since = Date.now() - INVITES_BACK_MS;
      let lastId = messageIdOf(lastEventId);
      let status = view.status;
      let wasPresent = present();
      let unsubscribe: (() => void) | undefined;
      // One read at a time; a change during a read causes one more.
      let reading: Promise<void> | undefined;
      let again = false;

      return openEventStream({
        signal,
        retryMs: 2_000,
        comment: 'chat',
        keepAliveMs: KEEP_ALIVE_MS,
        lifetimeMs: STREAM_LIFETIME_MS,
        onEnd() {
          unsubscribe?.();
          // Gone from the page: answers from now on are mailed (another open tab says it is there within 20 s).
          if (number !== undefined) void markWatching(deps.database, number, Date.now() - 1).catch(() => {});
          release();
        },
        async start(writer) {
          const watching = async () => {
            if (number !== undefined && !writer.closed) await markWatching(deps.database, number, Date.now() + WATCHING_FOR_MS).catch(() => {});
          };
          const deliver = (current: TicketView) => {
            for (const message of chatMessagesAfter(current, lastId)) {
              writer.send({ id: message.id, event: 'message', data: message });
              lastId = message.id;
            }
            if (current.status !== status) {
              status = current.status;
              writer.send({ event: 'status', data: { status, canReply: current.canReply } });
            }
          };
          const read = (): Promise<void> => {
            if (reading) {
              again = true;
              return reading;
            }
            reading = (async () => {
              try {
                const current = await desk.viewTicket(ref, session);
                if (!current) {
                  writer.send({ event: 'status', data: { status: 'removed', canReply: false } });
                  writer.end();
                  return;
                }
                number ??= await desk.ticketNumber(ref, session);
                deliver(current);
              } catch {
                // The Git host is away for a moment: the next change or tick reads again.
              } finally {
                reading = undefined;
                if (again && !writer.closed) {
                  again = false;
                  void read();
                }
              }
            })();
            return reading;
          };
          const invites = async () => {
            for (const invite of await invitesSince(deps.database, customer, since)) {
              if (invited.has(invite.ref)) continue;
              invited.add(invite.ref);
              writer.send({ event: 'invite', data: proven ? { ref: invite.ref, staffName: invite.staffName, text: invite.text } : { staffName: invite.staffName } });
            }
          };

          writer.send({ event: 'presence', data: { present: wasPresent } });
          deliver(view);
          unsubscribe = await feed.subscribe((event) => {
            if ('reset' in event || event.changes.some((c) => c.kind === 'ticket' && c.number === number)) void read();
          });
          if (writer.closed) unsubscribe();
          writer.every(PRESENCE_EVERY_MS, () => {
            const now = present();
            if (now !== wasPresent) writer.send({ event: 'presence', data: { present: now } });
            wasPresent = now;
          });
          // Until the outbox has filed it, a conversation has no issue whose changes the feed could name.
          writer.every(QUEUED_EVERY_MS, () => {
            if (number === undefined) void read();
          });
          writer.every(WATCHING_EVERY_MS, () => void watching());
          writer.every(INVITES_EVERY_MS, () => void invites().catch(() => {}));
          void watching();
        },
      });
    },
  };
}
