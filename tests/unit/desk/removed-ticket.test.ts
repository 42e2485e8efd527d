// A ticket whose issue was deleted (410) or transferred to another repository (301) on the Git host: its customer
// sees it as removed, "My tickets" still lists the others, and the workflow forgets it instead of retrying it.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDesk } from '../../../src/desk/desk-service.ts';
import type { Desk } from '../../../src/desk/desk.ts';
import type { GitHost } from '../../../src/git-host/index.ts';
import { DEFAULT_MAIL_TEMPLATES } from '../../../src/mail/default-templates.ts';
import { openMailQueue, type MailQueue } from '../../../src/mail/mail-queue.ts';
import { loadMailTemplates } from '../../../src/mail/render-template.ts';
import { createMailTransport } from '../../../src/mail/transport.ts';
import { openOutbox, type Outbox } from '../../../src/outbox/index.ts';
import { parseConfig } from '../../../src/server/config.ts';
import { customerTickets } from '../../../src/store/ticket-summaries.ts';
import { deriveKey } from '../../../src/tickets/access-token.ts';
import { DeskError } from '../../../src/tickets/errors.ts';
import { openWorkflow, type Workflow } from '../../../src/workflow/index.ts';
import { freshStore } from '../../helpers/store.ts';
import { startTestHost, tempDir, type TestHost } from '../../helpers/local-host.ts';

const quiet = { warn: () => {}, info: () => {} };
const config = parseConfig(readFileSync('helpdesk.config.json', 'utf8'));
const customer = { email: 'removed@example.com' };
let t: TestHost;
let host: GitHost;
let store: Awaited<ReturnType<typeof freshStore>>;
let outbox: Outbox;
let queue: MailQueue;
let workflow: Workflow;
let desk: Desk;
let removeMailDir: () => Promise<void>;

const form = (subject: string) => ({ email: customer.email, name: 'Rae', subject, message: 'Where is my parcel?', type: 'question', category: 'orders', order: '', priority: 'normal' as const });

/** Files a ticket through the desk and the outbox; its reference and issue number. */
async function fileTicket(subject: string): Promise<{ ref: string; number: number }> {
  const { ref } = await desk.openTicket({ form: form(subject), files: [], idempotencyKey: undefined, signedIn: true });
  while ((await outbox.list()).length > 0) await outbox.drainOnce();
  return { ref, number: (await outbox.resolve(ref)) as number };
}

beforeAll(async () => {
  t = await startTestHost({
    repositories: [
      { fullName: 'local/support', private: true },
      { fullName: 'local/other', private: true },
    ],
  });
  host = t.adapter({ cacheTtlMs: 0 });
  store = await freshStore();
  const mail = await tempDir('removed-mail-');
  removeMailDir = mail.remove;
  outbox = await openOutbox({ database: store.database, host, log: quiet });
  queue = openMailQueue({ database: store.database, transport: createMailTransport({ from: 'Help <help@example.com>', mailDir: mail.dir }), log: quiet });
  workflow = openWorkflow({
    config,
    host,
    mail: queue,
    templates: loadMailTemplates(DEFAULT_MAIL_TEMPLATES, undefined),
    signInUrl: (email, ref) => `https://help.example.com/tickets/access?for=${email}&ref=${ref}`,
    staffTicketUrl: (n) => `https://help.example.com/staff/tickets/${n}`,
    database: store.database,
    webhookSecret: undefined,
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
    draftKeyMacKey: deriveKey('removed-ticket-test-secret-0123456789abcdef', 'draft-key'),
    log: quiet,
  });
});
afterEach(() => t.local.setFaults({}));
afterAll(async () => {
  await workflow.close();
  await queue.close();
  await outbox.close();
  await store.remove();
  await t.stop();
  await removeMailDir();
});

describe.each<{ removal: string; faults: (number: number, elsewhere: number) => Parameters<TestHost['local']['setFaults']>[0] }>([
  { removal: 'deleted (410)', faults: (number) => ({ deletedIssues: [number] }) },
  { removal: 'transferred to another repository (301)', faults: (number, elsewhere) => ({ transferredIssues: [{ from: 'local/support', number, to: 'local/other', toNumber: elsewhere }] }) },
])('a ticket $removal on the Git host', ({ removal, faults }) => {
  it('shows as removed to its customer, My tickets lists the others, and the sweep forgets it', async () => {
    const gone = await fileTicket(`Soon ${removal}`);
    const kept = await fileTicket(`Still there (${removal})`);
    const elsewhere = (await t.adapter({ repository: 'local/other' }).createTicket({ title: 'Elsewhere', body: 'x', labels: [], key: `elsewhere-${gone.number}` })).number;
    await workflow.sweep();
    const listed = async () => (await desk.listTickets(customer)).map((item) => item.ref);
    expect(await listed()).toEqual(expect.arrayContaining([gone.ref, kept.ref]));

    t.local.setFaults(faults(gone.number, elsewhere));
    const view = await desk.viewTicket(gone.ref, customer);
    expect(view).toMatchObject({ ref: gone.ref, status: 'removed', messages: [], canReply: false, canClose: false, canReopen: false });
    // Someone else learns nothing about it.
    expect(await desk.viewTicket(gone.ref, { email: 'someone-else@example.com' })).toBeUndefined();
    await expect(desk.reply(gone.ref, customer, 'hello?', [])).rejects.toSatisfy((e: unknown) => e instanceof DeskError && e.code === 'not_allowed');
    expect((await desk.viewTicket(kept.ref, customer))?.status).not.toBe('removed');

    // The webhook of the removal (or any later event) syncs it once: it leaves the read model and is not retried.
    workflow.ticketChanged(gone.number);
    await workflow.idle();
    expect(await listed()).toContain(kept.ref);
    expect(await listed()).not.toContain(gone.ref);
    expect((await customerTickets(store.database, host.customerId(customer.email))).map((s) => s.number)).not.toContain(gone.number);
    const mark = t.local.requests.length;
    const { results } = await workflow.sweep();
    expect(results.map((r) => r.ticketNumber)).not.toContain(gone.number);
    expect(t.local.requests.slice(mark).filter((r) => new RegExp(`/issues/${gone.number}(/|$|\\?)`).test(r.path))).toEqual([]);
  });
});
