// Issue 16, "Done when": every page template in Chromium at 1280 and 390 px, with the search dropdown open
// where the page has a search box: axe-core (WCAG 2 A/AA, colour contrast included) finds nothing, the page
// does not scroll sideways, and a screenshot of each goes to docs/screenshots/<page>-<desktop|phone>.png.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/staff/passwords.ts';
import { axeViolations, launchBrowser } from '../helpers/browser.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';

const SHOTS = path.resolve('docs/screenshots');
const PASSWORD = 'staff password for the page templates';
const SUBJECT = 'Headlamp will not turn on';
/** A query with several results in the sample knowledgebase. */
const QUERY = 'headlamp';

const widths = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

type Who = 'visitor' | 'customer' | 'staff';

let browser: Browser;
let site: RunningSite;
const contexts = new Map<Who, BrowserContext>();
/** The customer's ticket page and its staff workspace, filled in by beforeAll. */
const paths = { ticket: '', workspace: '' };

beforeAll(async () => {
  const root = mkdtempSync(path.resolve('tmp', 'page-templates-'));
  const configFile = path.join(root, 'helpdesk.config.json');
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  // `staffAccounts` is read at run time only: the sample site's shared build serves with this config.
  writeFileSync(configFile, JSON.stringify({ ...config, staffAccounts: [{ login: 'support-ben', passwordHash: await hashPassword(PASSWORD) }] }));
  const build = buildSite({ configFile });
  if (build.status !== 0) throw new Error(`build failed:\n${build.output}`);
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: path.join(root, 'data') });
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
  // axe-core is injected as a script, which the site's CSP (own scripts only) would refuse.
  for (const who of ['visitor', 'customer', 'staff'] as const) contexts.set(who, await browser.newContext({ bypassCSP: true }));

  const customer = await contexts.get('customer')!.newPage();
  await customer.goto(`${site.url}/tickets/new`);
  await customer.getByLabel('Email address').fill('templates@example.com');
  await customer.getByLabel('Name').fill('Robin Templates');
  await customer.getByLabel('Subject').fill(SUBJECT);
  await customer.getByLabel('Message', { exact: true }).fill('New batteries, still nothing. Bought it last week.');
  await customer.getByRole('button', { name: 'Send ticket' }).click();
  await customer.waitForURL('**/tickets/T-*');
  paths.ticket = new URL(customer.url()).pathname;
  await customer.close();

  const staff = await contexts.get('staff')!.newPage();
  await staff.goto(`${site.url}/staff`);
  await staff.waitForURL('**/staff/signin?next=*');
  await staff.getByLabel('Login').fill('support-ben');
  await staff.getByLabel('Password').fill(PASSWORD);
  await staff.getByRole('button', { name: 'Sign in' }).click();
  await staff.waitForURL(`${site.url}/staff`);
  // The outbox files the ticket on the Git host within moments; then the queue links to its workspace.
  const link = staff.getByRole('link', { name: SUBJECT }).first();
  const href = await waitFor(
    'the ticket in the staff queue',
    async () => {
      await staff.reload();
      return (await link.count()) > 0 ? link.getAttribute('href') : undefined;
    },
    30_000,
  );
  paths.workspace = new URL(href!, site.url).pathname;
  await staff.close();
});
afterAll(async () => {
  for (const context of contexts.values()) await context.close();
  await browser?.close();
  await site?.stop();
});

interface Template {
  name: string;
  who: Who;
  path: () => string;
  /** The page has a search box: open its dropdown before checking. */
  search: boolean;
}

const templates: Template[] = [
  { name: 'home', who: 'visitor', path: () => '/', search: true },
  { name: 'category', who: 'visitor', path: () => '/categories/troubleshooting/', search: true },
  { name: 'article', who: 'visitor', path: () => '/articles/headlamp-not-turning-on/', search: true },
  { name: 'search', who: 'visitor', path: () => `/search?q=${QUERY}&lang=en`, search: true },
  { name: 'offline', who: 'visitor', path: () => '/offline/', search: true },
  { name: 'ticket-new', who: 'customer', path: () => '/tickets/new', search: true },
  { name: 'ticket', who: 'customer', path: () => paths.ticket, search: true },
  { name: 'my-tickets', who: 'customer', path: () => '/tickets', search: true },
  { name: 'staff-queue', who: 'staff', path: () => '/staff', search: false },
  { name: 'staff-workspace', who: 'staff', path: () => paths.workspace, search: false },
  { name: 'staff-stats', who: 'staff', path: () => '/staff/stats', search: false },
  { name: 'staff-chat', who: 'staff', path: () => '/staff/chat', search: false },
  { name: 'staff-insights', who: 'staff', path: () => '/staff/insights', search: false },
];

/** Types the query into the first visible search box and waits for the settled results. */
async function openSearchDropdown(page: Page): Promise<void> {
  const input = page.locator('form[data-search-box] input[name="q"]:visible').first();
  await input.click();
  await input.fill('');
  await page.keyboard.type(QUERY);
  await page.locator('form[data-search-box] [role="option"]:visible').first().waitFor();
  await page.locator('form[data-search-box] [role="listbox"][aria-busy="false"]:visible').waitFor();
}

describe.each(widths)('page templates at $width px', (viewport) => {
  it.each(templates)('$name: no axe violations, no sideways scrolling', async (template) => {
    const page = await contexts.get(template.who)!.newPage();
    try {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      const response = await page.goto(`${site.url}${template.path()}`);
      expect(response?.status(), template.path()).toBe(200);
      if (template.search) await openSearchDropdown(page);
      await page.screenshot({ path: path.join(SHOTS, `${template.name}-${viewport.name}.png`), fullPage: true });
      // Soft: a violation must not hide sideways scrolling on the same page, and the other way round.
      expect.soft(await axeViolations(page), `axe on ${template.path()} at ${viewport.width} px`).toEqual([]);
      const overflow = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth }));
      expect.soft(overflow.scrollWidth, `${template.path()} at ${viewport.width} px scrolls sideways`).toBeLessThanOrEqual(overflow.innerWidth);
    } finally {
      await page.close();
    }
  });
});
