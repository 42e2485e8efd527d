import type { TicketStatus } from '../tickets/labels.ts';

/** Something that happened to a ticket, as the status rules see it. */
export type StatusTrigger =
  | 'customer-reply'
  | 'staff-reply'
  | 'internal-note'
  | 'auto-assigned'
  | 'assigned'
  | 'unassigned-all'
  | 'closed'
  | 'reopened'
  | 'escalated';

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
