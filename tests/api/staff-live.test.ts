// Live staff views over HTTP: the event stream a queue or workspace listens to hears of a customer reply and of a
// colleague starting to write, fed by the Git host's webhooks through the store; only staff may listen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SiteClient } from '../helpers/http-client.ts';
import type { RunningSite } from '../helpers/site.ts';
import { startStaffSite, type StaffSite } from '../helpers/staff-site.ts';
import { waitFor } from '../helpers/wait.ts';
import { closeAllStreams, listen as listenTo, type ServerEvent } from '../helpers/event-stream.ts';

const listen = (client: SiteClient, query = '', headers: Record<string, string> = {}) => listenTo(client, `/staff/events${query}`, headers);

let desk: StaffSite;
let site: RunningSite;

const staffClient = (login: string) => desk.staff(login);
const newTicket = (email: string, subject: string) => desk.fileTicket(email, subject);

beforeAll(async () => {
  desk = await startStaffSite('staff-live-', [{ login: 'support-anna' }, { login: 'support-ben' }]);
  site = desk.site;
});
afterAll(() => {
  closeAllStreams();
  return site?.stop();
});

describe('live staff views', () => {
  it('is for staff only, and refuses a ticket that is not a number', async () => {
    const guest = await new SiteClient(site.url).fetch('/staff/events', { redirect: 'manual' });
    expect(guest.status).toBe(303);
    expect(guest.headers.get('location')).toMatch(/^\/staff\/signin/);
    const anna = await staffClient('support-anna');
    const bad = await anna.fetch('/staff/events?ticket=1%20or%201=1');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/ticket number/);
    const viewing = await anna.post('/staff/tickets/1/viewing', { state: 'dancing' }, { headers: { Accept: 'application/json' } });
    expect(viewing.status).toBe(400);
    expect((await new SiteClient(site.url).post('/staff/tickets/1/viewing', { state: 'viewing' })).status).toBe(401);
  });

  it('tells the queue and the open workspace of a customer reply, and only the workspace of its own ticket', async () => {
    const { customer, ticketPath, number } = await newTicket('robin@example.com', 'Parcel missing');
    const other = await newTicket('kim@example.com', 'Wrong size');
    const anna = await staffClient('support-anna');
    const queue = await listen(anna);
    const workspace = await listen(anna, `?ticket=${number}`);
    expect(queue.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(queue.response.headers.get('cache-control')).toMatch(/no-store/);
    // The stream is open once its first event (the workspace's viewers) arrived.
    await waitFor('the viewers event', () => workspace.events.some((e) => e.event === 'viewers'));
    expect((await customer.post(ticketPath, { action: 'reply', message: 'Any news about the parcel?' })).status).toBe(303);
    expect((await other.customer.post(other.ticketPath, { action: 'reply', message: 'It is still too small.' })).status).toBe(303);
    const heard = (events: ServerEvent[], n: number) => events.some((e) => e.event === 'ticket' && (e.data as { number: number }).number === n);
    await waitFor('the queue to hear of both replies', () => heard(queue.events, number) && heard(queue.events, other.number), 30_000);
    await waitFor('the workspace to hear of its reply', () => heard(workspace.events, number), 30_000);
    expect(heard(workspace.events, other.number)).toBe(false);
    // Every event carries an id to resume from, and no content.
    for (const e of queue.events.filter((x) => x.event === 'ticket')) {
      expect(e.id).toMatch(/^\d+$/);
      expect(Object.keys(e.data as object)).toEqual(['number']);
    }
    // The page itself shows the reply when it reads again.
    expect(await (await anna.fetch(`/staff/tickets/${number}`)).text()).toContain('Any news about the parcel?');

    // A page that lost its connection resumes from the last id it saw and hears what it missed, once.
    const first = queue.events.find((e) => e.event === 'ticket' && (e.data as { number: number }).number === number)!;
    const resumed = await listen(anna, '', { 'Last-Event-ID': first.id! });
    await waitFor('the missed change', () => heard(resumed.events, other.number));
    expect(resumed.events.filter((e) => e.event === 'ticket' && Number(e.id) <= Number(first.id))).toEqual([]);
  });

  it('shows a supporter who else has the ticket open, and who is writing a reply', async () => {
    const { number } = await newTicket('sam@example.com', 'Invoice address');
    const anna = await staffClient('support-anna');
    const ben = await staffClient('support-ben');
    const annaPage = await listen(anna, `?ticket=${number}`);
    await waitFor('the first viewers event', () => annaPage.events.some((e) => e.event === 'viewers'));
    const seen = await ben.post(`/staff/tickets/${number}/viewing`, { state: 'viewing' }, { headers: { Accept: 'application/json' } });
    expect(seen.status).toBe(200);
    const viewersOf = () => annaPage.events.filter((e) => e.event === 'viewers').map((e) => (e.data as { viewers: unknown[] }).viewers);
    await waitFor('Ben viewing', () => viewersOf().some((v) => JSON.stringify(v) === JSON.stringify([{ login: 'support-ben', replying: false, name: 'Ben from Support' }])));
    await ben.post(`/staff/tickets/${number}/viewing`, { state: 'replying' });
    await waitFor('Ben writing', () =>
      viewersOf()
        .at(-1)
        ?.some((v) => (v as { replying: boolean }).replying),
    );
    // Ben's own answer names Anna, who has the ticket open in her stream's page.
    await anna.post(`/staff/tickets/${number}/viewing`, { state: 'viewing' });
    const benSees = (await (await ben.post(`/staff/tickets/${number}/viewing`, { state: 'replying' }, { headers: { Accept: 'application/json' } })).json()) as { viewers: { login: string }[] };
    expect(benSees.viewers.map((v) => v.login)).toEqual(['support-anna']);
    await ben.post(`/staff/tickets/${number}/viewing`, { state: 'left' });
    await waitFor('Ben gone', () => JSON.stringify(viewersOf().at(-1)) === '[]');
  });
});
