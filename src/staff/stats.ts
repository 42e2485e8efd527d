import type { Config } from '../config/config-schema.ts';
import type { MessageKind } from '../tickets/message-kinds.ts';
import type { Rating } from '../tickets/ratings.ts';
import { statusOf } from '../tickets/status.ts';
import type { StatisticsInputs } from '../store/ticket-summaries.ts';
import { measurementsOf, outcomeAt, SLA_TARGET_WORDS, SLA_TARGETS, targetsFor, type SlaSettings, type SlaTarget, type SlaTimeline } from '../tickets/sla.ts';

/** A message as statistics count it: its kind in force, who wrote it (as people see it) and its rating. */
export interface StatsMessage {
  kind: MessageKind;
  /** The staff member behind a reply, also when it was posted from the site. */
  author: string;
  createdAt: string;
  rating: Rating | undefined;
}

/** What statistics need of a ticket and its thread, whatever host it came from. */
export interface StatsTicket {
  number: number;
  state: 'open' | 'closed';
  labels: string[];
  assignees: string[];
  createdAt: string;
  closedAt: string | null;
  /** The customer's pseudonymous id (never the email). */
  customer: string | undefined;
  messages: StatsMessage[];
}

export interface Summary {
  count: number;
  /** Hours. */
  median: number | undefined;
  p90: number | undefined;
}

export interface DayCount {
  day: string;
  opened: number;
  closed: number;
  /** Tickets open at the end of the day. */
  backlog: number;
}

export interface CustomerTotals {
  /** The pseudonymous customer id. */
  customer: string;
  /** The address and name their tickets carry, when the read model has them. */
  email?: string | undefined;
  name?: string | undefined;
  tickets: number;
  messages: number;
  /** Hours the customer's tickets were open in all. */
  hoursOpen: number;
}

export interface SupporterTotals {
  login: string;
  replies: number;
  helpful: number;
  notHelpful: number;
  /** helpful / (helpful + notHelpful), undefined without ratings. */
  helpfulShare: number | undefined;
  /** Open tickets assigned now. */
  openAssigned: number;
}

export interface Statistics {
  from: string;
  to: string;
  days: DayCount[];
  firstResponse: Summary;
  timeToClose: Summary;
  statusNow: Record<string, number>;
  customers: CustomerTotals[];
  supporters: SupporterTotals[];
  /** The share of measured response targets met, when the site has targets. */
  responseTargets?: ResponseTargetShares | undefined;
}

/** How often one target was met: of the measurements decided (met, or missed), those met. */
export interface TargetShare {
  target: SlaTarget;
  met: number;
  measured: number;
  /** met / measured; undefined when none was measured. */
  share: number | undefined;
}

/** Shares met per target: over all tickets opened in the range, per supporter (assignee) and per category. */
export interface ResponseTargetShares {
  all: TargetShare[];
  bySupporter: Array<{ login: string; targets: TargetShare[] }>;
  byCategory: Array<{ category: string; targets: TargetShare[] }>;
}

/**
 * The share of response targets met for tickets opened in the range: every measurement that is decided at `now`
 * (stopped in time, stopped late, or running past due) counts once for the ticket's assignees (or "pool") and its
 * category (or "none"); targets still running in time are not counted yet.
 */
export function responseTargetShares(
  rows: ReadonlyArray<{ timeline: SlaTimeline; priority: string; category: string; assignees: readonly string[] }>,
  settings: SlaSettings,
  now: number,
): ResponseTargetShares {
  type Tally = Map<SlaTarget, { met: number; measured: number }>;
  const all: Tally = new Map();
  const bySupporter = new Map<string, { login: string; tally: Tally }>();
  const byCategory = new Map<string, Tally>();
  const count = (tally: Tally, target: SlaTarget, met: boolean) => {
    const t = tally.get(target) ?? { met: 0, measured: 0 };
    t.measured += 1;
    if (met) t.met += 1;
    tally.set(target, t);
  };
  for (const row of rows) {
    const category = row.category || 'none';
    const logins = row.assignees.length > 0 ? row.assignees : ['pool'];
    for (const m of measurementsOf(row.timeline, targetsFor(settings, row.priority, row.category || undefined), settings)) {
      const met = outcomeAt(m, now);
      if (met === undefined) continue;
      count(all, m.target, met);
      const categoryTally = byCategory.get(category) ?? new Map();
      byCategory.set(category, categoryTally);
      count(categoryTally, m.target, met);
      for (const login of logins) {
        const entry = bySupporter.get(login.toLowerCase()) ?? { login, tally: new Map() };
        bySupporter.set(login.toLowerCase(), entry);
        count(entry.tally, m.target, met);
      }
    }
  }
  const shares = (tally: Tally): TargetShare[] =>
    SLA_TARGETS.map((target) => {
      const t = tally.get(target) ?? { met: 0, measured: 0 };
      return { target, met: t.met, measured: t.measured, share: t.measured === 0 ? undefined : t.met / t.measured };
    });
  return {
    all: shares(all),
    bySupporter: [...bySupporter.values()].sort((a, b) => a.login.localeCompare(b.login)).map((s) => ({ login: s.login, targets: shares(s.tally) })),
    byCategory: [...byCategory.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([category, tally]) => ({ category, targets: shares(tally) })),
  };
}

const HOUR = 3_600_000;

/** The value below which `q` of the sorted values lie (nearest rank). */
export function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function summarize(hours: number[]): Summary {
  const sorted = [...hours].sort((a, b) => a - b);
  return { count: sorted.length, median: percentile(sorted, 0.5), p90: percentile(sorted, 0.9) };
}

function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 24 * HOUR) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** Hours from opening to the first public staff reply; undefined while unanswered. */
export function firstResponseHours(ticket: StatsTicket): number | undefined {
  const first = ticket.messages.find((m) => m.kind === 'staff-reply');
  return first ? (Date.parse(first.createdAt) - Date.parse(ticket.createdAt)) / HOUR : undefined;
}

/** Hours a ticket has been open: until it closed, or until `now`. */
export function hoursOpen(ticket: Pick<StatsTicket, 'createdAt' | 'closedAt'>, now: number): number {
  return ((ticket.closedAt ? Date.parse(ticket.closedAt) : now) - Date.parse(ticket.createdAt)) / HOUR;
}

/**
 * The support statistics for a day range: tickets opened and closed per day, the backlog at the end
 * of each day, time to first response and to close (median and p90, over tickets opened in the
 * range), per-customer totals and per-supporter ratings and workload.
 */
export function computeStatistics(tickets: readonly StatsTicket[], rules: Pick<Config, 'supporters'>, range: { from: string; to: string }, now = Date.now()): Statistics {
  const inRange = (iso: string | null) => iso !== null && iso.slice(0, 10) >= range.from && iso.slice(0, 10) <= range.to;
  const days = daysBetween(range.from, range.to).map((day) => {
    const end = Date.parse(`${day}T23:59:59.999Z`);
    return {
      day,
      opened: tickets.filter((t) => t.createdAt.slice(0, 10) === day).length,
      closed: tickets.filter((t) => t.closedAt?.slice(0, 10) === day).length,
      backlog: tickets.filter((t) => Date.parse(t.createdAt) <= end && (t.closedAt === null || Date.parse(t.closedAt) > end)).length,
    };
  });
  const opened = tickets.filter((t) => inRange(t.createdAt));
  const firstResponse = summarize(opened.map((t) => firstResponseHours(t)).filter((h): h is number => h !== undefined));
  const timeToClose = summarize(opened.filter((t) => t.closedAt !== null).map((t) => hoursOpen(t, now)));

  const statusNow: Record<string, number> = {};
  for (const t of tickets) {
    const status = statusOf(t);
    statusNow[status] = (statusNow[status] ?? 0) + 1;
  }

  const customers = new Map<string, CustomerTotals>();
  for (const t of tickets) {
    if (!t.customer) continue;
    const totals = customers.get(t.customer) ?? { customer: t.customer, tickets: 0, messages: 0, hoursOpen: 0 };
    totals.tickets += 1;
    totals.messages += 1 + t.messages.filter((m) => m.kind === 'customer').length;
    totals.hoursOpen += hoursOpen(t, now);
    customers.set(t.customer, totals);
  }

  const supporters = supporterTotals(rules);
  for (const t of tickets) {
    for (const m of t.messages) {
      if (m.kind !== 'staff-reply') continue;
      const totals = supporters.of(m.author);
      totals.replies += 1;
      if (m.rating === 'helpful') totals.helpful += 1;
      if (m.rating === 'not-helpful') totals.notHelpful += 1;
    }
    if (t.state === 'open') for (const login of t.assignees) supporters.of(login).openAssigned += 1;
  }
  return assemble(range, { days, firstResponse, timeToClose, statusNow, customers: [...customers.values()], supporters: supporters.all() });
}

/**
 * The same statistics as computeStatistics, from the figures the read model totals in SQL (store/ticket-summaries.ts,
 * statisticsInputs) instead of from every ticket's thread.
 */
export function statisticsFromSummaries(inputs: StatisticsInputs, rules: Pick<Config, 'supporters'>, range: { from: string; to: string }): Statistics {
  let backlog = inputs.backlogBefore;
  const days = daysBetween(range.from, range.to).map((day) => {
    const opened = inputs.opened[day] ?? 0;
    const closed = inputs.closed[day] ?? 0;
    backlog += opened - closed;
    return { day, opened, closed, backlog };
  });
  const firstResponse = summarize(inputs.openedInRange.filter((t) => t.firstResponseAt !== null).map((t) => ((t.firstResponseAt as number) - t.createdAt) / HOUR));
  const timeToClose = summarize(inputs.openedInRange.filter((t) => t.closedAt !== null).map((t) => ((t.closedAt as number) - t.createdAt) / HOUR));
  const statusNow: Record<string, number> = { ...inputs.statusNow };

  const customers = inputs.customers.map((c) => ({ customer: c.customer, email: c.email, name: c.name, tickets: c.tickets, messages: c.messages, hoursOpen: c.openMs / HOUR }));

  const supporters = supporterTotals(rules);
  for (const r of inputs.replies) {
    const totals = supporters.of(r.author, r.key);
    totals.replies += r.replies;
    totals.helpful += r.helpful;
    totals.notHelpful += r.notHelpful;
  }
  for (const a of inputs.openAssigned) supporters.of(a.login, a.key).openAssigned += a.tickets;
  return assemble(range, { days, firstResponse, timeToClose, statusNow, customers, supporters: supporters.all() });
}

/** Per-supporter totals, keyed by lower-cased login; every configured supporter is listed, with or without work. */
function supporterTotals(rules: Pick<Config, 'supporters'>): { of(login: string, key?: string): SupporterTotals; all(): SupporterTotals[] } {
  const supporters = new Map<string, SupporterTotals>();
  const of = (login: string, key = login.toLowerCase()) => {
    let totals = supporters.get(key);
    if (!totals) supporters.set(key, (totals = { login, replies: 0, helpful: 0, notHelpful: 0, helpfulShare: undefined, openAssigned: 0 }));
    return totals;
  };
  for (const s of rules.supporters) of(s.login);
  return {
    of,
    all() {
      for (const totals of supporters.values()) {
        const rated = totals.helpful + totals.notHelpful;
        totals.helpfulShare = rated === 0 ? undefined : totals.helpful / rated;
      }
      return [...supporters.values()].sort((a, b) => a.login.localeCompare(b.login));
    },
  };
}

/** The statistics in their order: customers by tickets, then hours open, then id; supporters by login. */
function assemble(range: { from: string; to: string }, parts: Omit<Statistics, 'from' | 'to'>): Statistics {
  const customers = [...parts.customers].sort((a, b) => b.tickets - a.tickets || b.hoursOpen - a.hoursOpen || (a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0));
  return { from: range.from, to: range.to, ...parts, customers };
}

function csvCell(value: string | number | undefined): string {
  const text = value === undefined ? '' : typeof value === 'number' ? String(Math.round(value * 100) / 100) : value;
  // Quote, and defuse spreadsheet formulas (a cell starting with = + - @).
  return `"${(/^[=+\-@]/.test(text) ? `'${text}` : text).replace(/"/g, '""')}"`;
}

/** The same figures as CSV: one table per section, each with its own header, separated by a blank line. */
export function statisticsToCsv(stats: Statistics): string {
  const tables: (string | number | undefined)[][][] = [
    [['day', 'opened', 'closed', 'backlog'], ...stats.days.map((d) => [d.day, d.opened, d.closed, d.backlog])],
    [
      ['measure', 'tickets', 'median hours', 'p90 hours'],
      ['first response', stats.firstResponse.count, stats.firstResponse.median, stats.firstResponse.p90],
      ['time to close', stats.timeToClose.count, stats.timeToClose.median, stats.timeToClose.p90],
    ],
    [['status', 'tickets'], ...Object.entries(stats.statusNow).map(([status, count]) => [status, count])],
    [['customer', 'tickets', 'messages', 'hours open'], ...stats.customers.map((c) => [c.customer, c.tickets, c.messages, c.hoursOpen])],
    [
      ['supporter', 'replies', 'helpful', 'not helpful', 'helpful share', 'open assigned'],
      ...stats.supporters.map((s) => [s.login, s.replies, s.helpful, s.notHelpful, s.helpfulShare, s.openAssigned]),
    ],
  ];
  const targets = stats.responseTargets;
  if (targets) {
    const rows = (by: string, who: string, shares: readonly TargetShare[]) => shares.map((t) => [SLA_TARGET_WORDS[t.target], by, who, t.met, t.measured, t.share]);
    tables.push([
      ['response target', 'by', 'who', 'met', 'measured', 'share met'],
      ...rows('all', 'all', targets.all),
      ...targets.bySupporter.flatMap((s) => rows('supporter', s.login, s.targets)),
      ...targets.byCategory.flatMap((c) => rows('category', c.category, c.targets)),
    ]);
  }
  return `${tables.map((table) => table.map((row) => row.map(csvCell).join(',')).join('\r\n')).join('\r\n\r\n')}\r\n`;
}
