import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Octokit } from 'octokit';
import { findRunningLocalHost } from '../../src/local-host/index.ts';
import { hashPassword } from '../../src/staff/passwords.ts';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { hostTokens } from '../helpers/local-host.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'staff-e2e-')));
const configFile = path.join(root, 'helpdesk.config.json');
const PASSWORD = 'staff password for the browser test';

let browser: Browser;
let site: RunningSite;

beforeAll(async () => {
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  writeFileSync(configFile, JSON.stringify({ ...config, staffAccounts: [{ login: 'support-ben', passwordHash: await hashPassword(PASSWORD) }] }));
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: path.join(root, 'data') });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

describe('a supporter working the queue', () => {
  it('signs in, takes a ticket from the pool, replies, adds an internal note the customer never sees, and reads the charts', async () => {
    // A customer opens a ticket (no JavaScript needed for that part).
    const customer = await browser.newContext();
    const customerPage = await customer.newPage();
    await customerPage.goto(`${site.url}/tickets/new`);
    await customerPage.getByLabel('Email address').fill('queue-customer@example.com');
    await customerPage.getByLabel('Subject').fill('Headlamp will not turn on');
    await customerPage.getByLabel('Message', { exact: true }).fill('New batteries, still nothing. Bought it last week.');
    await customerPage.getByRole('button', { name: 'Send ticket' }).click();
    await customerPage.waitForURL('**/tickets/T-*');

    const staff = await browser.newContext();
    const page = await staff.newPage();
    await page.goto(`${site.url}/staff`);
    await page.waitForURL('**/staff/signin?next=*');
    await page.getByLabel('Login').fill('support-ben');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${site.url}/staff`);

    // The outbox files the ticket within moments and routing assigns it; its supporter hands it back
    // to the pool on the Git host (unassigns), as happens when someone is away.
    const baseUrl = await waitFor('the issue host', () => findRunningLocalHost(path.join(root, 'data', 'local-host')));
    const octokit = new Octokit({ baseUrl, auth: hostTokens(path.join(root, 'data', 'local-host')).of('support-anna') });
    const issue = await waitFor('the routed ticket', async () => {
      const { data } = await octokit.rest.issues.listForRepo({ owner: 'local', repo: 'support', state: 'open' });
      return data.find((i) => i.title === 'Headlamp will not turn on' && (i.assignees?.length ?? 0) > 0);
    });
    await octokit.rest.issues.update({ owner: 'local', repo: 'support', issue_number: issue.number, assignees: [] });
    await expect
      .poll(
        async () => {
          await page.reload();
          return page
            .locator('section', { has: page.getByRole('heading', { name: /New — in the pool/ }) })
            .getByRole('link', { name: 'Headlamp will not turn on' })
            .count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await screenshot(page, 'staff-queue');

    await page.getByRole('link', { name: 'Headlamp will not turn on' }).click();
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await expect.poll(() => page.locator('.ticket-facts').textContent()).toContain('support-ben');

    await page.getByLabel('Message').fill('Please hold the button for three seconds: it has a lock mode.');
    await page.getByRole('button', { name: 'Reply to customer' }).click();
    await page.getByLabel('Message').fill('Second headlamp ticket this week, check the manual wording.');
    await page.getByRole('button', { name: 'Add internal note' }).click();
    await page.locator('.message-kind-internal-note').waitFor();
    await screenshot(page, 'staff-ticket');

    await customerPage.reload();
    await customerPage.getByText('it has a lock mode').waitFor();
    expect(await customerPage.content()).not.toContain('check the manual wording');

    await page.goto(`${site.url}/staff/stats`);
    const charts = page.locator('svg[role="img"]');
    expect(await charts.count()).toBe(2);
    expect(await page.locator('#per-day rect, svg[aria-labelledby^="per-day"] rect').count()).toBeGreaterThan(0);
    await screenshot(page, 'staff-stats');
  });
});
