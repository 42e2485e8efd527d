import type { TicketStatus } from './labels.ts';
import { statusLabelOf, statusOf, withStatus } from './status.ts';

/** Something that happened to a ticket, as the status rules see it. */
export type StatusTrigger = 'customer-reply' | 'staff-reply' | 'internal-note' | 'auto-assigned' | 'assigned' | 'unassigned-all' | 'closed' | 'reopened' | 'escalated';

/**
 * The status after a trigger (PRODUCT.md, "Transitions"):
 * - staff public reply → `waiting`; customer reply → `reply-received`; an internal note changes nothing;
 * - a new ticket assigned (by routing or by staff) → `open`; its last assignee removed → back to `new`, the pool;
 * - closed → `closed`; reopened → `open`; escalated → `escalated`.
 * A closed ticket stays closed until it is reopened: a late message does not reopen it.
 */
export function statusAfter(current: TicketStatus, trigger: StatusTrigger): TicketStatus {
  if (trigger === 'closed') return 'closed';
  if (trigger === 'reopened') return current === 'closed' ? 'open' : current;
  if (current === 'closed') return current;
  switch (trigger) {
    case 'customer-reply':
      return 'reply-received';
    case 'staff-reply':
      return 'waiting';
    case 'internal-note':
      return current;
    case 'auto-assigned':
    case 'assigned':
      return current === 'new' ? 'open' : current;
    case 'unassigned-all':
      return current === 'open' ? 'new' : current;
    case 'escalated':
      return 'escalated';
  }
}

/** A staff member setting a status by hand (the staff pages' status select, a status label in the issue UI). */
export interface StatusChoice {
  set: Exclude<TicketStatus, 'closed'>;
}

/** What to write to the Git host after a trigger: the full label set and the issue state. */
export interface TicketTransition {
  status: TicketStatus;
  labels: string[];
  state: 'open' | 'closed';
  /** Whether anything differs from the ticket as it was. */
  changed: boolean;
}

/**
 * The one transition function: the ticket as it is plus what happened → the labels and state to write.
 * The desk, the staff pages and the workflow all call it; none writes a status label itself.
 */
export function transition(ticket: { labels: readonly string[]; state: 'open' | 'closed' }, trigger: StatusTrigger | StatusChoice): TicketTransition {
  const current = statusOf(ticket);
  const status = typeof trigger === 'string' ? statusAfter(current, trigger) : current === 'closed' ? current : trigger.set;
  const labels = statusLabelOf(ticket.labels) === status && ticket.labels.filter((l) => l.startsWith('status: ')).length === 1 ? [...ticket.labels] : withStatus(ticket.labels, status);
  const state = status === 'closed' ? 'closed' : 'open';
  return { status, labels, state, changed: state !== ticket.state || labels.length !== ticket.labels.length || labels.some((l, i) => l !== ticket.labels[i]) };
}
