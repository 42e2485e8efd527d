// Attacks on the customer portal found in review: login CSRF through the magic link, look-alike (non-ASCII)
// email addresses, and messages that grow past the Git host's body limit when neutralised.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Octokit } from 'octokit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningLocalHost } from '../../src/local-host/index.ts';
import { parseEmail } from '../../src/tickets/email.ts';
import { Page } from '../helpers/html.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { siteMetadata } from '../helpers/metadata.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';
import { readMailFolder } from '../helpers/mail-folder.ts';

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'portal-abuse-')));
const dataDir = path.join(root, 'data');
const configFile = path.join(root, 'helpdesk.config.json');

let site: RunningSite;
let host: { staff: Octokit; owner: string; repo: string };

const ticket = (overrides: Record<string, string> = {}) => ({
  name: '',
  subject: 'Portal abuse check',
  message: 'A ticket for the portal abuse checks.',
  type: 'question',
  category: 'orders',
  website: '',
  ...overrides,
});

/**
 * Waits until every mail queued so far has gone out: files a control ticket and waits for its confirmation,
 * which the queue sends after anything queued before it. Then "nothing was mailed" is a fact, not a guess.
 */
async function mailQueueSettled(client: SiteClient): Promise<void> {
  const control = `control-${randomUUID().slice(0, 8)}@example.com`;
  const filed = await client.post('/tickets/new', ticket({ email: control }));
  expect(filed.status).toBe(303);
  await waitFor('the control mail', () => mails().some((m) => m.to === control) || undefined, 15_000);
}

const linkIn = (text: string) => /\/tickets\/access\?token=[\w.%-]+/.exec(text)![0];

/** The issue a ticket reference was filed as, once the outbox has delivered it. */
function issueFor(ref: string) {
  return waitFor(`issue for ${ref}`, async () => {
    const { data } = await host.staff.rest.issues.listForRepo({ owner: host.owner, repo: host.repo, state: 'all', per_page: 100 });
    return data.find((issue) => siteMetadata(dataDir, issue.body, issue.user)?.ref === ref);
  });
}

/** The mails written so far, with their recipients and subjects. */
const mails = () => readMailFolder(dataDir);

beforeAll(async () => {
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  writeFileSync(configFile, JSON.stringify({ ...config, abuse: { ticketsPerIpPerHour: 10_000, ticketsPerEmailPerHour: 10_000, linksPerEmailPer15Min: 10_000 } }));
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: dataDir });
  expect((await fetch(`${site.url}/tickets/new`)).status).toBe(200);
  const url = findRunningLocalHost(path.join(dataDir, 'local-host'))!;
  const [owner, repo] = (config.gitHost?.repository ?? 'local/support').split('/');
  // The host's token file: a list of users, or { admin, users } where tokens are generated per installation.
  const tokens = JSON.parse(readFileSync(path.join(dataDir, 'local-host', 'tokens.json'), 'utf8')) as { login: string; token: string }[] | { users: { login: string; token: string }[] };
  const anna = (Array.isArray(tokens) ? tokens : tokens.users).find((u) => u.login === 'support-anna')!;
  host = { staff: new Octokit({ baseUrl: url, auth: anna.token }), owner, repo };
});
afterAll(() => site?.stop());

describe('the emailed sign-in link (login CSRF)', () => {
  it('signs in only on a same-origin POST of its Continue button, once; a GET sets no cookie and uses nothing up', async () => {
    const email = 'csrf-victim@example.com';
    const opener = new SiteClient(site.url);
    const opened = await opener.post('/tickets/new', ticket({ email }));
    expect(opened.status).toBe(303);
    const ticketPath = opened.headers.get('location')!.split('?')[0]!;
    const link = linkIn((await waitFor('the sign-in mail', () => mails().find((m) => m.to === email))).text);
    const token = decodeURIComponent(link.split('token=')[1]!);

    // A top-level GET, as a cross-site page or a mail scanner makes it: a page, no session, twice over.
    const visitor = new SiteClient(site.url);
    for (let i = 0; i < 2; i++) {
      const page = await visitor.fetch(link, { headers: { 'Sec-Fetch-Site': 'cross-site' } });
      expect(page.status).toBe(200);
      expect(page.headers.getSetCookie()).toEqual([]);
      const html = new Page(await page.text());
      expect(html.attr('form[action="/tickets/access"]', 'method')).toBe('post');
      expect(html.attr('form[action="/tickets/access"] input[name="token"]', 'value')).toBe(token);
      expect(html.text('form[action="/tickets/access"] button')).toBe('Continue');
      expect(html.text('main')).toContain(email);
    }
    expect(visitor.cookies.size).toBe(0);
    // No session: the ticket's page asks to sign in.
    expect((await visitor.fetch(ticketPath)).status).toBe(403);

    // The POST from anywhere else: no Origin (nor Referer), or another site's.
    for (const origin of [null, 'https://attacker.example']) {
      const refused = await visitor.post('/tickets/access', { token }, { origin });
      expect(refused.status, `Origin ${origin}`).toBe(403);
      expect(refused.headers.getSetCookie()).toEqual([]);
    }

    // Continue on the site itself: signed in, on the ticket.
    const signedIn = await visitor.post('/tickets/access', { token });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe(ticketPath);
    expect(signedIn.headers.getSetCookie().some((c) => c.startsWith('helpdesk_session='))).toBe(true);
    expect((await visitor.fetch(ticketPath)).status).toBe(200);

    // Once only.
    const again = await new SiteClient(site.url).post('/tickets/access', { token });
    expect(again.status).toBe(400);
    expect(again.headers.getSetCookie()).toEqual([]);
    expect(await again.text()).toContain('This link was already used');
  });
});

describe('one email rule for every form', () => {
  const LOOK_ALIKES: [string, string][] = [
    ['Kelvin sign', '\u212Aevin@example.com'],
    ['fullwidth @', 'kevin\uFF20example.com'],
    ['Cyrillic а', 'kevin@ex\u0430mple.com'],
    ['combining mark', 'ke\u0301vin@example.com'],
    ['zero-width joiner', 'ke\u200Dvin@example.com'],
  ];

  it.each(LOOK_ALIKES)('refuses a look-alike address (%s) on the ticket form and the sign-in form with the same message, and mails nothing', async (_, address) => {
    const expected = parseEmail(address);
    expect(expected.ok).toBe(false);
    const message = expected.ok ? '' : expected.message;
    const client = new SiteClient(site.url);
    const json = { headers: { Accept: 'application/json' } };
    const ticketForm = await client.post('/tickets/new', ticket({ email: address }), json);
    const signInForm = await client.post('/tickets', { email: address }, json);
    expect(ticketForm.status).toBe(400);
    expect(signInForm.status).toBe(400);
    expect(((await ticketForm.json()) as { error: { fields: Record<string, string> } }).error.fields['email']).toBe(message);
    expect(((await signInForm.json()) as { error: { fields: Record<string, string> } }).error.fields['email']).toBe(message);
    // The pages (no JavaScript) say the same.
    for (const page of [await client.post('/tickets/new', ticket({ email: address })), await client.post('/tickets', { email: address })]) {
      expect(page.status).toBe(400);
      expect(new Page(await page.text()).text('#email-error')).toBe(message);
    }
    expect(client.cookies.size).toBe(0);
    await mailQueueSettled(new SiteClient(site.url));
    // Nothing went to the look-alike mailbox, nor to the address it folds to.
    expect(mails().filter((m) => /[^\x20-\x7e]|=\?/.test(m.to) || m.to === 'kevin@example.com')).toEqual([]);
  });

  it('mails the link to exactly the address the session then holds', async () => {
    for (const [form, typed, expected] of [
      ['sign-in', '  Kevin.Sign-In@Example.COM ', 'kevin.sign-in@example.com'],
      ['ticket', 'Kevin.Ticket@EXAMPLE.com', 'kevin.ticket@example.com'],
    ] as const) {
      const client = new SiteClient(site.url);
      const sent = form === 'sign-in' ? await client.post('/tickets', { email: typed }) : await client.post('/tickets/new', ticket({ email: typed }));
      expect(sent.status, form).toBe(form === 'sign-in' ? 200 : 303);
      const mail = await waitFor(`the ${form} mail`, () => mails().find((m) => m.to.toLowerCase() === expected));
      expect(mail.to, form).toBe(expected);
      const reader = new SiteClient(site.url);
      expect((await reader.followSignInLink(linkIn(mail.text))).status, form).toBe(303);
      const mine = new Page(await (await reader.fetch('/tickets')).text());
      expect(mine.text('.meta strong'), form).toBe(mail.to);
    }
  });
});

describe('limits on the text the Git host receives', () => {
  const TOO_LONG = /^Your message is too long once formatted for our ticket system \([\d,]+ characters over\)\. Shorten it or attach the text as a file\.$/;
  // 50,000 characters (the form allows 60,000): every tag, mention and reference grows when neutralised.
  const growing = '<b> @a #1 '.repeat(5_000);

  it.each([
    ['17,000 "<"', '<'.repeat(17_000)],
    ['30,000 "<"', '<'.repeat(30_000)],
    ['tags, mentions and references that grow past the limit', growing],
  ])('a new ticket of %s is either filed on the host or refused while the customer still has it, never queued and lost', async (_, message) => {
    const email = `limit-${message.length}-${message.charCodeAt(1)}@example.com`;
    const client = new SiteClient(site.url);
    const response = await client.post('/tickets/new', ticket({ email, message, subject: `Limit ${message.length}` }), { headers: { Accept: 'application/json' } });
    if (response.status === 201) {
      // Accepted: then it reaches the host.
      const ref = ((await response.json()) as { url: string }).url.split('/')[2]!.split('?')[0]!;
      expect((await issueFor(ref)).body!.length).toBeLessThanOrEqual(65_536);
      return;
    }
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; fields: Record<string, string> } };
    expect(body.error.code).toBe('invalid_input');
    expect(body.error.fields['message']).toMatch(TOO_LONG);
    expect(client.cookies.size).toBe(0);
    await mailQueueSettled(new SiteClient(site.url));
    expect(mails().filter((m) => m.to === email)).toEqual([]);
  });

  it('refuses a message that grows past the limit, on the ticket form and on a reply, keeping what was typed', { timeout: 60_000 }, async () => {
    const client = new SiteClient(site.url);
    const page = await client.post('/tickets/new', ticket({ email: 'limit-page@example.com', message: growing }));
    expect(page.status).toBe(400);
    const form = new Page(await page.text());
    expect(form.text('#message-error')).toMatch(TOO_LONG);
    expect(form.text('textarea[name="message"]')).toBe(growing.trim());
    expect(client.cookies.size).toBe(0);

    const opened = await client.post('/tickets/new', ticket({ email: 'limit-reply@example.com' }));
    expect(opened.status).toBe(303);
    const ticketPath = opened.headers.get('location')!.split('?')[0]!;
    await issueFor(ticketPath.split('/')[2]!);
    const messagesBefore = ((await (await client.fetch(`/api${ticketPath}`)).json()) as { ticket: { messages: unknown[] } }).ticket.messages.length;
    const reply = await client.post(ticketPath, { action: 'reply', message: growing }, { headers: { Accept: 'application/json' } });
    expect(reply.status).toBe(400);
    expect(((await reply.json()) as { error: { fields: Record<string, string> } }).error.fields['message']).toMatch(TOO_LONG);
    const replyPage = await client.post(ticketPath, { action: 'reply', message: growing });
    expect(replyPage.status).toBe(400);
    expect(new Page(await replyPage.text()).text('#message-error')).toMatch(TOO_LONG);
    const messagesAfter = ((await (await client.fetch(`/api${ticketPath}`)).json()) as { ticket: { messages: unknown[] } }).ticket.messages.length;
    expect(messagesAfter).toBe(messagesBefore);
  });
});
