// Attacks on whose a ticket is (issue 14, items 3 and 4), over HTTP against the built site and its embedded host:
// replaying another customer's offline-draft key, and filing a ticket in someone else's name.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Octokit } from 'octokit';
import { select } from 'hast-util-select';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningLocalHost } from '../../src/local-host/index.ts';
import { hashPassword } from '../../src/staff/passwords.ts';
import { openDatabase } from '../../src/store/database.ts';
import { Page } from '../helpers/html.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { hostTokens } from '../helpers/local-host.ts';
import { siteMetadata } from '../helpers/metadata.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';
import { readMailFolder } from '../helpers/mail-folder.ts';

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'whose-ticket-')));
const dataDir = path.join(root, 'data');
const configFile = path.join(root, 'helpdesk.config.json');
const PASSWORD = 'whose ticket suite staff password';
const TICKET_ONLY = "You're viewing this ticket only. To see all tickets for this address, open the link we mailed you.";

let site: RunningSite;
let host: Octokit;
const repo = { owner: 'local', repo: 'support' };

const ticket = (overrides: Record<string, string> = {}) => ({
  name: '',
  subject: 'Whose ticket check',
  message: 'A ticket for the ownership checks.',
  type: 'question',
  category: 'orders',
  website: '',
  ...overrides,
});

const linkIn = (text: string) => /\/tickets\/access\?token=[\w.%-]+/.exec(text)![0];
/** The reference a ticket form answer redirects to. */
const refOf = (response: Response) => {
  expect(response.status).toBe(303);
  return /^\/tickets\/(T-[0-9A-Z]{8})\?created=1$/.exec(response.headers.get('location') ?? '')![1]!;
};

function issueFor(ref: string) {
  return waitFor(`the issue of ${ref}`, async () => {
    const { data } = await host.rest.issues.listForRepo({ ...repo, state: 'all', per_page: 100 });
    return data.find((issue) => siteMetadata(dataDir, issue.body, issue.user)?.ref === ref);
  });
}

async function cardOf(number: number, contains: string): Promise<string> {
  return waitFor(`the card of #${number} with "${contains}"`, async () => {
    const { data } = await host.rest.issues.listComments({ ...repo, issue_number: number });
    return data.find((c) => c.user?.login === 'helpdesk-bot' && c.body?.includes('Ticket card') && c.body.includes(contains))?.body;
  });
}

/** A client signed in for `email` through a mailed link (what proves an address). */
async function signedIn(email: string): Promise<SiteClient> {
  const client = new SiteClient(site.url);
  expect((await client.post('/tickets', { email })).status).toBe(200);
  // Every test has addresses of its own: the address finds the mail.
  const mail = await waitFor(`the sign-in mail to ${email}`, () => mails().find((m) => m.to === email));
  expect((await client.followSignInLink(linkIn(mail.text))).status).toBe(303);
  return client;
}

async function staffClient(): Promise<SiteClient> {
  const client = new SiteClient(site.url);
  expect((await client.post('/staff/signin', { login: 'support-anna', password: PASSWORD })).status).toBe(303);
  return client;
}

/** Whether the staff queue marks an issue's row unverified; undefined while the queue does not list it. */
async function markedInQueue(staff: SiteClient, number: number): Promise<boolean | undefined> {
  const queue = new Page(await (await staff.fetch('/staff?status=all&sort=created&pageSize=200')).text());
  const row = queue.all('tbody tr').find((tr) => Boolean(select(`a[href="/staff/tickets/${number}"]`, tr)));
  return row === undefined ? undefined : Boolean(select('[data-unverified]', row));
}

/** The mails written so far, with their recipients and subjects. */
const mails = () => readMailFolder(dataDir);

beforeAll(async () => {
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  writeFileSync(
    configFile,
    JSON.stringify({
      ...config,
      staffAccounts: [{ login: 'support-anna', passwordHash: await hashPassword(PASSWORD) }],
      abuse: { ticketsPerIpPerHour: 10_000, ticketsPerEmailPerHour: 10_000, linksPerEmailPer15Min: 10_000 },
    }),
  );
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: dataDir });
  expect((await fetch(`${site.url}/tickets/new`)).status).toBe(200);
  host = new Octokit({ baseUrl: findRunningLocalHost(path.join(dataDir, 'local-host'))!, auth: hostTokens(path.join(dataDir, 'local-host')).of('support-anna') });
});
afterAll(() => site?.stop());

describe('a replayed draft key (item 3)', () => {
  it('is kept only as a keyed hash; with another address it makes a new ticket, never the first one’s reference, session or mail', async () => {
    const key = `draft-${randomUUID()}`;
    const victim = 'draft-victim@example.com';
    const victimRef = refOf(await new SiteClient(site.url).post('/tickets/new', ticket({ email: victim, idempotencyKey: key, subject: 'The victim’s draft' })));
    const issue = await issueFor(victimRef);
    // Nowhere to read it from: not in the issue, neither as text nor in its metadata (soft: the replay below is the attack).
    expect.soft(issue.body).not.toContain(key);
    const meta = siteMetadata(dataDir, issue.body, issue.user)!;
    expect.soft(JSON.stringify(meta)).not.toContain(key);
    expect.soft(meta.draftKey).toMatch(/^d1:[\w-]{43}$/);

    for (const attacker of ['draft-attacker@example.com', 'Draft-Attacker.Two@Example.com']) {
      const client = new SiteClient(site.url);
      const attackerRef = refOf(await client.post('/tickets/new', ticket({ email: attacker, idempotencyKey: key, subject: 'Replayed draft' })));
      expect(attackerRef, attacker).not.toBe(victimRef);
      // The page asks to sign in (the same page as for a reference that does not exist); the API answers 404.
      expect((await client.fetch(`/tickets/${victimRef}`)).status, `${attacker}: page`).toBe(403);
      expect((await client.fetch(`/api/tickets/${victimRef}`)).status, `${attacker}: API`).toBe(404);
      const mail = await waitFor(`the mail to ${attacker}`, () => mails().find((m) => m.to === attacker.toLowerCase()));
      expect(mail.subject).toContain(attackerRef);
      expect(mails().filter((m) => m.to === attacker.toLowerCase() && m.text.includes(victimRef))).toEqual([]);
    }
  });

  it('from a guest, does not open the ticket a signed-in customer filed with it', async () => {
    const email = 'draft-signed-in@example.com';
    const key = `draft-${randomUUID()}`;
    const customer = await signedIn(email);
    const ownRef = refOf(await customer.post('/tickets/new', ticket({ idempotencyKey: key, subject: 'Filed signed in' })));
    const guest = new SiteClient(site.url);
    const replayRef = refOf(await guest.post('/tickets/new', ticket({ email, idempotencyKey: key, subject: 'Guest replay' })));
    expect(replayRef).not.toBe(ownRef);
    expect((await guest.fetch(`/tickets/${ownRef}`)).status).toBe(403);
    // The customer's own retry still finds their ticket.
    expect(refOf(await customer.post('/tickets/new', ticket({ idempotencyKey: key, subject: 'Filed signed in' })))).toBe(ownRef);
  });

  it('expires after a day, and old clear keys (earlier releases) match nothing', async () => {
    const email = 'draft-expiry@example.com';
    const key = `draft-${randomUUID()}`;
    const first = refOf(await new SiteClient(site.url).post('/tickets/new', ticket({ email, idempotencyKey: key })));
    // A retry within the window is the same ticket (the offline draft sent twice).
    expect(refOf(await new SiteClient(site.url).post('/tickets/new', ticket({ email, idempotencyKey: key })))).toBe(first);
    const legacyKey = `draft-${randomUUID()}`;
    // The server is writing to it too: opening (its pragmas run before the busy timeout is set) may meet its lock.
    const database = await waitFor('the site’s store', () => openDatabase({ dataDir }).catch(() => undefined));
    try {
      // The first submission a day and a minute ago.
      await database.db
        .updateTable('outbox')
        .set({ created_at: Date.now() - 24 * 3_600_000 - 60_000 })
        .where('ticket', '=', first)
        .where('kind', '=', 'createTicket')
        .execute();
      // An entry as an earlier release wrote it: the draft key in clear.
      await database.db
        .insertInto('outbox')
        .values({
          id: randomUUID(),
          ticket: 'T-9RAFT000',
          kind: 'createTicket',
          op: '{}',
          status: 'done',
          created_at: Date.now(),
          attempts: 1,
          retry_at: 0,
          customer_email: email,
          draft_key: legacyKey,
        })
        .execute();
    } finally {
      await database.close();
    }
    const late = new SiteClient(site.url);
    const again = refOf(await late.post('/tickets/new', ticket({ email, idempotencyKey: key })));
    expect(again).not.toBe(first);
    expect((await late.fetch(`/tickets/${first}`)).status).toBe(403);
    const legacy = refOf(await new SiteClient(site.url).post('/tickets/new', ticket({ email, idempotencyKey: legacyKey })));
    expect(legacy).not.toBe('T-9RAFT000');
  });
});

describe('a ticket filed in someone else’s name (item 4)', () => {
  it('is marked unverified wherever staff look, kept out of the customer’s history, and the guest sees only it until the address is verified', { timeout: 120_000 }, async () => {
    const alice = 'alice-whose@example.com';
    // Alice proves her address and files a ticket signed in: her real history.
    const aliceClient = await signedIn(alice);
    const ownRef = refOf(await aliceClient.post('/tickets/new', ticket({ subject: 'Alice’s own order question' })));
    const ownIssue = await issueFor(ownRef);

    // A guest files in Alice's name.
    const impostor = new SiteClient(site.url);
    const ref = refOf(await impostor.post('/tickets/new', ticket({ email: alice, subject: 'Please confirm my delivery address' })));
    const issue = await issueFor(ref);

    // The guest: that one ticket, told so; never Alice's other tickets.
    const page = new Page(await (await impostor.fetch(`/tickets/${ref}`)).text());
    expect(page.text('[data-ticket-only]')).toBe(TICKET_ONLY);
    const list = await (await impostor.fetch('/tickets')).text();
    expect(list).not.toContain(ownRef);
    expect((await impostor.fetch(`/tickets/${ownRef}`)).status).toBe(403);
    // Alice, signed in, is not told she sees one ticket only.
    expect(new Page(await (await aliceClient.fetch(`/tickets/${ownRef}`)).text()).one('[data-ticket-only]')).toBeUndefined();

    // The issue header on the Git host.
    expect(issue.body).toContain('**Unverified address:**');
    expect(ownIssue.body).not.toContain('Unverified address');

    // The staff workspace and the queue.
    const staff = await staffClient();
    const workspace = new Page(await (await staff.fetch(`/staff/tickets/${issue.number}`)).text());
    expect(workspace.text('.notice[data-unverified]')).toContain('Unverified address.');
    expect(workspace.text('.ticket-facts [data-unverified]')).toBe('unverified address');
    expect(new Page(await (await staff.fetch(`/staff/tickets/${ownIssue.number}`)).text()).one('[data-unverified]')).toBeUndefined();
    expect(await waitFor('the impostor’s ticket in the queue', () => markedInQueue(staff, issue.number))).toBe(true);
    expect(await markedInQueue(staff, ownIssue.number)).toBe(false);

    // The card: this ticket only, and why; Alice's card never lists it.
    const card = await cardOf(issue.number, 'Unverified address');
    expect(card).toContain('this ticket only');
    expect(card).not.toContain(`/issues/${ownIssue.number})`);
    await host.rest.issues.createComment({ ...repo, issue_number: ownIssue.number, body: 'Internal: checked the order.' });
    const ownCard = await cardOf(ownIssue.number, 'internal notes 1');
    expect(ownCard).not.toContain(`/issues/${issue.number})`);
    expect(ownCard).toContain('| Customer | 1 ticket in total');

    // Alice opens the link mailed for that ticket: the address is verified.
    const mail = await waitFor('the ticket mail to Alice', () => mails().find((m) => m.to === alice && m.subject.includes(ref)));
    expect((await new SiteClient(site.url).followSignInLink(linkIn(mail.text))).headers.get('location')).toBe(`/tickets/${ref}`);
    // The guest's session no longer reads it (staff may now answer with Alice's details).
    expect((await impostor.fetch(`/tickets/${ref}`)).status).toBe(403);
    expect((await impostor.fetch(`/api/tickets/${ref}`)).status).toBe(404);
    // The marks go: on the workspace at once, on the issue, the queue and the card after the sync.
    expect(new Page(await (await staff.fetch(`/staff/tickets/${issue.number}`)).text()).one('[data-unverified]')).toBeUndefined();
    await waitFor('the note off the issue', async () => !(await host.rest.issues.get({ ...repo, issue_number: issue.number })).data.body?.includes('Unverified address'));
    // Only the note went: the metadata still verifies and the customer's text is as it was.
    const edited = (await host.rest.issues.get({ ...repo, issue_number: issue.number })).data;
    expect(siteMetadata(dataDir, edited.body, edited.user)).toEqual(siteMetadata(dataDir, issue.body, issue.user));
    expect(edited.body).toBe(issue.body!.replace(/^(.*\n)> ⚠️ \*\*Unverified address:\*\*.*\n\n/, '$1'));
    await waitFor('the queue unmarked', async () => (await markedInQueue(staff, issue.number)) === false);
    expect(await cardOf(issue.number, '2 tickets in total')).toContain(`/issues/${ownIssue.number})`);
  });
});
