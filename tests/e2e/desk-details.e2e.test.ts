// Issue 16, item 10 in Chromium: focus after a refused form, attachment checks before the upload, the search box on
// the "support is away" page, and a dropdown that lists only what answers the query.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkAttachments } from '../../src/tickets/attachments.ts';
import { axeViolations, launchBrowser, screenshot } from '../helpers/browser.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const sampleConfig = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));

let root: string;
let outDir: string;
let browser: Browser;
let site: RunningSite;
let context: BrowserContext;

beforeAll(async () => {
  root = mkdtempSync(path.resolve('tmp', 'desk-details-'));
  const configFile = path.join(root, 'helpdesk.config.json');
  writeFileSync(configFile, JSON.stringify({ ...sampleConfig, abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: 1000, linksPerEmailPer15Min: 100 } }));
  const build = buildSite({ configFile });
  if (build.status !== 0) throw new Error(`build failed:\n${build.output}`);
  outDir = build.outDir;
  site = await serveSite(outDir, { configFile }, { DATA_DIR: path.join(root, 'data') });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await site?.stop();
});
afterEach(() => context?.close());

async function newPage(options: { javaScriptEnabled?: boolean; bypassCSP?: boolean } = {}): Promise<Page> {
  context = await browser.newContext(options);
  return context.newPage();
}

const activeElement = (page: Page) => page.evaluate(() => ({ tag: document.activeElement?.tagName.toLowerCase(), id: document.activeElement?.id }));

async function fillTicketForm(page: Page, email: string): Promise<void> {
  await page.goto(`${site.url}/tickets/new`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Subject').fill('The stove will not light');
  await page.getByLabel('Message', { exact: true }).fill('The piezo clicks, but no flame.');
}

/** What the server says of one file, read whole: the wording the browser must show. */
async function serverWords(name: string, bytes: Uint8Array): Promise<string | undefined> {
  const result = await checkAttachments([{ name, bytes }], { maxBytes: 5 * 1024 * 1024, maxCount: 3, types: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'] });
  return result.ok ? undefined : result.error;
}

describe('a refused form puts the focus on what to fix', () => {
  it.each([true, false])('the reply on the ticket page (JavaScript %s)', async (javaScriptEnabled) => {
    const page = await newPage({ javaScriptEnabled });
    await fillTicketForm(page, `reply-focus-${javaScriptEnabled}@example.com`);
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await page.waitForURL('**/tickets/T-*');
    // Spaces pass the browser's `required`; the server finds nothing to send.
    await page.getByLabel('Your reply').fill('   ');
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Send reply' }).click()]);
    expect(response.status()).toBe(400);
    await page.locator('#message-error').waitFor();
    await expect.poll(() => activeElement(page)).toEqual({ tag: 'textarea', id: 'message' });
    // A screen reader reads the field with its error: the error describes it.
    expect(await page.getByRole('textbox', { name: 'Your reply' }).getAttribute('aria-describedby')).toBe('message-error');
  });

  it('the email address on My tickets (no JavaScript)', async () => {
    const page = await newPage({ javaScriptEnabled: false });
    await page.goto(`${site.url}/tickets`);
    await page.getByLabel('Email address').fill('not an address');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.locator('#email-error').waitFor();
    await expect.poll(() => activeElement(page)).toEqual({ tag: 'input', id: 'email' });
  });

  it('the error summary of the ticket form after a 400 answer (JavaScript)', async () => {
    const page = await newPage();
    await fillTicketForm(page, 'not an address');
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await page.locator('[data-error-summary]').waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.hasAttribute('data-error-summary'))).toBe(true);
  });
});

describe('attachments are checked in the browser before the upload', () => {
  it.each([
    ['too large', 'tent.png', new Uint8Array(5 * 1024 * 1024 + 1)],
    ['of a type the desk does not take', 'invoice.pdf', new TextEncoder().encode('MZ\u0090\u0000 a program, not a PDF')],
  ])('a file %s: the server’s words at once, nothing sent, the focus on the field', async (_case, name, bytes) => {
    const page = await newPage();
    const posts: string[] = [];
    page.on('request', (request) => request.method() === 'POST' && posts.push(request.url()));
    await fillTicketForm(page, 'files-check@example.com');
    await page.getByLabel('Attachments').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
    const error = page.locator('#attachments-error');
    await error.waitFor();
    expect(await error.textContent()).toBe(await serverWords(name, bytes));
    expect(await page.getByLabel('Attachments').getAttribute('aria-invalid')).toBe('true');

    await page.getByRole('button', { name: 'Send ticket' }).click();
    await expect.poll(() => activeElement(page)).toEqual({ tag: 'input', id: 'attachments' });
    expect(page.url()).toBe(`${site.url}/tickets/new`);
    expect(posts.filter((url) => url.endsWith('/tickets/new'))).toEqual([]);
    await screenshot(page, `ticket-form-file-${name.replace('.', '-')}`);
  });

  it('lets a good file through once chosen instead, and the ticket is filed', async () => {
    const page = await newPage();
    await fillTicketForm(page, 'files-good@example.com');
    await page.getByLabel('Attachments').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(5 * 1024 * 1024 + 1) });
    await page.locator('#attachments-error').waitFor();
    // A text file named .png is text, which the desk takes: it is not refused for its name.
    await page.getByLabel('Attachments').setInputFiles([
      { name: 'stove.png', mimeType: 'image/png', buffer: PNG },
      { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('serial number SN-4411') },
    ]);
    await page.locator('#attachments-error').waitFor({ state: 'detached' });
    expect(await page.getByLabel('Attachments').getAttribute('aria-invalid')).toBeNull();
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await page.waitForURL('**/tickets/T-*?created=1');
    // On the ticket page the text file is a link with its size, never a broken image.
    const attachments = page.locator('.attachments li');
    await expect.poll(() => attachments.count()).toBe(2);
    expect(await page.locator('.attachments img').count()).toBe(1);
    expect(await attachments.filter({ hasText: 'notes.png' }).textContent()).toContain('notes.png (21 bytes)');
  });
});

describe('while support is away', () => {
  let away: RunningSite;
  beforeAll(async () => {
    const configFile = path.join(root, 'away.config.json');
    const supporters = (sampleConfig.supporters as Record<string, unknown>[]).map((s) => ({ ...s, present: false }));
    writeFileSync(configFile, JSON.stringify({ ...sampleConfig, supporters }));
    away = await serveSite(outDir, { configFile }, { DATA_DIR: path.join(root, 'away-data') });
  });
  afterAll(() => away?.stop());

  it('the ticket form page offers the search box, which finds articles; no axe violations', async () => {
    // axe-core is injected as a script, which the site's CSP (own scripts only) would refuse.
    const page = await newPage({ bypassCSP: true });
    await page.goto(`${away.url}/tickets/new`);
    expect(await page.getByRole('status').first().textContent()).toContain('Our support team is away right now');
    const search = page.getByRole('combobox', { name: 'Search help articles' });
    expect(await search.count()).toBe(1);
    await search.click();
    await page.keyboard.type('stove');
    await page.locator('[data-away-search] [role="listbox"][aria-busy="false"]').waitFor();
    expect(await page.locator('[data-away-search] [role="option"] .search-title').allTextContents()).not.toEqual([]);
    await screenshot(page, 'ticket-new-away');
    expect(await axeViolations(page)).toEqual([]);
  });
});

describe('the search dropdown', () => {
  it('lists no article that answers none of the words typed', async () => {
    const page = await newPage();
    await page.goto(`${site.url}/`);
    await page.keyboard.press('/');
    await page.keyboard.type('hiking 2fa');
    await page.locator('form[data-search-box] [role="listbox"][aria-busy="false"]:visible').waitFor();
    const titles = await page.locator('form[data-search-box] [role="option"]:visible .search-title').allTextContents();
    expect(titles.slice(0, 2).sort()).toEqual(['Break in new hiking boots', 'Two-factor sign-in']);
    // It shares only `two` (of the synonym `two-step`) with the query.
    expect(titles).not.toContain('Charged twice for one order');
  });
});
