// Issue 16, item 9: the pages of a Git host outage — the customer's and the staff's outage page, and a ticket shown
// from its last known state — in Chromium at 1280 and 390 px: axe-core (WCAG 2 A/AA, colour contrast included) finds
// nothing, no sideways scrolling, and screenshots go to docs/screenshots/<page>-<desktop|phone>.png.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningLocalHost } from '../../src/local-host/index.ts';
import { hashPassword } from '../../src/staff/passwords.ts';
import { axeViolations, launchBrowser } from '../helpers/browser.ts';
import { provisionHostTokens } from '../helpers/local-host.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';

const SHOTS = path.resolve('docs/screenshots');
const PASSWORD = 'staff password for the outage pages';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

const widths = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

let browser: Browser;
let site: RunningSite;
let customer: BrowserContext;
let staff: BrowserContext;
let setFaults: (faults: object) => Promise<void>;
/** The customer's ticket page, its attachment (only on the host) and the ticket's staff workspace, filled in by beforeAll. */
const paths = { ticket: '', file: '', workspace: '' };

beforeAll(async () => {
  const root = mkdtempSync(path.resolve('tmp', 'outage-pages-'));
  const configFile = path.join(root, 'helpdesk.config.json');
  const dataDir = path.join(root, 'data');
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  // A cached ticket is read again after a second, so pages meet the outage at once.
  writeFileSync(configFile, JSON.stringify({ ...config, ticketCacheSeconds: 1, staffAccounts: [{ login: 'support-ben', passwordHash: await hashPassword(PASSWORD) }] }));
  const build = buildSite({ configFile });
  if (build.status !== 0) throw new Error(`build failed:\n${build.output}`);
  const tokens = provisionHostTokens(path.join(dataDir, 'local-host'));
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: dataDir });
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
  // axe-core is injected as a script, which the site's CSP (own scripts only) would refuse.
  customer = await browser.newContext({ bypassCSP: true });
  staff = await browser.newContext({ bypassCSP: true });

  const page = await customer.newPage();
  await page.goto(`${site.url}/tickets/new`);
  await page.getByLabel('Email address').fill('outage-pages@example.com');
  await page.getByLabel('Name').fill('Robin Outage');
  await page.getByLabel('Subject').fill('Tent pole snapped');
  await page.getByLabel('Message', { exact: true }).fill('The middle pole snapped on the second night. Photo attached.');
  await page.getByLabel('Attachments').setInputFiles({ name: 'pole.png', mimeType: 'image/png', buffer: PNG });
  await page.getByRole('button', { name: 'Send ticket' }).click();
  await page.waitForURL('**/tickets/T-*');
  paths.ticket = new URL(page.url()).pathname;
  paths.file = (await page.locator('.attachments a').first().getAttribute('href'))!;
  await page.close();

  const signIn = await staff.newPage();
  await signIn.goto(`${site.url}/staff/signin`);
  await signIn.getByLabel('Login').fill('support-ben');
  await signIn.getByLabel('Password').fill(PASSWORD);
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await signIn.waitForURL(`${site.url}/staff`);
  const link = signIn.getByRole('link', { name: 'Tent pole snapped' }).first();
  const href = await waitFor(
    'the ticket in the staff queue',
    async () => {
      await signIn.reload();
      return (await link.count()) > 0 ? link.getAttribute('href') : undefined;
    },
    30_000,
  );
  paths.workspace = new URL(href!, site.url).pathname;
  await signIn.close();

  const hostUrl = findRunningLocalHost(path.join(dataDir, 'local-host'))!;
  setFaults = async (faults) => {
    const response = await fetch(`${hostUrl}/_admin/faults`, { method: 'PUT', headers: { authorization: `token ${tokens.admin}` }, body: JSON.stringify(faults) });
    if (response.status !== 200) throw new Error(`setting faults answered ${response.status}`);
  };
  // Every request to the host answers 503 from here on.
  await setFaults({ serverError: { rate: 1, status: 503 } });
});
afterAll(async () => {
  await setFaults?.({});
  await customer?.close();
  await staff?.close();
  await browser?.close();
  await site?.stop();
});

const templates = [
  { name: 'outage', context: () => customer, path: () => paths.file, status: 502, heading: 'Our ticket system is not reachable right now' },
  { name: 'outage-staff', context: () => staff, path: () => paths.workspace, status: 502, heading: 'The Git host is not reachable' },
  { name: 'ticket-outage', context: () => customer, path: () => paths.ticket, status: 200, heading: 'Tent pole snapped' },
];

describe.each(widths)('outage pages at $width px', (viewport) => {
  it.each(templates)('$name: no axe violations, no sideways scrolling', async (template) => {
    const page = await template.context().newPage();
    try {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      // The copy the site cached expires within a second; then the page meets the outage.
      await waitFor(`${template.name} during the outage`, async () => {
        const response = await page.goto(`${site.url}${template.path()}`);
        return response?.status() === template.status && (template.status !== 200 || (await page.locator('[data-last-known]').count()) > 0);
      });
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(template.heading);
      await page.screenshot({ path: path.join(SHOTS, `${template.name}-${viewport.name}.png`), fullPage: true });
      // Soft: a violation must not hide sideways scrolling on the same page, and the other way round.
      expect.soft(await axeViolations(page), `axe on ${template.name} at ${viewport.width} px`).toEqual([]);
      const overflow = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth }));
      expect.soft(overflow.scrollWidth, `${template.name} at ${viewport.width} px scrolls sideways`).toBeLessThanOrEqual(overflow.innerWidth);
    } finally {
      await page.close();
    }
  });
});
