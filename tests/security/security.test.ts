import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningLocalHost, PUBLISHED_TOKENS } from '../../src/local-host/index.ts';
import { hashPassword } from '../../src/staff/passwords.ts';
import { siteSecret } from '../helpers/metadata.ts';
import { hostTokens } from '../helpers/local-host.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { buildSite, serveSite, type BuildResult, type RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'security-')));
const dataDir = path.join(root, 'data');
const configFile = path.join(root, 'helpdesk.config.json');
const STAFF_PASSWORD = 'security suite staff password';
// Secrets the site holds; none may ever reach a visitor, a bundle or the log.
const secrets = () => [
  // The embedded host's tokens, generated for this installation, and the admin token of its fault switches.
  ...hostTokens(path.join(dataDir, 'local-host')).all,
  ...PUBLISHED_TOKENS,
  siteSecret(dataDir, 'session'),
];

let build: BuildResult;
let site: RunningSite;
const responses: { where: string; text: string }[] = [];

/** Fetches and keeps the whole response (status line, headers, body) for the leak scan. */
async function capture(client: SiteClient, where: string, init?: RequestInit & { origin?: string | null }): Promise<Response> {
  const response = await client.fetch(where, init);
  const text = `${response.status}\n${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await response.clone().text()}`;
  responses.push({ where, text });
  return response;
}

function filesBelow(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesBelow(full) : [full];
  });
}

beforeAll(async () => {
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  writeFileSync(
    configFile,
    JSON.stringify({
      ...config,
      staffAccounts: [{ login: 'support-anna', passwordHash: await hashPassword(STAFF_PASSWORD) }],
      abuse: { ticketsPerIpPerHour: 10_000, ticketsPerEmailPerHour: 10_000, linksPerEmailPer15Min: 10_000 },
    }),
  );
  build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: dataDir });
  expect((await fetch(`${site.url}/tickets/new`)).status).toBe(200);
});
afterAll(() => site?.stop());

describe('secrets', () => {
  it('never appear in a page, an API answer, an error page or the server log', async () => {
    const visitor = new SiteClient(site.url);
    for (const route of [
      '/',
      '/de/',
      '/articles/track-your-order/',
      '/categories/shipping/',
      '/search?q=refund',
      '/no/such/page',
      '/tickets',
      '/tickets/new',
      '/tickets/T-00000000',
      '/tickets/access?token=x.y',
      '/api/tickets/T-00000000',
      '/api/suggest?q=parcel',
      '/staff',
      '/staff/signin',
      '/staff/oauth/start',
    ]) {
      await capture(visitor, route);
    }
    await capture(visitor, '/tickets/new', { method: 'POST', body: new URLSearchParams({ email: 'x' }), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const form = new FormData();
    for (const [k, v] of Object.entries({ email: 'leak@example.com', subject: 'Leak check', message: 'Checking nothing leaks here.', type: 'question', category: 'orders' })) form.append(k, v);
    const created = await capture(visitor, '/tickets/new', { method: 'POST', body: form });
    const ticketPath = created.headers.get('location')!.split('?')[0]!;
    await capture(visitor, ticketPath);
    const apiPath = `/api/tickets/${ticketPath.split('/')[2]}`;
    await waitFor('the ticket to be filed', async () => !(await (await visitor.fetch(apiPath)).text()).includes('"status":"queued"'));
    // An outage: neither the customer's last-known answer nor the staff outage page (which names the host's error)
    // may carry the host's URL credentials or tokens.
    const staff = new SiteClient(site.url);
    await staff.post('/staff/signin', { login: 'support-anna', password: STAFF_PASSWORD });
    const hostUrl = findRunningLocalHost(path.join(dataDir, 'local-host'))!;
    const admin = { authorization: `token ${hostTokens(path.join(dataDir, 'local-host')).admin}` };
    await fetch(`${hostUrl}/_admin/faults`, { method: 'PUT', headers: admin, body: JSON.stringify({ serverError: { rate: 1 } }) });
    try {
      await waitFor('a staff outage page', async () => (await capture(staff, '/staff/tickets/1')).status === 502);
      await capture(visitor, apiPath);
      await capture(visitor, ticketPath);
    } finally {
      await fetch(`${hostUrl}/_admin/faults`, { method: 'PUT', headers: admin, body: '{}' });
    }
    for (const route of ['/staff', '/staff/stats', '/staff/stats.csv', '/staff/tickets/1', '/staff/tickets/999999']) await capture(staff, route);

    for (const secret of secrets()) {
      for (const { where, text } of responses) expect(text.includes(secret), `${where} shows a secret`).toBe(false);
      expect(site.output().includes(secret), 'the server log shows a secret').toBe(false);
    }
  });

  it('never appear in the built client files', () => {
    const files = filesBelow(path.join(build.outDir, 'client'));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files.filter((f) => !/\.(png|br|gz)$/.test(f))) {
      const text = readFileSync(file, 'utf8');
      for (const secret of secrets()) expect(text.includes(secret), `${file} holds a secret`).toBe(false);
    }
  });
});

describe('headers', () => {
  it.each(['/', '/articles/track-your-order/', '/_search/manifest.json', '/sw.js', '/tickets/new', '/no/such/page'])('%s is sent with nosniff, a referrer policy and no framing', async (route) => {
    const response = await fetch(site.url + route);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it.each(['/', '/articles/track-your-order/', '/tickets/new', '/staff/signin', '/search?q=x'])('%s carries a Content Security Policy that allows only the site itself', async (route) => {
    // A header on prerendered and rendered pages alike; the build inlines nothing, so no page needs a hash.
    const response = await fetch(site.url + route);
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    // What the policy would block: an inline script or stylesheet, or a style attribute.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style[\s>]/);
    expect(html).not.toMatch(/<[a-z][^>]*\sstyle=/);
  });

  it('tells browsers to stay on HTTPS when the site is served over HTTPS', async () => {
    const https = await serveSite(build.outDir, { configFile }, { DATA_DIR: path.join(root, 'https-data'), HTTPS: 'true' });
    try {
      expect((await fetch(https.url)).headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await https.stop();
    }
  });
});

describe('input fuzzing', () => {
  // A lone surrogate cannot be percent-encoded: send the malformed escape a broken client would.
  const enc = (s: string) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return '%ED%A0%80';
    }
  };
  const endpoints: { method: 'GET' | 'POST'; path: (s: string) => string }[] = [
    { method: 'POST', path: () => '/tickets/new' },
    { method: 'POST', path: () => '/tickets' },
    { method: 'POST', path: (s) => `/tickets/T-${enc(s.slice(0, 8))}` },
    { method: 'GET', path: (s) => `/tickets/access?token=${enc(s)}` },
    { method: 'GET', path: (s) => `/tickets/T-AAAAAAAA/files/${enc(s)}/../../${enc(s)}` },
    { method: 'GET', path: (s) => `/api/tickets/${enc(s)}` },
    { method: 'POST', path: () => '/api/preview' },
    { method: 'GET', path: (s) => `/api/suggest?q=${enc(s)}` },
    { method: 'GET', path: (s) => `/search?q=${enc(s)}&lang=${enc(s.slice(0, 3))}` },
    { method: 'POST', path: () => '/staff/signin' },
    { method: 'GET', path: (s) => `/staff/oauth/callback?state=${enc(s)}&code=${enc(s)}` },
  ];
  const contentTypes = ['multipart/form-data; boundary=xyz', 'application/x-www-form-urlencoded', 'application/json', 'text/plain', 'application/xml', ''];
  const text = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 100 }),
    fc.constantFrom('../../etc/passwd', '%00', '\u0000', '\ud800', '{"a":', '<script>', '🙂'.repeat(300), 'a'.repeat(70_000)),
  );

  it('answers every endpoint with a clear status below 500 and keeps serving', async () => {
    const client = new SiteClient(site.url);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: endpoints.length - 1 }), text, fc.constantFrom(...contentTypes), fc.boolean(), async (index, value, contentType, withOrigin) => {
        const endpoint = endpoints[index]!;
        const init: RequestInit & { origin?: string | null } = { method: endpoint.method, ...(withOrigin ? {} : { origin: null }) };
        if (endpoint.method === 'POST') {
          init.body = contentType.startsWith('application/x-www') ? new URLSearchParams({ email: value, subject: value, message: value, action: value }).toString() : value;
          if (contentType) init.headers = { 'Content-Type': contentType };
        }
        const response = await client.fetch(endpoint.path(value), init);
        const body = await response.text();
        expect(response.status, `${endpoint.method} ${endpoint.path(value).slice(0, 80)}: ${body.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 150, seed: 20261127 },
    );
    expect((await fetch(`${site.url}/`)).status).toBe(200);
  });

  it('answers every staff endpoint, signed in, with a clear status below 500', async () => {
    const staff = new SiteClient(site.url);
    expect((await staff.post('/staff/signin', { login: 'support-anna', password: STAFF_PASSWORD })).status).toBe(303);
    const staffEndpoints: { method: 'GET' | 'POST'; path: (s: string) => string; fields?: (s: string) => Record<string, string> }[] = [
      { method: 'POST', path: () => '/staff/presence', fields: (s) => ({ login: s, present: s }) },
      { method: 'POST', path: () => '/staff/tickets/1', fields: (s) => ({ action: s, to: s, text: s, status: s, priority: s, confirm: s }) },
      { method: 'POST', path: () => '/staff/tickets/1', fields: (s) => ({ action: 'assign', to: s }) },
      { method: 'POST', path: () => '/staff/tickets/1', fields: (s) => ({ action: 'properties', status: s, category: s }) },
      { method: 'GET', path: (s) => `/staff/files/${enc(s)}` },
      { method: 'GET', path: (s) => `/staff/files/T-AAAAAAAA/${enc(s)}/../../${enc(s)}` },
      { method: 'GET', path: (s) => `/staff?search=${enc(s)}&status=${enc(s.slice(0, 5))}` },
      { method: 'GET', path: (s) => `/staff/tickets/1?savedReply=${enc(s)}` },
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: staffEndpoints.length - 1 }), text, async (index, value) => {
        const endpoint = staffEndpoints[index]!;
        const response = endpoint.fields ? await staff.post(endpoint.path(value), endpoint.fields(value)) : await staff.fetch(endpoint.path(value));
        const body = await response.text();
        expect(response.status, `${endpoint.method} ${endpoint.path(value).slice(0, 80)}: ${body.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 80, seed: 20261207 },
    );
  });
});
