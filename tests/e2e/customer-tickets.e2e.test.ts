// Issue 16, items 3 and 4 in Chromium: a customer's browser keeps every ticket it opened, and a refused ticket
// form (here: rate-limited) keeps everything typed, with and without JavaScript.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
/** This suite's limit of tickets per email address and hour: tiny, so the third is refused. */
const PER_EMAIL = 2;

let browser: Browser;
let site: RunningSite;

beforeAll(async () => {
  const root = mkdtempSync(path.resolve('tmp', 'customer-tickets-'));
  const configFile = path.join(root, 'helpdesk.config.json');
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  writeFileSync(configFile, JSON.stringify({ ...config, abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: PER_EMAIL, linksPerEmailPer15Min: 10 } }));
  // `abuse` is read at run time only: the sample site's shared build serves with this config.
  const build = buildSite({ configFile });
  if (build.status !== 0) throw new Error(`build failed:\n${build.output}`);
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: path.join(root, 'data') });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

interface Typed {
  email: string;
  name: string;
  category: string;
  order: string;
  subject: string;
  message: string;
}

async function fillTicketForm(page: Page, typed: Typed, file?: string): Promise<void> {
  await page.goto(`${site.url}/tickets/new`);
  await page.getByLabel('Email address').fill(typed.email);
  await page.getByLabel('Name').fill(typed.name);
  await page.getByLabel('Topic').selectOption(typed.category);
  await page.getByLabel('Order number').fill(typed.order);
  await page.getByLabel('Subject').fill(typed.subject);
  await page.getByLabel('Message', { exact: true }).fill(typed.message);
  if (file) await page.getByLabel('Attachments').setInputFiles({ name: file, mimeType: 'image/png', buffer: PNG });
}

/** Files a ticket through the form; returns its page's address. */
async function fileTicket(page: Page, typed: Typed): Promise<string> {
  await fillTicketForm(page, typed);
  await page.getByRole('button', { name: 'Send ticket' }).click();
  await page.waitForURL('**/tickets/T-*?created=1');
  return page.url().split('?')[0]!;
}

/** Screenshots at desktop and phone width; at each, the page must not scroll sideways. */
async function screenshotBoth(page: Page, name: string): Promise<void> {
  for (const [width, suffix] of [
    [1280, ''],
    [390, '-phone'],
  ] as const) {
    await page.setViewportSize({ width, height: width === 1280 ? 800 : 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `${name} at ${width} px`).toBeLessThanOrEqual(0);
    await screenshot(page, `${name}${suffix}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('a customer with two tickets', () => {
  let context: BrowserContext;
  afterAll(() => context?.close());

  it('reaches both from the same browser, through their addresses and My tickets', async () => {
    context = await browser.newContext();
    const page = await context.newPage();
    const typed = (subject: string): Typed => ({ email: 'two-tickets@example.com', name: 'Robin', category: 'orders', order: 'NW-10485327', subject, message: `About: ${subject}. Please help.` });
    const first = await fileTicket(page, typed('The blue jacket is too small'));
    expect(await page.getByRole('status').first().textContent()).toContain('Keep this page');
    const second = await fileTicket(page, typed('The invoice names the wrong address'));
    expect(second).not.toBe(first);

    // The address the thank-you box said to keep still opens the first ticket.
    await page.goto(first);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('The blue jacket is too small');
    expect(await page.locator('[data-ticket-only]').isVisible()).toBe(true);

    // My tickets lists both at once, without asking for the email first, and says how to see the rest.
    await page.getByRole('link', { name: 'My tickets' }).first().click();
    await page.waitForURL('**/tickets');
    const rows = page.locator('.ticket-list tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.locator('[data-browser-only]').textContent()).toContain('open the link we mailed you');
    await screenshotBoth(page, 'my-tickets-guest');

    await page.getByRole('link', { name: 'The invoice names the wrong address' }).click();
    await page.waitForURL(second);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('The invoice names the wrong address');
  });

  it('is asked to sign in, not told "Page not found", for a ticket this browser did not open', async () => {
    const stranger = await browser.newContext();
    try {
      const page = await stranger.newPage();
      const response = await page.goto(`${site.url}/tickets/T-ZZZZZZZZ`);
      expect(response?.status()).toBe(403);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to see this ticket');
      await page.getByLabel('Email address').fill('two-tickets@example.com');
      await screenshotBoth(page, 'ticket-sign-in');
      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await page.waitForURL('**/tickets');
      expect(await page.locator('[data-link-sent]').textContent()).toContain('a sign-in link is on its way');
    } finally {
      await stranger.close();
    }
  });
});

describe('a rate-limited submit', () => {
  const typed: Typed = {
    email: 'busy-office@example.com',
    name: 'Kim Busy',
    category: 'shipping',
    order: 'NW-20002',
    subject: 'Parcel went to the neighbour',
    message: 'The tracking page says delivered, but it is not here.\nThe neighbour has not seen it either.',
  };

  beforeAll(async () => {
    // Earlier tickets from the same address use up its hourly allowance.
    for (let i = 0; i < PER_EMAIL; i++) {
      const response = await new SiteClient(site.url).post('/tickets/new', { ...typed, type: 'problem', subject: `Earlier ticket ${i}`, website: '' });
      expect(response.status).toBe(303);
    }
  });

  async function expectEverythingKept(page: Page): Promise<void> {
    expect(await page.getByLabel('Email address').inputValue()).toBe(typed.email);
    expect(await page.getByLabel('Name').inputValue()).toBe(typed.name);
    expect(await page.getByLabel('Topic').inputValue()).toBe(typed.category);
    expect(await page.getByLabel('Order number').inputValue()).toBe(typed.order);
    expect(await page.getByLabel('Subject').inputValue()).toBe(typed.subject);
    expect(await page.getByLabel('Message', { exact: true }).inputValue()).toBe(typed.message);
  }

  it('keeps every field and the chosen file, and moves focus to the error summary (with JavaScript)', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await fillTicketForm(page, typed, 'parcel.png');
      await page.getByRole('button', { name: 'Send ticket' }).click();
      const summary = page.locator('[data-error-summary]');
      await summary.waitFor();
      expect(await summary.textContent()).toMatch(/Too many requests\. Please try again in \d+ minutes?\./);
      await expect.poll(() => page.evaluate(() => document.activeElement?.hasAttribute('data-error-summary'))).toBe(true);
      expect(page.url()).toBe(`${site.url}/tickets/new`);
      await expectEverythingKept(page);
      // The page never left: the file is still chosen, nothing to choose again.
      expect(await page.getByLabel('Attachments').evaluate((input: HTMLInputElement) => [...(input.files ?? [])].map((f) => f.name))).toEqual(['parcel.png']);
      expect(await page.locator('[data-choose-again]').count()).toBe(0);
      await screenshotBoth(page, 'ticket-form-rate-limited');
    } finally {
      await context.close();
    }
  });

  it('keeps every field, asks for the file again and focuses the error summary (without JavaScript)', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await fillTicketForm(page, typed, 'parcel.png');
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Send ticket' }).click()]);
      expect(response.status()).toBe(429);
      await page.locator('[data-error-summary]').waitFor();
      expect(await page.locator('[data-error-summary-message]').textContent()).toMatch(/Please try again in \d+ minutes?\./);
      await expect.poll(() => page.evaluate(() => document.activeElement?.hasAttribute('data-error-summary'))).toBe(true);
      await expectEverythingKept(page);
      expect(await page.locator('[data-choose-again]').textContent()).toBe('Choose parcel.png again: files cannot be kept when the form comes back.');
      await screenshotBoth(page, 'ticket-form-rate-limited-no-js');
    } finally {
      await context.close();
    }
  });
});
