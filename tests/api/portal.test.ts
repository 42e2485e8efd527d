import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Octokit } from 'octokit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningLocalHost } from '../../src/local-host/index.ts';
import { deriveKey, signSession, signToken } from '../../src/tickets/access-token.ts';
import { JOINER } from '../../src/tickets/neutralize.ts';
import { provisionHostTokens } from '../helpers/local-host.ts';
import { siteMetadata, siteSecret } from '../helpers/metadata.ts';
import { Page } from '../helpers/html.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';
import { PNG } from '../helpers/files.ts';
import { mailsTo as mailsIn } from '../helpers/mail-folder.ts';

const mailsTo = (email: string) => mailsIn(dataDir, email);

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'portal-')));
const dataDir = path.join(root, 'data');
const configFile = path.join(root, 'helpdesk.config.json');

let site: RunningSite;
let outDir: string;
let host: { staff: Octokit; reader: Octokit; owner: string; repo: string; admin: string };

const form = (overrides: Record<string, string | File> = {}) => ({
  email: 'zoe@example.com',
  name: 'Zoë',
  subject: 'Parcel never arrived',
  message: 'My parcel NW-10485327 did not arrive. Thanks @octocat, see #12 and <script>alert(1)</script>.',
  type: 'problem',
  category: 'shipping',
  order: 'NW-10485327',
  website: '',
  ...overrides,
});

/** Opens a ticket as a new visitor; returns the visitor (signed in for that ticket) and the ticket path. */
async function openTicket(overrides: Record<string, string | File> = {}): Promise<{ client: SiteClient; ticketPath: string; ref: string }> {
  const client = new SiteClient(site.url);
  const response = await client.post('/tickets/new', form(overrides));
  expect(response.status, await response.clone().text()).toBe(303);
  const location = response.headers.get('location')!;
  const ticketPath = location.split('?')[0]!;
  return { client, ticketPath, ref: ticketPath.split('/').pop()! };
}

/** The issue a ticket reference was filed as, once the outbox has delivered it. */
async function issueFor(ref: string) {
  return waitFor(`issue for ${ref}`, async () => {
    const { data } = await host.staff.rest.issues.listForRepo({ owner: host.owner, repo: host.repo, state: 'all', per_page: 100 });
    return data.find((issue) => siteMetadata(dataDir, issue.body, issue.user)?.ref === ref);
  });
}

function signInLinkFrom(mail: string): string {
  // Quoted-printable mails break long lines with "=\n"; undo that before looking for the link.
  const text = mail.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  return /\/tickets\/access\?token=[\w.%-]+/.exec(text)![0];
}

beforeAll(async () => {
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  // A cached ticket is read again after 5 s (not the default minute), so the outage test meets the host's failure soon.
  writeFileSync(configFile, JSON.stringify({ ...config, ticketCacheSeconds: 5, abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: 3, linksPerEmailPer15Min: 2 } }));
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  // The site's host generates its tokens on first start; here that is done beforehand, with one more account:
  // a user who can read and comment but has no write access, so not staff, whatever they type.
  const tokens = provisionHostTokens(path.join(dataDir, 'local-host'), [{ login: 'read-only-user', association: 'CONTRIBUTOR', permission: 'read' }]);
  outDir = build.outDir;
  site = await serveSite(outDir, { configFile }, { DATA_DIR: dataDir });
  // The first ticket request starts the embedded issue host.
  expect((await fetch(`${site.url}/tickets/new`)).status).toBe(200);
  const url = findRunningLocalHost(path.join(dataDir, 'local-host'))!;
  const [owner, repo] = (config.gitHost?.repository ?? 'local/support').split('/');
  host = { staff: new Octokit({ baseUrl: url, auth: tokens.of('support-anna') }), reader: new Octokit({ baseUrl: url, auth: tokens.of('read-only-user') }), owner, repo, admin: tokens.admin };
});
afterAll(() => site?.stop());

describe('opening a ticket', () => {
  it('files one issue with the labels, a staff header and neutralised customer text', async () => {
    const { client, ticketPath, ref } = await openTicket({ attachments: new File([PNG], 'photo.png', { type: 'image/png' }) });
    expect(ref).toMatch(/^T-[0-9A-Z]{8}$/);
    expect(client.cookies.has('helpdesk_session')).toBe(true);

    const page = new Page(await (await client.fetch(`${ticketPath}?created=1`)).text());
    expect(page.text('.notice')).toContain(ref);
    expect(page.text('h1')).toBe('Parcel never arrived');

    const issue = await issueFor(ref);
    expect(issue.title).toBe('Parcel never arrived');
    // Created as `status: new`; routing may already have assigned it (`status: open`) by the time we look.
    const labels = issue.labels.map((l) => (typeof l === 'string' ? l : l.name)).sort();
    expect(labels.filter((l) => !l?.startsWith('status: '))).toEqual(['category: shipping', 'priority: normal', 'type: problem']);
    expect(labels.filter((l) => l?.startsWith('status: '))).toHaveLength(1);
    expect(['status: new', 'status: open']).toContain(labels.find((l) => l?.startsWith('status: ')));
    expect(issue.body).toContain('**Customer:** Zoë (c-');
    expect(issue.body).toContain('**Order:** NW-10485327');
    expect(issue.body).toContain(`@${JOINER}octocat`);
    expect(issue.body).toContain(`#${JOINER}12`);
    expect(issue.body).toContain(`<${JOINER}script>`);
    expect(issue.body).not.toContain('zoe@example.com\n');
    const meta = siteMetadata(dataDir, issue.body, issue.user);
    expect(meta?.attachments).toHaveLength(1);
  });

  it('mails a sign-in link that opens the ticket once', async () => {
    const email = 'link-test@example.com';
    const { ticketPath } = await openTicket({ email });
    const mail = await waitFor('the confirmation mail', () => mailsTo(email)[0]);
    const link = signInLinkFrom(mail);
    const visitor = new SiteClient(site.url);
    // Opening the link signs nothing in; its Continue button does (tests/security/portal-abuse.test.ts).
    const first = await visitor.followSignInLink(link);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe(ticketPath);
    const cookie = first.headers.getSetCookie().find((c) => c.startsWith('helpdesk_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect((await visitor.fetch(ticketPath)).status).toBe(200);

    const replay = await new SiteClient(site.url).followSignInLink(link);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('This link was already used');
  });

  it.each([
    ['email', { email: 'nope' }, 'Enter a valid email address'],
    ['subject', { subject: 'x' }, 'Enter a subject of at least 3 characters.'],
    ['message', { message: 'x'.repeat(60_001) }, 'The message may be at most 60,000 characters long.'],
    ['category', { category: 'nonsense' }, 'Choose one of: orders, shipping'],
    ['attachment type', { attachments: new File(['MZ\u0090\u0000binary'], 'invoice.pdf') }, 'allowed are PNG, JPEG'],
  ])('refuses a bad %s with a message next to the field and keeps what was typed', async (_field, change, message) => {
    const client = new SiteClient(site.url);
    const response = await client.post('/tickets/new', form(change as Record<string, string | File>));
    expect(response.status).toBe(400);
    const page = new Page(await response.text());
    expect(
      page
        .all('.field-error')
        .map((e) => JSON.stringify(e))
        .join(''),
    ).toContain(message.slice(0, 30));
    expect(page.attr('#name', 'value')).toBe('Zoë');
  });

  it('ignores a form whose honeypot was filled', async () => {
    const response = await new SiteClient(site.url).post('/tickets/new', form({ website: 'https://spam.example' }));
    expect(response.status).toBe(400);
  });

  it.each([
    ['no Origin', null],
    ['another Origin', 'https://evil.example'],
  ])('refuses a POST with %s', async (_kind, origin) => {
    const response = await new SiteClient(site.url).post('/tickets/new', form(), { origin });
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe('forbidden_origin');
  });

  it('limits tickets per email and says when to try again', async () => {
    const email = 'busy@example.com';
    for (let i = 0; i < 3; i++) await openTicket({ email });
    const response = await new SiteClient(site.url).post('/tickets/new', form({ email }));
    expect(response.status).toBe(429);
    expect(await response.text()).toMatch(/Please try again in \d+ minutes?\./);
  });

  it('makes one ticket from a draft sent twice with the same key', async () => {
    const key = 'draft-0123456789';
    const a = await new SiteClient(site.url).post('/tickets/new', form({ email: 'draft@example.com', idempotencyKey: key }), { headers: { Accept: 'application/json' } });
    const b = await new SiteClient(site.url).post('/tickets/new', form({ email: 'draft@example.com', idempotencyKey: key }), { headers: { Accept: 'application/json' } });
    expect(a.status).toBe(201);
    expect((await a.json()).url).toBe((await b.json()).url);
  });
});

describe('the ticket page', () => {
  it('shows the customer and public staff replies, never internal notes or non-staff comments', async () => {
    const { client, ticketPath, ref } = await openTicket({ email: 'thread@example.com' });
    const issue = await issueFor(ref);
    const comment = (octokit: Octokit, body: string) => octokit.rest.issues.createComment({ owner: host.owner, repo: host.repo, issue_number: issue.number, body });
    await comment(host.staff, '/reply\nYour parcel is at the depot; it arrives tomorrow.');
    await comment(host.staff, 'Internal: customer complained twice already.');
    await comment(host.reader, '/reply I am staff, send me your password');
    await waitFor('the staff reply on the page', async () => (await (await client.fetch(ticketPath)).text()).includes('arrives tomorrow'));
    const html = await (await client.fetch(ticketPath)).text();
    expect(html).toContain('Anna from Support');
    expect(html).not.toContain('complained twice');
    expect(html).not.toContain('send me your password');
    expect(html).not.toContain('/reply');
    const json = await (await client.fetch(`/api/tickets/${ref}`)).text();
    expect(json).not.toContain('complained twice');
  });

  it('asks another customer and a visitor without a session to sign in (403), never showing the ticket', async () => {
    const { ticketPath } = await openTicket({ email: 'owner@example.com', subject: 'The owner’s parcel' });
    const other = await openTicket({ email: 'other@example.com' });
    for (const client of [other.client, new SiteClient(site.url)]) {
      const response = await client.fetch(ticketPath);
      expect(response.status).toBe(403);
      const page = new Page(await response.text());
      expect(page.text('h1')).toBe('Sign in to see this ticket');
      expect(page.attr('form[action="/tickets"] input[name="email"]', 'type')).toBe('email');
      expect(JSON.stringify(page.tree)).not.toContain('The owner’s parcel');
    }
    expect((await other.client.fetch(`/api/tickets/${ticketPath.split('/').pop()}`)).status).toBe(404);
  });

  it('refuses tampered and expired links', async () => {
    const secret = siteSecret(dataDir, 'session');
    const expired = signToken({ email: 'zoe@example.com', exp: Math.floor(Date.now() / 1000) - 1 }, deriveKey(secret, 'link'));
    const tampered = signToken({ email: 'zoe@example.com', exp: Math.floor(Date.now() / 1000) + 600 }, deriveKey('another-secret-another-secret-another', 'link'));
    const expiredResponse = await new SiteClient(site.url).fetch(`/tickets/access?token=${expired}`);
    expect(expiredResponse.status).toBe(400);
    expect(await expiredResponse.text()).toContain('This link has expired');
    const tamperedResponse = await new SiteClient(site.url).fetch(`/tickets/access?token=${tampered}`);
    expect(tamperedResponse.status).toBe(400);
    expect(await tamperedResponse.text()).toContain('This link is not valid');
  });

  it('meters ratings, closes and reopens per customer; thirty clicks leave one reaction', async () => {
    const { client, ticketPath, ref } = await openTicket({ email: 'meter@example.com' });
    const issue = await issueFor(ref);
    const { data: reply } = await host.staff.rest.issues.createComment({ owner: host.owner, repo: host.repo, issue_number: issue.number, body: '/reply Does this help?' });
    await waitFor('the reply', async () => (await (await client.fetch(ticketPath)).text()).includes('Does this help?'));
    const rate = () => client.post(ticketPath, { action: 'rate', message: String(reply.id), rating: 'helpful' });
    const answers: number[] = [];
    for (let i = 0; i < 30; i++) answers.push((await rate()).status);
    expect(answers.every((status) => status === 303)).toBe(true);
    const refused = await rate();
    expect(refused.status).toBe(429);
    expect(await refused.text()).toMatch(/try again in/i);
    // Thirty clicks, one reaction: the repeats changed nothing on the host.
    const { data: reactions } = await host.staff.rest.reactions.listForIssueComment({ owner: host.owner, repo: host.repo, comment_id: reply.id });
    expect(reactions.map((r) => [r.user?.login, r.content])).toEqual([['helpdesk-bot', '+1']]);
    expect((await client.post(ticketPath, { action: 'close', confirm: 'yes' })).status).toBe(429);
  });

  it('lets the customer rate a reply, reply themselves and close the ticket', async () => {
    const { client, ticketPath, ref } = await openTicket({ email: 'journey@example.com' });
    const issue = await issueFor(ref);
    const { data: reply } = await host.staff.rest.issues.createComment({ owner: host.owner, repo: host.repo, issue_number: issue.number, body: '/reply Try resetting the router.' });
    await waitFor('the reply', async () => (await (await client.fetch(ticketPath)).text()).includes('resetting the router'));

    expect((await client.post(ticketPath, { action: 'rate', message: String(reply.id), rating: 'helpful' })).status).toBe(303);
    const { data: reactions } = await host.staff.rest.reactions.listForIssueComment({ owner: host.owner, repo: host.repo, comment_id: reply.id });
    expect(reactions.map((r) => [r.user?.login, r.content])).toEqual([['helpdesk-bot', '+1']]);
    expect((await client.post(ticketPath, { action: 'rate', message: String(reply.id), rating: 'not-helpful' })).status).toBe(303);
    const { data: changed } = await host.staff.rest.reactions.listForIssueComment({ owner: host.owner, repo: host.repo, comment_id: reply.id });
    expect(changed.map((r) => r.content)).toEqual(['-1']);

    expect((await client.post(ticketPath, { action: 'reply', message: 'That worked, thank you @octocat!' })).status).toBe(303);
    await waitFor('the customer reply on the host', async () => {
      const { data } = await host.staff.rest.issues.listComments({ owner: host.owner, repo: host.repo, issue_number: issue.number });
      return data.some((c) => c.body?.includes(`thank you @${JOINER}octocat`));
    });
    const labels = (await host.staff.rest.issues.get({ owner: host.owner, repo: host.repo, issue_number: issue.number })).data.labels.map((l) => (typeof l === 'string' ? l : l.name));
    expect(labels).toContain('status: reply-received');

    expect((await client.post(ticketPath, { action: 'close' })).status).toBe(400);
    expect((await client.post(ticketPath, { action: 'close', confirm: 'yes' })).status).toBe(303);
    const closed = (await host.staff.rest.issues.get({ owner: host.owner, repo: host.repo, issue_number: issue.number })).data;
    expect(closed.state).toBe('closed');
    expect(closed.labels.map((l) => (typeof l === 'string' ? l : l.name))).toContain('status: closed');
  });

  it('serves attachments only to the ticket owner, as downloads that cannot be sniffed', async () => {
    const { client, ticketPath, ref } = await openTicket({ email: 'files@example.com', attachments: new File([PNG], '../../evil name.png') });
    await issueFor(ref);
    const page = new Page(await (await client.fetch(ticketPath)).text());
    const href = page.attr('.attachments a', 'href')!;
    expect(href).toMatch(new RegExp(`^/tickets/${ref}/files/[^/]+/evil_name\\.png$`));
    const download = await client.fetch(href);
    expect(download.status, await download.clone().text()).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(PNG);
    const stranger = await openTicket({ email: 'stranger@example.com' });
    expect((await stranger.client.fetch(href)).status).toBe(404);
  });

  it('marks ticket responses private and uncacheable', async () => {
    const { client, ticketPath } = await openTicket({ email: 'cache@example.com' });
    const response = await client.fetch(ticketPath);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('My tickets', () => {
  it('mails a link to the address and lists only that address’s tickets', async () => {
    const email = 'list@example.com';
    const { ref } = await openTicket({ email, subject: 'First question' });
    await openTicket({ email: 'someone-else@example.com', subject: 'Not yours' });
    const visitor = new SiteClient(site.url);
    const response = await visitor.post('/tickets', { email });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('a sign-in link is on its way');
    const mail = await waitFor('the sign-in mail', () => mailsTo(email).find((m) => m.includes('X-Helpdesk-Event: sign-in')));
    expect((await visitor.followSignInLink(signInLinkFrom(mail))).status).toBe(303);
    const list = new Page(await (await visitor.fetch('/tickets')).text());
    const rows = list.all('.ticket-list tbody tr').map((row) => JSON.stringify(row));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(ref);
    expect(rows[0]).not.toContain('Not yours');
  });
});

/** The page without the reference it was asked for: what must not differ between one ticket and another. */
const withoutRef = (html: string, ref: string) => html.replaceAll(ref, 'T-XXXXXXXX');

describe('a browser that opened several tickets (issue 16, item 3)', () => {
  it('opens each of them, and My tickets lists them, saying the full list needs the mailed link', async () => {
    const email = 'two-tickets@example.com';
    const first = await openTicket({ email, subject: 'First: a missing parcel' });
    const client = first.client;
    const second = await client.post('/tickets/new', form({ email, subject: 'Second: a wrong invoice' }));
    expect(second.status).toBe(303);
    const secondPath = second.headers.get('location')!.split('?')[0]!;

    for (const [path, subject] of [
      [first.ticketPath, 'First: a missing parcel'],
      [secondPath, 'Second: a wrong invoice'],
    ] as const) {
      const response = await client.fetch(path);
      expect(response.status, path).toBe(200);
      expect(new Page(await response.text()).text('h1')).toBe(subject);
      expect((await client.fetch(`/api/tickets/${path.split('/').pop()}`)).status).toBe(200);
    }

    const list = new Page(await (await client.fetch('/tickets')).text());
    expect(list.all('.ticket-list tbody tr a').map((a) => a.properties['href'])).toEqual(expect.arrayContaining([first.ticketPath, secondPath]));
    expect(list.all('.ticket-list tbody tr')).toHaveLength(2);
    expect(list.text('[data-browser-only]')).toContain('open the link we mailed you');
    // The form to get that link is right there, not a page asking for the email before anything is listed.
    expect(list.one('form[action="/tickets"] input[name="email"]')).toBeDefined();
    expect(list.text('form[action="/tickets/signout"] button')).toBe('Forget these tickets on this browser');
  });

  it('shows the same sign-in page for a ticket it does not open, whether the ticket exists or not', async () => {
    const someoneElse = await openTicket({ email: 'exists@example.com', subject: 'Somebody else’s question' });
    const { client } = await openTicket({ email: 'holder-of-a@example.com' });
    const missing = 'T-ZZZZZZZZ';
    const existing = await client.fetch(someoneElse.ticketPath);
    const none = await client.fetch(`/tickets/${missing}`);
    expect([existing.status, none.status]).toEqual([403, 403]);
    const [existingHtml, noneHtml] = [await existing.text(), await none.text()];
    expect(withoutRef(existingHtml, someoneElse.ref)).toBe(withoutRef(noneHtml, missing));
    const page = new Page(existingHtml);
    expect(page.text('h1')).toBe('Sign in to see this ticket');
    expect(page.text('[data-sign-in-reason]')).toContain(`This browser cannot open ticket ${someoneElse.ref}.`);
    expect(page.text('form[action="/tickets"] button')).toBe('Email me a sign-in link');
    // The API says nothing more: the same 404 for both.
    const [apiExisting, apiNone] = [await client.fetch(`/api/tickets/${someoneElse.ref}`), await client.fetch(`/api/tickets/${missing}`)];
    expect([apiExisting.status, apiNone.status]).toEqual([404, 404]);
    expect(await apiExisting.json()).toEqual(await apiNone.json());
    // Only the shape of a reference is public: anything else is simply not a page.
    expect((await client.fetch('/tickets/not-a-ticket')).status).toBe(404);
  });

  it('mails a link from that page, and after it the ticket opens and My tickets lists every ticket of the address', async () => {
    const email = 'elsewhere@example.com';
    // Filed on another device: this browser has no entry for it.
    const elsewhere = await openTicket({ email, subject: 'Filed on my phone' });
    const laptop = (await openTicket({ email: 'laptop-guest@example.com' })).client;
    expect((await laptop.fetch(elsewhere.ticketPath)).status).toBe(403);
    const asked = await laptop.post('/tickets', { email });
    expect(asked.status).toBe(200);
    expect(new Page(await asked.text()).text('[data-link-sent]')).toContain('a sign-in link is on its way');
    const mail = await waitFor('the sign-in mail', () => mailsTo(email).find((m) => m.includes('X-Helpdesk-Event: sign-in')));
    expect((await laptop.followSignInLink(signInLinkFrom(mail))).status).toBe(303);
    expect((await laptop.fetch(elsewhere.ticketPath)).status).toBe(200);
    const list = new Page(await (await laptop.fetch('/tickets')).text());
    expect(list.text('.meta')).toContain(`Signed in as ${email}`);
    const rows = list.all('.ticket-list tbody tr').map((row) => JSON.stringify(row));
    // The address's ticket, and the one this browser filed for another address: signing in keeps it.
    expect(rows.some((row) => row.includes(elsewhere.ref))).toBe(true);
    expect(rows).toHaveLength(2);
    expect(list.one('[data-browser-only]')).toBeUndefined();
  });

  it('lets the entry of one address lapse when that address is verified, and keeps the others', async () => {
    const [alice, bob] = ['lapse-alice@example.com', 'lapse-bob@example.com'];
    const a = await openTicket({ email: alice, subject: 'In Alice’s name' });
    const b = await a.client.post('/tickets/new', form({ email: bob, subject: 'In Bob’s name' }));
    const bPath = b.headers.get('location')!.split('?')[0]!;
    expect((await a.client.fetch(a.ticketPath)).status).toBe(200);
    // Alice opens the link mailed for her ticket, somewhere else: from now on it is hers alone.
    const mail = await waitFor('the ticket mail to Alice', () => mailsTo(alice)[0]);
    expect((await new SiteClient(site.url).followSignInLink(signInLinkFrom(mail))).status).toBe(303);
    expect((await a.client.fetch(a.ticketPath)).status).toBe(403);
    expect((await a.client.fetch(bPath)).status).toBe(200);
    const list = new Page(await (await a.client.fetch('/tickets')).text());
    expect(list.all('.ticket-list tbody tr a').map((link) => link.properties['href'])).toEqual([bPath]);
  });

  it('remembers the newest 20, in a cookie under 4 KB', async () => {
    const first = await openTicket({ email: 'bound-first@example.com' });
    // Nineteen tickets filed here since (as the server would have signed them; long addresses weigh on the cookie).
    const secret = siteSecret(dataDir, 'session');
    const since = Date.now() - 60_000;
    const later = Array.from({ length: 19 }, (_, i) => ({ ref: `T-F${String(i).padStart(7, '0')}`, email: `bound-${i}-${'x'.repeat(40)}@example.com`, filedAt: since + i + 1 }));
    const twenty = [...later.reverse(), { ref: first.ref, email: 'bound-first@example.com', filedAt: since }];
    first.client.cookies.set('helpdesk_session', signSession({ tickets: twenty, exp: Math.floor(Date.now() / 1000) + 3600 }, deriveKey(secret, 'session')));
    expect((await first.client.fetch(first.ticketPath)).status).toBe(200);

    // The twenty-first: the oldest gives way.
    const newest = await first.client.post('/tickets/new', form({ email: 'bound-last@example.com', subject: 'The twenty-first' }));
    expect(newest.status).toBe(303);
    const cookie = newest.headers.getSetCookie().find((c) => c.startsWith('helpdesk_session='))!;
    expect(cookie.length).toBeLessThan(4096);
    expect((await first.client.fetch(newest.headers.get('location')!.split('?')[0]!)).status).toBe(200);
    expect((await first.client.fetch(first.ticketPath)).status).toBe(403);
  });
});

/** Checks that a ticket form page shows every field as `typed` was sent. */
function expectFieldsKept(page: Page, typed: ReturnType<typeof form>) {
  expect(page.attr('#email', 'value')).toBe(typed.email);
  expect(page.attr('#name', 'value')).toBe(typed.name);
  expect(page.attr('#order', 'value')).toBe(typed.order);
  expect(page.attr('#subject', 'value')).toBe(typed.subject);
  expect(page.text('#message')).toBe(typed.message);
  expect(page.attr('#type option[selected]', 'value')).toBe(typed.type);
  expect(page.attr('#category option[selected]', 'value')).toBe(typed.category);
}

describe('a refused ticket form keeps what was typed (issue 16, item 4)', () => {
  let away: RunningSite;
  // The same build served with every supporter away: it takes no tickets. Started here, where a slow start has time.
  beforeAll(async () => {
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    const awayConfig = path.join(root, 'away.config.json');
    writeFileSync(awayConfig, JSON.stringify({ ...config, supporters: config.supporters.map((s: object) => ({ ...s, present: false })) }));
    away = await serveSite(outDir, { configFile: awayConfig }, { DATA_DIR: path.join(root, 'away-data') });
    // The first ticket request composes the desk (and starts its embedded issue host).
    expect((await fetch(`${away.url}/tickets/new`)).status).toBe(200);
  });
  afterAll(() => away?.stop());

  const cases = [
    {
      name: '429, too many tickets from the address',
      status: 429,
      code: 'rate_limited',
      summary: /Please try again in \d+ minutes?\./,
      send: async (typed: ReturnType<typeof form>, init?: RequestInit) => {
        for (let i = 0; i < 3; i++) await openTicket({ email: typed.email });
        return new SiteClient(site.url).post('/tickets/new', { ...typed, attachments: new File([PNG], 'photo.png', { type: 'image/png' }) }, init);
      },
    },
    {
      name: '503, the support team away',
      status: 503,
      code: 'tickets_off',
      summary: /support team is away/,
      send: async (typed: ReturnType<typeof form>, init?: RequestInit) =>
        new SiteClient(away.url).post('/tickets/new', { ...typed, attachments: new File([PNG], 'photo.png', { type: 'image/png' }) }, init),
    },
    {
      name: '400, the honeypot filled',
      status: 400,
      code: 'invalid_input',
      summary: /could not accept this form/,
      send: (typed: ReturnType<typeof form>, init?: RequestInit) =>
        new SiteClient(site.url).post('/tickets/new', { ...typed, website: 'https://spam.example', attachments: new File([PNG], 'photo.png', { type: 'image/png' }) }, init),
    },
  ];

  describe.each(cases)('$name', ({ status, code, summary, send }) => {
    it('comes back with every field, the refusal at the top (focused on arrival) and the files asked for again', async () => {
      const typed = form({
        email: `kept-${status}@example.com`,
        subject: `Kept after a ${status}`,
        message: 'Line one\nLine two with **markdown** and <b>tags</b>',
        type: 'order',
        category: 'orders',
      });
      const response = await send(typed);
      expect(response.status).toBe(status);
      if (status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      const page = new Page(await response.text());
      expectFieldsKept(page, typed);
      const errorSummary = page.one('[data-error-summary]');
      expect(errorSummary?.properties['autoFocus']).toBe(true);
      expect(errorSummary?.properties['tabIndex']).toBe(-1);
      expect(page.text('[data-error-summary-message]')).toMatch(summary);
      // The first thing in the form, above the fields.
      expect(page.one('form[data-ticket-form] > *')).toBe(errorSummary);
      expect(page.text('[data-choose-again]')).toBe('Choose photo.png again: files cannot be kept when the form comes back.');
    });

    it('answers the enhanced form with JSON naming the refusal', async () => {
      const typed = form({ email: `kept-json-${status}@example.com` });
      const response = await send(typed, { headers: { Accept: 'application/json' } });
      expect(response.status).toBe(status);
      const body = await response.json();
      expect(body.error.code).toBe(code);
      expect(body.error.message).toMatch(summary);
      if (status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  });

  it('keeps every field, and lists each problem in the summary, when fields need fixing (400)', async () => {
    const typed = form({ email: 'fix-fields@example.com', subject: 'x', order: 'NW-1' });
    const response = await new SiteClient(site.url).post('/tickets/new', { ...typed, category: 'nonsense' });
    expect(response.status).toBe(400);
    const page = new Page(await response.text());
    for (const [field, value] of Object.entries({ email: typed.email, name: typed.name, subject: 'x', order: 'NW-1' })) expect(page.attr(`#${field}`, 'value'), field).toBe(value);
    expect(page.text('#message')).toBe(typed.message);
    const links = page.all('[data-error-summary] li a').map((a) => a.properties['href']);
    expect(links).toEqual(['#category', '#subject']);
    expect(page.attr('#subject', 'ariaInvalid')).toBe('true');
  });
});

describe('while the Git host fails', () => {
  it('still accepts tickets, shows tickets as last seen, and delivers everything after recovery', async () => {
    const hostUrl = findRunningLocalHost(path.join(dataDir, 'local-host'))!;
    const { client, ticketPath, ref } = await openTicket({ email: 'outage@example.com' });
    await issueFor(ref);
    const setFaults = (faults: object) => fetch(`${hostUrl}/_admin/faults`, { method: 'PUT', headers: { authorization: `token ${host.admin}` }, body: JSON.stringify(faults) });
    await setFaults({ serverError: { rate: 1, status: 503 } });
    try {
      const during = await openTicket({ email: 'outage@example.com', subject: 'Sent during the outage' });
      // The ticket page and its JSON show the last known state (tests/api/outage.test.ts has the rest).
      const page = await waitFor('the last known state once the cached copy expires', async () => {
        const html = await (await client.fetch(ticketPath)).text();
        return html.includes('data-last-known') ? html : undefined;
      });
      expect(page).toContain('Your ticket and messages are safe.');
      const api = await client.fetch(`/api/tickets/${ref}`);
      expect(api.status).toBe(200);
      expect((await api.json()).ticket.lastKnown).toBeDefined();
      await setFaults({});
      await issueFor(during.ref);
    } finally {
      await setFaults({});
    }
  });
});
