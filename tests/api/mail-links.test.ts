// Links in mail, as a newcomer meets them: the built site served on whatever port it gets, with the shipped
// config's siteUrl (the former default, http://localhost:4321), its embedded issue host on a port of its own and a
// real SMTP server on loopback. Every link a mail carries must lead to this server.
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningLocalHost } from '../../src/local-host/index.ts';
import { FORMER_DEFAULT_SITE_URL } from '../../src/server/site-url.ts';
import { hashPassword } from '../../src/staff/passwords.ts';
import { Page } from '../helpers/html.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { startSmtp, type CapturedMail } from '../helpers/smtp.ts';
import { waitFor } from '../helpers/wait.ts';

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'mail-links-')));
const dataDir = path.join(root, 'data');
const configFile = path.join(root, 'helpdesk.config.json');
const PASSWORD = 'a long staff password 42';

let site: RunningSite;
let smtp: Awaited<ReturnType<typeof startSmtp>>;

beforeAll(async () => {
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  writeFileSync(
    configFile,
    JSON.stringify({
      ...config,
      siteUrl: FORMER_DEFAULT_SITE_URL,
      supporters: [{ login: 'support-anna', displayName: 'Anna from Support', categories: [], present: true, email: 'anna@example.com' }],
      staffAccounts: [{ login: 'support-anna', passwordHash: await hashPassword(PASSWORD) }],
    }),
  );
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  smtp = await startSmtp();
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: dataDir, SMTP_URL: smtp.url });
}, 300_000);
afterAll(async () => {
  await site?.stop();
  await smtp?.close();
  rmSync(root, { recursive: true, force: true });
});

const mailWith = (what: string, match: (m: CapturedMail) => boolean) => waitFor(what, () => smtp.mails.find(match));
const linksIn = (mail: CapturedMail) => [...`${mail.text}\n${mail.html}`.matchAll(/https?:\/\/[^\s"<>]+/g)].map((m) => m[0]);

describe('links in mail when siteUrl is left at its default', () => {
  let confirmation: CapturedMail;
  let announcement: CapturedMail;
  beforeAll(async () => {
    const customer = new SiteClient(site.url);
    const filed = await customer.post('/tickets/new', {
      email: 'zoe@example.com',
      name: 'Zoë Example',
      subject: 'Parcel never arrived',
      message: 'Where is my parcel?',
      type: 'question',
      category: 'shipping',
    });
    expect(filed.status).toBe(303);
    const ref = filed.headers.get('location')!.split('?')[0]!.split('/').pop()!;
    // Both mails before any link is opened: opening one verifies the address the staff mail calls unverified.
    confirmation = await mailWith('the confirmation mail', (m) => m.to.includes('zoe@example.com') && m.text.includes(ref));
    announcement = await mailWith('the new-ticket mail', (m) => m.to.includes('anna@example.com') && m.event.startsWith('new-ticket:'));
  });

  it("sends the customer's sign-in link to where the server listens, and it signs them in", async () => {
    const [link, ...others] = linksIn(confirmation);
    expect(others).toEqual([]);
    expect(new URL(link!).origin).toBe(site.url);
    expect(link).not.toContain('localhost:4321');
    const signedIn = await new SiteClient(site.url).followSignInLink(link!);
    expect(signedIn.status).toBe(303);
  });

  it('links staff to the ticket in the workspace on this server, names the customer, and never the embedded host', async () => {
    const mail = announcement;
    const number = mail.event.split(':')[1];
    const workspace = `${site.url}/staff/tickets/${number}`;
    expect(mail.text).toContain(`Open it in the staff workspace: ${workspace}\n`);
    // Filed without signing in: the address is the filer's word until a mailed link is opened.
    expect(mail.text).toContain('A new ticket from Zoë Example (zoe@example.com, unverified address) arrived');
    const embeddedHost = new URL(findRunningLocalHost(path.join(dataDir, 'local-host'))!).host;
    expect(linksIn(mail).filter((l) => l.includes(embeddedHost))).toEqual([]);
    expect(new Set(linksIn(mail))).toEqual(new Set([workspace]));

    const staff = new SiteClient(site.url);
    expect((await staff.post('/staff/signin', { login: 'support-anna', password: PASSWORD })).status).toBe(303);
    const page = await staff.fetch(new URL(workspace).pathname);
    expect(page.status).toBe(200);
    expect(new Page(await page.text()).text('h1')).toBe('Parcel never arrived');
  });
});

describe('a siteUrl that does not match how browsers arrive', () => {
  it('is named in the log, with the address to set', async () => {
    // A browser on the site under another name: its page's Origin names the Host it sent.
    const { port } = new URL(site.url);
    await new Promise<void>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/tickets/new', headers: { host: `help.example.test:${port}`, origin: `https://help.example.test:${port}` } }, (response) => {
        response.resume().on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
    const warning = await waitFor('the warning', () =>
      site
        .output()
        .split('\n')
        .find((line) => line.includes('a browser reached this site at')),
    );
    expect(warning).toContain(
      `a browser reached this site at https://help.example.test:${port}, but siteUrl in ${configFile} is unset (or still ${FORMER_DEFAULT_SITE_URL}), so mail links use where this server listens, ${site.url}`,
    );
    expect(warning).toContain(`set "siteUrl": "https://help.example.test:${port}" in ${configFile}`);
  });
});
