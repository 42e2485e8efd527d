// "Done when": the built site on loopback, with its embedded issue host and a real SMTP server: a scripted
// staff session (reply, internal note, escalate, close) leaves exactly the labels, assignees, mails and card
// the rules say. Staff act through the local host's REST API, as they would in GitHub's issue UI.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Octokit } from 'octokit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningLocalHost, signPayload } from '../../src/local-host/index.ts';
import { siteMetadata, siteSecret } from '../helpers/metadata.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';
import { hostTokens } from '../helpers/local-host.ts';
import { startSmtp } from './workflow-harness.ts';

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'workflow-site-')));
const dataDir = path.join(root, 'data');
const configFile = path.join(root, 'helpdesk.config.json');
const repo = { owner: 'local', repo: 'support' };

let site: RunningSite;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let anna: Octokit;
let lead: Octokit;

beforeAll(async () => {
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  writeFileSync(
    configFile,
    JSON.stringify({
      ...config,
      supporters: [
        { login: 'support-anna', displayName: 'Anna from Support', categories: ['orders', 'shipping', 'payments'], present: true, email: 'anna@example.com' },
        { login: 'support-ben', displayName: 'Ben from Support', categories: ['returns'], present: true, email: 'ben@example.com' },
      ],
      escalationChain: ['support-lead', 'it-oncall'],
    }),
  );
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  smtp = await startSmtp();
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: dataDir, SMTP_URL: smtp.url });
  expect((await fetch(`${site.url}/tickets/new`)).status).toBe(200);
  const url = findRunningLocalHost(path.join(dataDir, 'local-host'))!;
  // The site's host generated its tokens on first start; staff act with theirs, as they would with their GitHub tokens.
  const tokens = hostTokens(path.join(dataDir, 'local-host'));
  anna = new Octokit({ baseUrl: url, auth: tokens.of('support-anna') });
  lead = new Octokit({ baseUrl: url, auth: tokens.of('support-lead') });
}, 300_000);
afterAll(async () => {
  await site?.stop();
  await smtp?.close();
});

const labelsOf = async (n: number) => (await anna.rest.issues.get({ ...repo, issue_number: n })).data.labels.map((l) => (typeof l === 'string' ? l : l.name!)).sort();
const statusIs = (n: number, status: string) => waitFor(`status: ${status} on #${n}`, async () => (await labelsOf(n)).includes(`status: ${status}`) || undefined);
const mailsTo = (email: string) => smtp.mails.filter((m) => m.to.includes(email));
const events = (email: string) =>
  mailsTo(email)
    .map((m) =>
      m.event
        .replace(/:\d{4}-\d\d-\d\dT[\d:]+Z$/, ':at')
        .replace(/:\d+/g, ':#')
        .replace(/:T-[0-9A-Z]+$/, ':ref'),
    )
    .sort();

describe('the webhook endpoint of the built site', () => {
  const secret = () => siteSecret(dataDir, 'webhook');
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${site.url}/api/webhooks/git-host`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'issues', ...headers } });
  const body = JSON.stringify({ action: 'edited', issue: { number: 424242 }, sender: { login: 'support-anna' } });

  it('refuses unsigned and wrongly signed deliveries', async () => {
    const unsigned = await post(body, { 'x-github-delivery': crypto.randomUUID() });
    expect(unsigned.status).toBe(401);
    expect((await unsigned.json()).error.code).toBe('webhook_unsigned');
    const wrong = await post(body, { 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': signPayload('guess', body) });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error.code).toBe('webhook_bad_signature');
  });

  it('accepts a signed delivery once and answers a replay as a duplicate', async () => {
    const id = crypto.randomUUID();
    const signature = signPayload(secret(), body);
    const first = await post(body, { 'x-github-delivery': id, 'x-hub-signature-256': signature });
    expect(first.status).toBe(202);
    const replay = await post(body, { 'x-github-delivery': id, 'x-hub-signature-256': signature });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ status: 'duplicate' });
  });
});

describe('a scripted staff session on `npm start` with the embedded issue host', () => {
  it('produces exactly the labels, assignees, mails and card the rules say', async () => {
    // The customer opens a ticket on the site.
    const customer = new SiteClient(site.url);
    const opened = await customer.post('/tickets/new', {
      email: 'mia@example.com',
      name: 'Mia',
      subject: 'Tent pole snapped',
      message: 'The pole snapped on day one.',
      type: 'problem',
      category: 'shipping',
      order: 'NW-20001',
      website: '',
    });
    expect(opened.status).toBe(303);
    const ticketPath = opened.headers.get('location')!.split('?')[0]!;
    const ref = ticketPath.split('/').pop()!;
    const n = await waitFor('the issue', async () => {
      const { data } = await anna.rest.issues.listForRepo({ ...repo, state: 'all', per_page: 100 });
      return data.find((i) => siteMetadata(dataDir, i.body, i.user)?.ref === ref)?.number;
    });

    // Routed: the only present supporter of shipping, and announced to her.
    await statusIs(n, 'open');
    expect((await anna.rest.issues.get({ ...repo, issue_number: n })).data.assignees!.map((a) => a.login)).toEqual(['support-anna']);
    await waitFor('the new-ticket mail', () => mailsTo('anna@example.com').some((m) => m.event === `new-ticket:${n}`));

    // 1. Public reply → waiting; the customer gets the reply and a sign-in link that opens the ticket.
    const reply = (await anna.rest.issues.createComment({ ...repo, issue_number: n, body: '/reply\nA new pole is on its way, no need to send the old one.' })).data;
    await statusIs(n, 'waiting');
    const replyMail = await waitFor('the reply mail', () => mailsTo('mia@example.com').find((m) => m.event === `staff-reply:${n}:${reply.id}`));
    expect(replyMail.text).toContain('A new pole is on its way');
    expect(replyMail.text).toContain(`Reference: ${ref}`);
    expect(replyMail.text).toContain('Order:     NW-20001');
    expect(replyMail.text).toContain('Please reply on the site, not to this email');
    // The shipped config leaves siteUrl at its default: the link leads to where this server listens.
    const link = /(\S+)(\/tickets\/access\?token=[\w.%-]+)/.exec(replyMail.text)!;
    expect(link[1]).toBe(site.url);
    const linkPath = link[2]!;
    const reader = new SiteClient(site.url);
    expect((await reader.followSignInLink(linkPath)).headers.get('location')).toBe(ticketPath);

    // The link proved the address: the session the form gave (this ticket only, unproven) lapsed, and the customer
    // replies signed in → reply-received, the supporters hear of it.
    expect((await customer.fetch(ticketPath)).status).toBe(403);
    expect((await reader.post(ticketPath, { action: 'reply', message: 'Great, thanks! Which size is it?' })).status).toBe(303);
    await statusIs(n, 'reply-received');
    await waitFor('the customer-reply mail', () => mailsTo('anna@example.com').some((m) => m.event.startsWith(`customer-reply:${n}:`)));

    // 2. Internal note → no status change, no mail, not on the customer's page.
    await anna.rest.issues.createComment({ ...repo, issue_number: n, body: 'Supplier batch 42 is faulty, check the other orders.' });
    // 3. /escalate → escalated, the next tier assigned, an internal note saying who and why.
    await anna.rest.issues.createComment({ ...repo, issue_number: n, body: '/escalate needs a refund above my limit' });
    await statusIs(n, 'escalated');
    await waitFor('tier 2 assigned', async () => (await anna.rest.issues.get({ ...repo, issue_number: n })).data.assignees!.map((a) => a.login).join() === 'support-lead' || undefined);
    // 4. Tier 2 closes it in the issue UI → closed, the customer is told.
    await lead.rest.issues.update({ ...repo, issue_number: n, state: 'closed' });
    await statusIs(n, 'closed');
    await waitFor('the closed mail', () => mailsTo('mia@example.com').some((m) => m.event.startsWith(`ticket-closed:${n}:`)));
    // Let late webhooks and the card settle: the card is edited after the last event.
    await waitFor('the card after the close', async () => {
      const { data } = await anna.rest.issues.listComments({ ...repo, issue_number: n });
      return data.find((c) => c.body?.includes('Ticket card') && c.body.includes('internal notes 2'));
    });

    expect(await labelsOf(n)).toEqual(['category: shipping', 'priority: normal', 'status: closed', 'type: problem']);
    expect((await anna.rest.issues.get({ ...repo, issue_number: n })).data.assignees!.map((a) => a.login)).toEqual(['support-lead']);

    const comments = (await anna.rest.issues.listComments({ ...repo, issue_number: n })).data;
    const byBot = comments.filter((c) => c.user?.login === 'helpdesk-bot');
    const cards = byBot.filter((c) => c.body!.includes('Ticket card'));
    expect(cards).toHaveLength(1);
    expect(cards[0]!.body).toContain('| Messages | 5 (customer 2, staff replies 1, internal notes 2) |');
    expect(cards[0]!.body).toMatch(/\| First staff response \| after (under a minute|\d+ min) \|/);
    expect(cards[0]!.body).toContain('| Customer | 1 ticket in total');
    const note = byBot.find((c) => c.body!.includes('**Escalated**'))!;
    expect(note.body).toContain('by support-anna');
    expect(note.body).toContain('needs a refund above my limit');
    expect(note.body).toContain('Assigned to @support-lead (tier 2)');

    // Exactly these mails: the customer's sign-in link, the reply and the close; the supporter's two notices.
    expect(events('mia@example.com')).toEqual([`staff-reply:#:#`, `ticket-closed:#:at`, `ticket-created:ref`].sort());
    expect(events('anna@example.com')).toEqual(['customer-reply:#:#', 'new-ticket:#']);
    expect(events('ben@example.com')).toEqual([]);
    const everything = smtp.mails.map((m) => m.raw).join('\n');
    for (const secret of ['batch 42', 'refund above my limit', 'Ticket card', 'Escalated']) expect(everything).not.toContain(secret);

    // The customer's page and JSON show the reply, never a note, the escalation or the card.
    const json = await (await reader.fetch(`/api/tickets/${ref}`)).text();
    expect(json).toContain('A new pole is on its way');
    for (const secret of ['batch 42', 'refund above my limit', 'Ticket card', 'Escalated', '/escalate']) expect(json).not.toContain(secret);
  });
});
