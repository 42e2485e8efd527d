// The customer's ticket page reads the ticket from the adapter's cache: an unchanged ticket costs no Git host call,
// the customer's own reply shows at once (also when another server process sent it), and a staff reply shows once
// its webhook arrives.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesk } from '../../../src/desk/desk-service.ts';
import type { Desk } from '../../../src/desk/desk.ts';
import type { GitHost } from '../../../src/git-host/index.ts';
import { DEFAULT_MAIL_TEMPLATES } from '../../../src/mail/default-templates.ts';
import { openMailQueue, type MailQueue } from '../../../src/mail/mail-queue.ts';
import { loadMailTemplates } from '../../../src/mail/render-template.ts';
import { createMailTransport } from '../../../src/mail/transport.ts';
import { openOutbox, type Outbox } from '../../../src/outbox/index.ts';
import { parseConfig } from '../../../src/server/config.ts';
import { deriveKey } from '../../../src/tickets/access-token.ts';
import { openWorkflow, type WebhookDelivery, type Workflow } from '../../../src/workflow/index.ts';
import { freshStore } from '../../helpers/store.ts';
import { startTestHost, tempDir, TOKENS, type TestHost } from '../../helpers/local-host.ts';

const quiet = { warn: () => {}, info: () => {} };
const config = parseConfig(readFileSync('helpdesk.config.json', 'utf8'));
const customer = { email: 'cached@example.com' };
const secret = 'ticket-cache-webhook-secret-0123456789';
let t: TestHost;
let host: GitHost;
let store: Awaited<ReturnType<typeof freshStore>>;
let outbox: Outbox;
let queue: MailQueue;
let workflow: Workflow;
let desk: Desk;
let receiver: Server;
let removeMailDir: () => Promise<void>;
/** Webhooks the host sent, held until the test hands them to the workflow. */
const held: WebhookDelivery[] = [];

/** Hands every webhook sent so far to the workflow, and waits until what they started is done (and what that sent). */
async function deliverWebhooks(): Promise<void> {
  for (;;) {
    await t.local.idle();
    if (held.length === 0) return;
    for (const delivery of held.splice(0)) await workflow.receive(delivery);
    await workflow.idle();
  }
}

/** Files a ticket through the desk and the outbox, and lets the workflow route it; its reference and issue number. */
async function fileTicket(subject: string): Promise<{ ref: string; number: number }> {
  const { ref } = await desk.openTicket({
    form: { email: customer.email, name: 'Cass', subject, message: 'Where is my parcel?', type: 'question', category: 'orders', order: '', priority: 'normal' },
    files: [],
    idempotencyKey: undefined,
    signedIn: true,
  });
  while ((await outbox.list()).length > 0) await outbox.drainOnce();
  await deliverWebhooks();
  return { ref, number: (await outbox.resolve(ref)) as number };
}

const ticketRequests = (number: number, mark: number) => t.local.requests.slice(mark).filter((r) => new RegExp(`^/repos/local/support/issues/${number}(/|$|\\?)`).test(r.path));

beforeAll(async () => {
  t = await startTestHost();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const header = (name: string) => (req.headers[name] as string | undefined) ?? null;
      held.push({ id: header('x-github-delivery'), event: header('x-github-event'), signature: header('x-hub-signature-256'), body });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.local.setWebhook({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, secret });
  // The site's tuning: reads cached up to the default TTL.
  host = t.adapter();
  store = await freshStore();
  const mail = await tempDir('ticket-cache-mail-');
  removeMailDir = mail.remove;
  outbox = await openOutbox({ database: store.database, host, log: quiet });
  queue = openMailQueue({ database: store.database, transport: createMailTransport({ from: 'Help <help@example.com>', mailDir: mail.dir }), log: quiet });
  // Started, so the workflow's mails (to a folder) are sent and it goes idle.
  queue.start();
  workflow = openWorkflow({
    config,
    host,
    mail: queue,
    templates: loadMailTemplates(DEFAULT_MAIL_TEMPLATES, undefined),
    signInUrl: (email, ref) => `https://help.example.com/tickets/access?for=${email}&ref=${ref}`,
    staffTicketUrl: (n) => `https://help.example.com/staff/tickets/${n}`,
    database: store.database,
    webhookSecret: secret,
    sweepIntervalSeconds: 3600,
    log: quiet,
  });
  desk = createDesk({
    config,
    host,
    outbox,
    mail: queue,
    signInPath: () => '/tickets/access',
    siteUrl: 'https://help.example.com',
    kindsOf: (messages) => workflow.kindsOf(messages),
    database: store.database,
    draftKeyMacKey: deriveKey('ticket-cache-test-secret-0123456789abcdef', 'draft-key'),
    log: quiet,
  });
});
afterAll(async () => {
  t.local.setWebhook(undefined);
  await workflow.close();
  await queue.close();
  await outbox.close();
  await store.remove();
  await t.stop();
  await new Promise((resolve) => receiver.close(resolve));
  await removeMailDir();
});

describe("the customer's ticket page", () => {
  it('costs no Git host call for an unchanged ticket, and one read for concurrent first views', async () => {
    const { ref, number } = await fileTicket('Unchanged');
    await desk.viewTicket(ref, customer);
    const mark = t.local.requests.length;
    for (let i = 0; i < 20; i++) expect((await desk.viewTicket(ref, customer))?.status).not.toBe('removed');
    expect(ticketRequests(number, mark)).toEqual([]);

    // As after a webhook: ten concurrent views share one read (the issue and its comments).
    host.invalidate(number);
    const views = await Promise.all(Array.from({ length: 10 }, () => desk.viewTicket(ref, customer)));
    expect(views.every((v) => v?.subject === 'Unchanged')).toBe(true);
    expect(ticketRequests(number, mark).map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  it("shows the customer's own reply at once after it is sent", async () => {
    const { ref } = await fileTicket('Own reply');
    await desk.viewTicket(ref, customer);
    await desk.reply(ref, customer, 'Any news?', []);
    expect((await desk.viewTicket(ref, customer))?.messages.at(-1)).toMatchObject({ kind: 'customer', queued: true });
    while ((await outbox.list()).length > 0) await outbox.drainOnce();
    const shown = (await desk.viewTicket(ref, customer))?.messages.filter((m) => m.kind === 'customer' && m.html.includes('Any news?'));
    expect(shown).toMatchObject([{ queued: false }]);
  });

  it("shows the customer's reply at once when another server process sent it", async () => {
    const { ref } = await fileTicket('Sent elsewhere');
    // A second process on the same store, with its own adapter (and cache); its outbox drains this reply.
    const other = await openOutbox({ database: store.database, host: t.adapter(), log: quiet });
    try {
      await desk.reply(ref, customer, 'Sent by the other process', []);
      expect((await desk.viewTicket(ref, customer))?.messages.at(-1)).toMatchObject({ kind: 'customer', queued: true });
      while ((await other.list()).length > 0) await other.drainOnce();
      const shown = (await desk.viewTicket(ref, customer))?.messages.filter((m) => m.html.includes('Sent by the other process'));
      expect(shown).toMatchObject([{ kind: 'customer', queued: false }]);
    } finally {
      await other.close();
    }
  });

  it('shows a staff reply once its webhook arrives, and a rating of it at once', async () => {
    const { ref, number } = await fileTicket('Staff reply');
    await desk.viewTicket(ref, customer);
    await t.raw(TOKENS.anna, 'POST', `/repos/local/support/issues/${number}/comments`, { body: '/reply We shipped it today.' });
    await t.local.idle();
    // Nothing told this process yet (the webhook is held): the cached thread stands.
    const staffReplies = async () => (await desk.viewTicket(ref, customer))?.messages.filter((m) => m.kind === 'staff') ?? [];
    expect(await staffReplies()).toEqual([]);
    await deliverWebhooks();
    const [reply] = await staffReplies();
    expect(reply?.html).toContain('We shipped it today.');

    await desk.rate(ref, customer, reply?.id as number, 'helpful');
    expect((await staffReplies())[0]?.rating).toBe('helpful');
  });
});
