// Response targets, deleting a ticket and a customer's data, as staff and customers see them in Chromium, on a
// laptop and on a phone: the queue's due column turning overdue on a scripted clock, the workspace's targets and
// delete form, an admin deleting a ticket and its customer's old link, the customer page's data forms, statistics.
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launchBrowser, screenshot } from '../helpers/browser.ts';
import { STAFF_PASSWORD, startStaffSite, type StaffSite } from '../helpers/staff-site.ts';
import { waitFor } from '../helpers/wait.ts';

const clockFile = path.join(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'sla-e2e-clock-')), 'now');
const setClock = (ms: number) => {
  writeFileSync(`${clockFile}.tmp`, String(ms));
  renameSync(`${clockFile}.tmp`, clockFile);
};
const HOUR = 3_600_000;

let browser: Browser;
let desk: StaffSite;

beforeAll(async () => {
  setClock(Date.now());
  desk = await startStaffSite(
    'sla-privacy-e2e-',
    [{ login: 'support-anna', admin: true }],
    {
      abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: 100, linksPerEmailPer15Min: 10 },
      responseTargets: { calendar: '24/7', warningMinutes: 30, targets: { normal: { firstResponse: 1, nextResponse: 2, resolution: 8 } } },
    },
    { HELPDESK_TEST_CLOCK_FILE: clockFile },
  );
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await desk?.site.stop();
});

async function signedInStaff(width: number): Promise<Page> {
  const page = await (await browser.newContext({ bypassCSP: true, viewport: { width, height: 900 } })).newPage();
  await page.goto(`${desk.site.url}/staff/signin`);
  await page.getByLabel('Login').fill('support-anna');
  await page.getByLabel('Password').fill(STAFF_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${desk.site.url}/staff`);
  return page;
}

describe("response targets and a customer's data, in the browser", () => {
  it("shows due and overdue tickets, deletes a ticket for an admin, and offers a customer's data to export or erase", async () => {
    const customer = await (await browser.newContext({ bypassCSP: true })).newPage();
    const file = async (subject: string, message: string) => {
      await customer.goto(`${desk.site.url}/tickets/new`);
      await customer.getByLabel('Email address').fill('lena.late@example.com');
      await customer.getByLabel('Subject').fill(subject);
      await customer.getByLabel('Message', { exact: true }).fill(message);
      await customer.getByRole('button', { name: 'Send ticket' }).click();
      await customer.waitForURL('**/tickets/T-*');
      return new URL(customer.url()).pathname;
    };
    await file('Tent arrived without pegs', 'The tent came without its bag of pegs.');
    const doomed = await file('Please remove my old ticket', 'I wrote this by mistake, sorry.');
    const numberOf = (title: string) =>
      waitFor(`${title} on the host`, async () => {
        const { data } = await desk.host.rest.issues.listForRepo({ owner: 'local', repo: 'support', state: 'open' });
        return data.find((i) => i.title === title)?.number;
      });
    const pegs = await numberOf('Tent arrived without pegs');
    const mistaken = await numberOf('Please remove my old ticket');

    // The queue, sorted by due time: both due within the hour, then overdue once the clock passes it.
    const staff = await signedInStaff(1280);
    const dueCell = (number: number) => staff.locator('tr', { has: staff.locator(`a[href="/staff/tickets/${number}"]`) }).locator('td[data-label="Due"]');
    await expect
      .poll(
        async () => {
          await staff.goto(`${desk.site.url}/staff?sort=due`);
          return dueCell(pegs).innerText();
        },
        { timeout: 20_000 },
      )
      .toMatch(/due in/);
    setClock(Date.now() + 2 * HOUR);
    await waitFor('the overdue label on the host', async () =>
      (await desk.host.rest.issues.get({ owner: 'local', repo: 'support', issue_number: pegs })).data.labels.some((l) => (typeof l === 'string' ? l : l.name) === 'sla: overdue'),
    );
    await staff.goto(`${desk.site.url}/staff?sort=due`);
    expect(await dueCell(pegs).innerText()).toMatch(/overdue/);
    expect(await axeViolations(staff)).toEqual([]);
    await screenshot(staff, 'staff-queue-due');

    // The workspace: its targets and, for an admin, the delete form.
    await staff.goto(`${desk.site.url}/staff/tickets/${pegs}`);
    await staff.getByRole('heading', { name: 'Delete this ticket' }).waitFor();
    expect(await staff.locator('body').innerText()).toMatch(/first response/i);
    expect(await axeViolations(staff)).toEqual([]);
    await screenshot(staff, 'staff-workspace-targets');
    const phone = await signedInStaff(390);
    await phone.goto(`${desk.site.url}/staff?sort=due`);
    expect(await axeViolations(phone)).toEqual([]);
    await screenshot(phone, 'staff-queue-due-phone');
    await phone.goto(`${desk.site.url}/staff/tickets/${pegs}`);
    await screenshot(phone, 'staff-workspace-targets-phone');

    // Deleting: refused until confirmed (the browser's own check), then done; the customer's link says so.
    await staff.goto(`${desk.site.url}/staff/tickets/${mistaken}`);
    await staff.getByLabel('Yes, delete this ticket').check();
    await staff.getByRole('button', { name: 'Delete ticket' }).click();
    await staff.waitForURL(`${desk.site.url}/staff?deleted=${mistaken}**`);
    expect(await staff.locator('body').innerText()).toContain(`#${mistaken}`);
    await customer.goto(`${desk.site.url}${doomed}`);
    await customer.getByRole('heading', { name: 'This ticket was removed' }).waitFor();
    expect(await customer.locator('body').innerText()).not.toContain('I wrote this by mistake');
    expect(await axeViolations(customer)).toEqual([]);
    await screenshot(customer, 'ticket-removed');

    // The customer's page: their data, to export or erase (admins).
    await staff.goto(`${desk.site.url}/staff/customers`);
    await staff.locator('main a[href^="/staff/customers/"]').first().click();
    await staff.getByRole('button', { name: 'Export their data' }).waitFor();
    await staff.getByRole('button', { name: 'Erase their data' }).waitFor();
    expect(await axeViolations(staff)).toEqual([]);
    await screenshot(staff, 'staff-customer-data');

    // Statistics: the share of each target met.
    await staff.goto(`${desk.site.url}/staff/stats`);
    expect(await staff.locator('body').innerText()).toMatch(/first response/i);
    expect(await axeViolations(staff)).toEqual([]);
    await screenshot(staff, 'staff-stats-targets');
  });
});
