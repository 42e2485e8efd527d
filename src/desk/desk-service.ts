import { randomUUID } from 'node:crypto';
import { GitHostError, type GitHost } from '../git-host/index.ts';
import type { Ticket, TicketMessage } from '../tickets/ticket.ts';
import type { MailQueue } from '../mail/mail-queue.ts';
import type { MailMessage } from '../mail/transport.ts';
import { opFields, type Outbox } from '../outbox/index.ts';
import type { Config, Language } from '../config/config-schema.ts';
import { sessionEmailFor, type CustomerSession } from '../tickets/customer.ts';
import { DeskError } from '../tickets/errors.ts';
import { sniffType, type CheckedAttachment } from '../tickets/attachments.ts';
import { LOCKED_MESSAGE, REMOVED_MESSAGE, type AttachmentView, type Desk, type MessageView, type OpenTicketInput, type TicketListItem, type TicketView } from './desk.ts';
import { isTicketRef } from '../tickets/idempotency.ts';
import { categoryTitle, staffDisplayName } from '../tickets/display.ts';
import { CHAT_LABEL, isChat, labelName, labelValue } from '../tickets/labels.ts';
import { effectiveAuthor, isVisibleToCustomer, type MessageKind } from '../tickets/message-kinds.ts';
import { ratingFromReactions, mayCarryRating, type Rating } from '../tickets/ratings.ts';
import { statusOf } from '../tickets/status.ts';
import { transition } from '../tickets/transitions.ts';
import { neutralizeCustomerFragment, neutralizeCustomerText } from '../tickets/neutralize.ts';
import { assertFitsHost } from '../tickets/host-limits.ts';
import { renderMessage } from '../tickets/render-message.ts';
import { HEADER_END, publicText } from '../tickets/thread.ts';
import { mergedInto } from '../tickets/merge.ts';
import type { Database } from '../store/database.ts';
import { customerTickets, customerTicketsByRef, type CustomerTicketRow } from '../store/ticket-summaries.ts';
import { recordAddressVerified } from '../store/verified-addresses.ts';
import { draftKeyDigest } from '../tickets/draft-key.ts';
import { ticketLanguage } from '../tickets/metadata.ts';
import { withUnverifiedNote } from '../tickets/customer-verification.ts';

/** The sign-in and ticket confirmation mail's wording, per language (the ticket's, for its confirmation). */
const SIGN_IN_MAIL_TEXT = {
  en: {
    ticketSubject: (ref: string, site: string) => `Your ticket ${ref} — ${site}`,
    signInSubject: (site: string) => `Sign in to your tickets — ${site}`,
    ticketIntro: (ref: string) => `We received your ticket ${ref}. Follow it and reply here:`,
    signInIntro: 'Open this link to see your tickets:',
    linkOnce: 'The link works once and expires in 24 hours. You can always ask for a new one on the My tickets page.',
    replyOnSite: 'Please reply on the site, not to this email.',
  },
  de: {
    ticketSubject: (ref: string, site: string) => `Ihr Ticket ${ref} — ${site}`,
    signInSubject: (site: string) => `Anmeldung zu Ihren Tickets — ${site}`,
    ticketIntro: (ref: string) => `Wir haben Ihr Ticket ${ref} erhalten. Verfolgen Sie es und antworten Sie hier:`,
    signInIntro: 'Öffnen Sie diesen Link, um Ihre Tickets zu sehen:',
    linkOnce: 'Der Link funktioniert einmal und läuft nach 24 Stunden ab. Einen neuen können Sie jederzeit auf der Seite „Meine Tickets“ anfordern.',
    replyOnSite: 'Bitte antworten Sie auf der Website, nicht auf diese E-Mail.',
  },
} satisfies Record<Language, unknown>;
/** A ticket a session may see: its issue number (once created), view and owner's address. */
interface FoundTicket {
  number: number | undefined;
  view: TicketView;
  email: string;
}

export interface DeskOptions {
  config: Config;
  host: GitHost;
  outbox: Outbox;
  /** The durable mail queue: a confirmation is queued under its event key, so a resubmitted draft mails once. */
  mail: Pick<MailQueue, 'enqueue' | 'enqueueWithin' | 'wake'>;
  /** The path of a customer's sign-in link, landing on a ticket when given. */
  signInPath(email: string, landOn?: string): string;
  siteUrl: string;
  log?: Pick<Console, 'warn'>;
  /** The kinds in force for a thread: fixed when the server first saw each message (tickets/message-kinds.ts). */
  kindsOf(messages: readonly TicketMessage[]): Promise<Map<number, MessageKind>>;
  /** Told after a customer rates a reply (no webhook reports ratings), so the ticket card catches up. */
  onRated?: (ticketNumber: number) => void;
  /** The store holding the read model: "My tickets" lists the customer's tickets from it (no Git host call). */
  database: Database;
  /** The key draft keys are bound to their submitter with (32 bytes derived from the server secret; tickets/draft-key.ts). */
  draftKeyMacKey: Buffer;
  /** Told of each ticket of an address just verified, so its card and issue header catch up. */
  onVerified?: (ticketNumber: number) => void;
}

/** Why closing, reopening or rating is refused while the host cannot be read (they write to it directly), and when to try again. */
const WAITS_FOR_HOST = 'Our ticket system is not reachable right now, so this cannot be changed. Your ticket is safe; try again in a few minutes. Replies you send meanwhile are queued and delivered.';
const WAITS_FOR_HOST_SECONDS = 60;

/** Most of an address's tickets refreshed when it is verified (the card lists at most 20 others). */
const VERIFIED_REFRESH_LIMIT = 50;

/** One-line header values: no line breaks, neutralised, short. */
function headerValue(value: string): string {
  // Cut first: a fragment's joiners must stay next to what they break.
  return neutralizeCustomerFragment(value.replace(/\s+/g, ' ').trim().slice(0, 200));
}

/**
 * The visible header staff read above the customer's text on the Git host; a ticket from an unverified address
 * starts with a note saying so (tickets/customer-verification.ts).
 */
export function ticketHeader(fields: { customer: string; name: string; order: string; type: string; category: string; priority: string; createdAt: string; unverified: boolean }): string {
  const parts = [
    `**Customer:** ${fields.name ? `${headerValue(fields.name)} (${fields.customer})` : fields.customer}`,
    ...(fields.order ? [`**Order:** ${headerValue(fields.order)}`] : []),
    `**Type:** ${fields.type}`,
    `**Category:** ${fields.category}`,
    `**Priority:** ${fields.priority}`,
    `**Opened:** ${fields.createdAt.replace('T', ' ').slice(0, 16)} UTC`,
  ];
  const header = `${parts.join(' · ')}\n\n_Reply with a comment starting with \`/reply\` to answer the customer; anything else stays an internal note._`;
  return fields.unverified ? withUnverifiedNote(header) : header;
}

function labelOr(labels: readonly string[], group: 'priority' | 'type' | 'category', fallback: string): string {
  return labelValue(labels, group) ?? fallback;
}

/** A ticket's category title from its labels. */
function categoryName(config: Pick<Config, 'categories'>, labels: readonly string[], lang: Language = 'en'): string {
  return categoryTitle(config, labelOr(labels, 'category', ''), lang);
}

/** The Git host failed in a way that is not our own set-up's doing: pages fall back to the last known state (as the middleware's 502 does). */
function isHostOutage(error: unknown): error is GitHostError {
  return error instanceof GitHostError && error.kind !== 'config';
}

/** Staff messages whose rating this process remembers (a few dozen bytes each). */
const RATINGS_REMEMBERED = 10_000;

/** The support desk behind the customer portal, over the Git host adapter and the durable outbox. */
export function createDesk(options: DeskOptions): Desk {
  const { config, host, outbox, mail } = options;
  const log = options.log ?? console;
  /** Ratings of staff messages by id, the oldest forgotten first: a view of an old ticket reads its reactions again. */
  const ratings = new Map<number, Rating | undefined>();
  const rememberRating = (messageId: number, rating: Rating | undefined) => {
    ratings.delete(messageId);
    ratings.set(messageId, rating);
    if (ratings.size > RATINGS_REMEMBERED) ratings.delete(ratings.keys().next().value as number);
  };

  const staffName = (login: string) => staffDisplayName(config, login, 'Support team');
  /** The owner's address when the session opens the ticket (its proven address, or filed in this browser). */
  const owns = (session: CustomerSession | undefined, ref: string, email: string | undefined) => sessionEmailFor(session, ref, email);

  function attachmentViews(ref: string, paths: readonly string[] | undefined): AttachmentView[] {
    return (paths ?? []).map((path) => {
      const name = path.split('/').pop() ?? 'file';
      const url = `/tickets/${ref}/files/${path.split('/').slice(-2).map(encodeURIComponent).join('/')}`;
      return { name, url, inlineImage: /\.(png|jpe?g|gif|webp)$/i.test(name) };
    });
  }

  async function ratingOf(message: TicketMessage, botLogin: string): Promise<Rating | undefined> {
    if (!ratings.has(message.id)) rememberRating(message.id, mayCarryRating(message.reactions) ? ratingFromReactions(await host.listReactions(message.id), botLogin) : undefined);
    return ratings.get(message.id);
  }

  /** A created ticket as its customer sees it; `lastKnown`: a copy read at `readAt`, shown while the host cannot be read. */
  async function createdView(ref: string, ticket: Ticket, pending: readonly { entryId: string; body: string; createdAt: string }[], lastKnown?: { readAt: string }): Promise<TicketView> {
    // The last known state asks the host nothing: ratings are those this process remembers.
    const botLogin = lastKnown ? undefined : await host.botLogin();
    const status = statusOf(ticket);
    // A conversation staff started opens with their first message (a comment), not with anything of the customer's.
    const messages: MessageView[] = ticket.meta?.startedBy
      ? []
      : [
          {
            id: undefined,
            kind: 'customer',
            authorName: 'You',
            html: renderMessage(publicText({ author: ticket.author, body: ticket.body, meta: ticket.meta }, 'customer')),
            createdAt: ticket.createdAt,
            queued: false,
            attachments: attachmentViews(ref, ticket.meta?.attachments),
            rating: undefined,
          },
        ];
    const kinds = await options.kindsOf(ticket.messages);
    for (const message of ticket.messages) {
      const kind = kinds.get(message.id) ?? 'outsider';
      if (!isVisibleToCustomer(kind)) continue;
      const text = publicText(message, kind);
      // A public reply edited to nothing has nothing left to show.
      if (text.trim() === '') continue;
      messages.push({
        id: message.id,
        kind: kind === 'customer' ? 'customer' : 'staff',
        authorName: kind === 'customer' ? 'You' : staffName(effectiveAuthor(message)),
        html: renderMessage(text),
        createdAt: message.createdAt,
        queued: false,
        // Files of the customer's own messages and of public replies staff wrote on the site (the bot's verified metadata).
        attachments: kind === 'customer' || (kind === 'staff-reply' && message.author.isBot) ? attachmentViews(ref, message.meta?.attachments) : [],
        rating: kind === 'staff-reply' && config.features.ratings ? (botLogin === undefined ? ratings.get(message.id) : await ratingOf(message, botLogin)) : undefined,
      });
    }
    // A message can reach the host a moment before the outbox records it as done: show it once.
    const delivered = new Set(ticket.messages.map((m) => m.meta?.key));
    messages.push(...pending.filter((p) => !delivered.has(p.entryId)).map((p) => queuedMessage(p)));
    return {
      ref,
      subject: ticket.title,
      status,
      priority: labelOr(ticket.labels, 'priority', 'normal'),
      type: labelOr(ticket.labels, 'type', ''),
      category: categoryName(config, ticket.labels, ticketLanguage(ticket.meta)),
      order: ticket.meta?.order || undefined,
      lang: ticketLanguage(ticket.meta),
      openedAt: ticket.createdAt,
      updatedAt: ticket.updatedAt,
      messages,
      chat: isChat(ticket.labels),
      locked: ticket.locked === true,
      canReply: status !== 'closed' && ticket.locked !== true,
      // Closing, reopening and rating write to the host directly; only replies wait in the outbox.
      canClose: !lastKnown && config.features.customerClose && status !== 'closed',
      canReopen: !lastKnown && config.features.customerClose && status === 'closed',
      canRate: !lastKnown && config.features.ratings,
      ...(lastKnown ? { lastKnown: { source: 'thread' as const, readAt: lastKnown.readAt } } : {}),
    };
  }

  /** A created ticket known only by its read-model row while the host cannot be read: its facts and the messages still queued. */
  function summaryView(ref: string, row: CustomerTicketRow, pending: readonly { body: string; createdAt: string }[]): TicketView {
    return {
      ref,
      subject: row.title,
      status: row.status,
      priority: labelOr(row.labels, 'priority', 'normal'),
      type: labelOr(row.labels, 'type', ''),
      category: categoryName(config, row.labels),
      order: undefined,
      openedAt: row.createdAt,
      updatedAt: row.updatedAt,
      messages: pending.map((p) => queuedMessage(p)),
      chat: isChat(row.labels),
      locked: false,
      canReply: row.status !== 'closed',
      canClose: false,
      canReopen: false,
      canRate: false,
      lastKnown: { source: 'summary' },
    };
  }

  /** A mail with a sign-in link (landing on a ticket: its confirmation) in the customer's language, and the event key it is queued under. */
  function signInMail(email: string, landOn: string | undefined, lang: Language = 'en'): [key: string, message: MailMessage] {
    // The link's page speaks the ticket's language too.
    const link = `${options.siteUrl}${options.signInPath(email, landOn)}${lang === 'en' ? '' : `&lang=${lang}`}`;
    const say = SIGN_IN_MAIL_TEXT[lang];
    return [
      landOn ? `ticket-created:${landOn}` : `sign-in:${randomUUID()}`,
      {
        to: email,
        subject: landOn ? say.ticketSubject(landOn, config.siteName) : say.signInSubject(config.siteName),
        text: [landOn ? say.ticketIntro(landOn) : say.signInIntro, '', link, '', say.linkOnce, say.replyOnSite].join('\n'),
      },
    ];
  }

  function queuedMessage(p: { body: string; createdAt: string }, attachments: AttachmentView[] = []): MessageView {
    return {
      id: undefined,
      kind: 'customer',
      authorName: 'You',
      html: renderMessage(publicText({ author: { login: '', isBot: true }, body: p.body, meta: { customer: {} } }, 'customer')),
      createdAt: p.createdAt,
      queued: true,
      attachments,
      rating: undefined,
    };
  }

  /** A ticket the Git host no longer has (deleted, or transferred to another repository): nothing left to show or do. */
  function removedView(ref: string, filedAt: string): TicketView {
    return {
      ref,
      subject: `Ticket ${ref}`,
      status: 'removed',
      priority: 'normal',
      type: '',
      category: '',
      order: undefined,
      openedAt: filedAt,
      updatedAt: filedAt,
      messages: [],
      chat: false,
      locked: false,
      canReply: false,
      canClose: false,
      canReopen: false,
      canRate: false,
    };
  }

  /**
   * Finds a ticket the session may see: its issue number (once created), view and owner's address. While the host
   * cannot be read, a created ticket is its last known state.
   */
  async function findTicket(ref: string, session: CustomerSession | undefined): Promise<FoundTicket | undefined> {
    if (!isTicketRef(ref) || !session) return undefined;
    try {
      return await readCurrent(ref, session);
    } catch (error) {
      if (!isHostOutage(error)) throw error;
      return await readLastKnown(ref, session, error);
    }
  }

  /**
   * A created ticket while the host cannot be read: the thread this process read last, filtered exactly as a fresh read
   * (createdView), else the read model's facts. A thread with a message whose kind only the host could decide falls
   * back to the facts, so nothing undecided is shown. Without either, or when neither names its owner, the failure stands.
   */
  async function readLastKnown(ref: string, session: CustomerSession, failure: GitHostError): Promise<FoundTicket | undefined> {
    const number = await outbox.resolve(ref);
    if (number === undefined) throw failure;
    const pending = await outbox.pendingMessages(ref);
    const copy = host.lastKnownTicket(number);
    if (copy) {
      const email = owns(session, ref, copy.ticket.meta?.customer?.email);
      if (email === undefined) return undefined;
      try {
        return { number, email, view: await createdView(ref, copy.ticket, pending, copy) };
      } catch (error) {
        if (!isHostOutage(error)) throw error;
      }
    }
    // The read model names a ticket's customer by pseudonymous id: try each address this session holds for the ticket.
    const addresses = new Set([session.email, ...(session.tickets ?? []).filter((t) => t.ref === ref).map((t) => t.email)]);
    for (const address of addresses) {
      if (address === undefined) continue;
      const [row] = await customerTicketsByRef(options.database, host.customerId(address), [ref]);
      const email = row && owns(session, ref, address);
      if (row && email !== undefined) return { number, email, view: summaryView(ref, row, pending) };
    }
    throw failure;
  }

  /** Finds a ticket as the outbox and the host have it now. */
  async function readCurrent(ref: string, session: CustomerSession): Promise<FoundTicket | undefined> {
    const read = await outbox.readTicket(ref);
    if (!read) return undefined;
    if (read.status === 'queued') {
      const entry = await outbox.createEntry(ref);
      const op = entry?.entry.op;
      const email = op?.kind === 'createTicket' ? owns(session, ref, op.customerEmail) : undefined;
      if (op?.kind !== 'createTicket' || email === undefined) return undefined;
      const fields = opFields(op);
      return {
        number: undefined,
        email,
        view: {
          ref,
          subject: op.title,
          status: 'queued',
          priority: labelOr(op.labels, 'priority', 'normal'),
          type: labelOr(op.labels, 'type', ''),
          category: categoryName(config, op.labels, ticketLanguage(fields)),
          order: fields.order || undefined,
          lang: ticketLanguage(fields),
          openedAt: read.createdAt,
          updatedAt: read.createdAt,
          messages: [queuedMessage({ body: op.body, createdAt: read.createdAt }, attachmentViews(ref, op.attachments)), ...read.pending.map((p) => queuedMessage(p))],
          chat: isChat(op.labels),
          locked: false,
          canReply: true,
          canClose: false,
          canReopen: false,
          canRate: false,
        },
      };
    }
    if (read.status === 'removed') {
      // Its customer learns that it is gone; anyone else learns nothing (as for a ticket that is not theirs).
      const email = owns(session, ref, read.customerEmail);
      if (email === undefined) return undefined;
      return { number: undefined, email, view: removedView(ref, (await outbox.createEntry(ref))?.entry.createdAt ?? new Date(0).toISOString()) };
    }
    const email = owns(session, ref, read.ticket.meta?.customer?.email);
    if (email === undefined) return undefined;
    const into = mergedInto(read.ticket);
    if (into !== undefined) {
      const merged = await mergedView(ref, read.ticket, read.pending, into);
      if (merged) return { ...merged, email };
    }
    return { number: read.number, email, view: await createdView(ref, read.ticket, read.pending) };
  }

  /**
   * A duplicate merged into another ticket of the same customer, as its old link shows it: its own messages first
   * (labelled), then the target's conversation, whose status and replies it takes. Undefined when the target is
   * another customer's or cannot be read: the duplicate is shown alone.
   */
  async function mergedView(ref: string, duplicate: Ticket, pending: readonly { entryId: string; body: string; createdAt: string }[], into: number): Promise<Omit<FoundTicket, 'email'> | undefined> {
    const target = await host.getTicket(into);
    const targetRef = target?.meta?.ref;
    if (!target || !targetRef || target.meta?.customer?.email !== duplicate.meta?.customer?.email) return undefined;
    const read = await outbox.readTicket(targetRef);
    if (read?.status !== 'created') return undefined;
    const earlier = await createdView(ref, duplicate, pending);
    const current = await createdView(targetRef, read.ticket, read.pending);
    const messages = [...earlier.messages.filter((m) => !m.queued).map((m) => ({ ...m, mergedFrom: ref, rating: undefined })), ...current.messages];
    // The reference shown is the target's, where the conversation goes on; the old one labels the earlier messages.
    return { number: read.number, view: { ...current, ref: targetRef, messages } };
  }

  async function journalFiles(ticket: string | number, files: readonly CheckedAttachment[]): Promise<string[]> {
    const paths: string[] = [];
    for (const file of files) paths.push((await outbox.uploadAttachment(ticket, { filename: file.name, content: file.bytes })).path);
    return paths;
  }

  return {
    accepting() {
      if (!config.features.tickets) return { ok: false, reason: 'We are not taking tickets on this site at the moment. Please try again later.' };
      if (!config.supporters.some((s) => s.present))
        return { ok: false, reason: 'Our support team is away right now, so we are not taking new tickets. Please try again later — the articles may already have your answer.' };
      return { ok: true };
    },

    async openTicket({ form, lang = 'en', files, idempotencyKey, signedIn, channel }: OpenTicketInput) {
      const filedAt = Date.now();
      const createdAt = new Date(filedAt).toISOString();
      const header = ticketHeader({
        customer: host.customerId(form.email),
        name: form.name,
        order: form.order,
        type: form.type,
        category: form.category,
        priority: form.priority,
        createdAt,
        unverified: !signedIn,
      });
      const body = `${header}${HEADER_END}${neutralizeCustomerText(form.message)}`;
      assertFitsHost(body, files.length);
      // Only the digest of the draft key bound to this submitter is kept: the same key from another address (or a
      // guest replaying a signed-in draft), or after its window, is a new ticket. The outbox looks it up in the
      // transaction that records the ticket.
      const draftKey = idempotencyKey ? draftKeyDigest(idempotencyKey, { email: form.email, signedIn }, options.draftKeyMacKey) : undefined;
      const created = await outbox.createTicket({
        title: form.subject,
        body,
        labels: [labelName('status', 'new'), labelName('priority', form.priority), labelName('type', form.type), labelName('category', form.category), ...(channel === 'chat' ? [CHAT_LABEL] : [])],
        customerEmail: form.email,
        fields: { order: form.order, customerName: form.name, lang, ...(draftKey ? { draftKey } : {}), ...(signedIn ? {} : { unverifiedSince: createdAt }) },
        files: files.map((f) => ({ filename: f.name, content: f.bytes })),
        filedAt,
        // Keyed by the ticket: a resubmitted draft (on this instance or another) is mailed once.
        alongside: (trx, filed) => mail.enqueueWithin(trx, ...signInMail(form.email, filed.ref, lang)),
      });
      mail.wake();
      return { ref: created.ref, duplicate: created.duplicate, filedAt: created.filedAt };
    },

    async listTickets(session) {
      const items = new Map<string, TicketListItem>();
      /** An address's tickets from the read model and the outbox: all of them, or only those among `refs`. */
      const addTicketsOf = async (email: string, refs?: ReadonlySet<string>) => {
        const customer = host.customerId(email);
        const created = refs ? await customerTicketsByRef(options.database, customer, [...refs]) : await customerTickets(options.database, customer);
        for (const t of created) {
          if (t.ref !== undefined && !items.has(t.ref)) items.set(t.ref, { ref: t.ref, subject: t.title, status: t.status, openedAt: t.createdAt, updatedAt: t.updatedAt });
        }
        for (const queued of await outbox.queuedTickets(email)) {
          if (items.has(queued.ref) || (refs && !refs.has(queued.ref))) continue;
          items.set(queued.ref, { ref: queued.ref, subject: queued.title, status: 'queued', openedAt: queued.createdAt, updatedAt: queued.createdAt });
        }
      };
      if (session.email) await addTicketsOf(session.email);
      // Filed in this browser: each entry names its own reference only, never the rest of its address's tickets.
      const filed = session.tickets ?? [];
      for (const email of new Set(filed.map((t) => t.email))) await addTicketsOf(email, new Set(filed.filter((t) => t.email === email).map((t) => t.ref)));
      for (const entry of filed) {
        if (items.has(entry.ref)) continue;
        // On the host a moment before the read model has it (or removed from the host since): read it once.
        const found = await findTicket(entry.ref, session).catch((error: unknown) => log.warn(`desk: could not list ${entry.ref}: ${(error as Error).message}`));
        if (found) items.set(entry.ref, { ref: entry.ref, subject: found.view.subject, status: found.view.status, openedAt: found.view.openedAt, updatedAt: found.view.updatedAt });
      }
      return [...items.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    },

    async viewTicket(ref, session) {
      return (await findTicket(ref, session))?.view;
    },

    async ticketNumber(ref, session) {
      return (await findTicket(ref, session))?.number;
    },

    async reply(ref, session, text, files) {
      const found = await findTicket(ref, session);
      if (!found) throw new DeskError('not_found');
      if (found.view.status === 'closed') throw new DeskError('not_allowed', { message: 'This ticket is closed. Reopen it to reply.' });
      if (found.view.status === 'removed') throw new DeskError('not_allowed', { message: REMOVED_MESSAGE });
      // Staff locked the conversation on the host: say so now, rather than queue a reply that would arrive on a closed
      // conversation (or, for a GitHub App, be refused by the host and held back).
      if (found.view.locked) throw new DeskError('not_allowed', { message: LOCKED_MESSAGE });
      const target = found.number ?? ref;
      const header = `**Customer reply** (${host.customerId(found.email)})`;
      const body = `${header}${HEADER_END}${neutralizeCustomerText(text)}`;
      assertFitsHost(body, files.length);
      const attachments = await journalFiles(target, files);
      await outbox.addComment(target, { body, customerEmail: found.email, ...(attachments.length ? { attachments } : {}) });
      // While the host cannot be read the label waits: the workflow sets it when the queued reply reaches the host.
      if (found.number !== undefined && found.view.status !== 'reply-received' && !found.view.lastKnown) {
        // The reply itself is safe in the outbox; the label follows, and the sweep repairs it if this fails.
        const ticketNumber = found.number;
        await host
          .getTicket(ticketNumber)
          .then(async (ticket) => {
            const next = ticket && transition(ticket, 'customer-reply');
            if (next?.changed) await host.setLabels(ticketNumber, next.labels);
          })
          .catch((error: unknown) => log.warn(`desk: could not mark ${ref} reply-received: ${(error as Error).message}`));
      }
    },

    async setClosed(ref, session, closed) {
      const found = await findTicket(ref, session);
      if (!found) throw new DeskError('not_found');
      if (found.view.lastKnown) throw new DeskError('host_unavailable', { message: WAITS_FOR_HOST, retryAfterSeconds: WAITS_FOR_HOST_SECONDS });
      if (!(closed ? found.view.canClose : found.view.canReopen))
        throw new DeskError('not_allowed', { message: closed ? 'This ticket cannot be closed here.' : 'This ticket cannot be reopened here.' });
      if (found.number === undefined) throw new DeskError('not_allowed', { message: 'This ticket is still being filed. Try again in a minute.' });
      const ticket = await host.getTicket(found.number, { fresh: true });
      if (!ticket) throw new DeskError('not_found');
      const next = transition(ticket, closed ? 'closed' : 'reopened');
      await host.updateTicket(found.number, { state: next.state, labels: next.labels });
    },

    async rate(ref, session, messageId, rating) {
      const found = await findTicket(ref, session);
      const message = found?.view.messages.find((m) => m.id === messageId && m.kind === 'staff');
      if (found?.view.lastKnown) throw new DeskError('host_unavailable', { message: WAITS_FOR_HOST, retryAfterSeconds: WAITS_FOR_HOST_SECONDS });
      if (!found || !message) throw new DeskError('not_found', { message: 'There is no such staff reply on this ticket.' });
      if (!config.features.ratings) throw new DeskError('not_allowed', { message: 'Ratings are switched off.' });
      // The same rating again changes nothing and costs no write to the Git host.
      if (message.rating === rating) return;
      await host.setReaction(messageId, rating === 'helpful' ? '+1' : '-1', rating === 'helpful' ? '-1' : '+1');
      rememberRating(messageId, rating);
      if (found.number !== undefined) options.onRated?.(found.number);
    },

    async attachment(ref, session, name) {
      const found = await findTicket(ref, session);
      if (!found) return undefined;
      const wanted = found.view.messages.flatMap((m) => m.attachments).find((a) => a.url === `/tickets/${ref}/files/${name.split('/').map(encodeURIComponent).join('/')}`);
      if (!wanted) return undefined;
      const path = `tickets/${ref}/${name}`;
      const bytes = (await host.readAttachment(path)) ?? (await outbox.pendingAttachment(path));
      if (!bytes) return undefined;
      const type = (await sniffType(bytes)) ?? 'application/octet-stream';
      return { bytes, type, name: wanted.name };
    },

    async confirmAddress(email, at = Date.now()) {
      const customer = host.customerId(email);
      await recordAddressVerified(options.database, customer, at);
      if (!options.onVerified) return;
      // Their unverified tickets lose the mark; their verified ones' cards may now list them.
      for (const ticket of await customerTickets(options.database, customer, { limit: VERIFIED_REFRESH_LIMIT })) options.onVerified(ticket.number);
    },

    async openConversation({ email, name, lang, staffLogin, staffName, text }) {
      const header = `**Conversation started by ${staffName}** (@${staffLogin}, on the help centre) — the customer sees the message below`;
      const reply = `**Reply by ${staffName}** (@${staffLogin}, on the help centre) — sent to the customer${HEADER_END}${text}`;
      assertFitsHost(reply, 0);
      const created = await outbox.createTicket({
        title: `Chat with ${name || email}`.slice(0, config.limits.subjectMax),
        body: `${header}${HEADER_END}`,
        // The supporter wrote first: the ball is in the customer's court.
        labels: [
          labelName('status', 'waiting'),
          labelName('priority', 'normal'),
          labelName('type', config.ticketTypes[0] as string),
          labelName('category', config.categories[0]?.id as string),
          CHAT_LABEL,
        ],
        assignees: [staffLogin],
        customerEmail: email,
        fields: { lang, startedBy: staffLogin, ...(name ? { customerName: name } : {}) },
      });
      // The first message is a public reply, as if written in the workspace; the workflow mails it unless the customer is watching.
      await outbox.addComment(created.ref, { body: reply, fields: { postedBy: { login: staffLogin, visibility: 'public' } } });
      return { ref: created.ref };
    },

    async sendSignInLink(email, landOn, lang) {
      // Queued, not sent inline: it survives a crash, and its key makes a repeated request for a ticket mail once.
      await mail.enqueue(...signInMail(email, landOn, lang));
    },
  };
}
