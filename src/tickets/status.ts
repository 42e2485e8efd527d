import { labelValue, withLabel, TICKET_STATUSES, type TicketStatus } from './labels.ts';
import type { Language } from '../config/config-schema.ts';

/**
 * The status of a ticket: `closed` when the issue is closed, else its status label; a ticket without a
 * (known) status label is in the pool, `new`. Every view and service asks this, nothing re-derives it.
 */
export function statusOf(ticket: { labels: readonly string[]; state: 'open' | 'closed' }): TicketStatus {
  if (ticket.state === 'closed') return 'closed';
  return statusLabelOf(ticket.labels) ?? 'new';
}

/** The ticket's status label value; undefined when there is none or it is not a known status. */
export function statusLabelOf(labels: readonly string[]): TicketStatus | undefined {
  const value = labelValue(labels, 'status');
  return (TICKET_STATUSES as readonly string[]).includes(value ?? '') ? (value as TicketStatus) : undefined;
}

/** Replaces the status label, keeping every other label in place. */
export function withStatus(labels: readonly string[], status: TicketStatus): string[] {
  return withLabel(labels, 'status', status);
}

type CustomerStatus = TicketStatus | 'queued' | 'removed';

/** What a customer reads for each status, and its colour tone. */
const STATUS_WORDS: Record<CustomerStatus, { text: string; tone: string }> = {
  queued: { text: 'Received — being filed', tone: 'neutral' },
  removed: { text: 'Removed', tone: 'closed' },
  new: { text: 'Received — waiting for a supporter', tone: 'action' },
  open: { text: 'A supporter is working on it', tone: 'info' },
  'reply-received': { text: 'Your reply is with our team', tone: 'action' },
  waiting: { text: 'Waiting for your reply', tone: 'waiting' },
  'on-hold': { text: 'On hold — we will come back to you', tone: 'hold' },
  escalated: { text: 'Passed to a specialist', tone: 'urgent' },
  closed: { text: 'Closed', tone: 'closed' },
};

/** The same statuses in German; the tone stays the one above. */
const STATUS_WORDS_DE: Record<CustomerStatus, string> = {
  queued: 'Erhalten — wird abgelegt',
  removed: 'Entfernt',
  new: 'Erhalten — wartet auf einen Supporter',
  open: 'Ein Supporter bearbeitet es',
  'reply-received': 'Ihre Antwort liegt bei unserem Team',
  waiting: 'Wartet auf Ihre Antwort',
  'on-hold': 'Zurückgestellt — wir melden uns bei Ihnen',
  escalated: 'An einen Spezialisten weitergegeben',
  closed: 'Geschlossen',
};

/** A ticket's status in words a customer understands (in their language), and its colour tone. */
export function describeStatus(status: CustomerStatus, lang: Language = 'en'): { text: string; tone: string } {
  const { text, tone } = STATUS_WORDS[status];
  return { text: lang === 'de' ? STATUS_WORDS_DE[status] : text, tone };
}

/** What staff read for each status: what the ticket needs from them, never the customer's wording. */
const STAFF_STATUS_WORDS: Record<TicketStatus, string> = {
  new: 'New — in the pool',
  open: 'Open',
  'reply-received': 'Customer replied',
  waiting: 'Waiting for the customer',
  'on-hold': 'On hold',
  escalated: 'Escalated',
  closed: 'Closed',
};

/** A ticket's status in staff words, with the same colour tone customers see. */
export function describeStatusForStaff(status: TicketStatus): { text: string; tone: string } {
  return { text: STAFF_STATUS_WORDS[status], tone: STATUS_WORDS[status].tone };
}
