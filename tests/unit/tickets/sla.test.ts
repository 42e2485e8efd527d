import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../src/config/config-schema.ts';
import { formatIssues } from '../../../src/server/config.ts';
import {
  addBusinessTime,
  breachesAt,
  businessTimeBetween,
  describeDue,
  measurementsOf,
  nextCheckAt,
  nextDue,
  outcomeAt,
  pausesOf,
  slaLabelAt,
  slaSettingsOf,
  targetsFor,
  withSlaLabel,
  type BusinessCalendar,
  type SlaSettings,
  type SlaTimeline,
} from '../../../src/tickets/sla.ts';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z'));

// Berlin office hours, Monday to Friday 09:00-17:00 with a lunch break on Wednesdays; 24 December off.
const berlin: BusinessCalendar = {
  timeZone: 'Europe/Berlin',
  hours: {
    mon: [[540, 1020]],
    tue: [[540, 1020]],
    wed: [
      [540, 720],
      [780, 1020],
    ],
    thu: [[540, 1020]],
    fri: [[540, 1020]],
  },
  holidays: ['2026-12-24'],
};

describe('the business-hours calendar', () => {
  it.each([
    ['within a day', '2026-12-01T09:00:00Z', 2, '2026-12-01T11:00:00Z'],
    ['over the night', '2026-12-01T15:00:00Z', 2, '2026-12-02T09:00:00Z'],
    ['over the weekend (Friday 15:00 + 4 h = Monday 11:00 local)', '2026-12-04T14:00:00Z', 4, '2026-12-07T10:00:00Z'],
    ['from a Saturday (starts Monday 09:00 local)', '2026-12-05T10:00:00Z', 1, '2026-12-07T09:00:00Z'],
    ['over a holiday (Wednesday 16:00 + 2 h skips Thursday 24 December)', '2026-12-23T15:00:00Z', 2, '2026-12-25T09:00:00Z'],
    ['over a lunch break (Wednesday 11:00 + 2 h = 14:00 local)', '2026-12-02T10:00:00Z', 2, '2026-12-02T13:00:00Z'],
    ['across the change to summer time (Friday 16:00 CET + 2 h = Monday 10:00 CEST)', '2026-03-27T15:00:00Z', 2, '2026-03-30T08:00:00Z'],
  ])('adds business hours %s', (_what, start, hours, due) => {
    expect(iso(addBusinessTime(berlin, at(start), hours * H))).toBe(due);
  });

  it('runs round the clock with "24/7"', () => {
    expect(iso(addBusinessTime('24/7', at('2026-12-05T22:00:00Z'), 4 * H))).toBe('2026-12-06T02:00:00Z');
  });

  it('does not count paused time, and is never due while a pause lasts', () => {
    // Monday 09:00 local, 4 h, paused 10:00-14:00: due 17:00 local.
    const start = at('2026-12-07T08:00:00Z');
    expect(iso(addBusinessTime(berlin, start, 4 * H, [[at('2026-12-07T09:00:00Z'), at('2026-12-07T13:00:00Z')]]))).toBe('2026-12-07T16:00:00Z');
    expect(addBusinessTime(berlin, start, 4 * H, [[at('2026-12-07T09:00:00Z'), Number.POSITIVE_INFINITY]])).toBeUndefined();
    expect(businessTimeBetween(berlin, start, at('2026-12-08T08:00:00Z'), [[at('2026-12-07T09:00:00Z'), at('2026-12-07T13:00:00Z')]])).toBe(4 * H);
  });
});

const settings: SlaSettings = {
  calendar: berlin,
  warningMinutes: 60,
  onHoldPaused: true,
  targets: { normal: { firstResponse: 4, nextResponse: 2, resolution: 16 }, urgent: { firstResponse: 1 } },
  categories: { payments: { normal: { firstResponse: 1 } } },
};

describe('targets and measurements', () => {
  it('takes the category override target by target', () => {
    expect(targetsFor(settings, 'normal', 'payments')).toEqual({ firstResponse: 1, nextResponse: 2, resolution: 16 });
    expect(targetsFor(settings, 'normal', 'orders')).toEqual({ firstResponse: 4, nextResponse: 2, resolution: 16 });
    expect(targetsFor(settings, 'low', undefined)).toEqual({});
  });

  // Opened Monday 09:00 local; staff reply 10:00 (waiting); customer reply 14:00 (reply-received).
  const timeline: SlaTimeline = {
    openedAt: at('2026-12-07T08:00:00Z'),
    messages: [
      { id: 1, kind: 'staff', at: at('2026-12-07T09:00:00Z') },
      { id: 2, kind: 'customer', at: at('2026-12-07T13:00:00Z') },
    ],
    statuses: [
      { status: 'open', at: at('2026-12-07T08:00:00Z') },
      { status: 'waiting', at: at('2026-12-07T09:00:00Z') },
      { status: 'reply-received', at: at('2026-12-07T13:00:00Z') },
    ],
  };

  it('measures first response, next response and resolution, pausing while waiting on the customer', () => {
    const [first, next, resolution] = measurementsOf(timeline, targetsFor(settings, 'normal', 'orders'), settings);
    expect(first).toMatchObject({ target: 'firstResponse', met: true, stoppedAt: at('2026-12-07T09:00:00Z') });
    expect(iso(first?.dueAt)).toBe('2026-12-07T12:00:00Z');
    expect(next).toMatchObject({ target: 'nextResponse', met: undefined, startedAt: at('2026-12-07T13:00:00Z') });
    expect(iso(next?.dueAt)).toBe('2026-12-07T15:00:00Z');
    // 1 h before the pause, 3 h on Monday afternoon, 8 h Tuesday, 4 h Wednesday (09:00-12:00, lunch, 13:00-14:00): 14:00 local.
    expect(resolution).toMatchObject({ target: 'resolution', met: undefined });
    expect(iso(resolution?.dueAt)).toBe('2026-12-09T13:00:00Z');
    expect(nextDue(measurementsOf(timeline, targetsFor(settings, 'normal', 'orders'), settings))?.target).toBe('nextResponse');
  });

  it('counts on-hold time only when so configured', () => {
    const held: SlaTimeline = { openedAt: at('2026-12-07T08:00:00Z'), messages: [], statuses: [{ status: 'on-hold', at: at('2026-12-07T08:00:00Z') }] };
    expect(pausesOf(held, { onHoldPaused: true })).toEqual([[at('2026-12-07T08:00:00Z'), Number.POSITIVE_INFINITY]]);
    expect(pausesOf(held, { onHoldPaused: false })).toEqual([]);
    expect(measurementsOf(held, { firstResponse: 4 }, settings)[0]?.dueAt).toBeUndefined();
    expect(iso(measurementsOf(held, { firstResponse: 4 }, { ...settings, onHoldPaused: false })[0]?.dueAt)).toBe('2026-12-07T12:00:00Z');
  });

  it('marks due soon within the warning window and overdue after, and says when to look again', () => {
    const due = at('2026-12-07T15:00:00Z');
    expect(slaLabelAt(due, due - 61 * 60_000, 60)).toBeUndefined();
    expect(slaLabelAt(due, due - 60 * 60_000, 60)).toBe('sla: due-soon');
    expect(slaLabelAt(due, due, 60)).toBe('sla: overdue');
    expect(slaLabelAt(undefined, due, 60)).toBeUndefined();
    const measurements = measurementsOf(timeline, targetsFor(settings, 'normal', 'orders'), settings);
    expect(iso(nextCheckAt(measurements, at('2026-12-07T13:00:00Z'), 60))).toBe('2026-12-07T14:00:00Z');
    expect(iso(nextCheckAt(measurements, at('2026-12-07T14:30:00Z'), 60))).toBe('2026-12-07T15:00:00Z');
    expect(breachesAt(measurements, at('2026-12-07T15:00:00Z')).map((m) => m.target)).toEqual(['nextResponse']);
    expect(outcomeAt(measurements[1]!, at('2026-12-07T15:00:00Z'))).toBe(false);
    expect(withSlaLabel(['status: open', 'sla: due-soon'], 'sla: overdue')).toEqual(['status: open', 'sla: overdue']);
    expect(withSlaLabel(['status: open', 'sla: overdue'], undefined)).toEqual(['status: open']);
  });

  it('describes due times as staff read them', () => {
    const now = at('2026-12-07T10:00:00Z');
    expect(describeDue(now + 2 * H, now)).toBe('due in 2 h');
    expect(describeDue(now - 35 * 60_000, now)).toBe('overdue 35 min');
    expect(describeDue(now + 90 * 60_000, now)).toBe('due in 1 h 30 min');
    expect(describeDue(now + 27 * H, now)).toBe('due in 1 d 3 h');
  });
});

describe('the responseTargets config', () => {
  const base = { categories: [{ id: 'orders', title: { en: 'Orders' } }] };
  const issues = (responseTargets: unknown) => {
    const result = ConfigSchema.safeParse({ ...base, responseTargets });
    return result.success ? [] : formatIssues('helpdesk.config.json', result.error.issues, { ...base, responseTargets }).split('\n');
  };

  it('defaults to Monday to Friday 09:00-17:00 UTC, a 60-minute warning and on hold paused', () => {
    const config = ConfigSchema.parse({ ...base, responseTargets: { targets: { normal: { firstResponse: 8 } } } });
    expect(slaSettingsOf(config)).toEqual({
      calendar: { timeZone: 'UTC', hours: { mon: [[540, 1020]], tue: [[540, 1020]], wed: [[540, 1020]], thu: [[540, 1020]], fri: [[540, 1020]] }, holidays: [] },
      warningMinutes: 60,
      onHoldPaused: true,
      targets: { normal: { firstResponse: 8 } },
      categories: {},
    });
    expect(slaSettingsOf(ConfigSchema.parse(base))).toBeUndefined();
  });

  it('names the key and the fix for each mistake', () => {
    expect(issues({ targets: {}, calendar: { timeZone: 'Mars/Olympus' } })).toEqual([
      'helpdesk.config.json: responseTargets.calendar.timeZone: is not a time zone this server knows; use an IANA name such as "Europe/Berlin" or "America/New_York" (got "Mars/Olympus")',
    ]);
    expect(issues({ targets: {}, calendar: { hours: { mon: ['9-5'] } } })[0]).toBe(
      'helpdesk.config.json: responseTargets.calendar.hours.mon.0: write a range of local times as "HH:MM-HH:MM", e.g. "09:00-17:00" (got "9-5")',
    );
    expect(issues({ targets: {}, calendar: { hours: {} } })[0]).toContain('responseTargets.calendar.hours: has no working hours at all');
    expect(issues({ targets: { normal: { firstResponse: 4 } }, categories: { billing: {} } })).toEqual([
      'helpdesk.config.json: responseTargets.categories.billing: unknown category "billing"; valid choices: orders (got {})',
    ]);
    expect(issues({ targets: { normal: { firstRespons: 4 } } })[0]).toContain('responseTargets.targets.normal');
  });
});
