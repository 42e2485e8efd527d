import { z } from 'zod';
import type { Database } from './database.ts';
import { TICKET_STATUSES, type TicketStatus } from '../tickets/labels.ts';
import { SLA_TARGETS, type SlaTarget, type SlaTimeline } from '../tickets/sla.ts';

/*
 * Response targets in the store: per ticket, what the desk recorded by its own clock (the timeline the due times are
 * computed from) and the due time it computed last, which the queue sorts by and the sweep wakes up for.
 */

const TimelineSchema = z.object({
  openedAt: z.number(),
  messages: z.array(z.object({ id: z.number(), kind: z.enum(['customer', 'staff']), at: z.number() })),
  statuses: z.array(z.object({ status: z.enum(TICKET_STATUSES as unknown as [TicketStatus, ...TicketStatus[]]), at: z.number() })),
});

/** One ticket's SLA row. */
export interface SlaClock {
  number: number;
  timeline: SlaTimeline;
  /** When the desk began recording the ticket (ms). */
  since: number;
  dueAt: number | undefined;
  dueTarget: SlaTarget | undefined;
  paused: boolean;
  nextCheckAt: number | undefined;
}

type Row = {
  number: number | string;
  timeline: string;
  since: number | string;
  due_at: number | string | null;
  due_target: string | null;
  paused: number | string;
  next_check_at: number | string | null;
};

function toClock(row: Row): SlaClock {
  const target = (SLA_TARGETS as readonly string[]).includes(row.due_target ?? '') ? (row.due_target as SlaTarget) : undefined;
  return {
    number: Number(row.number),
    timeline: TimelineSchema.parse(JSON.parse(row.timeline)),
    since: Number(row.since),
    dueAt: row.due_at === null ? undefined : Number(row.due_at),
    dueTarget: target,
    paused: Number(row.paused) === 1,
    nextCheckAt: row.next_check_at === null ? undefined : Number(row.next_check_at),
  };
}

/** A ticket's SLA row; undefined before the desk first measured it. */
export async function slaClock(database: Database, number: number): Promise<SlaClock | undefined> {
  const row = await database.db.selectFrom('sla_clocks').selectAll().where('number', '=', number).executeTakeFirst();
  return row ? toClock(row) : undefined;
}

/** The SLA rows of some tickets (the queue page's), by number. */
export async function slaClocks(database: Database, numbers: readonly number[]): Promise<Map<number, SlaClock>> {
  if (numbers.length === 0) return new Map();
  const rows = await database.db
    .selectFrom('sla_clocks')
    .selectAll()
    .where('number', 'in', [...numbers])
    .execute();
  return new Map(rows.map((row) => [Number(row.number), toClock(row)]));
}

/** Writes a ticket's SLA row (insert or replace). */
export async function saveSlaClock(database: Database, clock: SlaClock): Promise<void> {
  const values = {
    number: clock.number,
    timeline: JSON.stringify(clock.timeline),
    since: clock.since,
    due_at: clock.dueAt ?? null,
    due_target: clock.dueTarget ?? null,
    paused: clock.paused ? 1 : 0,
    next_check_at: clock.nextCheckAt ?? null,
  };
  await database.db
    .insertInto('sla_clocks')
    .values(values)
    .onConflict((oc) =>
      oc.column('number').doUpdateSet({ timeline: values.timeline, due_at: values.due_at, due_target: values.due_target, paused: values.paused, next_check_at: values.next_check_at }),
    )
    .execute();
}

/** Forgets a ticket the host no longer has. */
export async function removeSlaClock(database: Database, number: number): Promise<void> {
  await database.db.deleteFrom('sla_clocks').where('number', '=', number).execute();
}

/** Tickets whose SLA label changes by time at or before `now`: the sweep syncs them. */
export async function slaChecksDue(database: Database, now: number): Promise<number[]> {
  const rows = await database.db.selectFrom('sla_clocks').select('number').where('next_check_at', '<=', now).orderBy('next_check_at').limit(500).execute();
  return rows.map((r) => Number(r.number));
}

/** Open tickets the desk has not measured yet (response targets turned on over an existing backlog), at most `limit`. */
export async function unmeasuredOpenTickets(database: Database, limit = 100): Promise<number[]> {
  const rows = await database.db
    .selectFrom('ticket_summaries as s')
    .select('s.number')
    .where('s.state', '=', 'open')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('sla_clocks as c').select('c.number').whereRef('c.number', '=', 's.number'))))
    .orderBy('s.number')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.number));
}

/** What the statistics' share met needs, for the tickets opened in a range (ms): timelines with priority, category and assignees. */
export async function slaStatisticsRows(
  database: Database,
  range: { start: number; end: number },
): Promise<Array<{ number: number; timeline: SlaTimeline; priority: string; category: string; assignees: string[] }>> {
  const rows = await database.db
    .selectFrom('sla_clocks as c')
    .innerJoin('ticket_summaries as s', 's.number', 'c.number')
    .select(['c.number', 'c.timeline', 's.priority', 's.category', 's.assignees'])
    .where('s.created_at', '>=', range.start)
    .where('s.created_at', '<', range.end)
    // A merged duplicate and its target are one case.
    .where('s.merged_into', 'is', null)
    .execute();
  return rows.map((r) => ({
    number: Number(r.number),
    timeline: TimelineSchema.parse(JSON.parse(r.timeline)),
    priority: r.priority,
    category: r.category,
    assignees: JSON.parse(r.assignees) as string[],
  }));
}
