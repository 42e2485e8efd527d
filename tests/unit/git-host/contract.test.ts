// Contract: every response the local host gives to the adapter is validated against GitHub's published
// OpenAPI description (@octokit/openapi), so the local host cannot drift from the real API silently. The endpoints
// to cover are read from the code (every `octokit.request` / `paginate` route in src/ and scripts/), not listed here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { RequestError } from '@octokit/request-error';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Octokit } from 'octokit';
import { syncLabels, type GitHost } from '../../../src/git-host/index.ts';
import { runSmoke } from '../../../src/git-host/smoke.ts';
import { ticketLabels } from '../../../src/tickets/labels.ts';
import { createTestApp, startTestHost, TOKENS, type TestHost } from '../../helpers/local-host.ts';

interface Recorded {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string | number | undefined>;
  body: unknown;
}

type Json = Record<string, any>;

const require = createRequire(import.meta.url);
const doc = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as Json;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema({ $id: 'gh', components: { schemas: toJsonSchema(doc.components.schemas) } });

/** OpenAPI 3.0's `nullable: true` becomes JSON Schema's null type (ajv only accepts it next to `type`). */
function toJsonSchema(node: unknown): any {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const { nullable, ...rest } = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(rest)) out[k] = k === 'example' || k === 'examples' ? v : toJsonSchema(v);
  if (nullable !== true) return out;
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'], ...(out.enum ? { enum: [...out.enum, null] } : {}) };
  return { anyOf: [out, { type: 'null' }] };
}

const templates = Object.keys(doc.paths as Json).map((template) => ({
  template,
  regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/** The files whose Octokit calls are the adapter's: src/ (but the embedded host) and scripts/. */
function codeFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((file) => !file.split(/[\\/]/).includes('local-host'));
}

/**
 * Every REST route the code calls, as `METHOD /template`: the route strings of `.request(…)`, `.paginate(…)` and
 * `.paginate.iterator(…)` calls in src/ and scripts/. A new call is covered here without editing this test.
 */
function routesCalledByCode(): Set<string> {
  const routes = new Set<string>();
  const call = /\.(?:request|paginate(?:\.iterator)?)\(\s*(['"`])((?:GET|POST|PUT|PATCH|DELETE) \/[^'"`]*)\1/g;
  for (const file of [...codeFiles('src'), ...codeFiles('scripts')]) {
    for (const match of readFileSync(file, 'utf8').matchAll(call)) routes.add(match[2] as string);
  }
  return routes;
}

/** GitHub serves a repository's routes under `/repositories/{id}` too (redirects use it); the OpenAPI lists them by name. */
const byName = (path: string) => path.replace(/^\/repositories\/\d+\//, '/repos/owner/repo/');
/** The same for route templates the code calls. */
const templateByName = (route: string) => route.replace(' /repositories/{repository_id}/', ' /repos/{owner}/{repo}/');

/** The OpenAPI operation for a request, by method and path template (most specific first). */
function operationFor(method: string, url: string): { template: string; operation: Json } | undefined {
  const path = byName(new URL(url).pathname);
  const matches = templates.filter((t) => t.regex.test(path) && doc.paths[t.template][method.toLowerCase()]);
  matches.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  const match = matches[0];
  return match ? { template: match.template, operation: doc.paths[match.template][method.toLowerCase()] } : undefined;
}

const compiled = new Map<string, ValidateFunction>();

/** The validator for one operation's response status; picks a discriminator's mapped schema like GitHub's clients do. */
function validatorFor(template: string, method: string, status: number, body: unknown): ValidateFunction | 'no-body' {
  const operation = doc.paths[template][method.toLowerCase()];
  let response = operation.responses[String(status)];
  expect(response, `${method} ${template} documents status ${status}`).toBeDefined();
  if (response.$ref) response = doc.components.responses[response.$ref.split('/').pop()];
  let schema = response.content?.['application/json']?.schema;
  if (!schema) return 'no-body';
  if (schema.discriminator?.mapping && typeof body === 'object' && body !== null) {
    const tag = (body as Json)[schema.discriminator.propertyName];
    schema = { $ref: schema.discriminator.mapping[tag] };
  }
  const key = `${template} ${method} ${status} ${JSON.stringify(schema).slice(0, 200)}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(toJsonSchema(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"gh#/components/'))));
    compiled.set(key, validate);
  }
  return validate;
}

let t: TestHost;
let host: GitHost;
const recorded: Recorded[] = [];
const testApp = createTestApp();
/** Routes the client libraries call on their own: @octokit/auth-app's token request for an App installation. */
const LIBRARY_ROUTES = ['POST /app/installations/{installation_id}/access_tokens'];

function record<T extends GitHost | Octokit>(h: T): T {
  const octokit = ('metadataContext' in h ? h.octokit : h) as Octokit;
  octokit.hook.wrap('request', async (request, options) => {
    try {
      const response = await request(options);
      recorded.push({ method: options.method, url: response.url, status: response.status, headers: response.headers, body: response.data });
      return response;
    } catch (error) {
      if (error instanceof RequestError && error.response)
        recorded.push({ method: options.method, url: error.response.url, status: error.status, headers: error.response.headers, body: error.response.data });
      throw error;
    }
  });
  return h;
}

beforeAll(async () => {
  t = await startTestHost({
    repositories: [
      { fullName: 'local/support', private: true },
      { fullName: 'local/public-desk', private: false },
      { fullName: 'local/smoke', private: true },
    ],
    apps: [testApp.app],
  });
  host = record(t.adapter());
  // Drive the adapter's whole surface, successes and refusals.
  await host.botLogin();
  await host.isPrivate();
  await syncLabels(host, ticketLabels({ ticketTypes: ['question'], categories: [{ id: 'orders', title: { en: 'Orders' }, description: {} }] }));
  await syncLabels(host, ticketLabels({ ticketTypes: ['question', 'problem'], categories: [{ id: 'orders', title: { en: 'Orders!' }, description: {} }] }));
  const ticket = await host.createTicket({ title: 'Contract', body: 'x', labels: ['status: new', 'type: question'], key: 'contract-1', customerEmail: 'c@example.com' });
  for (let i = 0; i < 3; i++) await host.createTicket({ title: `More ${i}`, body: 'x', labels: [], key: `contract-more-${i}` });
  const message = await host.addComment(ticket.number, { body: 'hello', key: 'contract-2' });
  await host.editComment(ticket.number, message.id, { body: 'hello again', key: 'contract-2' });
  await host.listTicketsUpdatedSince(new Date(Date.now() - 60_000));
  await t.raw(TOKENS.anna, 'POST', `/repos/local/support/issues/${ticket.number}/comments`, { body: '/reply hi' });
  await host.getTicket(ticket.number, { fresh: true });
  await host.getTicket(ticket.number, { fresh: true });
  await host.updateTicket(ticket.number, { labels: ['status: open'], assignees: ['support-anna'], state: 'closed' });
  await host.setState(ticket.number, 'open');
  await host.addReaction(message.id, '+1');
  await host.addReaction(message.id, '+1');
  await host.listReactions(message.id);
  await host.setReaction(message.id, '-1', '+1');
  await host.uploadAttachment({ path: 'tickets/T-1/k/a.txt', content: Buffer.from('hi'), message: 'attachment' });
  await host.readAttachment('tickets/T-1/k/a.txt');
  await host.readAttachment('tickets/T-1/k/none.txt');
  await host.listTicketPage(1, 2);
  // Deleting and erasing: redactions, the attachments branch rewritten through the Git data API.
  await host.listAttachments('tickets/T-1');
  await host.redactMessage(ticket.number, message.id, 'redacted');
  await host.uploadAttachment({ path: 'tickets/T-2/k/b.txt', content: Buffer.from('bye'), message: 'attachment' });
  await host.removeAttachments(['tickets/T-2/k/b.txt']);
  const redacted = await host.createTicket({ title: 'Redact me', body: 'x', labels: [], key: 'contract-redact' });
  await host.redactTicket(redacted.number, { title: '[removed]', text: 'removed', closeAndLock: true });
  await host.listMessages(ticket.number);
  await host.findTicketByKey('contract-1');
  await host.findMessageByKey(ticket.number, 'contract-2', new Date(Date.now() - 60_000));
  await host.octokit.paginate('GET /repos/{owner}/{repo}/issues', { owner: 'local', repo: 'support', state: 'all', per_page: 2 });
  await host.getTicket(424_242);
  // An issue the repository answers for under another name (GitHub redirects to /repositories/<id>/issues/<n>).
  const moved = await host.createTicket({ title: 'Renamed path', body: 'x', labels: [], key: 'contract-moved' });
  t.local.setFaults({ transferredIssues: [{ from: 'local/support', number: 999, to: 'local/support', toNumber: moved.number }] });
  await host.getTicket(999, { fresh: true });
  t.local.setFaults({});
  // The smoke walk, with a token and with a GitHub App: locks, deletions, the blob API, GET /app.
  const labels = ticketLabels({ ticketTypes: ['question'], categories: [] });
  for (const auth of [{ kind: 'token', token: TOKENS.bot } as const, testApp.auth]) {
    const report = await runSmoke({ baseUrl: t.local.url, auth, repository: 'local/smoke', labels, tuning: { intervalsMs: { write: 0, notification: 0 } }, observe: (octokit) => record(octokit) });
    expect(report.steps.filter((step) => step.outcome === 'fail')).toEqual([]);
  }

  await host.hasWriteAccess('support-anna');
  await host.hasWriteAccess('private-member');
  await host.permissionOf('listed-reader');
  await host.permissionOf('random-visitor');
  await host.hasWriteAccess('no-such-user-anywhere');
  await host.createTicket({ title: '', body: 'x', labels: [], key: 'contract-bad' }).catch(() => undefined);
  await host.octokit.request('POST /repos/{owner}/{repo}/labels', { owner: 'local', repo: 'support', name: 'status: new', color: 'ffffff' }).catch(() => undefined);
  await record(t.adapter({ repository: 'local/public-desk', emailSecret: 'k'.repeat(32) })).createTicket({ title: 'p', body: 'x', labels: [], key: 'contract-pub', customerEmail: 'p@example.com' });
  await record(t.adapter({ token: 'no-such-token-1' }))
    .botLogin()
    .catch(() => undefined);
  await record(t.adapter({ repository: 'local/missing' }))
    .isPrivate()
    .catch(() => undefined);
}, 60_000);
afterAll(() => t.stop());

describe("local host responses match GitHub's OpenAPI description", () => {
  it('covers every endpoint the code calls, and only those', () => {
    const called = [...new Set([...routesCalledByCode()].map(templateByName))].sort();
    const used = [...new Set(recorded.map((r) => `${r.method} ${operationFor(r.method, r.url)?.template ?? `?${r.url}`}`))].sort();
    // Read from the code, so this holds whatever is added: a sanity check that the reading finds the adapter's calls.
    expect(called).toEqual(
      expect.arrayContaining(['POST /repos/{owner}/{repo}/issues', 'GET /app', 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}', 'PUT /repos/{owner}/{repo}/issues/{issue_number}/lock']),
    );
    expect(used).toEqual([...called, ...LIBRARY_ROUTES].sort());
  });

  it('gives bodies that validate against the documented schema for their status', () => {
    const failures: string[] = [];
    for (const r of recorded) {
      const op = operationFor(r.method, r.url);
      if (!op) {
        failures.push(`${r.method} ${r.url}: no such operation`);
        continue;
      }
      // A redirect GitHub does not document for the route (the comments of a moved issue) must at least say where.
      if (r.status >= 300 && r.status < 400 && !doc.paths[op.template][r.method.toLowerCase()].responses[String(r.status)]) {
        if (typeof r.headers.location !== 'string') failures.push(`${r.method} ${op.template} ${r.status}: no location`);
        continue;
      }
      const validate = validatorFor(op.template, r.method, r.status, r.body);
      if (validate !== 'no-body' && !validate(r.body)) {
        failures.push(`${r.method} ${op.template} ${r.status}: ${ajv.errorsText(validate.errors).slice(0, 400)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(new Set(recorded.map((r) => r.status))).toEqual(new Set([200, 201, 204, 301, 401, 403, 404, 422]));
  });

  it('would catch drift: a body missing a required field or with a wrong type fails', () => {
    const created = recorded.find((r) => r.method === 'POST' && r.status === 201 && /\/issues$/.test(new URL(r.url).pathname));
    const validate = validatorFor('/repos/{owner}/{repo}/issues', 'POST', 201, created?.body);
    if (validate === 'no-body') throw new Error('expected a schema');
    expect(validate(created?.body)).toBe(true);
    const { number: _number, ...withoutNumber } = (created?.body ?? {}) as Json;
    expect(validate(withoutNumber)).toBe(false);
    expect(validate({ ...(created?.body as Json), state: 42 })).toBe(false);
  });

  it('sends ETag on reads, rate-limit headers and Link pagination like GitHub', () => {
    for (const r of recorded) {
      expect(r.headers['x-ratelimit-limit'], `${r.method} ${r.url}`).toBeDefined();
      expect(r.headers['x-ratelimit-remaining']).toBeDefined();
      expect(r.headers['x-ratelimit-reset']).toBeDefined();
      if (r.method === 'GET' && r.status === 200) expect(r.headers.etag, `${r.method} ${r.url}`).toMatch(/^W\/"[0-9a-f]+"$/);
    }
    const pages = recorded.filter((r) => r.url.includes('per_page=2'));
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages[0]?.headers.link).toMatch(/<[^>]+page=2[^>]*>; rel="next", <[^>]+>; rel="last"/);
  });
});
