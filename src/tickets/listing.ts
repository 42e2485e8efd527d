import type { TicketStatus } from './labels.ts';
import type { SlaTarget } from './sla.ts';

/** A ticket as a list shows it (the staff queue, "My tickets", the card): what the issue itself says. */
export interface TicketListing {
  number: number;
  ref: string | undefined;
  title: string;
  state: 'open' | 'closed';
  labels: string[];
  assignees: string[];
  createdAt: string;
  updatedAt: string;
}

/** A listed ticket with what its labels and metadata mean, as the read model keeps it. */
export interface TicketSummary extends TicketListing {
  status: TicketStatus;
  priority: string;
  type: string;
  category: string;
  /** Filed from an address nobody has proven since (tickets/customer-verification.ts). */
  unverified: boolean;
  /** The response target due next (tickets/sla.ts); undefined when the site has none or none runs. */
  due?: TicketDue | undefined;
}

/** A ticket's next due response target as lists show it. */
export interface TicketDue {
  /** When it is due (ms); undefined while its clock is paused (waiting on the customer, on hold). */
  at: number | undefined;
  target: SlaTarget | undefined;
  /** "due in 2 h", "overdue 35 min", "paused". */
  text: string;
  overdue: boolean;
  dueSoon: boolean;
}
