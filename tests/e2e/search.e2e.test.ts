import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { serveSite, startBuiltSite, type RunningSite } from '../helpers/site.ts';

// E2E_SITE_DIR reuses an existing build (e.g. dist/) instead of building the sample site.
const reuse = process.env['E2E_SITE_DIR'];
let site: RunningSite;
let browser: Browser;

beforeAll(async () => {
  site = reuse ? await serveSite(reuse) : (await startBuiltSite()).site;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

async function openHome(javaScriptEnabled = true): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  await page.goto(`${site.url}/`);
  return page;
}

const options = (page: Page) => page.locator('form[data-search-box] [role="option"]:visible');

describe('search box', () => {
  it('finds the right article for a misspelled query and opens it with the keyboard', async () => {
    const page = await openHome();
    await page.keyboard.press('/');
    await page.keyboard.type('headlmp wont turn on');
    await options(page).first().waitFor();
    const input = page.locator('input[name="q"]:focus');
    expect(await input.getAttribute('aria-expanded')).toBe('true');
    expect(await options(page).first().locator('.search-title').textContent()).toBe('Headlamp not turning on');
    expect(await options(page).first().locator('mark').count()).toBeGreaterThan(0);
    // The index is searched in a Web Worker, off the main thread.
    expect(page.workers().length).toBeGreaterThan(0);

    await page.keyboard.press('ArrowDown');
    expect(await options(page).first().getAttribute('aria-selected')).toBe('true');
    expect(await input.getAttribute('aria-activedescendant')).toBe(await options(page).first().getAttribute('id'));
    await screenshot(page, 'search-box-results');
    await Promise.all([page.waitForURL(/\/articles\/headlamp-not-turning-on\/$/), page.keyboard.press('Enter')]);
    expect(await page.locator('h1').first().textContent()).toContain('Headlamp');
    await page.context().close();
  });

  it('offers a ticket when nothing matches, and shows typed markup as text', async () => {
    const page = await openHome();
    await page.keyboard.press('Control+k');
    await page.keyboard.type('<i>zzqxv</i>');
    const ticket = page.locator('form[data-search-box] .search-empty a:visible');
    await ticket.waitFor();
    expect(await ticket.getAttribute('href')).toBe(`/tickets/new?subject=${encodeURIComponent('<i>zzqxv</i>')}`);
    expect(await page.locator('form[data-search-box] i').count()).toBe(0);
    expect(await page.locator('form[data-search-box] .search-empty:visible').textContent()).toContain('<i>zzqxv</i>');

    await page.keyboard.press('Escape');
    expect(await page.locator('input[name="q"]:focus').getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('form[data-search-box] [role="listbox"]:visible').count()).toBe(0);
    await page.context().close();
  });
});

describe('search without JavaScript', () => {
  it('submits to the server-rendered results page, ranked like the box', async () => {
    const page = await openHome(false);
    const input = page.locator('input[name="q"]:visible').first();
    await input.fill('headlmp');
    await Promise.all([page.waitForURL(/\/search\?q=headlmp&lang=en$/), input.press('Enter')]);
    const first = page.locator('.search-page-results li a').first();
    expect(await first.getAttribute('href')).toBe('/articles/headlamp-not-turning-on/');
    await page.context().close();
  });

  it('answers awkward queries and offers a ticket on no results', async () => {
    for (const q of ['title:+-*~^"', '😀', 'x'.repeat(5000)]) {
      const response = await fetch(`${site.url}/search?q=${encodeURIComponent(q)}&lang=en`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('/tickets/new?subject=');
    }
    const german = await (await fetch(`${site.url}/search?q=${encodeURIComponent('Rücksendungen')}&lang=de`)).text();
    expect(german).toMatch(/href="\/articles\/ruecksendung\/"/);
  });
});
