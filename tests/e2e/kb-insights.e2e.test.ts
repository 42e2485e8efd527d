// Knowledgebase insights in Chromium: "Was this article helpful?" online and offline (sent once when back
// online), a search without results and a ticket opened from it appearing on the staff page, with its one-click
// article request; axe-core on the widget and the page; screenshots at 1280 and 390 px into docs/screenshots.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/staff/passwords.ts';
import { axeViolations, launchBrowser } from '../helpers/browser.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';

const SHOTS = path.resolve('docs/screenshots');
const PASSWORD = 'staff password for the insights journey';
const ARTICLE = '/articles/return-policy/';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/** One origin in front of the site that can cut the network and counts the votes that reach the server. */
interface Proxy {
  url: string;
  offline: boolean;
  /** Bodies of POST /api/kb/feedback that reached the server. */
  votes: Array<{ voteId: string; seq: number; helpful: boolean; comment?: string }>;
  stop(): Promise<void>;
}

async function startProxy(target: string): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    if (proxy.offline) return void req.socket.destroy();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && req.url === '/api/kb/feedback' && String(req.headers['content-type']).startsWith('application/json')) proxy.votes.push(JSON.parse(body.toString('utf8')));
      const upstream = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: Proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    offline: false,
    votes: [],
    stop: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

let browser: Browser;
let site: RunningSite;
let proxy: Proxy;

beforeAll(async () => {
  const root = mkdtempSync(path.resolve('tmp', 'kb-insights-e2e-'));
  const configFile = path.join(root, 'helpdesk.config.json');
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  // `staffAccounts` is read at run time only: the sample site's shared build serves with this config.
  writeFileSync(configFile, JSON.stringify({ ...config, staffAccounts: [{ login: 'support-ben', passwordHash: await hashPassword(PASSWORD) }] }));
  const build = buildSite({ configFile });
  if (build.status !== 0) throw new Error(`build failed:\n${build.output}`);
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: path.join(root, 'data') });
  proxy = await startProxy(site.url);
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
  await site?.stop();
});

/** A context in which axe-core can be injected (the site's CSP allows only its own scripts). */
function newContext(): Promise<BrowserContext> {
  return browser.newContext({ bypassCSP: true, viewport: DESKTOP });
}

const feedback = (page: Page) => page.locator('#article-feedback');
const status = (page: Page) => feedback(page).locator('[data-feedback-status]');

describe('"Was this article helpful?"', () => {
  it('takes a vote and a comment online, remembers them in this browser, and lets the visitor change the vote', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${proxy.url}${ARTICLE}`);
    await expect.poll(() => feedback(page).getByRole('heading').textContent()).toBe('Was this article helpful?');
    await feedback(page).getByRole('button', { name: 'No' }).click();
    await expect.poll(() => status(page).textContent()).toBe('Thanks for telling us. What was missing or unclear?');
    expect(await feedback(page).getByRole('button', { name: 'No' }).getAttribute('aria-pressed')).toBe('true');
    await feedback(page).getByLabel('How could we improve this article? (optional)').fill('Please say where to send the parcel.');
    await feedback(page).getByRole('button', { name: 'Send comment' }).click();
    await expect.poll(() => status(page).textContent()).toBe('Thanks, your comment was sent.');
    // The first request to the API composes the server's services: allow it a few seconds.
    await expect.poll(() => proxy.votes.filter((v) => v.comment !== undefined).length, { timeout: 15_000 }).toBe(1);
    expect(await axeViolations(page, '#article-feedback')).toEqual([]);

    await feedback(page).scrollIntoViewIfNeeded();
    await feedback(page).screenshot({ path: path.join(SHOTS, 'kb-feedback.png') });
    await page.setViewportSize(PHONE);
    await feedback(page).scrollIntoViewIfNeeded();
    await feedback(page).screenshot({ path: path.join(SHOTS, 'kb-feedback-phone.png') });
    await page.setViewportSize(DESKTOP);

    await page.reload();
    await expect.poll(() => status(page).textContent()).toBe('You said this article did not help. You can change your answer.');
    expect(await feedback(page).getByRole('button', { name: 'No' }).getAttribute('aria-pressed')).toBe('true');
    await feedback(page).getByRole('button', { name: 'Yes' }).click();
    await expect.poll(() => status(page).textContent()).toBe('Thanks! Glad it helped.');
    const [first] = proxy.votes;
    await expect
      .poll(() => proxy.votes.map((v) => [v.voteId === first?.voteId, v.seq, v.helpful]), { timeout: 15_000 })
      .toEqual([
        [true, 1, false],
        [true, 2, false],
        [true, 3, true],
      ]);
    await context.close();
  });

  it('keeps a vote cast offline on the device and sends it once when the network is back', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${proxy.url}/articles/stuck-zipper/`);
    await feedback(page).getByRole('heading').waitFor();
    const before = proxy.votes.length;

    proxy.offline = true;
    await context.setOffline(true);
    await feedback(page).getByRole('button', { name: 'Yes' }).click();
    await expect.poll(() => status(page).textContent()).toBe('You are offline: your answer is kept on this device and sent when you are back online.');
    await feedback(page).getByLabel('How could we improve this article? (optional)').fill('Pencil trick worked. Write to me at zoe@example.com');
    await feedback(page).getByRole('button', { name: 'Send comment' }).click();
    const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('helpdesk:kb-votes') ?? '{}')['stuck-zipper']);
    expect(kept).toMatchObject({ seq: 2, helpful: true, comment: 'Pencil trick worked. Write to me at zoe@example.com', sent: false });
    expect(proxy.votes.length).toBe(before);

    proxy.offline = false;
    await context.setOffline(false);
    await expect.poll(() => status(page).textContent(), { timeout: 15_000 }).toBe('Back online: your answer was sent.');
    expect(proxy.votes.slice(before)).toEqual([{ voteId: kept.voteId, seq: 2, article: 'stuck-zipper', helpful: true, comment: 'Pencil trick worked. Write to me at zoe@example.com' }]);
    expect(await page.evaluate(() => JSON.parse(localStorage.getItem('helpdesk:kb-votes') ?? '{}')['stuck-zipper'].sent)).toBe(true);

    // Another page of the site (every page sends what waits): nothing is left to send, so nothing is sent again.
    await page.goto(`${proxy.url}/articles/stuck-zipper/`);
    await expect.poll(() => status(page).textContent()).toBe('You said this article helped. You can change your answer.');
    await page.goto(`${proxy.url}/`);
    expect(proxy.votes.filter((v) => v.voteId === kept.voteId)).toHaveLength(1);
    await context.close();
  });
});

describe('the staff page "Knowledgebase insights"', () => {
  it('lists a search without results and the ticket opened from it, and opens an issue to write the article', async () => {
    const visitor = await newContext();
    const page = await visitor.newPage();
    await page.goto(`${proxy.url}/`);
    const box = page.locator('form[data-search-box] input[name="q"]:visible').first();
    await box.fill('zzqxv qwfp');
    const ticketLink = page.locator('form[data-search-box] .search-empty a:visible');
    await ticketLink.waitFor();
    await ticketLink.click();
    await page.waitForURL('**/tickets/new?*');
    expect(await page.locator('input[name="searchQuery"]').inputValue()).toBe('zzqxv qwfp');
    await page.getByLabel('Email address').fill('gaps@example.com');
    await page.getByLabel('Message', { exact: true }).fill('I could not find anything about gift wrapping.');
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await page.waitForURL('**/tickets/T-*');
    await visitor.close();

    const context = await newContext();
    const staff = await context.newPage();
    await staff.goto(`${proxy.url}/staff/insights`);
    await staff.waitForURL('**/staff/signin?next=*');
    await staff.getByLabel('Login').fill('support-ben');
    await staff.getByLabel('Password').fill(PASSWORD);
    await staff.getByRole('button', { name: 'Sign in' }).click();
    await staff.waitForURL(`${proxy.url}/staff/insights`);
    const row = (table: string) => staff.locator(`#${table} tbody tr`, { hasText: 'zzqxv qwfp' });
    // The search was reported when the visitor left the page (or settled): reload until it is counted.
    await expect
      .poll(
        async () => {
          await staff.reload();
          return (await row('no-results').count()) + (await row('tickets-after-search').count());
        },
        { timeout: 20_000 },
      )
      .toBe(2);
    expect(await staff.getByRole('navigation', { name: 'Staff' }).getByRole('link', { name: 'Knowledgebase insights' }).getAttribute('aria-current')).toBe('page');
    expect(await row('tickets-after-search').locator('td').first().textContent()).toBe('1');
    expect((await staff.locator('.insights-comment-text').allTextContents()).join('\n')).toContain('Pencil trick worked. Write to me at [removed]');
    expect(await axeViolations(staff, 'main')).toEqual([]);

    await row('no-results')
      .getByRole('button', { name: /Open an issue to write this article/ })
      .click();
    await staff.waitForURL('**/staff/insights?*');
    await expect.poll(() => staff.getByRole('status').textContent()).toMatch(/^Issue #\d+ opened on the Git host with the label “kb: article request”\.$/);
    expect(await row('no-results').locator('td').last().textContent()).toMatch(/^Issue #\d+ opened$/);

    await staff.screenshot({ path: path.join(SHOTS, 'kb-insights.png'), fullPage: true });
    await staff.setViewportSize(PHONE);
    await staff.screenshot({ path: path.join(SHOTS, 'kb-insights-phone.png'), fullPage: true });
    expect(await axeViolations(staff, 'main')).toEqual([]);
    await context.close();
  });
});
