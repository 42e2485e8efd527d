// Issue 16, item 9: while the Git host cannot be read, a customer's ticket is its last known state — the thread this
// process read last, else the read model's facts — filtered as a fresh read is (no internal note), and a reply is
// queued in the outbox and delivered once when the host is back.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDesk } from '../../../src/desk/desk-service.ts';
import type { Desk } from '../../../src/desk/desk.ts';
import { GitHostError, type GitHost } from '../../../src/git-host/index.ts';
import { DEFAULT_MAIL_TEMPLATES } from '../../../src/mail/default-templates.ts';
import { openMailQueue, type MailQueue } from '../../../src/mail/mail-queue.ts';
import { loadMailTemplates } from '../../../src/mail/render-template.ts';
import { createMailTransport } from '../../../src/mail/transport.ts';
import { openOutbox, type Outbox } from '../../../src/outbox/index.ts';
import { parseConfig } from '../../../src/server/config.ts';
import { removeTicketSummary } from '../../../src/store/ticket-summaries.ts';
import { deriveKey } from '../../../src/tickets/access-token.ts';
import { DeskError } from '../../../src/tickets/errors.ts';
import { openWorkflow, type Workflow } from '../../../src/workflow/index.ts';
import { freshStore } from '../../helpers/store.ts';
import { startTestHost, tempDir, TOKENS, type TestHost } from '../../helpers/local-host.ts';

const quiet = { warn: () => {}, info: () => {} };
const config = parseConfig(readFileSync('helpdesk.config.json', 'utf8'));
const customer = { email: 'last-known@example.com' };
const stranger = { email: 'someone-else@example.com' };
const OUTAGE = { serverError: { rate: 1, status: 503 } };
let t: TestHost;
let store: Awaited<ReturnType<typeof freshStore>>;
let queue: MailQueue;
let workflow: Workflow;
let removeMailDir: () => Promise<void>;

/** A server process's desk: its own adapter (and so its own ticket cache) and outbox, on the shared store. */
interface Process {
  host: GitHost;
  outbox: Outbox;
  desk: Desk;
}
let first: Process;
const processes: Process[] = [];

async function startProcess(): Promise<Process> {
  // Every read asks the host (no TTL): the outage is met at once.
  const host = t.adapter({ cacheTtlMs: 0 });
  const outbox = await openOutbox({ database: store.database, host, log: quiet, backoff: { baseMs: 1, maxMs: 1 } });
  const desk = createDesk({
    config,
    host,
    outbox,
    mail: queue,
    signInPath: () => '/tickets/access',
    siteUrl: 'https://help.example.com',
    kindsOf: (messages) => workflow.kindsOf(messages),
    database: store.database,
    draftKeyMacKey: deriveKey('last-known-test-secret-0123456789abcdef', 'draft-key'),
    log: quiet,
  });
  const process = { host, outbox, desk };
  processes.push(process);
  return process;
}

/** Delivers everything queued (the host answering). */
async function drain(outbox: Outbox): Promise<void> {
  while ((await outbox.list()).length > 0) await outbox.drainOnce();
}

/** Files a ticket, a public staff reply and an internal note, and lets the workflow see them (kinds, read model). */
async function ticketWithThread(subject: string): Promise<{ ref: string; number: number }> {
  const { ref } = await first.desk.openTicket({
    form: { email: customer.email, name: 'Lou', subject, message: 'My tent pole snapped.', type: 'problem', category: 'orders', order: '', priority: 'normal' },
    files: [],
    idempotencyKey: undefined,
    signedIn: true,
  });
  await drain(first.outbox);
  const number = (await first.outbox.resolve(ref)) as number;
  await t.raw(TOKENS.anna, 'POST', `/repos/local/support/issues/${number}/comments`, { body: '/reply\nA new pole is on its way.' });
  await t.raw(TOKENS.anna, 'POST', `/repos/local/support/issues/${number}/comments`, { body: 'Internal: third snapped pole this month, ask the supplier.' });
  workflow.ticketChanged(number);
  await workflow.idle();
  return { ref, number };
}

const texts = (view: Awaited<ReturnType<Desk['viewTicket']>>) => (view?.messages ?? []).map((m) => m.html).join('\n');
const isOutage = (error: unknown) => error instanceof GitHostError && error.kind === 'unavailable';

beforeAll(async () => {
  t = await startTestHost();
  store = await freshStore();
  const mail = await tempDir('last-known-mail-');
  removeMailDir = mail.remove;
  queue = openMailQueue({ database: store.database, transport: createMailTransport({ from: 'Help <help@example.com>', mailDir: mail.dir }), log: quiet });
  // Sent as they come: the workflow's idle() waits for its mails.
  queue.start();
  workflow = openWorkflow({
    config,
    host: t.adapter({ cacheTtlMs: 0 }),
    mail: queue,
    templates: loadMailTemplates(DEFAULT_MAIL_TEMPLATES, undefined),
    signInUrl: (email, ref) => `https://help.example.com/tickets/access?for=${email}&ref=${ref}`,
    staffTicketUrl: (n) => `https://help.example.com/staff/tickets/${n}`,
    database: store.database,
    webhookSecret: undefined,
    sweepIntervalSeconds: 3600,
    log: quiet,
  });
  first = await startProcess();
});
afterEach(() => t.local.setFaults({}));
afterAll(async () => {
  await workflow.close();
  await queue.close();
  for (const p of processes) await p.outbox.close();
  await store.remove();
  await t.stop();
  await removeMailDir();
});

describe('a ticket while the Git host cannot be read', () => {
  it('is the thread this process read last, without the internal note, read-only but for replies', async () => {
    const { ref, number } = await ticketWithThread('Snapped tent pole');
    const before = await first.desk.viewTicket(ref, customer);
    expect(texts(before)).toContain('A new pole is on its way.');
    // A webhook said the ticket changed: the copy is no longer served, but stays the last known state.
    first.host.invalidate(number);

    t.local.setFaults(OUTAGE);
    const view = await first.desk.viewTicket(ref, customer);
    expect(view?.lastKnown).toEqual({ source: 'thread', readAt: expect.any(String) });
    expect(texts(view)).toContain('My tent pole snapped.');
    expect(texts(view)).toContain('A new pole is on its way.');
    expect(texts(view)).not.toContain('third snapped pole');
    expect(view).toMatchObject({ subject: 'Snapped tent pole', canReply: true, canClose: false, canReopen: false, canRate: false });
    expect(view?.messages.map((m) => m.kind)).toEqual(before?.messages.map((m) => m.kind));
    // Another customer learns nothing, as when the host answers.
    expect(await first.desk.viewTicket(ref, stranger)).toBeUndefined();
    // Closing writes to the host directly: refused with the reason, not queued.
    await expect(first.desk.setClosed(ref, customer, true)).rejects.toSatisfy((e: unknown) => e instanceof DeskError && e.code === 'host_unavailable' && /try again in a few minutes/.test(e.message));
  });

  it('queues a reply, shows it as queued, and delivers it once when the host is back', async () => {
    const { ref, number } = await ticketWithThread('Leaking water bottle');
    await first.desk.viewTicket(ref, customer);
    t.local.setFaults(OUTAGE);
    await first.desk.reply(ref, customer, 'Sent while the host was down.', []);
    await first.outbox.drainOnce();
    const during = await first.desk.viewTicket(ref, customer);
    expect(during?.lastKnown?.source).toBe('thread');
    expect(during?.messages.filter((m) => m.queued).map((m) => m.html)).toEqual([expect.stringContaining('Sent while the host was down.')]);
    // Then the host takes the write but its answer is lost: only the outbox's idempotency lookup keeps it to one comment.
    t.local.setFaults({ methods: ['POST'], serverError: { rate: 1, status: 503, afterApply: true } });
    await first.outbox.drainOnce();
    expect(await first.outbox.list()).toHaveLength(1);

    t.local.setFaults({});
    await drain(first.outbox);
    const after = await first.desk.viewTicket(ref, customer);
    expect(after?.lastKnown).toBeUndefined();
    expect(after?.messages.filter((m) => m.html.includes('Sent while the host was down.')).map((m) => m.queued)).toEqual([false]);
    const comments = (await t.raw(TOKENS.bot, 'GET', `/repos/local/support/issues/${number}/comments`)).body as Array<{ body: string }>;
    expect(comments.filter((c) => c.body.includes('Sent while the host was down.'))).toHaveLength(1);
  });

  it('is the read model’s facts and the queued messages in a process that never read it', async () => {
    const { ref } = await ticketWithThread('Torn sleeping bag');
    const restarted = await startProcess();
    t.local.setFaults(OUTAGE);
    const view = await restarted.desk.viewTicket(ref, customer);
    expect(view).toMatchObject({ subject: 'Torn sleeping bag', lastKnown: { source: 'summary' }, messages: [], canReply: true, canClose: false, canRate: false });
    // A browser that filed it (an unproven address) sees it too; a stranger gets the failure, as before.
    expect((await restarted.desk.viewTicket(ref, { tickets: [{ ref, email: customer.email, filedAt: Date.now() }] }))?.lastKnown).toEqual({ source: 'summary' });
    await expect(restarted.desk.viewTicket(ref, stranger)).rejects.toSatisfy(isOutage);

    await restarted.desk.reply(ref, customer, 'Queued from the facts view.', []);
    const queued = await restarted.desk.viewTicket(ref, customer);
    expect(queued?.messages.map((m) => [m.queued, m.html.includes('Queued from the facts view.')])).toEqual([[true, true]]);
  });

  it('is the failure when nothing is known of it', async () => {
    const { ref, number } = await ticketWithThread('Lost tent pegs');
    const restarted = await startProcess();
    await removeTicketSummary(store.database, number);
    t.local.setFaults(OUTAGE);
    await expect(restarted.desk.viewTicket(ref, customer)).rejects.toSatisfy(isOutage);
  });
});
