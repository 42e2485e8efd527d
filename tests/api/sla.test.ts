// Response targets over HTTP on a scripted clock: the site runs with HELPDESK_TEST_CLOCK_FILE, and the test moves
// that file's time. Tickets are filed through the form and worked through the embedded host's API, as on GitHub;
// due times are read from the staff queue, labels from the host, mails from the mail folder, shares from stats.csv.
// The scripted times lie in the past (November 2026, Berlin office hours), so the desk's clock is always the
// earlier of its clock and the host's wall-clock timestamps.
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SiteClient } from '../helpers/http-client.ts';
import { startStaffSite, type StaffSite } from '../helpers/staff-site.ts';
import { waitFor } from '../helpers/wait.ts';

const WEEKDAYS = ['09:00-17:00'];
const clockFile = path.join(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'sla-clock-')), 'now');
// Written whole, then renamed: the server never reads half a time.
const setClock = (iso: string) => {
  writeFileSync(`${clockFile}.tmp`, iso);
  renameSync(`${clockFile}.tmp`, clockFile);
};

let desk: StaffSite;
let anna: SiteClient;

beforeAll(async () => {
  // Friday 20 November 2026, 15:00 in Berlin.
  setClock('2026-11-20T14:00:00Z');
  desk = await startStaffSite(
    'sla-',
    [{ login: 'support-anna' }],
    {
      abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: 100, linksPerEmailPer15Min: 10 },
      supporters: [
        { login: 'support-anna', displayName: 'Anna from Support', categories: [], email: 'anna@example.com' },
        // The next tier of the escalation chain: mailed on breaches, never routed new tickets.
        { login: 'support-lead', categories: [], present: false, email: 'lead@example.com' },
      ],
      escalationChain: ['support-lead', 'it-oncall'],
      responseTargets: {
        calendar: { timeZone: 'Europe/Berlin', hours: { mon: WEEKDAYS, tue: WEEKDAYS, wed: WEEKDAYS, thu: WEEKDAYS, fri: WEEKDAYS }, holidays: ['2026-11-26'] },
        warningMinutes: 60,
        targets: { normal: { firstResponse: 4, nextResponse: 2, resolution: 16 } },
        categories: { payments: { normal: { firstResponse: 100, resolution: 3 } } },
      },
    },
    { HELPDESK_TEST_CLOCK_FILE: clockFile },
  );
  anna = await desk.staff('support-anna');
});
afterAll(() => desk?.site.stop());

/** A ticket's due cell in the staff queue (sorted by due time): its instant, its words, and its place in the order. */
async function queueDue(number: number): Promise<{ at: string | undefined; text: string; position: number } | undefined> {
  const html = await (await anna.fetch('/staff?status=active&sort=due&pageSize=200')).text();
  const rows = html.split('<tr').filter((r) => r.includes('href="/staff/tickets/'));
  const position = rows.findIndex((r) => r.includes(`href="/staff/tickets/${number}"`));
  const row = rows[position];
  if (!row) return undefined;
  const cell = /<td[^>]*data-label="Due"[^>]*>([\s\S]*?)<\/td>/.exec(row);
  if (!cell) return undefined;
  return {
    at: /data-due-at="([^"]+)"/.exec(cell[0])?.[1],
    text: cell[1]!
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
    position,
  };
}

/** Waits until the queue shows a due time for the ticket (its first sync measured it). */
const dueOnceMeasured = (number: number) =>
  waitFor(`ticket #${number} to be due`, async () => {
    const due = await queueDue(number);
    return due?.at !== undefined && due;
  });

const slaLabels = async (number: number) =>
  (await desk.host.rest.issues.get({ owner: 'local', repo: 'support', issue_number: number })).data.labels.map((l) => (typeof l === 'string' ? l : l.name)).filter((l) => l?.startsWith('sla: '));
const staffReply = (number: number, text: string) => desk.host.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: number, body: `/reply ${text}` });
const subjects = (email: string) => desk.mailsTo(email).map((m) => m.split('\n').find((l) => l.startsWith('Subject:')) ?? '');
const refOf = (ticketPath: string) => ticketPath.split('/').pop() as string;

describe('response targets on a scripted clock', () => {
  let weekend: Awaited<ReturnType<StaffSite['fileTicket']>>;
  let override: Awaited<ReturnType<StaffSite['fileTicket']>>;
  let holiday: Awaited<ReturnType<StaffSite['fileTicket']>>;
  let waiting: Awaited<ReturnType<StaffSite['fileTicket']>>;

  it('counts the first response over the weekend, and a category override for resolution', async () => {
    weekend = await desk.fileTicket('weekend@example.com', 'Filed on a Friday afternoon');
    override = await desk.fileTicket('override@example.com', 'Card charged twice', { category: 'payments' });
    // Friday 15:00 + 4 business hours: 2 on Friday, 2 on Monday → Monday 11:00 Berlin.
    const first = await dueOnceMeasured(weekend.number);
    expect(first.at).toBe('2026-11-23T10:00:00.000Z');
    expect(first.text).toBe('due in 2 d 20 h (first response)');
    // Payments: resolution within 3 business hours (its override), due before its 100-hour first response → Monday 10:00 Berlin.
    const resolution = await dueOnceMeasured(override.number);
    expect(resolution.at).toBe('2026-11-23T09:00:00.000Z');
    expect(resolution.text).toBe('due in 2 d 19 h (resolution)');
    // Sorted by due time, the one due first comes first; nothing is due soon yet.
    expect((await queueDue(override.number))?.position).toBeLessThan((await queueDue(weekend.number))?.position ?? -1);
    expect(await slaLabels(weekend.number)).toEqual([]);
  });

  it('skips a holiday, and marks the tickets overdue on the host once the clock passes their due time', async () => {
    // Wednesday 25 November, 16:00 Berlin: both Friday tickets are overdue now.
    setClock('2026-11-25T15:00:00Z');
    await waitFor('the weekend ticket overdue on the host', async () => JSON.stringify(await slaLabels(weekend.number)) === '["sla: overdue"]');
    await waitFor('the payments ticket overdue on the host', async () => JSON.stringify(await slaLabels(override.number)) === '["sla: overdue"]');
    expect((await queueDue(weekend.number))?.text).toBe('overdue 2 d 5 h (first response)');
    holiday = await desk.fileTicket('holiday@example.com', 'Filed before the holiday');
    // Wednesday 16:00 + 4 h: 1 h on Wednesday, Thursday 26 is a holiday, 3 h on Friday → Friday 12:00 Berlin.
    const due = await dueOnceMeasured(holiday.number);
    expect(due.at).toBe('2026-11-27T11:00:00.000Z');
  });

  it('pauses while waiting on the customer, then times the next response: due soon, overdue, one mail per breach, cleared by the reply', async () => {
    // Monday 30 November, 09:00 Berlin.
    setClock('2026-11-30T08:00:00Z');
    waiting = await desk.fileTicket('waiting@example.com', 'Return label missing', { category: 'returns' });
    const first = await dueOnceMeasured(waiting.number);
    expect(first.at).toBe('2026-11-30T12:00:00.000Z');

    // 10:00: a public reply. The first response is met; resolution pauses while the ticket waits on the customer.
    setClock('2026-11-30T09:00:00Z');
    await staffReply(waiting.number, 'Could you send us your order number?');
    await waitFor('the ticket to pause', async () => (await queueDue(waiting.number))?.text === 'paused');

    // 14:00: the customer answers; the next response is due within 2 business hours → 16:00 Berlin.
    setClock('2026-11-30T13:00:00Z');
    expect((await waiting.customer.post(waiting.ticketPath, { action: 'reply', message: 'It is NW-2231.' })).status).toBe(303);
    const next = await waitFor('the next response to be due', async () => {
      const due = await queueDue(waiting.number);
      return due?.at === '2026-11-30T15:00:00.000Z' && due;
    });
    expect(next.text).toBe('due in 2 h (next response)');
    expect(await slaLabels(waiting.number)).toEqual([]);

    // 15:30: within the 60-minute warning window.
    setClock('2026-11-30T14:30:00Z');
    await waitFor('sla: due-soon on the host', async () => JSON.stringify(await slaLabels(waiting.number)) === '["sla: due-soon"]');
    expect((await queueDue(waiting.number))?.text).toBe('due in 30 min (next response)');

    // 16:05: overdue; the assignee and the next tier each get one mail.
    setClock('2026-11-30T15:05:00Z');
    await waitFor('sla: overdue on the host', async () => JSON.stringify(await slaLabels(waiting.number)) === '["sla: overdue"]');
    expect((await queueDue(waiting.number))?.text).toBe('overdue 5 min (next response)');
    // Taken off by hand in the issue UI: the workflow puts it back.
    const current = (await desk.host.rest.issues.get({ owner: 'local', repo: 'support', issue_number: waiting.number })).data.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? '')));
    const taken = await desk.host.rest.issues.update({ owner: 'local', repo: 'support', issue_number: waiting.number, labels: current.filter((l) => l !== 'sla: overdue') });
    expect(taken.data.labels.map((l) => (typeof l === 'string' ? l : l.name))).not.toContain('sla: overdue');
    await waitFor('sla: overdue put back', async () => JSON.stringify(await slaLabels(waiting.number)) === '["sla: overdue"]');
    const breach = `Subject: Overdue: next response on ${refOf(waiting.ticketPath)}: Return label missing`;
    await waitFor('the breach mail to the assignee', () => subjects('anna@example.com').includes(breach));
    await waitFor('the breach mail to the next tier', () => subjects('lead@example.com').includes(breach));
    const leadMail = desk.mailsTo('lead@example.com').find((m) => m.includes(breach)) ?? '';
    expect(leadMail).toContain('You are the next tier of the escalation chain');
    expect(leadMail).toContain('due 2026-11-30 16:00 (Europe/Berlin)');

    // Another customer message while overdue: processed (its notice arrives), and still one breach mail each.
    setClock('2026-11-30T15:20:00Z');
    expect((await waiting.customer.post(waiting.ticketPath, { action: 'reply', message: 'Any news?' })).status).toBe(303);
    await waitFor('the second customer-reply notice', () => desk.mailsTo('anna@example.com').some((m) => m.includes('Any news?')));
    expect(subjects('anna@example.com').filter((s) => s === breach)).toHaveLength(1);
    expect(subjects('lead@example.com').filter((s) => s === breach)).toHaveLength(1);
    // The first response was met: no breach mail for it.
    expect(subjects('anna@example.com').some((s) => s.startsWith(`Subject: Overdue: first response on ${refOf(waiting.ticketPath)}`))).toBe(false);

    // 16:30: the reply stops the clock and the label leaves the issue.
    setClock('2026-11-30T15:30:00Z');
    await staffReply(waiting.number, 'Here is a new return label.');
    await waitFor('the label to clear', async () => (await slaLabels(waiting.number)).length === 0);
    await waitFor('the ticket to pause again', async () => (await queueDue(waiting.number))?.text === 'paused');
    // The ticket page lists every target as measured.
    const page = await (await anna.fetch(`/staff/tickets/${waiting.number}`)).text();
    const targets = /<div data-response-targets>([\s\S]*?)<\/div>/.exec(page)?.[1]?.replace(/<[^>]+>/g, '');
    expect(targets).toBe('Response targetsfirst response: met; next response: missed; resolution: paused');
    // A breach of other tickets is mailed once too (the weekend ticket's first response).
    expect(subjects('anna@example.com').filter((s) => s === `Subject: Overdue: first response on ${refOf(weekend.ticketPath)}: Filed on a Friday afternoon`)).toHaveLength(1);
  });

  it('reports the share of targets met, overall, per supporter and per category', async () => {
    const shares = await waitFor('the response-target shares', async () => {
      const csv = await (await anna.fetch('/staff/stats.csv')).text();
      const table = csv.split('\r\n\r\n').find((t) => t.startsWith('"response target"'));
      return table
        ?.split('\r\n')
        .slice(1)
        .filter((row) => row !== '')
        .map((row) => row.replace(/"/g, ''));
    });
    // At 16:30 on Monday: the Friday tickets missed every decided target; the returns ticket met its first response
    // and missed its next one; targets still running in time (the payments first response, the returns resolution,
    // paused) are not counted yet.
    expect(shares).toEqual([
      'first response,all,all,1,3,0.33',
      'next response,all,all,0,1,0',
      'resolution,all,all,0,3,0',
      'first response,supporter,support-anna,1,3,0.33',
      'next response,supporter,support-anna,0,1,0',
      'resolution,supporter,support-anna,0,3,0',
      'first response,category,orders,0,2,0',
      'next response,category,orders,0,0,',
      'resolution,category,orders,0,2,0',
      'first response,category,payments,0,0,',
      'next response,category,payments,0,0,',
      'resolution,category,payments,0,1,0',
      'first response,category,returns,1,1,1',
      'next response,category,returns,0,1,0',
      'resolution,category,returns,0,0,',
    ]);
    const page = await (await anna.fetch('/staff/stats')).text();
    expect(page).toContain('Response targets met');
    expect(page).toContain('33 % (1 of 3)');
  });
});
