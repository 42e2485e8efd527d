import type { Config } from '../config/config-schema.ts';
import { SLA_DUE_SOON_LABEL, SLA_OVERDUE_LABEL, type TicketStatus } from './labels.ts';

/*
 * Response targets (SLA): the business-hours calendar and every due time, as pure functions. The workflow records
 * when things happened (sla-timeline in the store) and asks these functions what is due when; the staff queue,
 * the labels on the Git host, the breach mails and the statistics all read the same answers.
 */

/** The three targets a ticket is measured against. */
export const SLA_TARGETS = ['firstResponse', 'nextResponse', 'resolution'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];

/** Words for each target, as staff read them. */
export const SLA_TARGET_WORDS: Record<SlaTarget, string> = {
  firstResponse: 'first response',
  nextResponse: 'next response',
  resolution: 'resolution',
};

export { SLA_DUE_SOON_LABEL, SLA_OVERDUE_LABEL };
/** The labels that mark a ticket on the Git host (outside the label groups: at most one of them at a time). */
export const SLA_LABELS = [SLA_DUE_SOON_LABEL, SLA_OVERDUE_LABEL] as const;

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A working-week calendar: working minutes of each weekday (local time), holidays (local dates), in one time zone. */
export interface WorkingWeek {
  timeZone: string;
  /** Per weekday, ranges of minutes after local midnight ([540, 1020] is 09:00–17:00); a day absent is off. */
  hours: Partial<Record<Weekday, ReadonlyArray<readonly [number, number]>>>;
  /** Local dates, YYYY-MM-DD, without working hours. */
  holidays: readonly string[];
}

/** When the clocks run: round the clock, or in a working week. */
export type BusinessCalendar = '24/7' | WorkingWeek;

/** Business hours of each target, for one priority (a target absent is not measured). */
export type TargetHours = { [K in SlaTarget]?: number | undefined };

/** The response-target settings the functions below need (the config's `responseTargets`, parsed). */
export interface SlaSettings {
  calendar: BusinessCalendar;
  /** Minutes before a due time that a ticket counts as due soon. */
  warningMinutes: number;
  /** Whether the clocks stop while a ticket is on hold (they always stop while it waits on the customer). */
  onHoldPaused: boolean;
  targets: Partial<Record<string, TargetHours>>;
  /** Per category id, per priority: targets replacing those of the priority (target by target). */
  categories: Partial<Record<string, Partial<Record<string, TargetHours>>>>;
}

/** What the desk recorded of a ticket, by its own clock: when it opened, its public messages and its statuses. */
export interface SlaTimeline {
  openedAt: number;
  /** Public messages as the desk first saw them (the opening message is `openedAt`). */
  messages: Array<{ id: number; kind: 'customer' | 'staff'; at: number }>;
  /** Each status the ticket entered, and when. */
  statuses: Array<{ status: TicketStatus; at: number }>;
}

/** One measurement of a target: a clock that started, its due time, and when it stopped. */
export interface SlaMeasurement {
  target: SlaTarget;
  startedAt: number;
  /** When it is (or was) due; undefined while its clock is paused short of the target. */
  dueAt: number | undefined;
  /** When the target was reached (the reply, the close); undefined while it runs. */
  stoppedAt: number | undefined;
  /** Reached in time (true), missed (false), or not decided yet (undefined). */
  met: boolean | undefined;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// A calendar with no working day in five years is refused by the config schema; this only bounds the walk.
const MAX_DAYS = 5 * 366;

// ---------------------------------------------------------------------------------------------------------------
// Time zones (Intl only)

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether `Intl` knows the time zone (an IANA name such as "Europe/Berlin"). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local wall time of an instant in a time zone, as fields. */
function localFields(timeZone: string, ms: number): { y: number; m: number; d: number; minutes: number; seconds: number } {
  const parts = Object.fromEntries(
    formatterOf(timeZone)
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return { y: Number(parts['year']), m: Number(parts['month']), d: Number(parts['day']), minutes: Number(parts['hour']) * 60 + Number(parts['minute']), seconds: Number(parts['second']) };
}

/** How far the zone's wall clock is ahead of UTC at an instant (ms). */
function offsetAt(timeZone: string, ms: number): number {
  const f = localFields(timeZone, ms);
  const asUtc = Date.UTC(f.y, f.m - 1, f.d, 0, f.minutes, f.seconds);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant of a local wall time; in a daylight-saving gap, the same wall time read with the earlier offset. */
function localToInstant(timeZone: string, y: number, m: number, d: number, minutes: number): number {
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  const first = wall - offsetAt(timeZone, wall);
  const second = wall - offsetAt(timeZone, first);
  return second === first ? first : Math.min(first, second);
}

const dateText = (y: number, m: number, d: number) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** The local date (YYYY-MM-DD) of an instant in the calendar's time zone. */
export function localDateOf(timeZone: string, ms: number): string {
  const f = localFields(timeZone, ms);
  return dateText(f.y, f.m, f.d);
}

// ---------------------------------------------------------------------------------------------------------------
// The calendar

/** "09:00-17:00" → [540, 1020]; undefined when it is not such a range (24:00 allowed as an end). */
export function parseHoursRange(text: string): [number, number] | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!match) return undefined;
  const from = Number(match[1]) * 60 + Number(match[2]);
  const to = Number(match[3]) * 60 + Number(match[4]);
  return to > from && to <= 1440 ? [from, to] : undefined;
}

/**
 * The working windows of the calendar from `from` on, in order, each as [start, end) instants; round the clock it is
 * one endless window. Stops after five years of days.
 */
export function* workingWindows(calendar: BusinessCalendar, from: number): Generator<[number, number]> {
  if (calendar === '24/7') {
    yield [from, Number.POSITIVE_INFINITY];
    return;
  }
  const start = localFields(calendar.timeZone, from);
  const holidays = new Set(calendar.holidays);
  // Walk local dates by their UTC midnight: date arithmetic without the zone's daylight-saving steps.
  let day = Date.UTC(start.y, start.m - 1, start.d);
  for (let i = 0; i < MAX_DAYS; i++, day += DAY) {
    const date = new Date(day);
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (holidays.has(dateText(y, m, d))) continue;
    for (const [a, b] of calendar.hours[WEEKDAYS[date.getUTCDay()] as Weekday] ?? []) {
      const windowStart = localToInstant(calendar.timeZone, y, m, d, a);
      const windowEnd = localToInstant(calendar.timeZone, y, m, d, b);
      if (windowEnd <= from) continue;
      yield [Math.max(windowStart, from), windowEnd];
    }
  }
}

/** Intervals [start, end) merged and sorted; an end may be Infinity (a pause still going on). */
function mergeIntervals(intervals: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * The instant when `amount` ms of business time have run from `start`, not counting `pauses`; undefined when a
 * pause without end (the ticket waiting now) comes first. `amount` 0 is due at once.
 */
export function addBusinessTime(calendar: BusinessCalendar, start: number, amount: number, pauses: ReadonlyArray<readonly [number, number]> = []): number | undefined {
  const paused = mergeIntervals(pauses);
  let left = amount;
  if (left <= 0) return start;
  for (const [windowStart, windowEnd] of workingWindows(calendar, start)) {
    let cursor = windowStart;
    while (cursor < windowEnd) {
      const pause = paused.find(([a, b]) => b > cursor && a < windowEnd);
      if (pause && pause[0] <= cursor) {
        // Inside a pause: a pause without end never lets the clock run again.
        if (pause[1] === Number.POSITIVE_INFINITY) return undefined;
        cursor = pause[1];
        continue;
      }
      const runUntil = pause ? pause[0] : windowEnd;
      if (runUntil - cursor >= left) return cursor + left;
      left -= runUntil - cursor;
      cursor = runUntil;
    }
  }
  return undefined;
}

/** Business time (ms) between two instants, not counting `pauses`. */
export function businessTimeBetween(calendar: BusinessCalendar, start: number, end: number, pauses: ReadonlyArray<readonly [number, number]> = []): number {
  const paused = mergeIntervals(pauses);
  let total = 0;
  for (const [windowStart, windowEnd] of workingWindows(calendar, start)) {
    if (windowStart >= end) break;
    const to = Math.min(windowEnd, end);
    total += to - windowStart;
    for (const [a, b] of paused) total -= Math.max(0, Math.min(b, to) - Math.max(a, windowStart));
  }
  return total;
}

// ---------------------------------------------------------------------------------------------------------------
// Targets and measurements

/** The settings from the config's `responseTargets`; undefined when the site has no targets. */
export function slaSettingsOf(config: Pick<Config, 'responseTargets'>): SlaSettings | undefined {
  const section = config.responseTargets;
  if (!section) return undefined;
  const calendar: BusinessCalendar =
    section.calendar === '24/7'
      ? '24/7'
      : {
          timeZone: section.calendar.timeZone,
          hours: Object.fromEntries(
            Object.entries(section.calendar.hours).map(([day, ranges]) => [
              day,
              (ranges ?? []).flatMap((r) => {
                const range = parseHoursRange(r);
                return range ? [range] : [];
              }),
            ]),
          ),
          holidays: section.calendar.holidays,
        };
  return { calendar, warningMinutes: section.warningMinutes, onHoldPaused: section.pauseOnHold, targets: section.targets, categories: section.categories };
}

/** The targets of a ticket: its priority's, each replaced by its category's override where there is one. */
export function targetsFor(settings: Pick<SlaSettings, 'targets' | 'categories'>, priority: string, category: string | undefined): TargetHours {
  const base = settings.targets[priority] ?? {};
  const override = category === undefined ? undefined : settings.categories[category]?.[priority];
  return { ...base, ...Object.fromEntries(Object.entries(override ?? {}).filter(([, hours]) => hours !== undefined)) };
}

/** The statuses whose time does not count: waiting on the customer, closed, and on hold when configured so. */
export function isPausedStatus(status: TicketStatus, settings: Pick<SlaSettings, 'onHoldPaused'>): boolean {
  return status === 'waiting' || status === 'closed' || (status === 'on-hold' && settings.onHoldPaused);
}

/** The intervals a ticket spent in paused statuses, the last one without end while it lasts. */
export function pausesOf(timeline: Pick<SlaTimeline, 'statuses'>, settings: Pick<SlaSettings, 'onHoldPaused'>): Array<[number, number]> {
  const sorted = [...timeline.statuses].sort((a, b) => a.at - b.at);
  return sorted.flatMap((s, i) => (isPausedStatus(s.status, settings) ? [[s.at, sorted[i + 1]?.at ?? Number.POSITIVE_INFINITY] as [number, number]] : []));
}

/** One measurement from its start, target and stop, against the ticket's pauses. */
export function measure(
  calendar: BusinessCalendar,
  target: SlaTarget,
  hours: number,
  startedAt: number,
  stoppedAt: number | undefined,
  pauses: ReadonlyArray<readonly [number, number]>,
): SlaMeasurement {
  // Once stopped, pauses after the stop change nothing: the measurement is over.
  const relevant = stoppedAt === undefined ? pauses : pauses.map(([a, b]) => [a, Math.min(b, stoppedAt)] as [number, number]);
  const dueAt = addBusinessTime(calendar, startedAt, hours * HOUR, relevant);
  const met = stoppedAt === undefined ? undefined : dueAt !== undefined && stoppedAt <= dueAt;
  return { target, startedAt, dueAt, stoppedAt, met };
}

/**
 * Every measurement of a ticket's targets:
 * - first response: from the opening to the first public staff reply;
 * - next response: from each customer message that follows a public staff reply to the next staff reply;
 * - resolution: from the opening to the close (time while closed does not count, so a reopened ticket goes on).
 * Time in paused statuses never counts.
 */
export function measurementsOf(timeline: SlaTimeline, targets: TargetHours, settings: Pick<SlaSettings, 'calendar' | 'onHoldPaused'>): SlaMeasurement[] {
  const pauses = pausesOf(timeline, settings);
  const messages = [...timeline.messages].sort((a, b) => a.at - b.at || a.id - b.id);
  const out: SlaMeasurement[] = [];
  const staffAfter = (at: number) => messages.find((m) => m.kind === 'staff' && m.at >= at)?.at;
  if (targets.firstResponse !== undefined) out.push(measure(settings.calendar, 'firstResponse', targets.firstResponse, timeline.openedAt, staffAfter(timeline.openedAt), pauses));
  if (targets.nextResponse !== undefined) {
    messages.forEach((m, i) => {
      if (m.kind !== 'customer' || messages[i - 1]?.kind !== 'staff') return;
      out.push(measure(settings.calendar, 'nextResponse', targets.nextResponse as number, m.at, staffAfter(m.at), pauses));
    });
  }
  if (targets.resolution !== undefined) {
    const last = [...timeline.statuses].sort((a, b) => a.at - b.at).at(-1);
    out.push(measure(settings.calendar, 'resolution', targets.resolution, timeline.openedAt, last?.status === 'closed' ? last.at : undefined, pauses));
  }
  return out;
}

/** The measurement due next among those still running (undefined when none runs or every one is paused). */
export function nextDue(measurements: readonly SlaMeasurement[]): (SlaMeasurement & { dueAt: number }) | undefined {
  const running = measurements.filter((m): m is SlaMeasurement & { dueAt: number } => m.stoppedAt === undefined && m.dueAt !== undefined);
  return running.sort((a, b) => a.dueAt - b.dueAt)[0];
}

/** Whether any running target is paused short of its due time (the staff queue says "paused"). */
export function isPaused(measurements: readonly SlaMeasurement[]): boolean {
  return measurements.some((m) => m.stoppedAt === undefined && m.dueAt === undefined);
}

/** The SLA label a ticket should carry now: overdue, due soon (within the warning window), or none. */
export function slaLabelAt(due: number | undefined, now: number, warningMinutes: number): (typeof SLA_LABELS)[number] | undefined {
  if (due === undefined) return undefined;
  if (due <= now) return SLA_OVERDUE_LABEL;
  if (due - now <= warningMinutes * MINUTE) return SLA_DUE_SOON_LABEL;
  return undefined;
}

/**
 * When something changes by time alone next (the sweep syncs the ticket then): a running target entering its
 * warning window or falling due. Undefined when nothing will without an event (everything paused, stopped or past).
 */
export function nextCheckAt(measurements: readonly SlaMeasurement[], now: number, warningMinutes: number): number | undefined {
  const times = measurements.flatMap((m) => (m.stoppedAt === undefined && m.dueAt !== undefined ? [m.dueAt - warningMinutes * MINUTE, m.dueAt] : [])).filter((t) => t > now);
  return times.length === 0 ? undefined : Math.min(...times);
}

/** The labels with the SLA label set right: the one given (or none), every other label kept in place. */
export function withSlaLabel(labels: readonly string[], label: (typeof SLA_LABELS)[number] | undefined): string[] {
  const kept = labels.filter((l) => !(SLA_LABELS as readonly string[]).includes(l));
  return label === undefined ? kept : [...kept, label];
}

/** The running measurements that are past due: each is one breach, mailed once. */
export function breachesAt(measurements: readonly SlaMeasurement[], now: number): Array<SlaMeasurement & { dueAt: number }> {
  return measurements.filter((m): m is SlaMeasurement & { dueAt: number } => m.stoppedAt === undefined && m.dueAt !== undefined && m.dueAt <= now);
}

/** The event key of a breach (one mail per key, ever): the ticket, the target and when its clock started. */
export function breachKey(ticketNumber: number, m: Pick<SlaMeasurement, 'target' | 'startedAt'>): string {
  return `sla-breach:${ticketNumber}:${m.target}:${m.startedAt}`;
}

/** Whether a measurement is decided (met, or missed: stopped late or past due while running) at `now`. */
export function outcomeAt(m: SlaMeasurement, now: number): boolean | undefined {
  if (m.met !== undefined) return m.met;
  return m.dueAt !== undefined && m.dueAt <= now ? false : undefined;
}

/** "due in 2 h", "due in 35 min", "overdue 35 min", "overdue 1 d 3 h": how staff read a due time. */
export function describeDue(due: number, now: number): string {
  const span = (ms: number) => {
    const minutes = Math.max(1, Math.round(ms / MINUTE));
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return minutes % 60 === 0 || hours >= 10 ? `${Math.round(minutes / 60)} h` : `${hours} h ${minutes % 60} min`;
    const days = Math.floor(hours / 24);
    return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
  };
  return due > now ? `due in ${span(due - now)}` : `overdue ${span(now - due)}`;
}
