// Issue 16, item 10, on the customer's pages over HTTP: attachments shown by what they are, rating forms that say
// which reply they rate, a refused form that puts the focus on what to fix, and a search box when support is away.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { select, selectAll } from 'hast-util-select';
import { toString as textOf } from 'hast-util-to-string';
import { Octokit } from 'octokit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningLocalHost } from '../../src/local-host/index.ts';
import { Page } from '../helpers/html.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { hostTokens } from '../helpers/local-host.ts';
import { siteMetadata } from '../helpers/metadata.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';
import { PNG } from '../helpers/files.ts';

const sampleConfig = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));

let root: string;
let outDir: string;
let site: RunningSite;
let staff: Octokit;
const [owner, repo] = ((sampleConfig.gitHost?.repository as string | undefined) ?? 'local/support').split('/') as [string, string];

const form = (overrides: Record<string, string | File | File[]>) => ({
  email: 'details@example.com',
  name: 'Sam',
  subject: 'The tent has a hole',
  message: 'A small hole near the door.',
  type: 'problem',
  category: 'troubleshooting',
  order: '',
  website: '',
  ...overrides,
});

/** Opens a ticket as a new visitor, who may then see it; waits until its issue exists. */
async function openTicket(overrides: Record<string, string | File | File[]> = {}): Promise<{ client: SiteClient; ticketPath: string; issueNumber: number }> {
  const client = new SiteClient(site.url);
  const response = await client.post('/tickets/new', form(overrides));
  expect(response.status, await response.clone().text()).toBe(303);
  const ticketPath = response.headers.get('location')!.split('?')[0]!;
  const ref = ticketPath.split('/').pop();
  const issue = await waitFor(`the issue of ${ref}`, async () => {
    const { data } = await staff.rest.issues.listForRepo({ owner, repo, state: 'all', per_page: 100 });
    return data.find((i) => siteMetadata(path.join(root, 'data'), i.body, i.user)?.ref === ref);
  });
  return { client, ticketPath, issueNumber: issue.number };
}

beforeAll(async () => {
  root = mkdtempSync(path.resolve(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'ticket-page-details-'));
  const configFile = path.join(root, 'helpdesk.config.json');
  writeFileSync(configFile, JSON.stringify({ ...sampleConfig, abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: 1000, linksPerEmailPer15Min: 100 } }));
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  outDir = build.outDir;
  site = await serveSite(outDir, { configFile }, { DATA_DIR: path.join(root, 'data') });
  // The first ticket request starts the embedded issue host, which generates its tokens.
  expect((await fetch(`${site.url}/tickets/new`)).status).toBe(200);
  const hostDir = path.join(root, 'data', 'local-host');
  staff = new Octokit({ baseUrl: findRunningLocalHost(hostDir)!, auth: hostTokens(hostDir).of('support-anna') });
});
afterAll(() => site?.stop());

describe('attachments on the ticket page', () => {
  it('shows a file as an image only when its content is one, and every file as a link with its name and size', async () => {
    const { client, ticketPath } = await openTicket({ attachments: [new File([PNG], 'photo.png'), new File(['just some notes'], 'notes.png')] });
    const page = new Page(await (await client.fetch(ticketPath)).text());
    const shown = Object.fromEntries(
      page.all('.attachments li').map((item) => {
        const size = select('.attachment-size', item);
        return [textOf(select('a', item)!), { images: selectAll('img', item).length, size: size && textOf(size).trim() }];
      }),
    );
    // The text file named .png was a broken image before: the download is refused as inline, so no image could show.
    expect(shown).toEqual({ 'notes.png': { images: 0, size: '(15 bytes)' }, 'photo.png': { images: 1, size: `(${PNG.byteLength} bytes)` } });
  });
});

describe('rating forms on the ticket page', () => {
  it('name the reply each one rates, and their buttons say what they mean', async () => {
    const { client, ticketPath, issueNumber } = await openTicket({ email: 'ratings@example.com' });
    for (const body of ['/reply Patch it with the repair kit.', '/reply Or send it back and we repair it.']) await staff.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
    const page = await waitFor('both replies', async () => {
      const html = new Page(await (await client.fetch(ticketPath)).text());
      return html.all('form.rating').length === 2 && html;
    });
    const names = page.all('form.rating').map((f) => String(f.properties['ariaLabel']));
    expect(new Set(names).size).toBe(2);
    // Sent within a minute, so the second is told apart by its order.
    for (const name of names) expect(name).toMatch(/^Rate the reply from Anna from Support, \d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC( \(2\))?$/);
    expect(page.all('form.rating button').map((b) => textOf(b))).toEqual(['Yes, this helped', 'No, this did not help', 'Yes, this helped', 'No, this did not help']);
  });
});

describe('a refused form takes the focus to what needs fixing (without JavaScript: autofocus)', () => {
  it('on the ticket page: the reply to write', async () => {
    const { client, ticketPath } = await openTicket({ email: 'focus@example.com' });
    const response = await client.post(ticketPath, { action: 'reply', message: '   ' });
    expect(response.status).toBe(400);
    const page = new Page(await response.text());
    expect(page.all('[autofocus]').map((e) => e.properties['id'])).toEqual(['message']);
    expect(page.attr('#message', 'ariaDescribedBy')).toBe('message-error');
    expect(page.text('#message-error')).toBe('Write a reply before sending.');
  });

  it('on the ticket page: the form-wide refusal, focusable', async () => {
    const { client, ticketPath } = await openTicket({ email: 'focus-close@example.com' });
    const page = new Page(await (await client.post(ticketPath, { action: 'close' })).text());
    const focused = page.all('[autofocus]');
    expect(focused).toHaveLength(1);
    expect(focused[0]?.properties).toMatchObject({ className: ['form-error'], role: 'alert', tabIndex: -1 });
  });

  it('on My tickets: the email address to correct', async () => {
    const response = await new SiteClient(site.url).post('/tickets', { email: 'not an address' });
    expect(response.status).toBe(400);
    const page = new Page(await response.text());
    expect(page.all('[autofocus]').map((e) => e.properties['id'])).toEqual(['email']);
    expect(page.attr('#email', 'ariaDescribedBy')).toBe('email-error');
  });
});

describe('the ticket form while support is away', () => {
  let away: RunningSite;
  beforeAll(async () => {
    const configFile = path.join(root, 'away.config.json');
    const supporters = (sampleConfig.supporters as Record<string, unknown>[]).map((s) => ({ ...s, present: false }));
    writeFileSync(configFile, JSON.stringify({ ...sampleConfig, supporters }));
    away = await serveSite(outDir, { configFile }, { DATA_DIR: path.join(root, 'away-data') });
  });
  afterAll(() => away?.stop());

  it('offers the site search with the message, instead of a form nobody would answer', async () => {
    const page = new Page(await (await fetch(`${away.url}/tickets/new`)).text());
    expect(page.text('.form-error')).toContain('Our support team is away right now');
    expect(page.one('form.ticket-form')).toBeUndefined();
    expect(page.text('#away-search-title')).toBe('Search our help articles');
    expect(page.attr('[data-away-search] form[role="search"]', 'action')).toBe('/search');
    expect(page.attr('[data-away-search] input[name="q"]', 'id')).toBe('away-search');
    // One search box on the page: the header's stays away, as on the home page.
    expect(page.all('form[role="search"]')).toHaveLength(1);
  });
});
