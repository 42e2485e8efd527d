// Shared set-up for the workflow tests: a local issue host whose webhooks reach a workflow, and a real SMTP
// server on loopback that captures every mail.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { GitHost } from '../../src/git-host/index.ts';
import { DEFAULT_MAIL_TEMPLATES } from '../../src/mail/default-templates.ts';
import { openMailQueue, type MailQueue } from '../../src/mail/mail-queue.ts';
import { loadMailTemplates } from '../../src/mail/render-template.ts';
import { createMailTransport } from '../../src/mail/transport.ts';
import { ConfigSchema, type Config, type ConfigInput } from '../../src/config/config-schema.ts';
import { HEADER_END } from '../../src/tickets/thread.ts';
import { openWorkflow, type Workflow } from '../../src/workflow/index.ts';
import type { Database } from '../../src/store/database.ts';
import { startTestHost, tempDir, TEST_USERS, TOKENS, type TestHost } from '../helpers/local-host.ts';
import { startSmtp } from '../helpers/smtp.ts';
import { freshStore } from '../helpers/store.ts';

export { parseMail, startSmtp, type CapturedMail } from '../helpers/smtp.ts';

/** The test configuration: two supporters with mail, an escalation chain of two tiers. */
export function testConfig(overrides: Partial<ConfigInput> = {}): Config {
  return ConfigSchema.parse({
    siteName: 'Northwind Help',
    siteUrl: 'https://help.example.com',
    categories: [
      { id: 'orders', title: { en: 'Orders' } },
      { id: 'shipping', title: { en: 'Shipping & delivery' } },
      { id: 'account', title: { en: 'Your account' } },
    ],
    supporters: [
      { login: 'support-anna', displayName: 'Anna from Support', categories: ['orders', 'shipping'], present: true, email: 'anna@example.com' },
      { login: 'support-ben', displayName: 'Ben from Support', categories: ['orders'], present: true, email: 'ben@example.com' },
    ],
    escalationChain: ['support-lead', 'it-oncall'],
    ...overrides,
  });
}

// The test table has the escalation chain's users (support-lead, it-oncall) too.
export const EXTRA_USERS = TEST_USERS;

export interface Harness {
  t: TestHost;
  host: GitHost;
  workflow: Workflow;
  queue: MailQueue;
  smtp: Awaited<ReturnType<typeof startSmtp>>;
  config: Config;
  dataDir: string;
  /** The state store of the running workflow and mail queue (reopened by `restart`). */
  readonly database: Database;
  /** Opens a ticket the way the desk does (bot identity, metadata, labels). */
  openTicket(input: { email: string; category: string; subject?: string; text?: string; order?: string }): Promise<number>;
  /** A customer reply the way the desk's outbox posts it. */
  customerReply(n: number, email: string, text: string): Promise<number>;
  /** Acts as a staff member (or anyone) on the local host's REST API. */
  as(token: string, method: string, path: string, body?: unknown): Promise<any>;
  /** Stops (false) or resumes (true) webhook deliveries: a dropped webhook. */
  webhooks(on: boolean): void;
  /** Waits until webhooks were delivered, processed, and mails sent. */
  settle(): Promise<void>;
  /** Stops the workflow and closes its store connection (keeping the data), then opens both again: a restart. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a local host, an SMTP server, a webhook receiver and a workflow wired like the site does. */
export async function startHarness(config: Config = testConfig()): Promise<Harness> {
  const { dir, remove } = await tempDir('workflow-');
  const store = await freshStore();
  const smtp = await startSmtp();
  const t = await startTestHost({ users: EXTRA_USERS, dataDir: join(dir, 'local-host') });
  const host = t.adapter({ cacheTtlMs: 0 });
  const secret = 'test-webhook-secret';
  const templates = loadMailTemplates(DEFAULT_MAIL_TEMPLATES, undefined);
  const transport = createMailTransport({ from: 'Northwind Help <help@example.com>', smtpUrl: smtp.url, mailDir: join(dir, 'mail') });
  const quiet = process.env['WORKFLOW_DEBUG'] ? console : { warn: () => {}, info: () => {} };
  let ref = 0;

  const open = (database: Database) => {
    const queue = openMailQueue({ database, transport, retryBaseMs: 20, maxRetryMs: 200, log: quiet });
    queue.start();
    const workflow = openWorkflow({
      config,
      host,
      mail: queue,
      templates,
      signInUrl: (email, r) => `${config.siteUrl}/tickets/access?token=link-for-${encodeURIComponent(email)}-${r}`,
      staffTicketUrl: (ticketNumber) => `${config.siteUrl}/staff/tickets/${ticketNumber}`,
      database,
      webhookSecret: secret,
      sweepIntervalSeconds: 3600,
      log: quiet,
    });
    return { queue, workflow, database };
  };
  let running = open(store.database);
  // The site's endpoint in miniature: raw body and headers straight into the workflow.
  const receiver: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      void running.workflow
        .receive({
          id: (req.headers['x-github-delivery'] as string) ?? null,
          event: (req.headers['x-github-event'] as string) ?? null,
          signature: (req.headers['x-hub-signature-256'] as string) ?? null,
          body,
        })
        .then((outcome) => {
          res.writeHead(outcome.status === 'rejected' ? 401 : 202).end(JSON.stringify(outcome));
        });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const target = { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, secret };
  t.local.setWebhook(target);

  const harness: Harness = {
    t,
    host,
    get workflow() {
      return running.workflow;
    },
    get queue() {
      return running.queue;
    },
    smtp,
    config,
    dataDir: dir,
    get database() {
      return running.database;
    },
    async openTicket({ email, category, subject = 'Parcel never arrived', text = 'Where is my parcel?', order = 'NW-1001' }) {
      ref += 1;
      const summary = await host.createTicket({
        title: subject,
        body: `**Customer:** someone${HEADER_END}${text}`,
        labels: ['status: new', 'priority: normal', 'type: problem', `category: ${category}`],
        key: `open-${ref}-${Math.random()}`,
        ref: `T-TEST${String(ref).padStart(4, '0')}`,
        customerEmail: email,
        fields: { order, customerName: 'Zoë' },
      });
      return summary.number;
    },
    async customerReply(n, email, text) {
      const message = await host.addComment(n, { body: `**Customer reply**${HEADER_END}${text}`, key: `reply-${Math.random()}`, customerEmail: email });
      return message.id;
    },
    async as(token, method, path, body) {
      const response = await t.raw(token, method, `/repos/local/support${path}`, body);
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    },
    webhooks(on) {
      t.local.setWebhook(on ? target : undefined);
    },
    async settle() {
      // Our own writes cause more webhooks; settle until a round brings nothing new.
      for (let round = 0; round < 10; round++) {
        const before = t.local.deliveries.length;
        await t.local.idle();
        await running.workflow.idle();
        await t.local.idle();
        if (t.local.deliveries.length === before) return;
      }
    },
    async restart() {
      await running.workflow.close();
      await running.queue.close();
      if (running.database !== store.database) await running.database.close();
      else await store.database.close().catch(() => {});
      running = open(await store.open());
    },
    async stop() {
      await running.workflow.close();
      await running.queue.close();
      if (running.database !== store.database) await running.database.close();
      await store.remove();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await t.stop(true);
      await smtp.close();
      await remove();
    },
  };
  return harness;
}

export { TOKENS };
