import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Octokit } from 'octokit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningLocalHost } from '../../src/local-host/index.ts';
import { hostTokens } from '../helpers/local-host.ts';
import { siteMetadata } from '../helpers/metadata.ts';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { startBuiltSite, type RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let browser: Browser;
let customer: BrowserContext;
let site: RunningSite;
let dataDir: string;

beforeAll(async () => {
  ({ site, dataDir } = await startBuiltSite());
  browser = await launchBrowser();
  customer = await browser.newContext();
});
afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

function signInLinkFor(email: string): string | undefined {
  const dir = path.join(dataDir, 'mail');
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.eml'))
      .sort();
  } catch {
    return undefined;
  }
  for (const file of files.reverse()) {
    const mail = readFileSync(path.join(dir, file), 'utf8')
      .replace(/=\r?\n/g, '')
      .replace(/=3D/g, '=');
    if (!mail.includes(`To: ${email}`)) continue;
    const match = /\/tickets\/access\?token=[\w.%-]+/.exec(mail);
    if (match) return match[0];
  }
  return undefined;
}

async function staffOctokit(): Promise<{ octokit: Octokit; owner: string; repo: string }> {
  const url = await waitFor('the embedded issue host', () => findRunningLocalHost(path.join(dataDir, 'local-host')));
  return { octokit: new Octokit({ baseUrl: url, auth: hostTokens(path.join(dataDir, 'local-host')).of('support-anna') }), owner: 'local', repo: 'support' };
}

describe('a customer with a problem', () => {
  let page: Page;
  let ticketUrl: string;
  const email = 'e2e-customer@example.com';

  it('opens a ticket with an attachment from the article page', async () => {
    page = await customer.newPage();
    await page.goto(`${site.url}/articles/track-your-order/`);
    await page.getByRole('link', { name: 'Open a ticket' }).last().click();
    await page.waitForURL('**/tickets/new?subject=*');
    expect(await page.getByLabel('Subject').inputValue()).toBe('Track your order');

    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Name').fill('Sam Example');
    await page.getByLabel('Topic').selectOption('shipping');
    await page.getByLabel('Subject').fill('Tracking shows no update for a week');
    await page.getByLabel('Message', { exact: true }).fill('My parcel NW-10485327 has shown "in transit" since last Monday. Is it lost?');
    await page.getByLabel('Attachments').setInputFiles({ name: 'tracking.png', mimeType: 'image/png', buffer: PNG });
    await screenshot(page, 'ticket-form');
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await page.waitForURL('**/tickets/T-*');
    ticketUrl = page.url().split('?')[0]!;
    expect(await page.getByRole('status').first().textContent()).toContain('we received your ticket');
    await expect.poll(() => page.locator('.attachments a').textContent()).toBe('tracking.png');
    await screenshot(page, 'ticket-created');
  });

  it('follows the magic link from the mail folder in a fresh browser', async () => {
    const link = await waitFor('the sign-in mail', () => signInLinkFor(email));
    await customer.close();
    customer = await browser.newContext();
    page = await customer.newPage();
    await page.goto(site.url + link);
    // The link's page signs nothing in by itself (no login CSRF): the customer presses Continue.
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(ticketUrl);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Tracking shows no update for a week');
  });

  it('sees a staff reply appear without reloading, rates it, replies and closes the ticket', async () => {
    const { octokit, owner, repo } = await staffOctokit();
    const ref = ticketUrl.split('/').pop();
    const issue = await waitFor('the issue', async () => {
      const { data } = await octokit.rest.issues.listForRepo({ owner, repo, state: 'all' });
      return data.find((i) => siteMetadata(dataDir, i.body, i.user)?.ref === ref);
    });
    await octokit.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: 'Internal: the carrier confirmed a delay at the hub.' });
    await octokit.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: '/reply\nThe carrier had a delay at its hub; your parcel arrives on Thursday.' });

    const reply = page.locator('.message-staff').filter({ hasText: 'arrives on Thursday' });
    await reply.waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-live-status]').textContent()).toContain('New reply from Anna from Support');
    expect(await page.content()).not.toContain('confirmed a delay at the hub');

    await page.reload();
    await page.locator('.message-staff').getByRole('button', { name: /Yes/ }).click();
    await expect.poll(() => page.locator('.message-staff').getByRole('button', { name: /Yes/ }).getAttribute('aria-pressed')).toBe('true');

    await page.getByLabel('Your reply').fill('Thank you, I will wait until Thursday.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.locator('.message-customer').filter({ hasText: 'wait until Thursday' }).waitFor();
    await screenshot(page, 'ticket-thread');

    await page.getByLabel(/close this ticket/).check();
    await page.getByRole('button', { name: 'Close ticket' }).click();
    await expect.poll(() => page.locator('.ticket-facts .status').textContent()).toBe('Closed');
    expect(await page.getByRole('button', { name: 'Reopen ticket' }).isVisible()).toBe(true);
  });
});
