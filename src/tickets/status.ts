import { labelValue, withLabel, TICKET_STATUSES, type TicketStatus } from './labels.ts';

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

/** What a customer reads for each status, and its colour tone. */
const STATUS_WORDS: Record<TicketStatus | 'queued' | 'removed', { text: string; tone: string }> = {
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

/** A ticket's status in words a customer understands, and its colour tone. */
export function describeStatus(status: TicketStatus | 'queued' | 'removed'): { text: string; tone: string } {
  return STATUS_WORDS[status];
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
