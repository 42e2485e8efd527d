// Knowledgebase insights over HTTP, on the built site: the vote and search-report endpoints (refusals with a
// reason, never a 500; one vote per key; metered per client), a ticket opened from a search, the staff page with
// its one-click article request on the embedded Git host, and `npm run kb:insights` on the same store.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { toString as hastToString } from 'hast-util-to-string';
import { Octokit } from 'octokit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningLocalHost } from '../../src/local-host/index.ts';
import { hashPassword } from '../../src/staff/passwords.ts';
import { hostTokens } from '../helpers/local-host.ts';
import { Page } from '../helpers/html.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'kb-insights-')));
const dataDir = path.join(root, 'data');
const configFile = path.join(root, 'helpdesk.config.json');
const PASSWORD = 'a long staff password 42';
/** Small limits, so the tests reach them (`abuse` is read at run time: the build is the sample site's). */
const FEEDBACK_LIMIT = 8;
const REPORTS_LIMIT = 6;

let site: RunningSite;

const vote = (overrides: Record<string, unknown> = {}) => ({ voteId: 'api-test-vote-0000000001', seq: 1, article: 'return-policy', helpful: false, ...overrides });
const report = (query: string, results: number, key: string) => ({ key: `api-report-${key}`.padEnd(16, '0'), query, lang: 'en', results });

function postJson(client: SiteClient, url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return client.fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

async function staffClient(): Promise<SiteClient> {
  const client = new SiteClient(site.url);
  expect((await client.post('/staff/signin', { login: 'support-anna', password: PASSWORD })).status).toBe(303);
  return client;
}

beforeAll(async () => {
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
  writeFileSync(
    configFile,
    JSON.stringify({
      ...config,
      staffAccounts: [{ login: 'support-anna', passwordHash: await hashPassword(PASSWORD) }],
      abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: 100, linksPerEmailPer15Min: 10, feedbackPerClientPerHour: FEEDBACK_LIMIT, searchReportsPerClientPerHour: REPORTS_LIMIT },
    }),
  );
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: dataDir });
});
afterAll(() => site?.stop());

describe('POST /api/kb/feedback', () => {
  it('records a vote once per key and change: a resend is a duplicate', async () => {
    const client = new SiteClient(site.url);
    const first = await postJson(client, '/api/kb/feedback', vote());
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toContain('no-store');
    expect(await first.json()).toEqual({ status: 'recorded' });
    expect(await (await postJson(client, '/api/kb/feedback', vote())).json()).toEqual({ status: 'duplicate' });
    expect(await (await postJson(client, '/api/kb/feedback', vote({ seq: 2, comment: 'The address for returns is missing.' }))).json()).toEqual({ status: 'recorded' });
  });

  it.each([
    ['a body that is not JSON', 'text/plain', 'hello', 415, 'bad_content_type', 'Send the body as application/json.'],
    ['malformed JSON', 'application/json', '{"voteId":', 400, 'invalid_input', /^The body is not valid JSON \(/],
    [
      'a missing field',
      'application/json',
      JSON.stringify({ voteId: 'api-test-vote-0000000002', seq: 1, article: 'return-policy' }),
      400,
      'invalid_input',
      'helpful: Say whether the article helped: "helpful": true or false.',
    ],
    [
      'an unknown article',
      'application/json',
      JSON.stringify(vote({ voteId: 'api-test-vote-0000000003', article: 'no-such-article' })),
      400,
      'invalid_input',
      'There is no article "no-such-article".',
    ],
    ['an unknown field', 'application/json', JSON.stringify(vote({ ip: '1.2.3.4' })), 400, 'invalid_input', 'Unknown field: "ip".'],
    ['a comment too long', 'application/json', JSON.stringify(vote({ seq: 9, comment: 'é'.repeat(1500) })), 400, 'invalid_input', 'The comment may be at most 1000 characters long; it has 1500.'],
    [
      'a vote id of another article',
      'application/json',
      JSON.stringify(vote({ seq: 10, article: 'stuck-zipper' })),
      400,
      'invalid_input',
      'This "voteId" was used for another article: make a new one for each article.',
    ],
    ['a body over 16 KiB', 'application/json', JSON.stringify(vote({ comment: 'x'.repeat(17_000) })), 413, 'too_large', 'The request is too large: at most 16 KiB in all.'],
  ])('refuses %s with a reason', async (_name, type, body, status, code, message) => {
    const response = await postJson(new SiteClient(site.url), '/api/kb/feedback', body, { 'Content-Type': type });
    const error = await errorOf(response);
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });

  it('refuses a vote from another site', async () => {
    const response = await new SiteClient(site.url).fetch('/api/kb/feedback', {
      method: 'POST',
      origin: 'https://evil.example',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(vote()),
    });
    expect(response.status).toBe(403);
    const client = new SiteClient(site.url);
    const noOrigin = await client.fetch('/api/kb/feedback', { method: 'POST', origin: null, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(vote()) });
    expect(noOrigin.status).toBe(403);
  });

  it('takes the form of a page without JavaScript and sends the visitor back to the article', async () => {
    const response = await new SiteClient(site.url).fetch('/api/kb/feedback', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'article=stuck-zipper&helpful=yes',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/articles/stuck-zipper/#article-feedback-thanks');
  });

  it('is metered per client: past the hourly limit it answers 429 with the time to wait (invalid bodies cost nothing)', async () => {
    const client = new SiteClient(site.url);
    // Votes so far took 4 points (3 JSON, 1 form); refusals took none.
    for (let i = 0; await postJson(client, '/api/kb/feedback', vote({ voteId: `api-test-limit-${String(i).padStart(10, '0')}` })).then((r) => r.status === 200); i++) {
      expect(i).toBeLessThan(FEEDBACK_LIMIT);
    }
    const refused = await postJson(client, '/api/kb/feedback', vote({ voteId: 'api-test-limit-9999999999' }));
    const error = await errorOf(refused.clone());
    expect(error).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(error.message).toMatch(/^Too many requests\. Please try again in \d+ minutes?\.$/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('POST /api/kb/searches', () => {
  it('counts reports once per key, refuses bad batches with a reason, and meters per client', async () => {
    const client = new SiteClient(site.url);
    const batch = { reports: [report('gift wrapping', 0, 'a'), report('gift wrapping', 0, 'b'), report('return policy', 2, 'c'), report('anna@example.com', 0, 'd')] };
    expect(await (await postJson(client, '/api/kb/searches', batch)).json()).toEqual({ counted: 4, duplicates: 0, ignored: 0 });
    expect(await (await postJson(client, '/api/kb/searches', batch)).json()).toEqual({ counted: 0, duplicates: 4, ignored: 0 });
    const bad = await errorOf(await postJson(client, '/api/kb/searches', { reports: [{ ...report('x', 0, 'e'), results: 'many' }] }));
    expect(bad).toEqual({ status: 400, code: 'invalid_input', message: 'reports.0.results: Send "results", the number of results shown.' });
    for (let i = 2; i < REPORTS_LIMIT; i++) expect((await postJson(client, '/api/kb/searches', { reports: [report('zipper', 5, `f${i}`)] })).status).toBe(200);
    expect((await postJson(client, '/api/kb/searches', { reports: [report('zipper', 5, 'g')] })).status).toBe(429);
  });
});

describe('a ticket opened from a search', () => {
  it('carries the query from the no-result link to intake, and counts once against it', async () => {
    const client = new SiteClient(site.url);
    const form = await client.fetch(`/tickets/new?subject=${encodeURIComponent('Gift wrapping')}&from=search&lang=en`);
    const page = new Page(await form.text());
    expect(page.attr('input[name="subject"]', 'value')).toBe('Gift wrapping');
    expect(page.attr('input[name="searchQuery"]', 'value')).toBe('Gift wrapping');
    expect(page.attr('input[name="searchLang"]', 'value')).toBe('en');
    const fields = {
      email: 'wrap@example.com',
      subject: 'Gift wrapping',
      message: 'Can you gift-wrap my order?',
      type: 'question',
      category: 'orders',
      searchQuery: 'Gift wrapping',
      searchLang: 'en',
      idempotencyKey: 'kb-insights-draft-0001',
    };
    expect((await client.post('/tickets/new', fields)).status).toBe(303);
    // The same offline draft sent again is the same ticket, and not a second one after the search.
    expect((await new SiteClient(site.url).post('/tickets/new', fields)).status).toBe(303);
    expect(new Page(await (await client.fetch('/tickets/new')).text()).one('input[name="searchQuery"]')).toBeUndefined();
  });
});

describe('the staff page "Knowledgebase insights"', () => {
  it('needs a staff session', async () => {
    const response = await new SiteClient(site.url).fetch('/staff/insights');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/staff/signin?next=%2Fstaff%2Finsights');
  });

  it('shows the gaps, helpfulness and comments, and opens one issue per query on the Git host', async () => {
    const staff = await staffClient();
    const html = await (await staff.fetch('/staff/insights')).text();
    const page = new Page(html);
    expect(page.text('h1')).toBe('Knowledgebase insights');
    expect(page.attr('nav[aria-label="Staff"] a[aria-current="page"]', 'href')).toBe('/staff/insights');
    const queries = (table: string) => page.all(`#${table} tbody th > span:first-child`).map((span) => hastToString(span));
    expect(queries('no-results')).toEqual(['gift wrapping']);
    expect(queries('tickets-after-search')).toEqual(['gift wrapping']);
    expect(queries('few-results')).toEqual(['return policy']);
    expect(queries('top-queries')).toEqual(['zipper', 'gift wrapping', 'return policy']);
    expect(page.text('.insights-comment-text')).toBe('The address for returns is missing.');
    expect(html).not.toContain('anna@example.com');

    // From another site the button does nothing.
    const forged = await staff.post('/staff/insights', { action: 'request-article', query: 'gift wrapping', lang: 'en' }, { origin: 'https://evil.example' });
    expect(forged.status).toBe(403);

    const opened = await staff.post('/staff/insights', { action: 'request-article', query: 'gift wrapping', lang: 'en', from: '', to: '' });
    expect(opened.status).toBe(303);
    const number = Number(new URL(opened.headers.get('location')!, site.url).searchParams.get('issue'));
    const octokit = new Octokit({ baseUrl: findRunningLocalHost(path.join(dataDir, 'local-host'))!, auth: hostTokens(path.join(dataDir, 'local-host')).of('support-anna') });
    const { data: issue } = await octokit.rest.issues.get({ owner: 'local', repo: 'support', issue_number: number });
    expect(issue.title).toBe('Write an article: “gift wrapping”');
    expect(issue.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['kb: article request']);
    // Not a ticket: no metadata block, so the workflow leaves it alone (workflow/sync-ticket.ts isDeskTicket).
    expect(issue.body).not.toContain('helpdesk:');

    const again = await staff.post('/staff/insights', { action: 'request-article', query: 'gift wrapping', lang: 'en' });
    expect(new URL(again.headers.get('location')!, site.url).searchParams.get('issue')).toBe(String(number));
    const after = new Page(await (await staff.fetch(again.headers.get('location')!)).text());
    expect(after.text('[role="status"]')).toBe(`An issue for this query was opened before: #${number}.`);
    expect(after.one('#no-results form')).toBeUndefined();
    expect(after.text('#no-results tbody td:last-child')).toBe(`Issue #${number} opened`);

    const refused = await staff.post('/staff/insights', { action: 'request-article', query: 'call 0151 2345 6789', lang: 'en' });
    expect(refused.status).toBe(400);
    expect(new Page(await refused.text()).text('[role="alert"]')).toBe('"call 0151 2345 6789" is not a query the insights keep.');
  });
});

describe('npm run kb:insights', () => {
  it('prints the same figures from the same store', async () => {
    // The environment of a person at a terminal: none of the test runner's variables.
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VITEST\w*|TEST|NODE_ENV|MODE|DEV|PROD|SSR)$/.test(name))), DATA_DIR: dataDir, HELPDESK_CONFIG: configFile };
    const run = spawnSync('npm', ['run', '--silent', 'kb:insights', '--', '--json', '--days', '2'], { env, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.searches).toMatchObject({ tickets: 1, filtered: 1 });
    expect(report.noResults[0]).toMatchObject({ query: 'gift wrapping', noResults: 2, tickets: 1, request: { issueNumber: expect.any(Number) } });
    const text = spawnSync('npm', ['run', '--silent', 'kb:insights'], { env, encoding: 'utf8' });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain('searches without results');
    expect(text.stdout).toContain('gift wrapping');
    expect(text.stdout).toContain('not helpful: The address for returns is missing.');
  });
});
