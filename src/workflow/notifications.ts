import type { MailMessage } from '../mail/transport.ts';
import { renderTemplate, templateIn, type MailTemplates, type TemplateName, type TemplateValues } from '../mail/render-template.ts';
import type { Config, Language } from '../config/config-schema.ts';
import { describeStatus, describeStatusForStaff } from '../tickets/status.ts';
import type { TicketStatus } from '../tickets/labels.ts';
import { renderMessage } from '../tickets/render-message.ts';
import { categoryTitle, staffDisplayName } from '../tickets/display.ts';
import { labelValue } from '../tickets/labels.ts';
import { UNVERIFIED_MARK } from '../tickets/customer-verification.ts';
import { notifiedSupporters } from './routing.ts';
import { ticketLanguage } from '../tickets/metadata.ts';

/** The ticket facts every notification carries. */
export interface TicketFacts {
  number: number;
  ref: string;
  subject: string;
  /** When the ticket was opened (ISO). */
  openedAt: string;
  status: TicketStatus;
  priority: string;
  category: string | undefined;
  order: string | undefined;
  customerEmail: string | undefined;
  /** The name the customer gave on the form, as typed. */
  customerName: string | undefined;
  /** The customer's pseudonymous id, for a ticket whose address cannot be read (a lost sealing key). */
  customerId: string | undefined;
  /** Filed without proof of the address, and none since (tickets/customer-verification.ts). */
  customerUnverified: boolean;
  /** The ticket in the Git host's UI. */
  htmlUrl: string;
  assignees: readonly string[];
  /** The language the customer filed the ticket in: their mails are in it. */
  lang: Language;
}

/** A mail to send for an event: once per key, however often the event is seen. */
export interface PlannedMail {
  key: string;
  template: TemplateName;
  message: MailMessage;
}

/** What happened that someone must hear about. */
export type Notice =
  | { kind: 'staff-reply'; messageId: number; staffLogin: string; text: string }
  | { kind: 'customer-reply'; messageId: number; text: string }
  | { kind: 'new-ticket'; text: string }
  | { kind: 'ticket-closed'; closedAt: string };

export interface NotifyContext {
  config: Pick<Config, 'siteName' | 'supporters' | 'categories' | 'gitHost'>;
  templates: MailTemplates;
  /** The customer's sign-in link for a ticket (absolute URL). */
  signInUrl(email: string, ref: string): string;
  /** The ticket's page in the staff workspace (absolute URL). */
  staffTicketUrl(ticketNumber: number): string;
}

/** A time in staff mail: minutes, UTC. */
export function formatDate(iso: string): string {
  return `${iso.replace('T', ' ').slice(0, 16)} UTC`;
}

/**
 * How staff mail names the customer: the name they gave and their address, as the staff workspace shows them
 * (the mail goes only to supporters' own addresses, never to the issue), marked when the address is unverified.
 */
export function customerLabel(facts: Pick<TicketFacts, 'customerName' | 'customerEmail' | 'customerId' | 'customerUnverified'>): string {
  // Typed on a one-line form field, but blocks of earlier releases were not: a mail line stays one line.
  const name = facts.customerName?.replace(/\s+/g, ' ').trim() || undefined;
  const address = facts.customerEmail ?? (facts.customerId ? `customer ${facts.customerId}` : undefined);
  const notes = [...(name && address ? [address] : []), ...(facts.customerUnverified ? [UNVERIFIED_MARK] : [])];
  const who = name ?? address ?? 'an unknown customer';
  return notes.length > 0 ? `${who} (${notes.join(', ')})` : who;
}

/** The event key of a notice: one mail per key, ever. */
export function noticeKey(ticketNumber: number, notice: Notice): string {
  switch (notice.kind) {
    case 'staff-reply':
    case 'customer-reply':
      return `${notice.kind}:${ticketNumber}:${notice.messageId}`;
    case 'new-ticket':
      return `new-ticket:${ticketNumber}`;
    case 'ticket-closed':
      return `ticket-closed:${ticketNumber}:${notice.closedAt}`;
  }
}

/**
 * The mails for a notice (PRODUCT.md, notifications): the customer hears about staff public replies and
 * the close, with the reply text, the ticket facts and a sign-in link; the supporters of the category (or
 * every present supporter) with an email hear about new tickets and customer replies, with the customer's name,
 * a link to the ticket in the staff workspace and, on GitHub, to the issue. Internal notes are never a notice,
 * so their text can reach no mail.
 */
export function planNotice(facts: TicketFacts, notice: Notice, ctx: NotifyContext): PlannedMail[] {
  const key = noticeKey(facts.number, notice);
  const common: TemplateValues = {
    siteName: ctx.config.siteName,
    ref: facts.ref,
    subject: facts.subject,
    opened: formatDate(facts.openedAt),
    priority: facts.priority,
    category: facts.category === undefined ? undefined : categoryTitle(ctx.config, facts.category),
    order: facts.order,
  };
  const toCustomer = (template: TemplateName, values: TemplateValues): PlannedMail[] => {
    if (!facts.customerEmail) return [];
    const lang = facts.lang;
    // The link's page speaks the ticket's language too.
    const link = `${ctx.signInUrl(facts.customerEmail, facts.ref)}${lang === 'en' ? '' : `&lang=${lang}`}`;
    const mail = renderTemplate(templateIn(ctx.templates[template], lang), {
      ...common,
      category: facts.category === undefined ? undefined : categoryTitle(ctx.config, facts.category, lang),
      status: describeStatus(facts.status, lang).text,
      link,
      ...values,
    });
    return [{ key, template, message: { to: facts.customerEmail, ...mail } }];
  };
  const toStaff = (template: TemplateName, values: TemplateValues): PlannedMail[] => {
    const to = notifiedSupporters(ctx.config.supporters, facts.category).flatMap((s) => (s.email ? [s.email] : []));
    if (to.length === 0) return [];
    // The embedded host serves no issue pages, and its port changes with each start: its issue URLs lead nowhere.
    const hostLink = ctx.config.gitHost.baseUrl === undefined ? undefined : facts.htmlUrl;
    const mail = renderTemplate(ctx.templates[template], {
      ...common,
      status: describeStatusForStaff(facts.status).text,
      link: ctx.staffTicketUrl(facts.number),
      hostLink,
      customer: customerLabel(facts),
      assignee: facts.assignees.join(', ') || undefined,
      ...values,
    });
    return [{ key, template, message: { to, ...mail } }];
  };
  switch (notice.kind) {
    case 'staff-reply': {
      const staffName = staffDisplayName(ctx.config, notice.staffLogin, facts.lang === 'de' ? 'Unser Support-Team' : 'Our support team');
      return toCustomer('staff-reply', { staffName, replyText: notice.text, replyHtml: renderMessage(notice.text) });
    }
    case 'ticket-closed':
      return toCustomer('ticket-closed', {});
    case 'new-ticket':
      return toStaff('new-ticket', { messageText: notice.text, messageHtml: renderMessage(notice.text) });
    case 'customer-reply':
      return toStaff('customer-reply', { messageText: notice.text, messageHtml: renderMessage(notice.text) });
  }
}

/** Ticket facts from labels and metadata; `customerUnverified` as the store knows it now (sync-ticket.ts). */
export function factsOf(
  ticket: {
    number: number;
    title: string;
    createdAt: string;
    labels: readonly string[];
    assignees: readonly string[];
    htmlUrl: string;
    meta:
      | {
          ref?: string | undefined;
          customer?: { id?: string | undefined; email?: string | undefined } | undefined;
          order?: string | undefined;
          customerName?: string | undefined;
          lang?: Language | undefined;
        }
      | undefined;
  },
  status: TicketStatus,
  customerUnverified = false,
): TicketFacts {
  return {
    number: ticket.number,
    ref: ticket.meta?.ref ?? `#${ticket.number}`,
    subject: ticket.title,
    openedAt: ticket.createdAt,
    status,
    priority: labelValue(ticket.labels, 'priority') ?? 'normal',
    category: labelValue(ticket.labels, 'category'),
    order: ticket.meta?.order || undefined,
    customerEmail: ticket.meta?.customer?.email,
    customerName: ticket.meta?.customerName,
    customerId: ticket.meta?.customer?.id,
    customerUnverified,
    htmlUrl: ticket.htmlUrl,
    assignees: ticket.assignees,
    lang: ticketLanguage(ticket.meta),
  };
}
