// Merging in Chromium: a supporter merges a duplicate in the workspace; the customer opens the old link and sees one
// conversation, and the reply they write there lands on the target.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launchBrowser, screenshot } from '../helpers/browser.ts';
import { STAFF_PASSWORD, startStaffSite, type StaffSite } from '../helpers/staff-site.ts';
import { waitFor } from '../helpers/wait.ts';

let browser: Browser;
let desk: StaffSite;

beforeAll(async () => {
  desk = await startStaffSite('merge-e2e-', [{ login: 'support-anna' }]);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await desk?.site.stop();
});

describe('merging duplicates', () => {
  it('a supporter merges a duplicate; the old link shows one conversation and a reply there lands on the target', async () => {
    const customer = await (await browser.newContext({ bypassCSP: true })).newPage();
    const file = async (subject: string, message: string) => {
      await customer.goto(`${desk.site.url}/tickets/new`);
      await customer.getByLabel('Email address').fill('double@example.com');
      await customer.getByLabel('Subject').fill(subject);
      await customer.getByLabel('Message', { exact: true }).fill(message);
      await customer.getByRole('button', { name: 'Send ticket' }).click();
      await customer.waitForURL('**/tickets/T-*');
      return new URL(customer.url()).pathname;
    };
    const oldLink = await file('Jacket zip stuck', 'The zip of my rain jacket is stuck halfway.');
    await file('Zip problem again', 'Writing again about the stuck zip: it is the blue jacket.');
    const numberOf = (title: string) =>
      waitFor(`#${title} on the host`, async () => {
        const { data } = await desk.host.rest.issues.listForRepo({ owner: 'local', repo: 'support', state: 'open' });
        return data.find((i) => i.title === title)?.number;
      });
    const duplicate = await numberOf('Jacket zip stuck');
    const target = await numberOf('Zip problem again');

    const staff = await (await browser.newContext({ bypassCSP: true })).newPage();
    await staff.goto(`${desk.site.url}/staff/signin`);
    await staff.getByLabel('Login').fill('support-anna');
    await staff.getByLabel('Password').fill(STAFF_PASSWORD);
    await staff.getByRole('button', { name: 'Sign in' }).click();
    await staff.waitForURL(`${desk.site.url}/staff`);
    await staff.goto(`${desk.site.url}/staff/tickets/${duplicate}`);
    await staff.getByLabel('Other ticket number').fill(String(target));
    await staff.getByRole('button', { name: 'Merge into that ticket' }).click();
    await expect.poll(async () => (await desk.host.rest.issues.get({ owner: 'local', repo: 'support', issue_number: duplicate })).data.state_reason, { timeout: 20_000 }).toBe('duplicate');
    await staff.reload();
    await staff.locator('.ticket-window-internal', { hasText: `Merged into #${target}` }).waitFor();
    expect(await axeViolations(staff)).toEqual([]);

    // The customer's old link: both conversations as one, the earlier labelled; their reply goes to the target.
    await customer.goto(`${desk.site.url}${oldLink}`);
    await customer.getByText('The zip of my rain jacket is stuck halfway.').waitFor();
    await customer.getByText('it is the blue jacket').waitFor();
    await customer.getByText(`from your earlier ticket ${oldLink.split('/').pop()}`).waitFor();
    expect(await axeViolations(customer)).toEqual([]);
    await screenshot(customer, 'ticket-merged');
    await customer.getByLabel('Your reply').fill('Thanks, I will wait for the new slider.');
    await customer.getByRole('button', { name: 'Send reply' }).click();
    await waitFor('the reply on the target', async () => {
      const { data } = await desk.host.rest.issues.listComments({ owner: 'local', repo: 'support', issue_number: target });
      return data.some((c) => c.body?.includes('I will wait for the new slider'));
    });
  });
});
