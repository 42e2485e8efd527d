import type { TicketSummary } from '../tickets/listing.ts';
import { sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.ts';
import type { StoreSchema, TicketSummariesTable } from './schema.ts';
import { CHAT_LABEL, labelValue, TICKET_STATUSES, type TicketStatus } from '../tickets/labels.ts';
import { effectiveAuthor, type MessageKind } from '../tickets/message-kinds.ts';
import type { Rating } from '../tickets/ratings.ts';
import { statusOf } from '../tickets/status.ts';
import type { Ticket } from '../tickets/ticket.ts';
import { isTicketUnverified } from '../tickets/customer-verification.ts';
import { customerTextForDisplay } from '../tickets/neutralize.ts';
import { stripCustomerHeader } from '../tickets/thread.ts';
import { recordTicketChange } from './ticket-changes.ts';
import { mergedInto } from '../tickets/merge.ts';

/*
 * The read model: one row per ticket with what the staff queue, statistics, "My tickets" and the ticket card
 * show, so none of them re-reads the Git host. The workflow's sync writes a row whenever it has read a ticket
 * (webhooks and the sweep both end there); the first start on an existing repository builds every row once.
 */

/** Statuses in the order staff should look at them: what needs action first (the staff queue's groups). */
export const ACTION_ORDER: readonly TicketStatus[] = ['new', 'reply-received', 'open', 'escalated', 'on-hold', 'waiting', 'closed'];

const PRIORITY_RANK = new Map<string, number>([
  ['urgent', 0],
  ['high', 1],
  ['normal', 2],
  ['low', 3],
]);

/** How urgent a priority is, most urgent 0; an unknown priority counts as normal. */
export function priorityRank(priority: string): number {
  return PRIORITY_RANK.get(priority) ?? 2;
}

/** What the read model keeps of one message: what statistics and the card need, never its text. */
export interface ThreadFact {
  id: number;
  kind: MessageKind;
  /** Who wrote it as people see it (the staff member behind a reply posted from the site). */
  author: string;
  createdAt: string;
  /** The customer's rating of a public reply (the bot's reaction). */
  rating?: Rating;
}

/** A ticket as the queue lists it (the staff queue's QueueRow). */
export type SummaryRow = TicketSummary;

/** A customer's ticket, for "My tickets" and the ticket card. */
export interface CustomerTicketRow extends SummaryRow {
  closedAt: string | null;
  thread: ThreadFact[];
  /** The ticket this one was merged into as a duplicate (src/tickets/merge.ts). */
  mergedInto?: number | undefined;
}

function customerRowOf(row: RowColumns & Pick<TicketSummariesTable, 'thread' | 'closed_at' | 'merged_into'>): CustomerTicketRow {
  return {
    ...toRow(row),
    closedAt: row.closed_at === null ? null : isoOf(Number(row.closed_at)),
    thread: JSON.parse(row.thread) as ThreadFact[],
    ...(row.merged_into === null ? {} : { mergedInto: Number(row.merged_into) }),
  };
}

const DAY = 86_400_000;

/** GitHub's timestamp format (no milliseconds when there are none), so a row gives back the host's strings. */
export function isoOf(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

function msOf(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not a time: ${iso}`);
  return ms;
}

interface SummaryRecord {
  row: TicketSummariesTable;
  assignees: StoreSchema['ticket_summary_assignees'][];
  replies: StoreSchema['ticket_summary_replies'][];
}

/**
 * The summary of a ticket from its thread, the kinds in force (fixed at first sight) and the ratings of its
 * public replies (the bot's reactions only).
 */
export function summaryOf(ticket: Ticket, kinds: ReadonlyMap<number, MessageKind>, ratings: ReadonlyMap<number, Rating>): SummaryRecord {
  const status = statusOf(ticket);
  const priority = labelValue(ticket.labels, 'priority') ?? 'normal';
  const thread: ThreadFact[] = ticket.messages.map((m) => {
    const rating = ratings.get(m.id);
    return { id: m.id, kind: kinds.get(m.id) ?? 'outsider', author: effectiveAuthor(m), createdAt: m.createdAt, ...(rating ? { rating } : {}) };
  });
  const count = (kind: MessageKind) => thread.filter((m) => m.kind === kind).length;
  const firstReply = thread.find((m) => m.kind === 'staff-reply');
  const replies = new Map<string, StoreSchema['ticket_summary_replies']>();
  for (const m of thread) {
    if (m.kind !== 'staff-reply') continue;
    const key = m.author.toLowerCase();
    const totals = replies.get(key) ?? { number: ticket.number, author: m.author, author_key: key, replies: 0, helpful: 0, not_helpful: 0 };
    totals.replies += 1;
    if (m.rating === 'helpful') totals.helpful += 1;
    if (m.rating === 'not-helpful') totals.not_helpful += 1;
    replies.set(key, totals);
  }
  const open = ticket.state === 'open' ? 1 : 0;
  const assignees = new Map(ticket.assignees.map((login) => [login.toLowerCase(), { number: ticket.number, login, login_key: login.toLowerCase(), open }]));
  const rated = [...replies.values()];
  return {
    row: {
      number: ticket.number,
      ref: ticket.meta?.ref ?? null,
      title: ticket.title,
      state: ticket.state,
      status,
      priority,
      type: labelValue(ticket.labels, 'type') ?? '',
      category: labelValue(ticket.labels, 'category') ?? '',
      labels: JSON.stringify(ticket.labels),
      assignees: JSON.stringify(ticket.assignees),
      customer_id: ticket.meta?.customer?.id ?? null,
      created_at: msOf(ticket.createdAt),
      updated_at: msOf(ticket.updatedAt),
      closed_at: ticket.closedAt === null ? null : msOf(ticket.closedAt),
      thread: JSON.stringify(thread),
      // The opening message is the customer's first.
      messages_customer: 1 + count('customer'),
      staff_replies: count('staff-reply'),
      internal_notes: count('internal-note'),
      first_response_at: firstReply ? msOf(firstReply.createdAt) : null,
      helpful: rated.reduce((n, r) => n + r.helpful, 0),
      not_helpful: rated.reduce((n, r) => n + r.not_helpful, 0),
      host_updated_at: msOf(ticket.updatedAt),
      status_rank: ACTION_ORDER.indexOf(status),
      priority_rank: priorityRank(priority),
      unverified_since: ticket.meta?.unverifiedSince === undefined ? null : msOf(ticket.meta.unverifiedSince),
      customer_email: ticket.meta?.customer?.email ?? null,
      customer_name: ticket.meta?.customerName?.trim() || null,
      search_text: searchTextOf(ticket),
      merged_into: mergedInto(ticket) ?? null,
    },
    assignees: [...assignees.values()],
    replies: rated,
  };
}

/** What became of an upsert: a new row, a changed one, or nothing because the row was built from a newer read. */
export type UpsertOutcome = 'inserted' | 'updated' | 'stale';

const SUMMARY_COLUMNS = [
  'ref',
  'title',
  'state',
  'status',
  'priority',
  'type',
  'category',
  'labels',
  'assignees',
  'customer_id',
  'created_at',
  'updated_at',
  'closed_at',
  'thread',
  'messages_customer',
  'staff_replies',
  'internal_notes',
  'first_response_at',
  'helpful',
  'not_helpful',
  'host_updated_at',
  'status_rank',
  'priority_rank',
  'unverified_since',
  'customer_email',
  'customer_name',
  'search_text',
  'merged_into',
] as const satisfies ReadonlyArray<Exclude<keyof TicketSummariesTable, 'number'>>;

/** What the staff pages show of a ticket: a change in any of these is news to a page open on it. */
const SHOWN_COLUMNS = ['title', 'state', 'status', 'priority', 'type', 'category', 'labels', 'assignees', 'thread'] as const satisfies ReadonlyArray<keyof TicketSummariesTable>;

async function writeSummary(trx: Transaction<StoreSchema>, record: SummaryRecord, live: boolean): Promise<UpsertOutcome> {
  const { row } = record;
  // A ticket deleted on the staff pages (redacted where the host refused to delete it) stays out of the read model.
  if (await trx.selectFrom('removed_tickets').select('number').where('number', '=', row.number).executeTakeFirst()) return 'stale';
  const existing = await trx
    .selectFrom('ticket_summaries')
    .select(['host_updated_at', ...SHOWN_COLUMNS])
    .where('number', '=', row.number)
    .executeTakeFirst();
  if (existing && Number(existing.host_updated_at) > row.host_updated_at) return 'stale';
  // Two issues claiming one ref (never written so, but the host is not ours): the one read last holds it.
  if (row.ref !== null) await trx.updateTable('ticket_summaries').set({ ref: null }).where('ref', '=', row.ref).where('number', '<>', row.number).execute();
  const result = await trx
    .insertInto('ticket_summaries')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('number')
        .doUpdateSet((eb) => Object.fromEntries(SUMMARY_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)])) as never)
        // Equal times pass: a rating changes no updated_at, and the host stamps to the second.
        .where(sql<boolean>`ticket_summaries.host_updated_at <= excluded.host_updated_at`),
    )
    .executeTakeFirst();
  if (result.numInsertedOrUpdatedRows === 0n) return 'stale';
  await trx.deleteFrom('ticket_summary_assignees').where('number', '=', row.number).execute();
  await trx.deleteFrom('ticket_summary_replies').where('number', '=', row.number).execute();
  if (record.assignees.length > 0) await trx.insertInto('ticket_summary_assignees').values(record.assignees).execute();
  if (record.replies.length > 0) await trx.insertInto('ticket_summary_replies').values(record.replies).execute();
  // The live staff views hear of what they show, not of every re-read by the sweep.
  if (live && (!existing || SHOWN_COLUMNS.some((c) => existing[c] !== row[c]))) await recordTicketChange(trx, row.number, 'ticket');
  return existing ? 'updated' : 'inserted';
}

/** One ticket's summary to write: the ticket as read, its kinds in force and the ratings of its replies. */
export interface SummaryInput {
  ticket: Ticket;
  kinds: ReadonlyMap<number, MessageKind>;
  ratings: ReadonlyMap<number, Rating>;
}

/** Writes a ticket's summary, unless the row was built from a newer read of the host (`host_updated_at`). */
export async function upsertTicketSummary(database: Database, input: SummaryInput): Promise<UpsertOutcome> {
  const record = summaryOf(input.ticket, input.kinds, input.ratings);
  return database.db.transaction().execute((trx) => writeSummary(trx, record, true));
}

/** Writes several summaries, and the build's progress with them, in one transaction (the first build's pages). */
export async function upsertTicketSummaries(database: Database, inputs: readonly SummaryInput[], progress?: ReadModelBuild): Promise<UpsertOutcome[]> {
  const records = inputs.map((i) => summaryOf(i.ticket, i.kinds, i.ratings));
  return database.db.transaction().execute(async (trx) => {
    const outcomes: UpsertOutcome[] = [];
    // The first build's pages are history, not news: no page open now shows those tickets changing.
    for (const record of records) outcomes.push(await writeSummary(trx, record, !progress));
    if (progress) await putMeta(trx, BUILD_KEY, JSON.stringify(progress));
    return outcomes;
  });
}

/** The summary of one ticket, as the queue shows it; undefined when the read model has no row for it. */
export async function ticketSummary(database: Database, number: number): Promise<CustomerTicketRow | undefined> {
  const row = await database.db.selectFrom('ticket_summaries as s').selectAll('s').select(verifiedAtOf).where('s.number', '=', number).executeTakeFirst();
  return row ? customerRowOf(row) : undefined;
}

/** Forgets a ticket the host no longer has (deleted, or transferred to another repository); whether it had a row. */
export async function removeTicketSummary(database: Database, number: number): Promise<boolean> {
  return database.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('ticket_summary_assignees').where('number', '=', number).execute();
    await trx.deleteFrom('ticket_summary_replies').where('number', '=', number).execute();
    const result = await trx.deleteFrom('ticket_summaries').where('number', '=', number).executeTakeFirst();
    const removed = Number(result.numDeletedRows) > 0;
    if (removed) await recordTicketChange(trx, number, 'ticket');
    return removed;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The staff queue

/** The staff queue's filters (src/staff/queue.ts, QueueFilter). */
export interface SummaryFilter {
  status: TicketStatus | 'all' | 'active';
  priority: string;
  type: string;
  category: string;
  /** `me`, `pool` (unassigned), `all`, or a login. */
  assignee: string;
  /** Words that must all occur in the subject, reference, customer or opening message. */
  search?: string | undefined;
  /** Opened on or after, YYYY-MM-DD. */
  from?: string | undefined;
  /** Opened on or before, YYYY-MM-DD. */
  to?: string | undefined;
  sort: 'action' | 'updated' | 'created' | 'priority' | 'due';
  pageSize: number;
  page: number;
}

/** One page of the queue: its rows in order, the number of tickets the filters let through, and the page shown. */
export interface SummaryPage {
  rows: SummaryRow[];
  total: number;
  page: number;
  pages: number;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthDays = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 31;

/**
 * The first moment of the first real day whose YYYY-MM-DD is at or after `day` (strictly after with `after`): the
 * queue compares the opening day as text, so "2024-02-30" lets through March 1 on, and so must the SQL.
 */
function dayBoundary(day: string, after: boolean): number {
  let [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const valid = m >= 1 && m <= 12 && d >= 1 && d <= monthDays(y, m);
  if (valid) return Date.parse(`${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T00:00:00Z`) + (after ? DAY : 0);
  if (m === 0) [m, d] = [1, 1];
  else if (m > 12) [y, m, d] = [y + 1, 1, 1];
  else if (d === 0) d = 1;
  else if (m === 12) [y, m, d] = [y + 1, 1, 1];
  else [m, d] = [m + 1, 1];
  return Date.parse(`${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T00:00:00Z`);
}

/** When the row's customer (`s`) last proved their address: with `unverified_since`, whether the row is unverified. */
function verifiedAtOf(eb: ExpressionBuilder<StoreSchema & { s: TicketSummariesTable }, 's'>) {
  return eb.selectFrom('verified_addresses as v').select('v.verified_at').whereRef('v.customer_id', '=', 's.customer_id').as('verified_at');
}

type RowColumns = Pick<
  TicketSummariesTable,
  'number' | 'ref' | 'title' | 'state' | 'labels' | 'assignees' | 'created_at' | 'updated_at' | 'status' | 'priority' | 'type' | 'category' | 'unverified_since'
> & {
  verified_at: number | null;
};

function toRow(row: RowColumns): SummaryRow {
  return {
    number: Number(row.number),
    ref: row.ref ?? undefined,
    title: row.title,
    state: row.state,
    labels: JSON.parse(row.labels) as string[],
    assignees: JSON.parse(row.assignees) as string[],
    createdAt: isoOf(Number(row.created_at)),
    updatedAt: isoOf(Number(row.updated_at)),
    status: row.status as TicketStatus,
    priority: row.priority,
    type: row.type,
    category: row.category,
    unverified: isTicketUnverified(row.unverified_since === null ? undefined : Number(row.unverified_since), row.verified_at === null ? undefined : Number(row.verified_at)),
  };
}

/**
 * One page of the staff queue, filtered, sorted and paged in SQL, with exactly buildQueue's answer (src/staff/queue.ts)
 * over the same tickets listed newest first: ties in the sort go to the newer ticket.
 */
/** Longest part of a ticket's text a staff search looks at: the opening message is where customers say what is wrong. */
const SEARCH_TEXT_CHARS = 2_000;

/** What a staff search matches for a ticket: subject, reference, customer's address and name, and the opening message. */
export function searchTextOf(ticket: Ticket): string {
  const parts = [
    ticket.title,
    ticket.meta?.ref,
    ticket.meta?.customer?.email,
    ticket.meta?.customerName,
    `#${ticket.number}`,
    customerTextForDisplay(stripCustomerHeader(ticket.body)).slice(0, SEARCH_TEXT_CHARS),
  ];
  return parts
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join('\n')
    .toLowerCase();
}

/** The words of a staff search, lower-cased (at most eight; quotes and spacing ignored). */
export function searchWords(search: string): string[] {
  return search
    .toLowerCase()
    .split(/[\s"]+/)
    .filter((word) => word !== '')
    .slice(0, 8);
}

/** A LIKE pattern's wildcards taken literally (the escape character is declared with each LIKE). */
function escapeLike(word: string): string {
  return word.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function queuePage(database: Database, filter: SummaryFilter, me: string): Promise<SummaryPage> {
  const { db } = database;
  let query = db.selectFrom('ticket_summaries as s');
  const closedRank = ACTION_ORDER.indexOf('closed');
  if (filter.status === 'active') query = query.where('s.status_rank', '<', closedRank);
  else if (filter.status !== 'all') query = query.where('s.status_rank', '=', ACTION_ORDER.indexOf(filter.status));
  if (filter.priority !== 'all') query = query.where('s.priority', '=', filter.priority);
  if (filter.type !== 'all') query = query.where('s.type', '=', filter.type);
  if (filter.category !== 'all') query = query.where('s.category', '=', filter.category);
  if (filter.assignee === 'pool') query = query.where('s.assignees', '=', '[]');
  else if (filter.assignee !== 'all') {
    const login = (filter.assignee === 'me' ? me : filter.assignee).toLowerCase();
    query = query.where((eb) => eb.exists(eb.selectFrom('ticket_summary_assignees as a').select('a.number').whereRef('a.number', '=', 's.number').where('a.login_key', '=', login)));
  }
  if (filter.search) {
    // Every word must occur in the subject, reference, customer or opening message (a scan of one bounded column).
    for (const word of searchWords(filter.search)) query = query.where(sql<boolean>`${sql.ref('s.search_text')} like ${`%${escapeLike(word)}%`} escape '\\'`);
  }
  if (filter.from) query = query.where('s.created_at', '>=', dayBoundary(filter.from, false));
  if (filter.to) query = query.where('s.created_at', '<', dayBoundary(filter.to, true));

  const counted = await query.select((eb) => eb.fn.countAll<number | string>().as('total')).executeTakeFirstOrThrow();
  const total = Number(counted.total);
  const pages = Math.max(1, Math.ceil(total / filter.pageSize));
  const page = Math.min(filter.page, pages);
  let ordered = query
    .select(['s.number', 's.ref', 's.title', 's.state', 's.labels', 's.assignees', 's.created_at', 's.updated_at', 's.status', 's.priority', 's.type', 's.category', 's.unverified_since'])
    .select(verifiedAtOf);
  switch (filter.sort) {
    case 'action':
      ordered = ordered.orderBy('s.status_rank').orderBy('s.priority_rank').orderBy('s.updated_at');
      break;
    case 'priority':
      ordered = ordered.orderBy('s.priority_rank').orderBy('s.updated_at');
      break;
    case 'updated':
      ordered = ordered.orderBy('s.updated_at', 'desc');
      break;
    case 'created':
      ordered = ordered.orderBy('s.created_at', 'desc');
      break;
    case 'due':
      // Due soonest first (overdue the longest at the top); tickets without a running target after them, most urgent first.
      ordered = ordered
        .orderBy(sql`coalesce((select c.due_at from sla_clocks c where c.number = ${sql.ref('s.number')}), ${sql.lit(Number.MAX_SAFE_INTEGER)})`)
        .orderBy('s.status_rank')
        .orderBy('s.priority_rank')
        .orderBy('s.updated_at');
      break;
  }
  const rows =
    total === 0
      ? []
      : await ordered
          .orderBy('s.number', 'desc')
          .limit(filter.pageSize)
          .offset((page - 1) * filter.pageSize)
          .execute();
  return { rows: rows.map(toRow), total, page, pages };
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics

/** What statistics for a day range need, totalled in SQL (src/staff/stats.ts, statisticsFromSummaries, assembles them). */
export interface StatisticsInputs {
  /** Tickets open at the end of the day before `from`. */
  backlogBefore: number;
  /** Tickets opened and closed per day of the range (YYYY-MM-DD; days without any are absent). */
  opened: Record<string, number>;
  closed: Record<string, number>;
  /** The tickets opened in the range (ms): their first public reply and their close. */
  openedInRange: Array<{ createdAt: number; firstResponseAt: number | null; closedAt: number | null }>;
  /** Tickets per status now. */
  statusNow: Partial<Record<TicketStatus, number>>;
  /** Per customer id: tickets, customer messages (the opening ones included) and milliseconds open until `now`. */
  customers: Array<{ customer: string; email?: string; name?: string; tickets: number; messages: number; openMs: number }>;
  /** Public replies per author (lower-cased login), with a spelling of the login and the ratings. */
  replies: Array<{ key: string; author: string; replies: number; helpful: number; notHelpful: number }>;
  /** Open tickets per assignee (lower-cased login), with a spelling of the login. */
  openAssigned: Array<{ key: string; login: string; tickets: number }>;
}

const num = (v: number | string | bigint | null | undefined) => Number(v ?? 0);

/** The figures statistics need for a day range (YYYY-MM-DD), over every ticket in the read model. */
export async function statisticsInputs(database: Database, range: { from: string; to: string }, now = Date.now()): Promise<StatisticsInputs> {
  const { db } = database;
  const start = Date.parse(`${range.from}T00:00:00Z`);
  const end = Date.parse(`${range.to}T00:00:00Z`) + DAY;
  const dayOf = (ms: number) => new Date(ms * DAY).toISOString().slice(0, 10);
  const perDay = async (column: 'created_at' | 'closed_at') => {
    const rows = await db
      .selectFrom('ticket_summaries')
      .select([sql<number>`${sql.ref(column)} / ${sql.lit(DAY)}`.as('day'), (eb) => eb.fn.countAll<number | string>().as('n')])
      .where(column, '>=', start)
      .where(column, '<', end)
      // A merged duplicate and its target are one case.
      .where('merged_into', 'is', null)
      .groupBy(sql`${sql.ref(column)} / ${sql.lit(DAY)}`)
      .execute();
    return Object.fromEntries(rows.map((r) => [dayOf(num(r.day)), num(r.n)]));
  };
  // Open at the end of the day before: opened before it, less those also closed before it (two index-only counts).
  const countBefore = (column: 'created_at' | 'closed_at') =>
    db
      .selectFrom('ticket_summaries')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where(column, '<', start)
      .where('created_at', '<', start)
      .where('merged_into', 'is', null)
      .executeTakeFirstOrThrow();
  const [openedBefore, closedBefore, opened, closed, openedInRange, statuses, customers, replies, assigned] = await Promise.all([
    countBefore('created_at'),
    countBefore('closed_at'),
    perDay('created_at'),
    perDay('closed_at'),
    db
      .selectFrom('ticket_summaries')
      .select(['created_at', 'first_response_at', 'closed_at'])
      .where('created_at', '>=', start)
      .where('created_at', '<', end)
      .where('merged_into', 'is', null)
      .orderBy('number', 'desc')
      .execute(),
    db
      .selectFrom('ticket_summaries')
      .select(['status_rank', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('merged_into', 'is', null)
      .groupBy('status_rank')
      .execute(),
    db
      .selectFrom('ticket_summaries')
      .select([
        'customer_id',
        // The latest address and name the customer's tickets carry (rows synced before 005 have none).
        (eb) => eb.fn.max('customer_email').as('email'),
        (eb) => eb.fn.max('customer_name').as('name'),
        (eb) => eb.fn.countAll<number | string>().as('tickets'),
        sql<number | string>`cast(sum(messages_customer) as bigint)`.as('messages'),
        sql<number | string>`cast(sum(coalesce(closed_at, ${now}) - created_at) as bigint)`.as('open_ms'),
      ])
      .where('customer_id', 'is not', null)
      .where('customer_id', '<>', '')
      .where('merged_into', 'is', null)
      .groupBy('customer_id')
      .execute(),
    db
      .selectFrom('ticket_summary_replies')
      .select([
        'author_key',
        (eb) => eb.fn.min('author').as('author'),
        sql<number | string>`cast(sum(replies) as bigint)`.as('replies'),
        sql<number | string>`cast(sum(helpful) as bigint)`.as('helpful'),
        sql<number | string>`cast(sum(not_helpful) as bigint)`.as('not_helpful'),
      ])
      .groupBy('author_key')
      .execute(),
    db
      .selectFrom('ticket_summary_assignees')
      .select(['login_key', (eb) => eb.fn.min('login').as('login'), (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('open', '=', 1)
      .groupBy('login_key')
      .execute(),
  ]);
  const statusNow: Partial<Record<TicketStatus, number>> = {};
  for (const status of TICKET_STATUSES) {
    const found = statuses.find((s) => Number(s.status_rank) === ACTION_ORDER.indexOf(status));
    if (found) statusNow[status] = num(found.n);
  }
  return {
    backlogBefore: num(openedBefore.n) - num(closedBefore.n),
    opened,
    closed,
    openedInRange: openedInRange.map((r) => ({
      createdAt: Number(r.created_at),
      firstResponseAt: r.first_response_at === null ? null : Number(r.first_response_at),
      closedAt: r.closed_at === null ? null : Number(r.closed_at),
    })),
    statusNow,
    customers: customers.map((c) => ({
      customer: c.customer_id as string,
      ...(c.email ? { email: c.email } : {}),
      ...(c.name ? { name: c.name } : {}),
      tickets: num(c.tickets),
      messages: num(c.messages),
      openMs: num(c.open_ms),
    })),
    replies: replies.map((r) => ({ key: r.author_key, author: r.author, replies: num(r.replies), helpful: num(r.helpful), notHelpful: num(r.not_helpful) })),
    openAssigned: assigned.map((a) => ({ key: a.login_key, login: a.login, tickets: num(a.n) })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A customer's tickets

/**
 * A customer's tickets by their pseudonymous id (`host.customerId(email)`), newest first: "My tickets" and the
 * ticket card's other tickets. `limit` keeps the newest.
 */
export async function customerTickets(database: Database, customerId: string, options: { limit?: number } = {}): Promise<CustomerTicketRow[]> {
  let query = database.db.selectFrom('ticket_summaries as s').selectAll('s').select(verifiedAtOf).where('s.customer_id', '=', customerId).orderBy('s.number', 'desc');
  if (options.limit !== undefined) query = query.limit(options.limit);
  const rows = await query.execute();
  return rows.map(customerRowOf);
}

/** Those of `refs` (the tickets a browser filed) that belong to the customer `customerId`, newest first. */
export async function customerTicketsByRef(database: Database, customerId: string, refs: readonly string[]): Promise<CustomerTicketRow[]> {
  if (refs.length === 0) return [];
  const rows = await database.db
    .selectFrom('ticket_summaries as s')
    .selectAll('s')
    .select(verifiedAtOf)
    .where('s.customer_id', '=', customerId)
    .where('s.ref', 'in', [...refs])
    .orderBy('s.number', 'desc')
    .execute();
  return rows.map(customerRowOf);
}

// ---------------------------------------------------------------------------------------------------------------
// The first build

/** Where the first build of the read model stands (kept in `meta`, so a restart continues where it stopped). */
export interface ReadModelBuild {
  state: 'building' | 'done';
  /** The host's listing page (oldest tickets first) to read next. */
  page: number;
  /** The newest issue number already built; the build never writes a ticket at or below it again. */
  after: number;
  /** Tickets built so far, and the tickets there are (as the host said when the build began). */
  done: number;
  total: number | undefined;
  startedAt: string;
  finishedAt?: string;
  /** Milliseconds spent building, over every run. */
  ms: number;
}

const BUILD_KEY = 'read-model:build';

async function putMeta(db: Kysely<StoreSchema>, key: string, value: string): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** Where the first build stands; undefined before it began. */
export async function readModelBuild(database: Database): Promise<ReadModelBuild | undefined> {
  const row = await database.db.selectFrom('meta').select('value').where('key', '=', BUILD_KEY).executeTakeFirst();
  return row ? (JSON.parse(row.value) as ReadModelBuild) : undefined;
}

/** Records the first build's progress on its own (its start, and its end when the last page was empty). */
export async function saveReadModelBuild(database: Database, progress: ReadModelBuild): Promise<void> {
  await putMeta(database.db, BUILD_KEY, JSON.stringify(progress));
}

// ---------------------------------------------------------------------------------------------------------------
// Chat conversations

/** An open chat conversation as the staff chat page lists it. */
export interface ConversationRow extends SummaryRow {
  customerName: string | undefined;
  customerEmail: string | undefined;
  /** The customer's messages since the last public staff reply (all of them before the first). */
  waiting: number;
}

/** Customer messages after the last public staff reply; the opening message counts until staff first answer. */
export function waitingMessages(thread: readonly ThreadFact[]): number {
  const lastReply = thread.findLastIndex((m) => m.kind === 'staff-reply');
  const after = thread.slice(lastReply + 1).filter((m) => m.kind === 'customer').length;
  return lastReply === -1 ? after + 1 : after;
}

/** Open chat conversations (label `channel: chat`), latest activity first, at most `limit`. */
export async function openConversations(database: Database, limit = 100): Promise<ConversationRow[]> {
  const rows = await database.db
    .selectFrom('ticket_summaries as s')
    .selectAll('s')
    .select(verifiedAtOf)
    .where('s.state', '=', 'open')
    // Labels are a JSON array of strings: the quoted name matches the label exactly.
    .where('s.labels', 'like', `%${JSON.stringify(CHAT_LABEL)}%`)
    .orderBy('s.updated_at', 'desc')
    .orderBy('s.number', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    ...toRow(row),
    customerName: row.customer_name ?? undefined,
    customerEmail: row.customer_email ?? undefined,
    waiting: waitingMessages(JSON.parse(row.thread) as ThreadFact[]),
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Customers

/** A customer as the staff pages list them: by the pseudonymous id the read model keeps, with what is known of them. */
export interface CustomerSummary {
  id: string;
  email: string | undefined;
  name: string | undefined;
  tickets: number;
  open: number;
  conversations: number;
  lastActivity: string;
  verified: boolean;
}

/** Customers, latest activity first; `search` matches words of their address or name; `id` picks one. */
export async function customerList(database: Database, options: { search?: string | undefined; id?: string; limit?: number } = {}): Promise<CustomerSummary[]> {
  let query = database.db
    .selectFrom('ticket_summaries as s')
    .leftJoin('verified_addresses as v', 'v.customer_id', 's.customer_id')
    .select((eb) => [
      's.customer_id',
      eb.fn.max('s.customer_email').as('email'),
      eb.fn.max('s.customer_name').as('name'),
      eb.fn.countAll<number | string>().as('tickets'),
      sql<number | string>`sum(case when s.state = 'open' then 1 else 0 end)`.as('open'),
      sql<number | string>`sum(case when s.labels like ${`%${JSON.stringify(CHAT_LABEL)}%`} then 1 else 0 end)`.as('conversations'),
      eb.fn.max('s.updated_at').as('last'),
      eb.fn.max('v.verified_at').as('verified_at'),
    ])
    .where('s.customer_id', 'is not', null)
    .groupBy('s.customer_id');
  if (options.id !== undefined) query = query.where('s.customer_id', '=', options.id);
  for (const word of searchWords(options.search ?? '')) {
    const pattern = `%${escapeLike(word)}%`;
    query = query.where(
      sql<boolean>`(lower(coalesce(${sql.ref('s.customer_email')}, '')) like ${pattern} escape '\\' or lower(coalesce(${sql.ref('s.customer_name')}, '')) like ${pattern} escape '\\')`,
    );
  }
  const rows = await query
    .orderBy(sql`max(s.updated_at)`, 'desc')
    .limit(options.limit ?? 50)
    .execute();
  return rows.map((r) => ({
    id: r.customer_id as string,
    email: r.email ?? undefined,
    name: r.name ?? undefined,
    tickets: Number(r.tickets),
    open: Number(r.open),
    conversations: Number(r.conversations),
    lastActivity: isoOf(Number(r.last)),
    verified: r.verified_at !== null && r.verified_at !== undefined,
  }));
}
