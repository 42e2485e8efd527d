// The chat widget in Chromium, two contexts: a visitor chats from an article page; a supporter answers from the staff
// chat page and from the issue (a `/reply` comment through the host's API, as GitHub's UI would); each side sees the
// other's messages live, in order, once — across a dropped connection and a page change. axe-core on the widget,
// closed and open, at 1280 and 390 px.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launchBrowser, screenshot } from '../helpers/browser.ts';
import { STAFF_PASSWORD, startStaffSite, type StaffSite } from '../helpers/staff-site.ts';
import { waitFor } from '../helpers/wait.ts';

let browser: Browser;
let desk: StaffSite;

beforeAll(async () => {
  desk = await startStaffSite('chat-e2e-', [{ login: 'support-anna', admin: true }, { login: 'support-ben' }]);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await desk?.site.stop();
});

async function staffPage(login: string): Promise<Page> {
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  await page.goto(`${desk.site.url}/staff/signin`);
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(STAFF_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${desk.site.url}/staff`);
  return page;
}

const chatLog = (page: Page) => page.locator('[data-chat-log] .chat-message:not(.chat-pending) .chat-body');
const logTexts = async (page: Page) => (await chatLog(page).allTextContents()).map((t) => t.trim());

describe('chat', () => {
  it('a visitor and a supporter talk live, in order, each message once, across a dropped connection', async () => {
    const visitorContext = await browser.newContext({ bypassCSP: true });
    const visitor = await visitorContext.newPage();
    await visitor.goto(`${desk.site.url}/articles/headlamp-not-turning-on/`);
    const launcher = visitor.getByRole('button', { name: 'Chat with us' });
    await launcher.waitFor();
    expect(await axeViolations(visitor, '[data-chat]')).toEqual([]);

    await launcher.click();
    await visitor.getByText('Someone from our team is here').waitFor();
    expect(await launcher.getAttribute('aria-expanded')).toBe('true');
    expect(await axeViolations(visitor, '[data-chat]')).toEqual([]);
    await visitor.getByLabel('Your email address').fill('walker@example.com');
    await visitor.getByLabel('Your name').fill('Sam Walker');
    await visitor.locator('#chat-first').fill('Does the headlamp work with rechargeable batteries?');
    await visitor.getByRole('button', { name: 'Send' }).first().click();
    await expect.poll(() => logTexts(visitor), { timeout: 20_000 }).toEqual(['Does the headlamp work with rechargeable batteries?']);
    await screenshot(visitor, 'chat-widget-desktop', { fullPage: false });

    // Anna has the chat page open: the conversation appears there without a reload.
    const anna = await staffPage('support-anna');
    await anna.goto(`${desk.site.url}/staff/chat`);
    await anna.getByRole('link', { name: /Sam Walker/ }).click({ timeout: 20_000 });
    await anna.getByLabel('Your answer').fill('Yes: any AAA rechargeable cells.');
    await anna.getByRole('button', { name: 'Send to the customer' }).click();
    await expect.poll(() => logTexts(visitor), { timeout: 20_000 }).toContain('Yes: any AAA rechargeable cells.');

    // The visitor answers with Enter; the staff chat page shows it without a reload.
    await anna.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await visitor.locator('#chat-message').fill('Great, and how long do they last?');
    await visitor.locator('#chat-message').press('Enter');
    await anna.locator('[data-live-region="chat-thread"]', { hasText: 'how long do they last' }).waitFor({ timeout: 20_000 });
    expect(await anna.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await screenshot(anna, 'staff-chat-desktop');

    // The connection drops; Ben answers from the issue meanwhile; back online, it arrives once.
    const { data: issues } = await desk.host.rest.issues.listForRepo({ owner: 'local', repo: 'support', labels: 'channel: chat', state: 'open' });
    const issue = issues.find((i) => i.title.startsWith('Chat: Does the headlamp'))!;
    await visitorContext.setOffline(true);
    await desk.host.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: issue.number, body: '/reply About 8 hours on the high setting.' });
    await desk.host.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: issue.number, body: 'Note for the team: add this to the article.' });
    await visitorContext.setOffline(false);
    await expect.poll(() => logTexts(visitor), { timeout: 30_000 }).toContain('About 8 hours on the high setting.');
    const inOrder = ['Does the headlamp work with rechargeable batteries?', 'Yes: any AAA rechargeable cells.', 'Great, and how long do they last?', 'About 8 hours on the high setting.'];
    expect(await logTexts(visitor)).toEqual(inOrder);
    expect(await visitor.content()).not.toContain('Note for the team');

    // On another article the widget carries on: the conversation again, each message once.
    await visitor.goto(`${desk.site.url}/articles/reset-your-password/`);
    await visitor.getByRole('button', { name: 'Chat with us' }).click();
    await expect.poll(() => logTexts(visitor), { timeout: 20_000 }).toEqual(inOrder);

    await visitor.setViewportSize({ width: 390, height: 844 });
    expect(await axeViolations(visitor, '[data-chat]')).toEqual([]);
    const overflow = await visitor.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(visitor, 'chat-widget-phone', { fullPage: false });
    await visitor.getByRole('button', { name: 'Close the chat' }).click();
    expect(await axeViolations(visitor, '[data-chat]')).toEqual([]);
  });

  it('with nobody present the widget takes a message, answered by mail', async () => {
    const anna = await staffPage('support-anna');
    await anna.getByRole('button', { name: 'Set Ben from Support away' }).click();
    await anna.getByRole('button', { name: 'Set me away' }).click();
    try {
      const visitor = await (await browser.newContext()).newPage();
      await visitor.goto(`${desk.site.url}/`);
      await visitor.getByRole('button', { name: 'Chat with us' }).click();
      await visitor.getByText('Nobody is here right now').waitFor();
      await visitor.getByLabel('Your email address').fill('evening@example.com');
      await visitor.locator('#chat-first').fill('My tent arrived without pegs.');
      await visitor.getByRole('button', { name: 'Send' }).first().click();
      await expect.poll(() => logTexts(visitor), { timeout: 20_000 }).toEqual(['My tent arrived without pegs.']);
      // The conversation goes on by mail: the visitor has a link to it.
      const mail = await waitFor('the mail to the visitor', () => desk.mailsTo('evening@example.com')[0]);
      expect(mail).toMatch(/\/tickets\/access\?token=/);
    } finally {
      await anna.getByRole('button', { name: 'Set me present' }).click();
      await anna.getByRole('button', { name: 'Set Ben from Support present' }).click();
    }
  });
});
