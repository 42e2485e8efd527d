import { z } from 'zod';
import { statusOf } from '../tickets/status.ts';
import { labelValue, TICKET_PRIORITIES, TICKET_STATUSES, type TicketStatus } from '../tickets/labels.ts';
import { ACTION_ORDER, priorityRank } from '../store/ticket-summaries.ts';
import type { TicketListing, TicketSummary } from '../tickets/listing.ts';

/** A ticket as the queue lists it; `unverified` when the read model says (tickets/customer-verification.ts). */
export interface QueueTicket extends TicketListing {
  unverified?: boolean | undefined;
}

export type QueueRow = TicketSummary;

/** Groups in the order staff should look at them: what needs action first (PRODUCT.md colours). */
export const QUEUE_GROUPS: readonly TicketStatus[] = ACTION_ORDER;

/** Queue filters from the query string; anything unknown falls back to "all", never to an error page. */
export const QueueFilterSchema = z.object({
  status: z
    .enum([...TICKET_STATUSES, 'all', 'active'])
    .catch('active')
    .default('active'),
  priority: z
    .enum([...TICKET_PRIORITIES, 'all'])
    .catch('all')
    .default('all'),
  type: z.string().max(50).catch('all').default('all'),
  category: z.string().max(50).catch('all').default('all'),
  /** `me`, `pool` (unassigned), `all`, or a login. */
  assignee: z.string().max(50).catch('all').default('all'),
  /** Words to find in the subject, reference, customer or opening message. */
  search: z.string().trim().max(200).optional().catch(undefined),
  /** Opened on or after, YYYY-MM-DD. */
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .catch(undefined),
  /** Opened on or before, YYYY-MM-DD. */
  to: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .catch(undefined),
  sort: z.enum(['action', 'updated', 'created', 'priority', 'due']).catch('action').default('action'),
  pageSize: z.coerce.number().int().min(5).max(200).catch(25).default(25),
  page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1),
});
export type QueueFilter = z.output<typeof QueueFilterSchema>;

/** Reads filters from URL search params. */
export function parseQueueFilter(params: URLSearchParams): QueueFilter {
  return QueueFilterSchema.parse(Object.fromEntries([...params].filter(([, v]) => v !== '')));
}

/** A ticket's status as staff see it: the closed state wins over a stale label. */
export function toQueueRow(ticket: QueueTicket): QueueRow {
  const status = statusOf(ticket);
  return {
    ...ticket,
    unverified: ticket.unverified ?? false,
    status,
    priority: labelValue(ticket.labels, 'priority') ?? 'normal',
    type: labelValue(ticket.labels, 'type') ?? '',
    category: labelValue(ticket.labels, 'category') ?? '',
  };
}

export interface QueuePage {
  /** Groups by status with the default sort; one group without a status for the other sorts. */
  groups: { status: TicketStatus | undefined; rows: QueueRow[] }[];
  total: number;
  page: number;
  pages: number;
  /** While the read model is first built from the Git host: how far it got (the page lists only what is built). */
  building?: { done: number; total: number | undefined } | undefined;
}

/**
 * Filters, sorts and pages the queue. With the default sort, rows are grouped by what needs action
 * (new and reply-received first), most urgent and then longest-waiting first within a group.
 */
export function buildQueue(tickets: readonly QueueTicket[], filter: QueueFilter, me: string): QueuePage {
  const rows = tickets.map(toQueueRow).filter((row) => {
    if (filter.status === 'active' ? row.status === 'closed' : filter.status !== 'all' && row.status !== filter.status) return false;
    if (filter.priority !== 'all' && row.priority !== filter.priority) return false;
    if (filter.type !== 'all' && row.type !== filter.type) return false;
    if (filter.category !== 'all' && row.category !== filter.category) return false;
    if (filter.assignee === 'me' && !row.assignees.some((a) => a.toLowerCase() === me.toLowerCase())) return false;
    if (filter.assignee === 'pool' && row.assignees.length > 0) return false;
    if (!['me', 'pool', 'all'].includes(filter.assignee) && !row.assignees.some((a) => a.toLowerCase() === filter.assignee.toLowerCase())) return false;
    const opened = row.createdAt.slice(0, 10);
    if (filter.from && opened < filter.from) return false;
    if (filter.to && opened > filter.to) return false;
    return true;
  });
  const byPriority = (a: QueueRow, b: QueueRow) => priorityRank(a.priority) - priorityRank(b.priority);
  const compare: Record<QueueFilter['sort'], (a: QueueRow, b: QueueRow) => number> = {
    action: (a, b) => QUEUE_GROUPS.indexOf(a.status) - QUEUE_GROUPS.indexOf(b.status) || byPriority(a, b) || a.updatedAt.localeCompare(b.updatedAt),
    updated: (a, b) => b.updatedAt.localeCompare(a.updatedAt),
    created: (a, b) => b.createdAt.localeCompare(a.createdAt),
    priority: (a, b) => byPriority(a, b) || a.updatedAt.localeCompare(b.updatedAt),
    due: (a, b) =>
      (a.due?.at ?? Number.MAX_SAFE_INTEGER) - (b.due?.at ?? Number.MAX_SAFE_INTEGER) ||
      QUEUE_GROUPS.indexOf(a.status) - QUEUE_GROUPS.indexOf(b.status) ||
      byPriority(a, b) ||
      a.updatedAt.localeCompare(b.updatedAt),
  };
  rows.sort(compare[filter.sort]);
  const pages = Math.max(1, Math.ceil(rows.length / filter.pageSize));
  const page = Math.min(filter.page, pages);
  const visible = rows.slice((page - 1) * filter.pageSize, page * filter.pageSize);
  return { groups: queueGroups(visible, filter.sort), total: rows.length, page, pages };
}

/** The rows of one page in groups: by status with the default sort, one group without a status for the others. */
export function queueGroups(visible: readonly QueueRow[], sort: QueueFilter['sort']): QueuePage['groups'] {
  if (sort === 'action') return QUEUE_GROUPS.map((status) => ({ status, rows: visible.filter((r) => r.status === status) })).filter((g) => g.rows.length > 0);
  return visible.length > 0 ? [{ status: undefined, rows: [...visible] }] : [];
}
