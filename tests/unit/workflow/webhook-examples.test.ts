// GitHub's own recorded webhook examples (@octokit/webhooks-examples) for the events the desk subscribes to, signed
// and delivered to the workflow as the site's endpoint does: each is accepted (the ticket is forgotten from the cache
// and processed again from the host), or ignored on purpose (pull requests, other repositories, events that carry no
// ticket), and access changes make staff identity be asked again. No delivery makes the workflow fail.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHost } from '../../../src/git-host/index.ts';
import { signPayload } from '../../../src/local-host/index.ts';
import { DEFAULT_MAIL_TEMPLATES } from '../../../src/mail/default-templates.ts';
import { openMailQueue, type MailQueue } from '../../../src/mail/mail-queue.ts';
import { loadMailTemplates } from '../../../src/mail/render-template.ts';
import { createMailTransport } from '../../../src/mail/transport.ts';
import { openWorkflow, type Workflow } from '../../../src/workflow/index.ts';
import { testConfig } from '../../api/workflow-harness.ts';
import { freshStore } from '../../helpers/store.ts';
import { startTestHost, tempDir, type TestHost } from '../../helpers/local-host.ts';

interface ExampleGroup {
  name: string;
  examples: Array<Record<string, any>>;
}
const require = createRequire(import.meta.url);
const groups = require('@octokit/webhooks-examples') as ExampleGroup[];

// The examples' repository: the ticket repository here, so their issue #1 is a desk ticket.
const REPOSITORY = 'Codertocat/Hello-World';
const SECRET = 'webhook-examples-secret';
/** Events whose examples run: the two the desk acts on, those that change who has write access, and the App's own. */
const EVENTS = ['issues', 'issue_comment', 'member', 'membership', 'organization', 'team', 'team_add', 'repository', 'installation', 'installation_repositories', 'ping'];
const ACCESS_EVENTS = new Set(['member', 'membership', 'organization', 'team', 'team_add', 'repository']);

let t: TestHost;
let host: GitHost;
let store: Awaited<ReturnType<typeof freshStore>>;
let queue: MailQueue;
let workflow: Workflow;
let removeMailDir: () => Promise<void>;
const warnings: string[] = [];
const invalidated: number[] = [];
let permissionsForgotten = 0;

beforeAll(async () => {
  t = await startTestHost({ repositories: [{ fullName: REPOSITORY, private: true }] });
  const adapter = t.adapter({ repository: REPOSITORY, cacheTtlMs: 0 });
  // Watched, not replaced: the workflow's calls still reach the adapter.
  host = {
    ...adapter,
    invalidate: (n) => {
      invalidated.push(n);
      adapter.invalidate(n);
    },
    forgetPermission: (login) => {
      permissionsForgotten += 1;
      adapter.forgetPermission(login);
    },
  };
  const ticket = await host.createTicket({ title: 'Found a bug', body: 'I have a problem', labels: ['status: new'], key: 'example-1', ref: 'T-EXAMPLE1', customerEmail: 'octo@example.com' });
  expect(ticket.number).toBe(1);
  store = await freshStore();
  const mail = await tempDir('examples-mail-');
  removeMailDir = mail.remove;
  const log = { warn: (m: string) => warnings.push(m), info: () => {} };
  queue = openMailQueue({ database: store.database, transport: createMailTransport({ from: 'Help <help@example.com>', mailDir: mail.dir }), log });
  const config = testConfig();
  workflow = openWorkflow({
    config,
    host,
    mail: queue,
    templates: loadMailTemplates(DEFAULT_MAIL_TEMPLATES, undefined),
    signInUrl: (email, ref) => `https://help.example.com/tickets/access?for=${email}&ref=${ref}`,
    staffTicketUrl: (n) => `https://help.example.com/staff/tickets/${n}`,
    database: store.database,
    webhookSecret: SECRET,
    sweepIntervalSeconds: 3600,
    log,
  });
});
afterAll(async () => {
  await workflow.close();
  await queue.close();
  await store.remove();
  await t.stop();
  await removeMailDir();
});

/** What the desk should make of an example: act on it, or leave it alone on purpose (and why). */
function expectedOutcome(event: string, payload: Record<string, any>): { status: 'accepted'; ticketNumber: number } | { status: 'ignored'; why: string } {
  if (event !== 'issues' && event !== 'issue_comment') return { status: 'ignored', why: ACCESS_EVENTS.has(event) ? 'access changed: staff identity is asked again' : 'carries no ticket' };
  if (payload.issue?.pull_request) return { status: 'ignored', why: 'a pull request' };
  if (payload.repository?.full_name !== REPOSITORY) return { status: 'ignored', why: 'another repository' };
  return { status: 'accepted', ticketNumber: payload.issue.number };
}

describe("GitHub's recorded webhook examples through the workflow", () => {
  const cases = groups.filter((g) => EVENTS.includes(g.name)).flatMap((g) => g.examples.map((payload, i) => ({ event: g.name, action: String(payload.action ?? '-'), i, payload })));

  it('covers every event the desk subscribes to', () => {
    expect(new Set(cases.map((c) => c.event))).toEqual(new Set(EVENTS));
    expect(cases.filter((c) => c.event === 'issues').length).toBeGreaterThan(20);
  });

  it('accepts or deliberately ignores each one, processes accepted tickets without an error, and re-asks staff identity on access changes', async () => {
    const seen = new Set<string>();
    const mark = t.local.requests.length;
    let accessDeliveries = 0;
    const outcomes: string[] = [];
    for (const { event, action, i, payload } of cases) {
      const body = JSON.stringify(payload);
      const hash = createHash('sha256').update(body).digest('hex');
      const outcome = await workflow.receive({ id: `example-${event}-${i}`, event, signature: signPayload(SECRET, body), body });
      const expected = seen.has(hash) ? { status: 'duplicate' } : expectedOutcome(event, payload);
      seen.add(hash);
      if (expected.status !== 'duplicate' && ACCESS_EVENTS.has(event)) accessDeliveries += 1;
      const { why: _why, ...shape } = expected as { why?: string };
      expect(outcome, `${event}.${action} #${i}`).toEqual(shape);
      outcomes.push(`${event}.${action}: ${outcome.status}`);
    }
    await workflow.idle();
    expect(warnings.filter((w) => /could not be processed|failed/.test(w))).toEqual([]);
    // Accepted deliveries dropped the cached ticket and had it read again from the host.
    const accepted = outcomes.filter((o) => o.endsWith('accepted')).length;
    expect(accepted).toBeGreaterThan(15);
    expect(invalidated.filter((n) => n === 1).length).toBeGreaterThanOrEqual(accepted);
    expect(t.local.requests.slice(mark).some((r) => r.method === 'GET' && r.path.startsWith(`/repos/${REPOSITORY}/issues/1`))).toBe(true);
    expect(permissionsForgotten).toBe(accessDeliveries);
    expect(accessDeliveries).toBeGreaterThan(10);
  });
});
