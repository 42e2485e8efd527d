// A running site on the sample config with staff accounts, its embedded issue host, and the steps staff tests repeat:
// a staff client signed in once per login, and a customer's ticket filed and waited for on the host.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Octokit } from 'octokit';
import { expect } from 'vitest';
import { findRunningLocalHost } from '../../src/local-host/index.ts';
import { hashPassword } from '../../src/staff/passwords.ts';
import { SiteClient } from './http-client.ts';
import { hostTokens } from './local-host.ts';
import { mailsTo } from './mail-folder.ts';
import { siteMetadata } from './metadata.ts';
import { buildSite, serveSite, type RunningSite } from './site.ts';
import { waitFor } from './wait.ts';

export const STAFF_PASSWORD = 'a long staff password 42';

export interface StaffSite {
  site: RunningSite;
  dataDir: string;
  configFile: string;
  /** The embedded issue host, as the supporter support-anna. */
  host: Octokit;
  /** A signed-in staff client, one per login for the file: sign-ins are limited per address (10 in 15 minutes). */
  staff(login?: string): Promise<SiteClient>;
  /** A customer's ticket filed through the form, once it is on the host. */
  fileTicket(email: string, subject: string, extra?: Record<string, string | Blob>): Promise<{ customer: SiteClient; ticketPath: string; number: number }>;
  /** The mails the site wrote to its mail folder for `email` (quoted-printable soft breaks undone). */
  mailsTo(email: string): string[];
  /** Rows of the site's SQLite store, read through a read-only connection of its own. */
  storeRows<T>(sql: string, ...params: Array<string | number>): T[];
}

/**
 * Starts the sample site with `accounts` as staff (all with STAFF_PASSWORD) and `config` over the sample config's runtime keys;
 * `env` adds to the server's environment (e.g. HELPDESK_TEST_CLOCK_FILE).
 */
export async function startStaffSite(prefix: string, accounts: { login: string; admin?: boolean }[], config: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<StaffSite> {
  const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', prefix)));
  const dataDir = path.join(root, 'data');
  const configFile = path.join(root, 'helpdesk.config.json');
  const passwordHash = await hashPassword(STAFF_PASSWORD);
  const sample = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  writeFileSync(configFile, JSON.stringify({ ...sample, staffAccounts: accounts.map((a) => ({ ...a, passwordHash })), ...config }));
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  const site = await serveSite(build.outDir, { configFile }, { DATA_DIR: dataDir, ...env });
  expect((await fetch(`${site.url}/tickets/new`)).status).toBe(200);
  const host = new Octokit({ baseUrl: findRunningLocalHost(path.join(dataDir, 'local-host'))!, auth: hostTokens(path.join(dataDir, 'local-host')).of('support-anna') });
  const signedIn = new Map<string, SiteClient>();
  return {
    site,
    dataDir,
    configFile,
    host,
    async staff(login = 'support-anna') {
      const known = signedIn.get(login);
      if (known) return known;
      const client = new SiteClient(site.url);
      signedIn.set(login, client);
      expect((await client.post('/staff/signin', { login, password: STAFF_PASSWORD })).status).toBe(303);
      return client;
    },
    mailsTo: (email) => mailsTo(dataDir, email),
    storeRows<T>(sql: string, ...params: Array<string | number>): T[] {
      const db = new DatabaseSync(path.join(dataDir, 'helpdesk.sqlite'), { readOnly: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    async fileTicket(email, subject, extra = {}) {
      const customer = new SiteClient(site.url);
      const response = await customer.post('/tickets/new', { email, name: 'C', subject, message: 'Please help me with this order.', type: 'question', category: 'orders', ...extra });
      expect(response.status).toBe(303);
      const ticketPath = response.headers.get('location')!.split('?')[0]!;
      const ref = ticketPath.split('/').pop();
      const issue = await waitFor('the issue', async () => {
        const { data } = await host.rest.issues.listForRepo({ owner: 'local', repo: 'support', state: 'all', per_page: 100 });
        return data.find((i) => siteMetadata(dataDir, i.body, i.user)?.ref === ref);
      });
      return { customer, ticketPath, number: issue.number };
    },
  };
}
