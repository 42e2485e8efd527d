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
import { PNG } from '../helpers/files.ts';

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'staff-e2e-')));
const configFile = path.join(root, 'helpdesk.config.json');
const PASSWORD = 'staff password for the browser test';

let browser: Browser;
let site: RunningSite;

beforeAll(async () => {
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  const passwordHash = await hashPassword(PASSWORD);
  writeFileSync(
    configFile,
    JSON.stringify({
      ...config,
      staffAccounts: [
        { login: 'support-ben', passwordHash },
        { login: 'support-anna', passwordHash, admin: true },
      ],
    }),
  );
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
    await customerPage.getByLabel('Email address').fill('queuecustomer.northwind@example.com');
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
    await page.getByRole('button', { name: 'Take it' }).click();
    await expect.poll(() => page.locator('[aria-labelledby="assignment-title"] p').first().textContent()).toBe('Assigned to you');

    // A saved reply fills the message box with the customer's name (none given: "there") and the supporter's.
    await page.getByLabel('Saved reply').selectOption({ label: 'Parcel is on its way' });
    await page.getByRole('button', { name: 'Insert' }).click();
    await expect.poll(() => page.getByLabel('Message').inputValue()).toContain('Hello there,\n\nthank you for your patience.');
    expect(await page.getByLabel('Message').inputValue()).toContain('Ben from Support');
    await page.getByLabel('Message').fill('Please hold the button for three seconds: it has a lock mode.');
    await page.getByLabel('Attachments (optional)').setInputFiles({ name: 'lock mode.png', mimeType: 'image/png', buffer: Buffer.from(PNG) });
    await page.getByRole('button', { name: 'Reply to customer' }).click();
    await page.getByLabel('Message').fill('Second headlamp ticket this week, check the manual wording.');
    await page.getByRole('button', { name: 'Add internal note' }).click();
    await page.locator('.message-kind-internal-note').waitFor();
    await screenshot(page, 'staff-ticket');

    // On a phone the customer's address wraps where a reader expects (after the @, before a dot), not inside a word.
    const desktop = page.viewportSize();
    await page.setViewportSize({ width: 390, height: 844 });
    const customerFact = await page
      .locator('.ticket-facts div', { has: page.locator('dt', { hasText: 'Customer' }) })
      .locator('dd')
      .evaluate((dd) => {
        let text = '';
        const tops: number[] = [];
        const walker = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const node = walker.currentNode as Text;
          for (let i = 0; i < node.length; i += 1) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            text += node.data[i];
            tops.push(Math.round(range.getClientRects()[0]?.top ?? tops.at(-1) ?? 0));
          }
        }
        const breaks = tops.flatMap((top, i) => (i > 0 && top > (tops[i - 1] as number) ? [i] : []));
        return { text, breaks };
      });
    expect(customerFact.text).toContain('queuecustomer.northwind@example.com');
    expect(customerFact.breaks.length).toBeGreaterThan(0);
    for (const at of customerFact.breaks) expect([customerFact.text[at - 1], customerFact.text[at]].join('|')).toMatch(/^(@\|.|.\|\.|[ -]\|.|.\| )$/);
    await screenshot(page, 'staff-ticket-phone');
    if (desktop) await page.setViewportSize(desktop);

    await customerPage.reload();
    await customerPage.getByText('it has a lock mode').waitFor();
    expect(await customerPage.content()).not.toContain('check the manual wording');
    // The reply's file reaches the customer: offered on their page, and the download is the file Ben attached.
    const download = customerPage.locator('.message a[href*="/files/"]', { hasText: 'lock_mode.png' }).first();
    await download.waitFor();
    const file = await customerPage.request.get(new URL((await download.getAttribute('href'))!.replace(/\?inline$/, ''), site.url).toString());
    expect(file.status()).toBe(200);
    expect(new Uint8Array(await file.body())).toEqual(PNG);

    await page.goto(`${site.url}/staff/stats`);
    const charts = page.locator('svg[role="img"]');
    expect(await charts.count()).toBe(2);
    expect(await page.locator('#per-day rect, svg[aria-labelledby^="per-day"] rect').count()).toBeGreaterThan(0);
    await screenshot(page, 'staff-stats');
  });
});

/** Signs a supporter in on a fresh browser context and opens the queue. */
async function signedInPage(login: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${site.url}/staff/signin`);
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${site.url}/staff`);
  return page;
}

describe('presence and assignment', () => {
  it('a supporter sets herself away and the ticket form closes at once; back present, a ticket is reassigned, then returned to the pool', async () => {
    const anna = await signedInPage('support-anna');
    const ben = await signedInPage('support-ben');
    const form = await (await browser.newContext()).newPage();

    // Anna (an admin) sets Ben away, then herself: nobody is present and the customer's form says so at once.
    await anna.getByRole('button', { name: 'Set Ben from Support away' }).click();
    await anna.getByRole('button', { name: 'Set me away' }).click();
    await expect.poll(() => anna.locator('#team').textContent()).toContain('Nobody is present');
    await screenshot(anna, 'staff-team-away');
    await form.goto(`${site.url}/tickets/new`);
    await form.getByText('Our support team is away right now').waitFor();
    expect(await form.getByRole('button', { name: 'Send ticket' }).count()).toBe(0);

    // Ben sets himself present again: the form opens at once; Ben cannot set Anna (no admin), so he sees no button for her.
    await ben.reload();
    expect(await ben.getByRole('button', { name: /Set Anna/ }).count()).toBe(0);
    await ben.getByRole('button', { name: 'Set me present' }).click();
    await form.reload();
    await form.getByLabel('Email address').fill('presence@example.com');
    await form.getByLabel('Subject').fill('Tent pole snapped');
    await form.getByLabel('Message', { exact: true }).fill('One of the poles snapped on the first night.');
    await form.getByRole('button', { name: 'Send ticket' }).click();
    await form.waitForURL('**/tickets/T-*');

    // With Anna away, the ticket goes to Ben; he reassigns it to Anna, then she returns it to the pool.
    await expect
      .poll(
        async () => {
          await ben.goto(`${site.url}/staff?assignee=me&search=${encodeURIComponent('tent pole')}`);
          return ben.getByRole('link', { name: 'Tent pole snapped' }).count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await ben.getByRole('link', { name: 'Tent pole snapped' }).click();
    await ben.getByLabel('Give it to').selectOption('support-anna');
    await ben.getByRole('button', { name: 'Reassign' }).click();
    await expect.poll(() => ben.locator('[aria-labelledby="assignment-title"] p').first().textContent()).toBe('Assigned to Anna from Support');
    await screenshot(ben, 'staff-workspace-assignment');
    await ben.getByRole('button', { name: 'Return to the pool' }).click();
    await expect.poll(() => ben.locator('[aria-labelledby="assignment-title"] p').first().textContent()).toBe('In the pool: nobody has it yet');
    await anna.getByRole('button', { name: 'Set me present' }).click();
  });
});

describe('live staff views', () => {
  it('a customer reply appears in the open workspace and queue without a reload, and a colleague writing is shown', async () => {
    const customer = await (await browser.newContext()).newPage();
    await customer.goto(`${site.url}/tickets/new`);
    await customer.getByLabel('Email address').fill('live@example.com');
    await customer.getByLabel('Subject').fill('Stove leaks gas');
    await customer.getByLabel('Message', { exact: true }).fill('I smell gas near the valve of the camping stove.');
    await customer.getByRole('button', { name: 'Send ticket' }).click();
    await customer.waitForURL('**/tickets/T-*');

    const baseUrl = await waitFor('the issue host', () => findRunningLocalHost(path.join(root, 'data', 'local-host')));
    const octokit = new Octokit({ baseUrl, auth: hostTokens(path.join(root, 'data', 'local-host')).of('support-anna') });
    const issue = await waitFor('the ticket on the host', async () => {
      const { data } = await octokit.rest.issues.listForRepo({ owner: 'local', repo: 'support', state: 'open' });
      return data.find((i) => i.title === 'Stove leaks gas');
    });

    const anna = await signedInPage('support-anna');
    const ben = await signedInPage('support-ben');
    await anna.goto(`${site.url}/staff?search=${encodeURIComponent('stove leaks')}`);
    await anna.getByRole('link', { name: 'Stove leaks gas' }).waitFor();
    const queuePage = await anna.context().newPage();
    await queuePage.goto(`${site.url}/staff?search=${encodeURIComponent('stove leaks')}`);
    await ben.goto(`${site.url}/staff/tickets/${issue.number}`);
    await anna.goto(`${site.url}/staff/tickets/${issue.number}`);
    // Marks that a reload would wipe.
    for (const page of [ben, queuePage]) await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    // Ben starts writing: Anna sees it before she answers too.
    await ben.getByLabel('Message').fill('Please stop using the stove and');
    await expect.poll(() => anna.locator('[data-viewers]').textContent(), { timeout: 15_000 }).toContain('Ben from Support is writing a reply');

    await customer.getByLabel('Your reply').fill('It also hisses when it is turned off.');
    await customer.getByRole('button', { name: 'Send reply' }).click();

    await ben.locator('.message-new', { hasText: 'It also hisses when it is turned off.' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => ben.locator('[data-live-status]').textContent()).toMatch(/^New message from /);
    await expect.poll(() => queuePage.locator('[data-live-region="queue"]').textContent(), { timeout: 30_000 }).toContain('Customer replied');
    for (const page of [ben, queuePage]) expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    // What Ben was writing is still there.
    expect(await ben.getByLabel('Message').inputValue()).toBe('Please stop using the stove and');
    await screenshot(ben, 'staff-workspace-live');
    await ben.setViewportSize({ width: 390, height: 844 });
    await screenshot(ben, 'staff-workspace-live-phone');
  });
});
