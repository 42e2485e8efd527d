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
    await page.locator('form[data-search-box] [role="listbox"][aria-busy="false"]:visible').waitFor();
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

  it('keeps the keyboard selection while the results are refined', async () => {
    // Hold the index body back so the first rows come from the head alone, as on a slow connection.
    const manifest = (await (await fetch(`${site.url}/_search/manifest.json`)).json()) as { en: { body: string } };
    const bodyUrl = new URL(manifest.en.body, site.url).href;
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const context = await browser.newContext();
    await context.route(bodyUrl, async (route) => {
      await released;
      await route.continue();
    });
    const page = await context.newPage();
    await page.goto(`${site.url}/`);
    await page.keyboard.press('/');
    await page.keyboard.type('headlamp');
    await options(page).first().waitFor();
    expect(await page.locator('form[data-search-box] [role="listbox"]:visible').getAttribute('aria-busy')).toBe('true');
    await page.keyboard.press('ArrowDown');
    const chosen = await page.locator('form[data-search-box] [role="option"][aria-selected="true"]').getAttribute('href');
    release();
    await page.locator('form[data-search-box] [role="listbox"][aria-busy="false"]:visible').waitFor();
    const selected = page.locator('form[data-search-box] [role="option"][aria-selected="true"]');
    expect(await selected.count()).toBe(1);
    expect(await selected.getAttribute('href')).toBe(chosen);
    expect(await page.locator('input[name="q"]:focus').getAttribute('aria-activedescendant')).toBe(await selected.getAttribute('id'));
    await context.close();
  });

  it('shows fewer results rather than unrelated ones', async () => {
    const page = await openHome();
    await page.keyboard.press('/');
    await page.keyboard.type('2fa');
    await page.locator('form[data-search-box] [role="listbox"][aria-busy="false"]:visible').waitFor();
    const titles = await options(page).locator('.search-title').allTextContents();
    expect(titles[0]).toBe('Two-factor sign-in');
    // Before the result threshold, the other 7 rows held articles matching a stray word ("Break in new hiking boots").
    expect(titles).not.toContain('Break in new hiking boots');
    expect(titles.length).toBeLessThan(4);
    await screenshot(page, 'search-box-threshold');
    await page.context().close();
  });

  it('offers a ticket when nothing matches, and shows typed markup as text', async () => {
    const page = await openHome();
    await page.keyboard.press('Control+k');
    await page.keyboard.type('<i>zzqxv</i>');
    const ticket = page.locator('form[data-search-box] .search-empty a:visible');
    await ticket.waitFor();
    // The link carries the knowledgebase-insights marker (src/kb/insights-protocol.ts) after the subject.
    expect(await ticket.getAttribute('href')).toBe(`/tickets/new?subject=${encodeURIComponent('<i>zzqxv</i>')}&from=search&lang=en`);
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

// The results dropdown sits inside the dark site header on most pages and inside a light hero or page
// body on others; it must set its own colours rather than inherit the header's white text.
const contrastPages = [
  { name: 'home', path: '/' },
  { name: 'article', path: '/articles/headlamp-not-turning-on/' },
  { name: 'category', path: '/categories/troubleshooting/' },
  { name: 'ticket-new', path: '/tickets/new' },
  { name: 'offline', path: '/offline/' },
] as const;
const viewports = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

interface ContrastFinding {
  selector: string;
  text: string;
  color: string;
  background: string;
  ratio: number;
}

/**
 * WCAG contrast of every text-bearing element matched by `selectors` inside `root`, against its effective
 * background (walking up ancestors, compositing translucent backgrounds and the text's own opacity).
 */
async function contrastOf(page: Page, root: string, selectors: readonly string[]): Promise<ContrastFinding[]> {
  return page.evaluate(
    ({ root, selectors }) => {
      const ctx = new OffscreenCanvas(1, 1).getContext('2d', { willReadFrequently: true })!;
      // Lets the canvas parse any CSS colour syntax (rgb(), color(srgb …), oklch(), …) into sRGB bytes.
      const rgba = (css: string): [number, number, number, number] => {
        ctx.clearRect(0, 0, 1, 1);
        ctx.fillStyle = '#000';
        ctx.fillStyle = css;
        ctx.fillRect(0, 0, 1, 1);
        const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
        return [r!, g!, b!, a! / 255];
      };
      const over = (top: number[], bottom: number[]) => [0, 1, 2].map((i) => top[i]! * top[3]! + bottom[i]! * (1 - top[3]!));
      const luminance = (c: number[]) => {
        const [r, g, b] = c.map((v) => {
          const s = v / 255;
          return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const background = (el: Element): number[] => {
        const layers: [number, number, number, number][] = [];
        for (let node: Element | null = el; node; node = node.parentElement) {
          const layer = rgba(getComputedStyle(node).backgroundColor);
          if (layer[3] > 0) layers.push(layer);
          if (layer[3] >= 1) break;
        }
        return layers.reduceRight<number[]>((below, layer) => [...over(layer, below), 1], [255, 255, 255, 1]);
      };
      const rootEl = document.querySelector(root);
      if (!rootEl) throw new Error(`no ${root}`);
      const findings = [];
      for (const selector of selectors) {
        for (const el of rootEl.querySelectorAll<HTMLElement>(selector)) {
          if (!el.textContent?.trim() || el.getClientRects().length === 0) continue;
          const style = getComputedStyle(el);
          const bg = background(el);
          let opacity = 1;
          for (let node: Element | null = el; node && node !== rootEl.parentElement; node = node.parentElement) {
            opacity *= Number(getComputedStyle(node).opacity);
          }
          const fg = rgba(style.color);
          const text = over([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
          const [l1, l2] = [luminance(text), luminance(bg)].sort((a, b) => b - a);
          findings.push({
            selector,
            text: el.textContent.trim().slice(0, 60),
            color: style.color,
            background: `rgb(${bg.slice(0, 3).map(Math.round).join(', ')})`,
            ratio: Math.round(((l1! + 0.05) / (l2! + 0.05)) * 100) / 100,
          });
        }
      }
      return findings;
    },
    { root, selectors },
  );
}

describe('search results dropdown contrast', () => {
  for (const viewport of viewports) {
    for (const target of contrastPages) {
      it(`is readable on the ${target.name} page (${viewport.name})`, async () => {
        const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
        const page = await context.newPage();
        await page.goto(`${site.url}${target.path}`);
        // The search box in the page header; the home and offline pages hide it and show one in the page instead.
        const inHeader = (await page.locator('.site-header form[data-search-box]').count()) > 0;
        expect(inHeader).toBe(target.name !== 'home' && target.name !== 'offline');
        const form = inHeader ? '.site-header form[data-search-box]' : 'main form[data-search-box]';
        const listbox = `${form} [role="listbox"]`;
        const input = page.locator(`${form} input[name="q"]`).first();
        const shot = `search-${inHeader ? 'header' : 'page'}-${target.name}-${viewport.name}`;

        await input.click();
        // A query with several good answers: the result threshold leaves "headlamp" with one row, and a second is hovered below.
        await page.keyboard.type('return');
        await page.locator(`${form} [role="option"]`).first().waitFor();
        await page.locator(`${listbox}[aria-busy="false"]`).waitFor();
        const results = await contrastOf(page, listbox, ['.search-title', '.search-category', '.search-snippet', 'mark']);
        expect(results.some((r) => r.selector === '.search-title')).toBe(true);
        expect(results.some((r) => r.selector === '.search-snippet')).toBe(true);
        expect(results.some((r) => r.selector === 'mark')).toBe(true);

        // The highlighted (keyboard-selected) row has a background of its own.
        await page.keyboard.press('ArrowDown');
        await page.locator(`${form} li:first-child > [role="option"][aria-selected="true"]`).waitFor();
        const selected = await contrastOf(page, `${listbox} [role="option"][aria-selected="true"]`, ['.search-title', '.search-category', '.search-snippet', 'mark']);
        expect(selected.length).toBeGreaterThan(0);
        await screenshot(page, shot);

        // The hovered row.
        await page.locator(`${form} [role="option"]`).nth(1).hover();
        const hovered = await contrastOf(page, `${listbox} li:nth-child(2) > [role="option"]`, ['.search-title', '.search-category', '.search-snippet', 'mark']);
        expect(hovered.length).toBeGreaterThan(0);

        await input.fill('');
        await page.keyboard.type('zzqxv');
        await page.locator(`${form} .search-empty`).waitFor();
        const empty = await contrastOf(page, listbox, ['.search-empty', '.search-empty a']);
        expect(empty.map((r) => r.selector)).toEqual(['.search-empty', '.search-empty a']);
        await screenshot(page, `${shot}-empty`);

        const low = [...results, ...selected, ...hovered, ...empty].filter((r) => r.ratio < 4.5);
        expect(low, `text below 4.5:1 in the results dropdown on ${target.path}`).toEqual([]);
        await context.close();
      });
    }
  }
});
