import type { TicketStatus } from './labels.ts';

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
}
