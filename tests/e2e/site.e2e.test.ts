import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { startBuiltSite } from '../helpers/site.ts';

let browser: Browser;
let context: BrowserContext;
let base: string;

beforeAll(async () => {
  const { site } = await startBuiltSite();
  base = site.url;
  browser = await launchBrowser();
  context = await browser.newContext();
});
afterAll(async () => {
  await browser?.close();
  const { site } = await startBuiltSite();
  await site.stop();
});

describe('a visitor browsing the knowledgebase', () => {
  it('goes from the home page through a category to an article', async () => {
    const page = await context.newPage();
    await page.goto(base + '/');
    expect(await page.title()).toContain('Help Centre');
    await screenshot(page, 'home');

    const shipping = page.getByRole('link', { name: 'Shipping & delivery' });
    await shipping.click();
    await page.waitForURL('**/categories/shipping/');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Shipping & delivery');
    await screenshot(page, 'category');

    const first = page.locator('.article-list a').first();
    const articleTitle = (await first.textContent())!.trim();
    await first.click();
    await page.waitForURL('**/articles/**');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(articleTitle);
    expect(await page.title()).toMatch(/\S/);
    expect(await page.locator('meta[name="description"]').getAttribute('content')).toMatch(/\S/);
    expect(await page.locator('meta[name="keywords"]').getAttribute('content')).toMatch(/\S/);
    expect(await page.locator('nav[aria-label="Breadcrumbs"] li').count()).toBe(3);
    await expect.poll(() => page.getByRole('link', { name: 'Open a ticket' }).last().isVisible()).toBe(true);
    await screenshot(page, 'article');
    await page.close();
  });

  it('reaches the content with the skip link from the keyboard', async () => {
    const page = await context.newPage();
    await page.goto(base + '/');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.close();
  });

  it('reads well on a phone: no sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await phone.newPage();
    await page.goto(base + '/articles/delivery-times-and-costs/');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'article-phone');
    await phone.close();
  });

  it('shows the 404 page for an unknown address', async () => {
    const page = await context.newPage();
    const response = await page.goto(base + '/articles/no-such-article/');
    expect(response?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    await screenshot(page, 'not-found');
    await page.close();
  });
});
