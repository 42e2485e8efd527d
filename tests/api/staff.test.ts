import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { toString as hastToString } from 'hast-util-to-string';
import type { Octokit } from 'octokit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Page } from '../helpers/html.ts';
import { SiteClient } from '../helpers/http-client.ts';
import type { RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';
import { PNG } from '../helpers/files.ts';
import { STAFF_PASSWORD, startStaffSite, type StaffSite } from '../helpers/staff-site.ts';

let desk: StaffSite;
let site: RunningSite;
let hostOctokit: Octokit;
let dataDir: string;
let configFile: string;
const PASSWORD = STAFF_PASSWORD;
const staffClient = (login = 'support-anna') => desk.staff(login);
const newTicket = (email: string, subject: string, extra: Record<string, string | Blob> = {}) => desk.fileTicket(email, subject, extra);

beforeAll(async () => {
  desk = await startStaffSite('staff-', [{ login: 'support-anna', admin: true }, { login: 'support-ben' }], {
    abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: 100, linksPerEmailPer15Min: 10 },
  });
  ({ site, host: hostOctokit, dataDir, configFile } = desk);
});
afterAll(() => site?.stop());

describe('staff sign-in', () => {
  it('refuses a wrong password without saying whether the login exists', async () => {
    const wrong = await new SiteClient(site.url).post('/staff/signin', { login: 'support-anna', password: 'nope' });
    const unknown = await new SiteClient(site.url).post('/staff/signin', { login: 'nobody', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(new Page(await wrong.text()).text('[role="alert"]')).toBe(new Page(await unknown.text()).text('[role="alert"]'));
  });

  it('sets a strict, HttpOnly session cookie and never redirects off the staff pages', async () => {
    const client = new SiteClient(site.url);
    const response = await client.post('/staff/signin?next=https://evil.example/x', { login: 'support-anna', password: PASSWORD });
    expect(response.headers.get('location')).toBe('/staff');
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('helpdesk_staff='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
  });
});

describe('writes held back from the Git host', () => {
  /** Sets (or clears) the outbox's pause in the site's store, as a rate limit or a refused set-up would. */
  const setPause = (pause: object | undefined) => {
    const store = new DatabaseSync(path.join(dataDir, 'helpdesk.sqlite'));
    try {
      store.prepare("delete from meta where key = 'outbox:pause'").run();
      if (pause) store.prepare("insert into meta (key, value) values ('outbox:pause', ?)").run(JSON.stringify(pause));
    } finally {
      store.close();
    }
  };

  it('are named at the top of every staff page, with what to do, until delivery goes on', async () => {
    const staff = await staffClient();
    const notice = async (route: string) => new Page(await (await staff.fetch(route)).text()).text('main .delivery-notice');
    setPause({ kind: 'operator', reason: 'the token lacks the Issues permission; grant it and restart', since: Date.now(), until: Date.now() + 60_000 });
    try {
      for (const route of ['/staff', '/staff/stats']) {
        const text = await notice(route);
        expect(text, route).toContain('Changes are not reaching the Git host');
        expect(text, route).toContain('the token lacks the Issues permission');
        expect(text, route).toContain('npm run outbox -- resume');
      }
      setPause({ kind: 'rate-limited', reason: 'secondary rate limit', since: Date.now(), until: Date.now() + 5 * 60_000 });
      expect(await notice('/staff')).toMatch(/rate limit holds changes back for about 5 minutes: \d+ changes? waits?, sent then/);
    } finally {
      setPause(undefined);
    }
    expect(await notice('/staff')).toBeUndefined();
    // Customers never see it.
    expect(new Page(await (await fetch(`${site.url}/tickets/new`)).text()).text('body')).not.toContain('Git host');
  });
});

describe('role checks on every staff page and endpoint', () => {
  let number: number;
  let customer: SiteClient;
  beforeAll(async () => {
    ({ number, customer } = await newTicket('roles@example.com', 'Role check'));
  });
  const routes = () =>
    [
      ['GET', '/staff'],
      ['GET', `/staff/tickets/${number}`],
      ['GET', '/staff/stats'],
      ['GET', '/staff/stats.csv'],
      ['POST', `/staff/tickets/${number}`],
    ] as const;

  it('sends anonymous visitors and customers to sign in, and refuses their POSTs', async () => {
    for (const client of [new SiteClient(site.url), customer]) {
      for (const [method, route] of routes()) {
        const response = method === 'GET' ? await client.fetch(route) : await client.post(route, { action: 'close' });
        if (method === 'GET') {
          expect(response.status, route).toBe(303);
          expect(response.headers.get('location'), route).toMatch(/^\/staff\/signin\?next=/);
        } else {
          expect(response.status, route).toBe(401);
        }
      }
    }
    const issue = await hostOctokit.rest.issues.get({ owner: 'local', repo: 'support', issue_number: number });
    expect(issue.data.state).toBe('open');
  });

  it('lets staff in', async () => {
    const staff = await staffClient();
    for (const [method, route] of routes()) {
      if (method !== 'GET') continue;
      expect((await staff.fetch(route)).status, route).toBe(200);
    }
  });

  it('refuses a staff POST from another origin', async () => {
    const staff = await staffClient();
    const response = await staff.post(`/staff/tickets/${number}`, { action: 'close' }, { origin: 'https://evil.example' });
    expect(response.status).toBe(403);
  });
});

describe('working a ticket from the staff pages', () => {
  it('takes it from the pool, replies publicly, adds an internal note the customer never sees, escalates and closes', async () => {
    const { number, customer, ticketPath } = await newTicket('work@example.com', 'Zip broke on day one');
    // New tickets are routed at once; a supporter handing it back (unassigning on the host) returns it to the pool.
    const issueNow = async () => (await hostOctokit.rest.issues.get({ owner: 'local', repo: 'support', issue_number: number })).data;
    await waitFor('routing', async () => ((await issueNow()).assignees?.length ?? 0) > 0);
    await hostOctokit.rest.issues.update({ owner: 'local', repo: 'support', issue_number: number, assignees: [] });
    await waitFor('back in the pool', async () => (await issueNow()).labels.some((l) => (typeof l === 'string' ? l : l.name) === 'status: new'));
    const staff = await staffClient();
    // The queue reads the read model, which the workflow's sync of the unassignment brings up to date.
    const inPool = async () => new Page(await (await staff.fetch('/staff?assignee=pool')).text()).all('.ticket-list a').map((a) => a.properties['href']);
    await waitFor('the ticket in the pool queue', async () => (await inPool()).includes(`/staff/tickets/${number}`));

    const act = async (fields: Record<string, string>) => expect((await staff.post(`/staff/tickets/${number}`, fields)).status).toBe(303);
    await act({ action: 'take' });
    let issue = (await hostOctokit.rest.issues.get({ owner: 'local', repo: 'support', issue_number: number })).data;
    expect(issue.assignees?.map((a) => a.login)).toEqual(['support-anna']);
    expect(issue.labels.map((l) => (typeof l === 'string' ? l : l.name))).toContain('status: open');

    await act({ action: 'reply', text: 'We will send a replacement zip today.' });
    await act({ action: 'note', text: 'Supplier batch 42 has faulty zips.' });
    const page = await waitFor('the reply on the customer page', async () => {
      const html = await (await customer.fetch(ticketPath)).text();
      return html.includes('replacement zip') ? html : undefined;
    });
    expect(page).toContain('Anna from Support');
    expect(page).not.toContain('Supplier batch 42');
    expect(page).not.toContain('Reply by');

    const workspace = new Page(await (await staff.fetch(`/staff/tickets/${number}`)).text());
    expect(
      workspace
        .all('.message-kind-internal-note')
        .map((m) => JSON.stringify(m))
        .join(''),
    ).toContain('Supplier batch 42');

    await act({ action: 'label', group: 'priority', value: 'high' });
    await act({ action: 'escalate', reason: 'Needs a warehouse decision' });
    issue = (await hostOctokit.rest.issues.get({ owner: 'local', repo: 'support', issue_number: number })).data;
    expect(issue.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(expect.arrayContaining(['priority: high', 'status: escalated']));
    expect((await staff.post(`/staff/tickets/${number}`, { action: 'label', group: 'priority', value: 'sky-high' })).status).toBe(400);

    await act({ action: 'close', confirm: 'yes' });
    issue = (await hostOctokit.rest.issues.get({ owner: 'local', repo: 'support', issue_number: number })).data;
    expect(issue.state).toBe('closed');
  });

  it('shows statistics with charts and exports them as CSV', async () => {
    const staff = await staffClient();
    const stats = new Page(await (await staff.fetch('/staff/stats')).text());
    expect(stats.all('svg[role="img"]')).toHaveLength(2);
    expect(stats.text('#per-day-title')).toBe('Tickets opened and closed per day');
    const csv = await staff.fetch('/staff/stats.csv');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await csv.text()).toMatch(/^"day","opened","closed","backlog"\r\n/);
  });
});

describe('assignment from the workspace', () => {
  const issueOf = async (number: number) => (await hostOctokit.rest.issues.get({ owner: 'local', repo: 'support', issue_number: number })).data;
  const labelsOf = async (number: number) => (await issueOf(number)).labels.map((l) => (typeof l === 'string' ? l : l.name));

  it('"Take it" makes you the one assignee; reassign to a colleague; return to the pool; unknown people are refused', async () => {
    const { number } = await newTicket('assign@example.com', 'Which colour is the blue one');
    await waitFor('routing', async () => ((await issueOf(number)).assignees?.length ?? 0) > 0);
    const ben = await staffClient('support-ben');
    const act = async (fields: Record<string, string>) => (await ben.post(`/staff/tickets/${number}`, fields)).status;
    // Routed to Anna (orders): Ben takes it and is its only assignee.
    await hostOctokit.rest.issues.update({ owner: 'local', repo: 'support', issue_number: number, assignees: ['support-anna'] });
    expect(await act({ action: 'take' })).toBe(303);
    expect((await issueOf(number)).assignees?.map((a) => a.login)).toEqual(['support-ben']);

    expect(await act({ action: 'assign', to: 'support-anna' })).toBe(303);
    expect((await issueOf(number)).assignees?.map((a) => a.login)).toEqual(['support-anna']);
    expect(await labelsOf(number)).toContain('status: open');

    expect(await act({ action: 'assign', to: 'somebody-else' })).toBe(400);
    expect((await issueOf(number)).assignees?.map((a) => a.login)).toEqual(['support-anna']);

    expect(await act({ action: 'unassign' })).toBe(303);
    expect((await issueOf(number)).assignees).toEqual([]);
    expect(await labelsOf(number)).toContain('status: new');
    const workspace = new Page(await (await ben.fetch(`/staff/tickets/${number}`)).text());
    expect(workspace.text('[aria-labelledby="assignment-title"] p')).toBe('In the pool: nobody has it yet');
  });

  it('saves all properties in one write, and closes only once confirmed', async () => {
    const { number } = await newTicket('props@example.com', 'Parcel arrived wet');
    const anna = await staffClient();
    const before = (await issueOf(number)).updated_at;
    expect((await anna.post(`/staff/tickets/${number}`, { action: 'properties', status: 'on-hold', priority: 'high', type: 'complaint', category: 'shipping' })).status).toBe(303);
    expect(await labelsOf(number)).toEqual(expect.arrayContaining(['status: on-hold', 'priority: high', 'type: complaint', 'category: shipping']));
    expect((await issueOf(number)).updated_at >= before).toBe(true);
    expect((await anna.post(`/staff/tickets/${number}`, { action: 'properties', priority: 'sky-high' })).status).toBe(400);

    const unconfirmed = await anna.post(`/staff/tickets/${number}`, { action: 'close' });
    expect(unconfirmed.status).toBe(400);
    expect(new Page(await unconfirmed.text()).text('[role="alert"]')).toContain('Yes, close it');
    expect((await issueOf(number)).state).toBe('open');
    expect((await anna.post(`/staff/tickets/${number}`, { action: 'close', confirm: 'yes' })).status).toBe(303);
    expect((await issueOf(number)).state).toBe('closed');
  });

  it("speaks staff language: statuses on the queue and the workspace are not the customer's wording", async () => {
    const { number } = await newTicket('words@example.com', 'Wording check');
    const anna = await staffClient();
    const queue = new Page(await (await anna.fetch('/staff')).text());
    expect(queue.all('select[name="status"] option').map((o) => hastToString(o))).toEqual(expect.arrayContaining(['Customer replied', 'Waiting for the customer']));
    expect(queue.text('body')).not.toContain('Your reply is with our team');
    const workspace = new Page(await (await anna.fetch(`/staff/tickets/${number}`)).text());
    expect(workspace.text('.ticket-facts .status')).not.toMatch(/your|we will/i);
  });
});

describe('presence set on the staff pages', () => {
  it('lets supporters set themselves away and back, admins set others, and nobody present closes the form at once', async () => {
    const anna = await staffClient();
    const ben = await staffClient('support-ben');
    const form = async () => new Page(await (await fetch(`${site.url}/tickets/new`)).text());
    try {
      expect((await ben.post('/staff/presence', { login: 'support-ben', present: 'no' })).status).toBe(303);
      // Ben is no admin: he cannot set Anna away.
      const refused = await ben.post('/staff/presence', { login: 'support-anna', present: 'no' });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('Only admins');
      expect((await ben.post('/staff/presence', { login: 'nobody-here', present: 'no' })).status).toBe(400);
      expect((await form()).one('form textarea[name="message"]')).toBeDefined();
      // Anna is an admin: she sets herself away too, and with nobody present the form closes at once.
      expect((await anna.post('/staff/presence', { login: 'support-anna', present: 'no' })).status).toBe(303);
      expect((await form()).text('[role="status"]')).toContain('Our support team is away right now');
      const queue = await (await anna.fetch('/staff')).text();
      expect(queue).toContain('Nobody is present');
      // The config file is not touched: presence is the store's.
      expect(readFileSync(configFile, 'utf8')).not.toContain('"present":false');
    } finally {
      expect((await anna.post('/staff/presence', { login: 'support-ben', present: 'yes' })).status).toBe(303);
      expect((await anna.post('/staff/presence', { login: 'support-anna', present: 'yes' })).status).toBe(303);
    }
    expect((await form()).one('form textarea[name="message"]')).toBeDefined();
  });

  it('routes no new ticket to a supporter who is away', async () => {
    const anna = await staffClient();
    try {
      await anna.post('/staff/presence', { login: 'support-anna', present: 'no' });
      // Anna handles orders; with her away, an orders ticket goes to Ben (every category).
      const { number } = await newTicket('away@example.com', 'Order question while Anna is away');
      const issue = await waitFor('routing', async () => {
        const data = (await hostOctokit.rest.issues.get({ owner: 'local', repo: 'support', issue_number: number })).data;
        return (data.assignees?.length ?? 0) > 0 ? data : undefined;
      });
      expect(issue.assignees?.map((a) => a.login)).toEqual(['support-ben']);
    } finally {
      await anna.post('/staff/presence', { login: 'support-anna', present: 'yes' });
    }
  });
});

describe('the thread in the workspace', () => {
  it('shows neither the hint meant for the issue page nor the /reply marker of a reply written on the Git host', async () => {
    const { number } = await newTicket('thread@example.com', 'Marker check');
    await hostOctokit.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: number, body: '/reply Your parcel left the warehouse today.' });
    const anna = await staffClient();
    const thread = await waitFor('the reply in the workspace', async () => {
      const page = new Page(await (await anna.fetch(`/staff/tickets/${number}`)).text());
      return page.text('.message-kind-staff-reply .message-body') ? page : undefined;
    });
    expect(thread.text('.message-kind-staff-reply .message-body')).toBe('Your parcel left the warehouse today.');
    expect(thread.text('.thread')).not.toContain('/reply');
    expect(thread.text('.message-kind-opening .message-body')).toBe('Please help me with this order.');
  });
});

describe('customer attachments for staff', () => {
  it('are listed under the message in the workspace and download for staff only, never rendered', async () => {
    const { number } = await newTicket('photo@example.com', 'Scratched lens', { attachments: new File([PNG], 'scratch.png', { type: 'image/png' }) });
    const anna = await staffClient();
    const workspace = new Page(await (await anna.fetch(`/staff/tickets/${number}`)).text());
    const link = workspace.one('.message-kind-opening .attachments a');
    expect(link && hastToString(link)).toBe('scratch.png');
    const href = String(link?.properties['href']);
    expect(href).toMatch(/^\/staff\/files\/T-[0-9A-Z]{8}\/[^/]+\/scratch\.png$/);

    // Staff working in the issue UI open the file from a link in the issue, to the same staff page.
    const issue = (await hostOctokit.rest.issues.get({ owner: 'local', repo: 'support', issue_number: number })).data;
    expect(issue.body).toContain(`**Attachments:** [scratch.png](<${site.url}${href}>)`);

    const file = await anna.fetch(href);
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(file.headers.get('content-security-policy')).toContain('sandbox');

    // Not for customers or anyone signed out; nothing outside a ticket's attachment folder.
    const outsider = await new SiteClient(site.url).fetch(href);
    expect(outsider.status).toBe(303);
    expect(outsider.headers.get('location')).toMatch(/^\/staff\/signin/);
    for (const bad of ['/staff/files/T-AAAAAAAA/x/none.png', '/staff/files/secrets/x/y', `${href.split('/').slice(0, 4).join('/')}/../../etc/passwd`, '/staff/files/T-AAAAAAAA']) {
      expect((await anna.fetch(bad)).status, bad).toBe(404);
    }
  });

  it("go out with a staff reply to the customer, while a note's file stays with staff", async () => {
    const { number, customer, ticketPath } = await newTicket('label@example.com', 'Return label please');
    const anna = await staffClient();
    const label = new File([PNG], 'return label.png', { type: 'image/png' });
    expect((await anna.post(`/staff/tickets/${number}`, { action: 'reply', text: 'Here is your return label.', attachments: label })).status).toBe(303);
    expect((await anna.post(`/staff/tickets/${number}`, { action: 'note', text: 'Label made by hand.', attachments: new File([PNG], 'internal.png', { type: 'image/png' }) })).status).toBe(303);
    // Too many files: refused with the limit, nothing posted.
    const tooMany = Array.from({ length: 4 }, (_, i) => new File([PNG], `many-${i}.png`, { type: 'image/png' }));
    const refused = await anna.post(`/staff/tickets/${number}`, { action: 'reply', text: 'Four files', attachments: tooMany });
    expect(refused.status).toBe(400);
    expect(new Page(await refused.text()).text('[role="alert"]')).toContain('at most 3');

    const page = await waitFor('the reply on the customer page', async () => {
      const html = await (await customer.fetch(ticketPath)).text();
      return html.includes('Here is your return label.') ? new Page(html) : undefined;
    });
    const link = page.all('a').find((a) => hastToString(a).includes('return_label.png') || hastToString(a).includes('return label.png'));
    expect(link).toBeDefined();
    const file = await customer.fetch(String(link?.properties['href']).replace(/\?inline$/, ''));
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG);
    expect(page.text('body')).not.toContain('internal.png');
    expect(page.text('body')).not.toContain('Label made by hand');
    // The links for staff sit in the issue's staff header, which the customer's page never shows.
    expect(page.text('body')).not.toContain('Attachments:');
    const comments = (await hostOctokit.rest.issues.listComments({ owner: 'local', repo: 'support', issue_number: number })).data;
    const replyComment = comments.find((c) => c.body?.includes('Here is your return label.'));
    expect(replyComment?.body).toContain(`**Attachments:** [return\\_label.png](<${site.url}/staff/files/T-`);

    // The note's file: listed for staff, and its customer address leads nowhere.
    const workspace = new Page(await (await anna.fetch(`/staff/tickets/${number}`)).text());
    const noteFile = workspace.one('.message-kind-internal-note .attachments a');
    expect(noteFile && hastToString(noteFile)).toBe('internal.png');
    const [, , , ref, id, name] = String(noteFile?.properties['href']).split('/');
    expect((await customer.fetch(`/tickets/${ref}/files/${id}/${name}`)).status).toBe(404);
  });
});

describe('saved replies in the workspace', () => {
  it("offer the customer's language first and fill in the customer's name, the reference and the supporter", async () => {
    const { number } = await newTicket('kundin@example.de', 'Paket nicht angekommen', { lang: 'de' });
    const anna = await staffClient();
    const page = new Page(await (await anna.fetch(`/staff/tickets/${number}`)).text());
    expect(page.all('#saved-reply optgroup').map((g) => g.properties['label'])).toEqual(['Deutsch', 'English']);
    const german = String(page.all('#saved-reply optgroup')[0] && page.attr('#saved-reply optgroup option', 'value'));
    expect(german).toMatch(/^de\//);
    const filled = new Page(await (await anna.fetch(`/staff/tickets/${number}?savedReply=${encodeURIComponent(german)}`)).text());
    expect(filled.text('textarea#text')).toMatch(/^Hallo C,/);
    expect(filled.text('textarea#text')).toContain('Anna from Support');
    // An unknown reply inserts nothing.
    expect(new Page(await (await anna.fetch(`/staff/tickets/${number}?savedReply=de/../../etc`)).text()).text('textarea#text')).toBe('');
  });
});
