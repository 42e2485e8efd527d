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

  it('a supporter starts a conversation with a customer on the site (popup) and with one who is not (mail with a working link)', async () => {
    // Kim chats once, then opens the link the desk mailed: her browser now proves her address.
    const kim = await (await browser.newContext({ bypassCSP: true })).newPage();
    await kim.goto(`${desk.site.url}/`);
    await kim.getByRole('button', { name: 'Chat with us' }).click();
    await kim.getByLabel('Your email address').fill('kim@example.com');
    await kim.getByLabel('Your name').fill('Kim Camper');
    await kim.locator('#chat-first').fill('Is the Trail 2 tent in stock?');
    await kim.getByRole('button', { name: 'Send' }).first().click();
    await expect.poll(() => logTexts(kim), { timeout: 20_000 }).toEqual(['Is the Trail 2 tent in stock?']);
    const link = await waitFor('the mail to Kim', () => /https?:\/\/[^\s"<>]+\/tickets\/access\?token=[\w.%-]+/.exec(desk.mailsTo('kim@example.com').join('\n'))?.[0]);
    await kim.goto(link);
    await kim.getByRole('button', { name: 'Continue' }).click();
    await kim.waitForURL('**/tickets/T-*');
    await kim.goto(`${desk.site.url}/articles/headlamp-not-turning-on/`);
    // The panel picks the conversation up again (closed, it still listens).
    await kim.getByRole('button', { name: 'Chat with us' }).waitFor();

    const anna = await staffPage('support-anna');
    const startWith = async (search: string, message: string) => {
      await expect
        .poll(
          async () => {
            await anna.goto(`${desk.site.url}/staff/customers?search=${encodeURIComponent(search)}`);
            return anna.locator('table a[href^="/staff/customers/"]').count();
          },
          { timeout: 20_000 },
        )
        .toBe(1);
      await anna.locator('table a[href^="/staff/customers/"]').click();
      await anna.getByLabel('First message').fill(message);
      await anna.getByRole('button', { name: 'Open conversation' }).click();
      await anna.getByText('Conversation started.').waitFor();
    };
    await startWith('kim camper', 'Hi Kim, the Trail 2 is back in stock today.');
    await screenshot(anna, 'staff-customer-desktop');

    // On the site: the popup opens the panel with Anna's message; Kim opens the conversation and answers.
    await kim.getByRole('alert').filter({ hasText: 'started a conversation with you' }).waitFor({ timeout: 20_000 });
    expect(await kim.locator('.chat-invite blockquote').textContent()).toBe('Hi Kim, the Trail 2 is back in stock today.');
    expect(await axeViolations(kim, '[data-chat]')).toEqual([]);
    await kim.getByRole('button', { name: 'Open it' }).click();
    await expect.poll(() => logTexts(kim), { timeout: 20_000 }).toEqual(['Hi Kim, the Trail 2 is back in stock today.']);
    await kim.locator('#chat-message').fill('Great, I will order one now.');
    await kim.locator('#chat-message').press('Enter');
    await anna.goto(`${desk.site.url}/staff/chat`);
    await anna
      .getByRole('link', { name: /Kim Camper/ })
      .first()
      .waitFor();

    // Not on the site: Robin has only a ticket; Anna's message reaches them by mail, and its link opens the conversation.
    const robin = await desk.fileTicket('robin@example.com', 'Sleeping bag zip', { name: 'Robin Field' });
    expect(robin.number).toBeGreaterThan(0);
    await startWith('robin field', 'Robin, we have a replacement zip for you. Which colour is the bag?');
    const mailed = await waitFor('the mail to Robin', () => desk.mailsTo('robin@example.com').find((m) => m.includes('replacement zip')));
    const robinLink = /https?:\/\/[^\s"<>]+\/tickets\/access\?token=[\w.%-]+/.exec(mailed)![0];
    const robinPage = await (await browser.newContext()).newPage();
    await robinPage.goto(robinLink);
    await robinPage.getByRole('button', { name: 'Continue' }).click();
    await robinPage.waitForURL('**/tickets/T-*');
    await robinPage.getByText('we have a replacement zip for you').waitFor();
  });

  it('escalating shows the Internal window to staff and nothing of it to the customer', async () => {
    const { customer, ticketPath, number } = await desk.fileTicket('escalate@example.com', 'Stove valve leaks', { name: 'Alex Stove' });
    const ben = await staffPage('support-ben');
    await ben.goto(`${desk.site.url}/staff/tickets/${number}`);
    await ben.getByLabel('Why').fill('Possible gas leak: safety team must look at it today.');
    await ben.getByRole('button', { name: 'Escalate to the next tier' }).click();
    const internal = ben.locator('.ticket-window-internal');
    await expect.poll(() => internal.locator('[data-escalation]').textContent(), { timeout: 20_000 }).toMatch(/Escalated to .+: Possible gas leak/);
    expect(await ben.locator('.ticket-window-main').textContent()).not.toContain('Possible gas leak');
    expect(await axeViolations(ben)).toEqual([]);
    await screenshot(ben, 'staff-workspace-escalated');
    const customerPage = await customer.fetch(ticketPath);
    expect(await customerPage.text()).not.toContain('gas leak');
  });
});
