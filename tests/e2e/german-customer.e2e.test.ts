// A German customer's whole journey in German (issue 16, item 8): from /de/ to the form, its article suggestions, the
// confirmation mail on a real SMTP server, its link and the ticket page; axe-core on the form and the ticket page;
// screenshots at 1280 and 390 px into docs/screenshots.
import { mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { Octokit } from 'octokit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningLocalHost } from '../../src/local-host/index.ts';
import { describeStatus } from '../../src/tickets/status.ts';
import { hostTokens } from '../helpers/local-host.ts';
import { siteMetadata } from '../helpers/metadata.ts';
import { axeViolations, launchBrowser } from '../helpers/browser.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { startSmtp } from '../helpers/smtp.ts';
import { waitFor } from '../helpers/wait.ts';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const email = 'kundin@example.de';

let browser: Browser;
let site: RunningSite;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let dataDir: string;

beforeAll(async () => {
  const build = buildSite();
  expect(build.status, build.output).toBe(0);
  smtp = await startSmtp();
  dataDir = mkdtempSync(path.resolve('tmp', 'data-de-'));
  site = await serveSite(build.outDir, {}, { DATA_DIR: dataDir, SMTP_URL: smtp.url });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await site?.stop();
  await smtp?.close();
});

async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync('docs/screenshots', { recursive: true });
  await page.screenshot({ path: `docs/screenshots/${name}.png`, fullPage: true });
}

describe('a German customer', () => {
  let ticketPath: string;

  it('opens the German form from /de/, gets German suggestions, and sees German errors and thanks', async () => {
    // axe-core is injected as a script, which the site's CSP (own scripts only) would refuse.
    const context = await browser.newContext({ bypassCSP: true, viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${site.url}/de/`);
    await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Ticket eröffnen' }).click();
    await page.waitForURL('**/tickets/new?lang=de');
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Ticket eröffnen');

    // Sent empty: the server's refusal, in German, keeps the page German.
    await page.getByRole('button', { name: 'Ticket senden' }).click();
    const summary = page.locator('[data-error-summary]');
    await expect.poll(() => summary.getByRole('heading').textContent()).toBe('Ihr Ticket wurde nicht gesendet');
    expect(await summary.textContent()).toContain('Geben Sie Ihre E-Mail-Adresse ein, damit wir Ihnen antworten können.');
    // Afresh, so the screenshot shows the form as a customer first sees it.
    await page.reload();

    await page.getByLabel('E-Mail-Adresse').fill(email);
    await page.getByLabel('Name').fill('Erika Beispiel');
    await page.getByLabel('Worum geht es?').selectOption({ label: 'Problem' });
    await page.getByLabel('Thema').selectOption('shipping');
    await page.getByLabel('Betreff').fill('Paket wurde nicht geliefert');
    // The suggestions come from the German articles: "geliefert" finds the delivery article.
    await page.locator('[data-suggestions]').getByRole('link', { name: 'Lieferzeiten und Versandkosten' }).waitFor();
    await page.getByLabel('Nachricht', { exact: true }).fill('Meine Bestellung NW-10485327 ist seit einer Woche unterwegs. Wo ist sie?');
    await page.getByRole('button', { name: 'Vorschau' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'ticket-form-de-desktop');

    await page.getByRole('button', { name: 'Ticket senden' }).click();
    await page.waitForURL('**/tickets/T-*');
    ticketPath = new URL(page.url()).pathname;
    expect(await page.getByRole('status').first().textContent()).toContain('Vielen Dank — wir haben Ihr Ticket erhalten.');
    await context.close();
  });

  it('gets the confirmation mail in German, follows its link in a fresh browser and reads the ticket in German', async () => {
    const mail = await waitFor('the German confirmation mail', () => smtp.mails.find((m) => m.to.includes(email) && m.subject.startsWith('Ihr Ticket')));
    expect(mail.subject).toMatch(/^Ihr Ticket T-\w+ — /);
    expect(mail.text).toContain('Wir haben Ihr Ticket');
    const link = /\/tickets\/access\?token=[\w.%-]+&lang=de/.exec(mail.text)?.[0];
    expect(link, mail.text).toBeDefined();

    const context = await browser.newContext({ bypassCSP: true, viewport: PHONE });
    const page = await context.newPage();
    await page.goto(site.url + link);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Anmelden');
    await page.getByRole('button', { name: 'Weiter' }).click();
    await page.waitForURL(`**${ticketPath}`);
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Paket wurde nicht geliefert');
    const facts = page.locator('.ticket-facts');
    expect(await facts.textContent()).toContain('Referenz');
    expect(await facts.textContent()).toContain('Versand & Lieferung');
    expect(await facts.textContent()).toContain('Problem');
    expect(await page.locator('.message-customer header strong').first().textContent()).toBe('Sie');
    // Queued, new or auto-assigned by now: whichever, in the customer's German words.
    const germanStatuses = (['queued', 'new', 'open'] as const).map((status) => describeStatus(status, 'de').text);
    expect(germanStatuses).toContain(await facts.locator('.status').textContent());
    await page.getByRole('button', { name: 'Antwort senden' }).waitFor();
    await page.getByRole('link', { name: 'Meine Tickets' }).first().waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'ticket-de-phone');

    // An empty reply is refused in German, and the page stays German.
    // Spaces pass the browser's `required` check; the server trims them and refuses the reply.
    await page.getByLabel('Ihre Antwort').fill('   ');
    await page.getByRole('button', { name: 'Antwort senden' }).click();
    await expect.poll(() => page.locator('#message-error').textContent()).toBe('Schreiben Sie eine Antwort, bevor Sie senden.');
    expect(await page.locator('html').getAttribute('lang')).toBe('de');

    // A supporter answers on the Git host: the reply appears live with German words, and its mail is German.
    const url = await waitFor('the embedded issue host', () => findRunningLocalHost(path.join(dataDir, 'local-host')));
    const octokit = new Octokit({ baseUrl: url, auth: hostTokens(path.join(dataDir, 'local-host')).of('support-anna') });
    const ref = ticketPath.split('/').pop();
    const issue = await waitFor('the issue', async () => {
      const { data } = await octokit.rest.issues.listForRepo({ owner: 'local', repo: 'support', state: 'all' });
      return data.find((i) => siteMetadata(dataDir, i.body, i.user)?.ref === ref);
    });
    await octokit.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: issue.number, body: '/reply\nIhr Paket kommt am Donnerstag.' });
    await page.locator('.message-staff').filter({ hasText: 'kommt am Donnerstag' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-live-status]').textContent()).toMatch(/^Neue Antwort von /);
    const reply = await waitFor('the German staff-reply mail', () => smtp.mails.find((m) => m.to.includes(email) && m.text.includes('hat auf Ihr Ticket')));
    expect(reply.subject).toContain('— neue Antwort von');
    expect(reply.text).toContain('Ihr Paket kommt am Donnerstag.');
    const statusLine = /^Status: +(.+)$/m.exec(reply.text)?.[1];
    expect((['new', 'open', 'waiting'] as const).map((status) => describeStatus(status, 'de').text)).toContain(statusLine);
    expect(reply.text).toMatch(/\/tickets\/access\?token=[\w.%-]+&lang=de/);

    // "Meine Tickets" from the ticket page stays German.
    await page.locator('.breadcrumbs').getByRole('link', { name: 'Meine Tickets' }).click();
    await page.waitForURL('**/tickets?lang=de');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Meine Tickets');
    expect(await page.locator('.my-tickets').textContent()).toContain('Paket wurde nicht geliefert');
    await context.close();
  });

  it('asks for a sign-in link on the German "Meine Tickets" page and gets it in German', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${site.url}/tickets?lang=de`);
    await page.getByLabel('E-Mail-Adresse').fill(email);
    await page.getByRole('button', { name: 'Anmeldelink per E-Mail senden' }).click();
    await expect.poll(() => page.locator('[data-link-sent]').textContent()).toBe(`Falls ${email} Tickets bei uns hat, ist ein Anmeldelink unterwegs. Er funktioniert einmal, 24 Stunden lang.`);
    const mail = await waitFor('the German sign-in mail', () => smtp.mails.find((m) => m.to.includes(email) && m.subject.startsWith('Anmeldung zu Ihren Tickets')));
    expect(mail.text).toContain('Öffnen Sie diesen Link, um Ihre Tickets zu sehen:');
    expect(mail.text).toMatch(/\/tickets\/access\?token=[\w.%-]+&lang=de/);
    await context.close();
  });
});
