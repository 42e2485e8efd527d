// Issue 16, item 9: during a Git host outage customers read their tickets from the last known state and reply
// (queued, delivered once when the host is back), and a page the host fails for is the site's own page, worded for
// customers or for staff, never bare HTML.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { toString as textOf } from 'hast-util-to-string';
import { Octokit } from 'octokit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findRunningLocalHost } from '../../src/local-host/index.ts';
import { hashPassword } from '../../src/staff/passwords.ts';
import { provisionHostTokens } from '../helpers/local-host.ts';
import { siteMetadata } from '../helpers/metadata.ts';
import { Page } from '../helpers/html.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';
import { PNG } from '../helpers/files.ts';

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'outage-')));
const dataDir = path.join(root, 'data');
const configFile = path.join(root, 'helpdesk.config.json');
const PASSWORD = 'a long staff password for outages';
/** Every request to the host answers 503 and changes nothing. */
const OUTAGE = { serverError: { rate: 1, status: 503 } };
const CUSTOMER_TEXT = 'Your tickets and the messages you sent are safe';
const STAFF_TEXT = 'The Git host is not reachable';

let site: RunningSite;
let host: { staff: Octokit; url: string; admin: string };

const setFaults = async (faults: object) => {
  const response = await fetch(`${host.url}/_admin/faults`, { method: 'PUT', headers: { authorization: `token ${host.admin}` }, body: JSON.stringify(faults) });
  expect(response.status).toBe(200);
};

/** Opens a ticket as a new visitor; the visitor (whose session opens it), its path, reference and issue number once filed. */
async function openTicket(email: string, subject: string, files: File[] = []): Promise<{ client: SiteClient; ticketPath: string; ref: string; number: number }> {
  const client = new SiteClient(site.url);
  const response = await client.post('/tickets/new', {
    email,
    name: 'Sam',
    subject,
    message: 'The zip of my tent broke on the first night.',
    type: 'problem',
    category: 'orders',
    website: '',
    attachments: files,
  });
  expect(response.status, await response.clone().text()).toBe(303);
  const ticketPath = response.headers.get('location')!.split('?')[0]!;
  const ref = ticketPath.split('/').pop()!;
  return { client, ticketPath, ref, number: (await issueFor(ref)).number };
}

async function issueFor(ref: string) {
  return waitFor(`the issue of ${ref}`, async () => {
    const { data } = await host.staff.rest.issues.listForRepo({ owner: 'local', repo: 'support', state: 'all', per_page: 100 });
    return data.find((issue) => siteMetadata(dataDir, issue.body, issue.user)?.ref === ref);
  });
}

const comment = (number: number, body: string) => host.staff.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: number, body });

/** The ticket page once it shows the last known state (the cached copy expires after a second, then the host fails). */
const lastKnownPage = (client: SiteClient, ticketPath: string) =>
  waitFor('the ticket page from its last known state', async () => {
    const response = await client.fetch(ticketPath);
    const html = await response.text();
    return response.status === 200 && new Page(html).one('[data-last-known]') ? new Page(html) : undefined;
  });

beforeAll(async () => {
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  writeFileSync(
    configFile,
    JSON.stringify({
      ...config,
      // A cached ticket is read again after a second, so the outage is met at once.
      ticketCacheSeconds: 1,
      staffAccounts: [{ login: 'support-anna', passwordHash: await hashPassword(PASSWORD) }],
      abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: 100, linksPerEmailPer15Min: 10 },
    }),
  );
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  const tokens = provisionHostTokens(path.join(dataDir, 'local-host'));
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: dataDir });
  // The first ticket request starts the embedded issue host.
  expect((await fetch(`${site.url}/tickets/new`)).status).toBe(200);
  const url = findRunningLocalHost(path.join(dataDir, 'local-host'))!;
  host = { staff: new Octokit({ baseUrl: url, auth: tokens.of('support-anna') }), url, admin: tokens.admin };
});
afterEach(() => setFaults({}));
afterAll(() => site?.stop());

describe('a customer during a Git host outage', () => {
  it('reads the ticket as last seen, without internal notes, and a reply sent then is delivered once afterwards', async () => {
    const { client, ticketPath, ref, number } = await openTicket('last-seen@example.com', 'Broken tent zip');
    await comment(number, '/reply\nA repair kit is on its way.');
    await comment(number, 'Internal: this customer returned two tents already.');
    await waitFor('the staff reply on the page', async () => (await (await client.fetch(ticketPath)).text()).includes('repair kit is on its way'));

    await setFaults(OUTAGE);
    const page = await lastKnownPage(client, ticketPath);
    expect(page.text('[data-last-known]')).toContain('This is your ticket as we last saw it');
    expect(page.text('[data-thread]')).toContain('A repair kit is on its way.');
    expect(page.text('main')).not.toContain('returned two tents');
    // Only replies wait in the outbox: closing and rating, which write to the host directly, are not offered.
    expect(page.one('#reply-form')).toBeDefined();
    expect(page.one('.close-form')).toBeUndefined();
    expect(page.one('form.rating')).toBeUndefined();
    const api = await client.fetch(`/api/tickets/${ref}`, { headers: { Accept: 'application/json' } });
    expect(api.status).toBe(200);
    expect((await api.json()).ticket).toMatchObject({ ref, lastKnown: { source: 'thread' } });

    const reply = await client.post(ticketPath, { action: 'reply', message: 'Thanks, I will wait for the kit.' });
    expect(reply.status, await reply.clone().text()).toBe(303);
    const queued = await lastKnownPage(client, ticketPath);
    const mine = queued.all('[data-thread] li.queued').map((li) => textOf(li));
    expect(mine).toEqual([expect.stringContaining('Thanks, I will wait for the kit.')]);
    expect(mine[0]).toContain('Queued — will be delivered');
    // New tickets are taken as ever.
    const during = await new SiteClient(site.url).post('/tickets/new', {
      email: 'last-seen@example.com',
      name: 'Sam',
      subject: 'Filed during the outage',
      message: 'Also, the tent pegs bent.',
      type: 'problem',
      category: 'orders',
      website: '',
    });
    expect(during.status).toBe(303);

    await setFaults({});
    await waitFor(
      'the reply delivered and shown as sent',
      async () => {
        const html = await (await client.fetch(ticketPath)).text();
        return html.includes('Thanks, I will wait for the kit.') && !new Page(html).one('[data-last-known]') && !new Page(html).one('[data-thread] li.queued');
      },
      60_000,
    );
    const comments = await host.staff.paginate(host.staff.rest.issues.listComments, { owner: 'local', repo: 'support', issue_number: number, per_page: 100 });
    expect(comments.filter((c) => c.body?.includes('Thanks, I will wait for the kit.'))).toHaveLength(1);
    await issueFor(new URL(during.headers.get('location')!, site.url).pathname.split('/').pop()!);
  }, 120_000);
});

describe('a page the Git host fails for', () => {
  it('is the site’s own page, with customer wording for customers and staff wording for staff', async () => {
    const { client, ticketPath, number } = await openTicket('failed-page@example.com', 'Tent photo', [new File([PNG], 'tent.png', { type: 'image/png' })]);
    const file = await waitFor('the attachment link', async () => new Page(await (await client.fetch(ticketPath)).text()).attr('.attachments a', 'href'));
    const staff = new SiteClient(site.url);
    expect((await staff.post('/staff/signin', { login: 'support-anna', password: PASSWORD })).status).toBe(303);
    expect((await staff.fetch(`/staff/tickets/${number}`)).status).toBe(200);

    await setFaults(OUTAGE);
    await lastKnownPage(client, ticketPath);
    // The file itself is only on the host.
    const customerPage = await client.fetch(file!);
    const customerHtml = await customerPage.text();
    expect(customerPage.status).toBe(502);
    expect(customerPage.headers.get('retry-after')).toBe('60');
    expect(customerPage.headers.get('content-type')).toContain('text/html');
    expect(customerPage.headers.get('content-security-policy')).toContain("script-src 'self';");
    // The site's layout and stylesheet; nothing inline that the policy would block.
    expect(customerHtml).toMatch(/<link rel="stylesheet" href="\/_astro\/[^"]+\.css"/);
    expect(customerHtml).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(customerHtml).not.toMatch(/<style[\s>]/);
    const customer = new Page(customerHtml);
    expect(customer.one('header.site-header')).toBeDefined();
    expect(customer.text('h1')).toBe('Our ticket system is not reachable right now');
    expect(customer.text('main')).toContain(CUSTOMER_TEXT);
    expect(customer.attr('main a[href^="/tickets/"]', 'href')).toBe(file);
    expect(customer.text('main')).not.toContain('Git host');

    const staffPage = await staff.fetch(`/staff/tickets/${number}`);
    const staffHtml = await staffPage.text();
    expect(staffPage.status).toBe(502);
    expect(staffPage.headers.get('retry-after')).toBe('60');
    expect(staffHtml).toMatch(/<link rel="stylesheet" href="\/_astro\/[^"]+\.css"/);
    const workspace = new Page(staffHtml);
    expect(workspace.text('h1')).toBe(STAFF_TEXT);
    expect(workspace.text('main')).toContain('What still works');
    expect(workspace.text('main')).toContain('npm run outbox -- status');
    expect(workspace.text('[data-host-reason]')).toContain('503');
    expect(workspace.text('main')).not.toContain(CUSTOMER_TEXT);
    expect(workspace.text('main')).not.toContain('Your message is safe');
    // What the page says still works does.
    expect((await staff.fetch('/staff')).status).toBe(200);

    // JSON callers get the reason, worded for who asks.
    const staffJson = await staff.fetch(`/staff/tickets/${number}`, { headers: { Accept: 'application/json' } });
    expect(staffJson.status).toBe(502);
    expect((await staffJson.json()).error).toMatchObject({ code: 'host_unavailable', message: expect.stringContaining(STAFF_TEXT) });
    const closeJson = await client.post(ticketPath, { action: 'close', confirm: 'yes' }, { headers: { Accept: 'application/json' } });
    expect(closeJson.status).toBe(502);
    expect(closeJson.headers.get('retry-after')).toBe('60');
    expect((await closeJson.json()).error).toMatchObject({ code: 'host_unavailable', message: expect.stringContaining('try again in a few minutes') });

    // Nobody else reaches the outage page.
    expect((await fetch(`${site.url}/host-unavailable`)).status).toBe(404);
    // Each read the host fails is retried for seconds first (server/composition.ts), and these pages make a dozen.
  }, 120_000);
});
