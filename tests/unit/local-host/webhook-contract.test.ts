// Contract: every webhook the embedded host sends validates against GitHub's published webhook schemas
// (@octokit/openapi-webhooks, the api.github.com description), for every kind of delivery it makes.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, startTestHost, TOKENS, type TestHost } from '../../helpers/local-host.ts';

type Json = Record<string, any>;
const require = createRequire(import.meta.url);
const doc = JSON.parse(readFileSync(require.resolve('@octokit/openapi-webhooks/generated/api.github.com.json'), 'utf8')) as Json;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema({ $id: 'hooks', components: doc.components });

/** The schema GitHub publishes for an event and action: `webhooks["issue-comment-created"]`. */
function validatorFor(event: string, action: string) {
  const hook = doc.webhooks[`${event.replaceAll('_', '-')}-${action}`] as Json | undefined;
  const ref = hook?.post?.requestBody?.content?.['application/json']?.schema?.$ref as string | undefined;
  if (!ref) return undefined;
  return ajv.compile({ $ref: ref.replace(/^#/, 'hooks#') });
}

const testApp = createTestApp();
let t: TestHost;
let receiver: Server;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(202).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t = await startTestHost({ webhook: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, secret: 'webhook-contract' }, apps: [testApp.app] });

  // Every kind of change the host reports, by staff, the bot and a GitHub App.
  const bot = t.adapter();
  const app = t.adapter({ auth: testApp.auth });
  const ticket = await bot.createTicket({ title: 'Webhooks', body: 'first', labels: ['status: new'], key: 'hooks-1', customerEmail: 'c@example.com' });
  await app.createTicket({ title: 'By the App', body: 'x', labels: [], key: 'hooks-2' });
  const message = await bot.addComment(ticket.number, { body: 'a reply', key: 'hooks-3' });
  await bot.editComment(ticket.number, message.id, { body: 'a reply, edited', key: 'hooks-3' });
  await t.raw(TOKENS.anna, 'POST', `/repos/local/support/issues/${ticket.number}/comments`, { body: '/reply hello' });
  await bot.updateTicket(ticket.number, { labels: ['status: open', 'priority: high'], assignees: ['support-anna'] });
  await bot.updateTicket(ticket.number, { assignees: [] });
  await bot.replaceTicketText(ticket.number, 'first, edited');
  await bot.updateTicket(ticket.number, { state: 'closed', closeReason: 'not_planned' });
  await bot.setState(ticket.number, 'open');
  await t.raw(TOKENS.anna, 'PUT', `/repos/local/support/issues/${ticket.number}/lock`, { lock_reason: 'too heated' });
  await t.raw(TOKENS.anna, 'DELETE', `/repos/local/support/issues/${ticket.number}/lock`);
  await t.local.idle();
}, 60_000);
afterAll(async () => {
  await t.stop();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe("webhooks the embedded host sends match GitHub's published webhook schemas", () => {
  it('sends every kind of delivery the desk handles', () => {
    const kinds = new Set(t.local.deliveries.map((d) => `${d.event}.${d.action}`));
    expect([...kinds].sort()).toEqual(
      [
        'issues.opened',
        'issues.edited',
        'issues.labeled',
        'issues.unlabeled',
        'issues.assigned',
        'issues.unassigned',
        'issues.closed',
        'issues.reopened',
        'issues.locked',
        'issues.unlocked',
        'issue_comment.created',
        'issue_comment.edited',
      ].sort(),
    );
    expect(t.local.deliveries.every((d) => d.status === 202)).toBe(true);
  });

  it('gives payloads that validate against the schema of their event and action', () => {
    const failures: string[] = [];
    for (const delivery of t.local.deliveries) {
      const validate = validatorFor(delivery.event, delivery.action);
      if (!validate) {
        failures.push(`${delivery.event}.${delivery.action}: GitHub publishes no such webhook`);
        continue;
      }
      if (!validate(delivery.payload)) failures.push(`${delivery.event}.${delivery.action}: ${ajv.errorsText(validate.errors).slice(0, 600)}`);
    }
    expect(failures).toEqual([]);
  });

  it('would catch drift: a payload missing a required field fails', () => {
    const opened = t.local.deliveries.find((d) => d.event === 'issues' && d.action === 'opened');
    const validate = validatorFor('issues', 'opened');
    expect(validate?.(opened?.payload)).toBe(true);
    const { issue: _issue, ...withoutIssue } = opened?.payload ?? {};
    expect(validate?.(withoutIssue)).toBe(false);
    expect(validate?.({ ...opened?.payload, issue: { ...(opened?.payload.issue as Json), number: 'one' } })).toBe(false);
  });
});
