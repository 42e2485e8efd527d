// Offline journeys: one online visit, then articles, categories and search with no network; a second
// deploy on the same origin (service workers are per origin) shows the update prompt and the new text.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SearchBody, SearchHead } from '../../src/kb/search/build-index.ts';
import { createSearcher, search } from '../../src/kb/search/query.ts';
import type { SearchManifest } from '../../src/kb/search/site-index.ts';
import { isPrivatePath } from '../../src/offline/routes.ts';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { buildSite, serveSite, type BuildResult, type RunningSite } from '../helpers/site.ts';

/** One origin in front of either build: switch deploys, or cut the network, without changing the URL. */
interface Proxy {
  url: string;
  target: string;
  offline: boolean;
  stop(): Promise<void>;
}

async function startProxy(target: string): Promise<Proxy> {
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    if (proxy.offline) return void req.socket.destroy();
    const upstream = http.request(new URL(req.url ?? '/', proxy.target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: Proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    target,
    offline: false,
    stop: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

const CHANGED_SLUG = 'stuck-zipper';
const NEW_TEXT = 'Second deploy: rub a graphite pencil along the teeth and the slider runs again.';
/** Results the search box shows (src/scripts/search-box.ts LIMIT). */
const SHOWN_RESULTS = 8;

const work = mkdtempSync(path.resolve('tmp', 'offline-e2e-'));
const changedContent = path.join(work, 'content');
let first: BuildResult;
let second: BuildResult;
let sites: RunningSite[] = [];
let proxy: Proxy;
let browser: Browser;

beforeAll(async () => {
  first = buildSite({ outDir: path.join(work, 'first') });
  expect(first.status, first.output).toBe(0);
  cpSync('content', changedContent, { recursive: true });
  const article = path.join(changedContent, 'articles', 'troubleshooting', `${CHANGED_SLUG}.md`);
  writeFileSync(article, `${readFileSync(article, 'utf8')}\n\n${NEW_TEXT}\n`);
  second = buildSite({ contentDir: path.join(changedContent, 'articles'), outDir: path.join(work, 'second') });
  expect(second.status, second.output).toBe(0);
  sites = [
    await serveSite(first.outDir, {}, { DATA_DIR: path.join(work, 'data-first') }),
    await serveSite(second.outDir, { contentDir: path.join(changedContent, 'articles') }, { DATA_DIR: path.join(work, 'data-second') }),
  ];
  proxy = await startProxy(sites[0]!.url);
  browser = await launchBrowser();
});

// Each journey starts online, on the first deploy.
afterEach(() => {
  proxy.offline = false;
  proxy.target = sites[0]!.url;
});

afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
  await Promise.all(sites.map((site) => site.stop()));
  rmSync(work, { recursive: true, force: true });
});

interface ShownResult {
  title: string;
  url: string;
}

/** What the search box must show: the build's own index files, searched with the same code in Node. */
function expectedResults(build: BuildResult, lang: 'en' | 'de', query: string): ShownResult[] {
  const client = path.join(build.outDir, 'client');
  const read = <T>(url: string): T => JSON.parse(readFileSync(path.join(client, url), 'utf8')) as T;
  const files = read<SearchManifest>('_search/manifest.json')[lang];
  if (!files) throw new Error(`no ${lang} index in the build`);
  const searcher = createSearcher(read<SearchHead>(files.head), read<SearchBody>(files.body));
  return search(searcher, query, { limit: SHOWN_RESULTS }).map((r) => ({ title: r.title, url: r.url }));
}

async function shownResults(page: Page): Promise<ShownResult[]> {
  return page
    .locator('form[data-search-box] a[role="option"]:visible')
    .evaluateAll((links) => links.map((link) => ({ title: link.querySelector('.search-title')?.textContent ?? '', url: link.getAttribute('href') ?? '' })));
}

/** Types into the page's first visible search box; waits until it shows exactly `expected` (complete index, not just titles). */
async function expectSearch(page: Page, query: string, expected: ShownResult[]): Promise<void> {
  expect(expected.length, query).toBeGreaterThan(0);
  const input = page.locator('form[data-search-box] input[name="q"]:visible').first();
  await input.fill(query);
  await expect.poll(() => shownResults(page), { timeout: 15_000 }).toEqual(expected);
}

async function waitForServiceWorker(page: Page): Promise<void> {
  // `ready` resolves once the worker is active, i.e. after the precache was filled.
  await page.evaluate(async () => void (await navigator.serviceWorker.ready));
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

async function goOffline(context: BrowserContext): Promise<void> {
  await context.setOffline(true);
  proxy.offline = true;
}

async function goOnline(context: BrowserContext): Promise<void> {
  proxy.offline = false;
  await context.setOffline(false);
}

/** Every URL in every cache of the origin, as path and query. */
async function cachedUrls(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(async () => {
    const result: Record<string, string[]> = {};
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      result[name] = (await cache.keys()).map((request) => {
        const url = new URL(request.url);
        return url.pathname + url.search;
      });
    }
    return result;
  });
}

function titleOf(build: BuildResult, slug: string): string {
  const html = readFileSync(path.join(build.outDir, 'client', 'articles', slug, 'index.html'), 'utf8');
  return /<h1[^>]*>([^<]+)<\/h1>/.exec(html)?.[1]?.trim() ?? '';
}

const queries = [
  { lang: 'en', query: 'headlmp wont turn on' },
  { lang: 'en', query: 'retrun policy' },
  { lang: 'en', query: 'change delivery address' },
] as const;

describe('after one online visit', () => {
  it('opens other articles, categories and home pages offline, and searches them with the online results', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${proxy.url}/articles/return-policy/`);
    await waitForServiceWorker(page);
    // The first install takes over silently: there is nothing older to replace.
    expect(await page.locator('[data-update-prompt]').isVisible()).toBe(false);
    for (const { lang, query } of queries) await expectSearch(page, query, expectedResults(first, lang, query));
    const status = page.locator('[data-connection-status]');
    expect(await status.getAttribute('role')).toBe('status');
    expect(await status.textContent()).toBe('');

    await goOffline(context);
    // The open page says so, in a live region screen readers announce.
    await expect.poll(() => status.textContent()).toBe('You are offline. Help articles and search keep working.');

    const offlineStatus = { en: 'You are offline. Help articles and search keep working.', de: 'Sie sind offline. Hilfeartikel und Suche funktionieren weiter.' };
    for (const [slug, lang] of [
      ['headlamp-not-turning-on', 'en'],
      ['change-shipping-address', 'en'],
      ['ruecksendung', 'de'],
    ] as const) {
      const response = await page.goto(`${proxy.url}/articles/${slug}/`);
      expect(response?.fromServiceWorker(), slug).toBe(true);
      expect((await page.locator('h1').first().textContent())?.trim()).toBe(titleOf(first, slug));
      expect(await page.locator('[data-connection-status]').textContent()).toBe(offlineStatus[lang]);
    }
    for (const url of ['/categories/returns/', '/de/categories/returns/', '/de/', '/']) {
      const response = await page.goto(`${proxy.url}${url}`);
      expect(response?.status(), url).toBe(200);
      expect(await page.locator('.article-list li, .card-grid .card').count(), url).toBeGreaterThan(0);
    }

    await page.goto(`${proxy.url}/articles/headlamp-not-turning-on/`);
    for (const { lang, query } of queries) await expectSearch(page, query, expectedResults(first, lang, query));
    await page.goto(`${proxy.url}/de/`);
    await expectSearch(page, 'rücksendungen', expectedResults(first, 'de', 'rücksendungen'));
    await context.close();
  });

  it('shows the offline page with a working search box for a page it does not have', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${proxy.url}/`);
    await waitForServiceWorker(page);
    await goOffline(context);

    await page.goto(`${proxy.url}/articles/not-written-yet/`);
    expect(await page.locator('h1').textContent()).toBe('You are offline');
    const { query } = queries[0];
    await expectSearch(page, query, expectedResults(first, 'en', query));
    await screenshot(page, 'offline-page');
    await page.locator('form[data-search-box] a[role="option"]:visible').first().click();
    await page.waitForURL(`${proxy.url}${expectedResults(first, 'en', query)[0]?.url}`);
    expect((await page.locator('h1').first().textContent())?.trim()).toBe(expectedResults(first, 'en', query)[0]?.title);

    // A search submitted without JavaScript's results list lands on the offline page, which runs it.
    await page.goto(`${proxy.url}/search?q=${encodeURIComponent('retrun policy')}&lang=en`);
    await expect.poll(() => shownResults(page), { timeout: 15_000 }).toEqual(expectedResults(first, 'en', 'retrun policy'));
    await context.close();
  });

  it('never caches ticket pages, staff pages or the API, and never answers them from a cache', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${proxy.url}/`);
    await waitForServiceWorker(page);
    const ticketPage = await page.goto(`${proxy.url}/tickets/new`);
    expect(ticketPage?.status()).toBe(200);
    expect(await page.locator('form[data-ticket-form]').count()).toBe(1);
    await page.goto(`${proxy.url}/tickets`);
    await page.goto(`${proxy.url}/staff`);
    await page.evaluate(async () => void (await fetch('/api/suggest?q=zipper', { headers: { Accept: 'application/json' } })));

    const cached = Object.values(await cachedUrls(page)).flat();
    expect(cached.length).toBeGreaterThan(50);
    expect(cached.filter((url) => isPrivatePath(new URL(url, proxy.url).pathname))).toEqual([]);

    await goOffline(context);
    await page.goto(`${proxy.url}/tickets/new`);
    expect(await page.locator('h1').textContent()).toBe('You are offline');
    expect(await page.locator('form[data-ticket-form]').count()).toBe(0);
    const apiOffline = await page.evaluate(() =>
      fetch('/api/suggest?q=zipper').then(
        (r) => `HTTP ${r.status}`,
        (e: unknown) => `failed: ${String(e)}`,
      ),
    );
    expect(apiOffline).toMatch(/^failed: /);
    await goOnline(context);
    await context.close();
  });
});

describe('a new deploy', () => {
  it('is announced with a reload prompt, then shows the new text and drops the old cache entries', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const articleUrl = `${proxy.url}/articles/${CHANGED_SLUG}/`;
    await page.goto(articleUrl);
    await waitForServiceWorker(page);
    expect(await page.locator('main').textContent()).not.toContain(NEW_TEXT);

    proxy.target = sites[1]!.url;
    await page.reload();
    const prompt = page.locator('[data-update-prompt]');
    await prompt.waitFor({ state: 'visible' });
    expect((await prompt.locator('span').textContent())?.trim()).toBe('A new version of the help centre is available.');
    expect(await prompt.locator('xpath=..').getAttribute('role')).toBe('status');
    // Until the visitor reloads, the page stays as it was: no half-old, half-new page.
    expect(await page.locator('main').textContent()).not.toContain(NEW_TEXT);
    await screenshot(page, 'update-prompt');

    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Reload' }).click()]);
    await expect.poll(() => page.locator('main').textContent()).toContain(NEW_TEXT);
    expect(await prompt.isVisible()).toBe(false);

    // The precache now holds exactly the second build's entries: old revisions were deleted.
    const sw = readFileSync(path.join(second.outDir, 'client', 'sw.js'), 'utf8');
    const manifest = JSON.parse(/\[\{"revision":[\s\S]*?\}\]/.exec(sw)?.[0] ?? '[]') as Array<{ url: string; revision: string | null }>;
    const expected = manifest.map((e) => (e.revision ? `${e.url}?__WB_REVISION__=${e.revision}` : e.url)).sort();
    const precache = Object.entries(await cachedUrls(page)).find(([name]) => name.startsWith('workbox-precache'));
    expect(precache?.[1].sort()).toEqual(expected);

    // And the new text is there offline too.
    await goOffline(context);
    await page.goto(articleUrl);
    expect(await page.locator('main').textContent()).toContain(NEW_TEXT);
    await goOnline(context);
    await context.close();
  });
});

describe('the ticket form offline', () => {
  it('keeps the draft without attachments, sends it when the network returns, and a second send is the same ticket', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${proxy.url}/tickets/new`);
    const form = page.locator('form[data-ticket-form]');
    await expect.poll(() => form.getAttribute('data-offline-drafts')).toBe('on');
    await page.fill('#email', 'offline.draft@example.com');
    await page.fill('#subject', 'Tent pole snapped on day two');
    await page.fill('#message', 'The middle pole of my tent broke at the ferrule.\nCan I get a replacement section?');
    await page.selectOption('#category', 'troubleshooting');
    // A real (1×1) PNG: the form checks a file's content before anything is sent.
    await page.setInputFiles('#attachments', { name: 'pole.png', mimeType: 'image/png', buffer: Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex') });

    const status = form.locator('[data-offline-status]');
    await goOffline(context);
    await expect.poll(() => status.textContent()).toContain('You are offline. You can still write your ticket');
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await expect
      .poll(() => status.textContent())
      .toBe(
        'You are offline. Your ticket is saved on this device and will be sent automatically when you are back online. Attachments are not kept offline: add them in a reply once your ticket is open.',
      );
    expect(page.url()).toBe(`${proxy.url}/tickets/new`);
    const saved = await page.evaluate(() => Object.entries(localStorage).find(([key]) => key.startsWith('helpdesk:ticket-draft:'))?.[1]);
    const draft = JSON.parse(saved ?? '{}') as { idempotencyKey: string; fields: Array<[string, string]>; droppedFiles: boolean };
    expect(draft.idempotencyKey).toMatch(/^[0-9a-f]{32}$/);
    expect(await form.locator('input[name="idempotencyKey"]').inputValue()).toBe(draft.idempotencyKey);
    expect(draft.droppedFiles).toBe(true);
    expect(Object.fromEntries(draft.fields)).toMatchObject({ email: 'offline.draft@example.com', subject: 'Tent pole snapped on day two', category: 'troubleshooting' });
    expect(draft.fields.map(([name]) => name)).not.toContain('attachments');

    await goOnline(context);
    const link = status.getByRole('link', { name: 'View your ticket' });
    await link.waitFor();
    expect(await status.textContent()).toBe('Your saved ticket was sent. View your ticket');
    const ticketUrl = await link.getAttribute('href');
    expect(ticketUrl).toMatch(/^\/tickets\/[^/?]+/);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('helpdesk:ticket-draft:')))).toEqual([]);

    // The same draft sent again (a retry after a lost answer) finds the ticket instead of opening another.
    const again = await page.evaluate(
      async (fields) => {
        const body = new FormData();
        for (const [name, value] of fields) body.append(name, value);
        const response = await fetch('/tickets/new', { method: 'POST', body, headers: { Accept: 'application/json' } });
        return { status: response.status, body: (await response.json()) as { url?: string } };
      },
      [...draft.fields, ['idempotencyKey', draft.idempotencyKey]] as Array<[string, string]>,
    );
    expect(again.status).toBeLessThan(300);
    expect(again.body.url?.split('?')[0]).toBe(ticketUrl?.split('?')[0]);
    await context.close();
  });
});
