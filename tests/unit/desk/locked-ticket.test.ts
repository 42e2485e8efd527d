// A ticket whose issue staff locked on the Git host. The desk takes no more replies for it and says why. A reply
// queued before the lock still arrives when the site's identity is a collaborator (GitHub lets collaborators comment on
// locked issues); with a GitHub App (never a collaborator) GitHub refuses it, and the outbox holds that one entry back
// with the reason, visible to staff, while every other write goes on.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesk } from '../../../src/desk/desk-service.ts';
import { LOCKED_MESSAGE, type Desk } from '../../../src/desk/desk.ts';
import type { GitHost } from '../../../src/git-host/index.ts';
import { createMailTransport } from '../../../src/mail/transport.ts';
import { openMailQueue, type MailQueue } from '../../../src/mail/mail-queue.ts';
import { openOutbox, type Outbox } from '../../../src/outbox/index.ts';
import { parseConfig } from '../../../src/server/config.ts';
import { deriveKey } from '../../../src/tickets/access-token.ts';
import { DeskError } from '../../../src/tickets/errors.ts';
import { freshStore } from '../../helpers/store.ts';
import { createTestApp, startTestHost, tempDir, TOKENS, type TestHost } from '../../helpers/local-host.ts';

const quiet = { warn: () => {}, info: () => {} };
const config = parseConfig(readFileSync('helpdesk.config.json', 'utf8'));
const customer = { email: 'locked@example.com' };
const testApp = createTestApp();
let t: TestHost;
let host: GitHost;
let store: Awaited<ReturnType<typeof freshStore>>;
let outbox: Outbox;
let queue: MailQueue;
let desk: Desk;
let removeMailDir: () => Promise<void>;

const form = (subject: string) => ({ email: customer.email, name: 'Lee', subject, message: 'My order is late.', type: 'question', category: 'orders', order: '', priority: 'normal' as const });

async function drain(box: Outbox): Promise<void> {
  while ((await box.list(['queued'])).length > 0 && (await box.drainOnce()) > 0);
}

async function fileTicket(subject: string): Promise<{ ref: string; number: number }> {
  const { ref } = await desk.openTicket({ form: form(subject), files: [], idempotencyKey: undefined, signedIn: true });
  await drain(outbox);
  return { ref, number: (await outbox.resolve(ref)) as number };
}

const lock = (n: number) => t.raw(TOKENS.anna, 'PUT', `/repos/local/support/issues/${n}/lock`, { lock_reason: 'resolved' });

beforeAll(async () => {
  t = await startTestHost({ apps: [testApp.app] });
  host = t.adapter({ cacheTtlMs: 0 });
  store = await freshStore();
  const mail = await tempDir('locked-mail-');
  removeMailDir = mail.remove;
  outbox = await openOutbox({ database: store.database, host, log: quiet });
  queue = openMailQueue({ database: store.database, transport: createMailTransport({ from: 'Help <help@example.com>', mailDir: mail.dir }), log: quiet });
  desk = createDesk({
    config,
    host,
    outbox,
    mail: queue,
    signInPath: () => '/tickets/access',
    siteUrl: 'https://help.example.com',
    kindsOf: async (messages) => new Map(messages.map((m) => [m.id, m.author.isBot ? ('customer' as const) : ('staff-reply' as const)])),
    database: store.database,
    draftKeyMacKey: deriveKey('locked-ticket-test-secret-0123456789abcdef', 'draft-key'),
    log: quiet,
  });
});
afterAll(async () => {
  await queue.close();
  await outbox.close();
  await store.remove();
  await t.stop();
  await removeMailDir();
});

describe('a ticket whose issue staff locked', () => {
  it('shows as locked with no reply form, and a reply is refused with the reason, nothing queued', async () => {
    const { ref, number } = await fileTicket('Locked by staff');
    expect(await desk.viewTicket(ref, customer)).toMatchObject({ locked: false, canReply: true });
    await lock(number);
    expect(await desk.viewTicket(ref, customer)).toMatchObject({ locked: true, canReply: false });
    const refused = await desk.reply(ref, customer, 'One more thing', []).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeskError);
    expect(refused).toMatchObject({ code: 'not_allowed', message: LOCKED_MESSAGE });
    expect(await outbox.list(['queued', 'poisoned'])).toEqual([]);
  });

  it('delivers a reply queued before the lock: the bot is a collaborator', async () => {
    const { ref, number } = await fileTicket('Locked after the reply');
    await desk.reply(ref, customer, 'Written before the lock', []);
    await lock(number);
    await drain(outbox);
    expect(await outbox.list(['queued', 'poisoned'])).toEqual([]);
    const ticket = await host.getTicket(number, { fresh: true });
    expect(ticket?.messages.map((m) => m.body)).toEqual([expect.stringContaining('Written before the lock')]);
  });

  it('with a GitHub App: holds that reply back with the reason for staff, pauses nothing, and other replies go on', async () => {
    const app = t.adapter({ auth: testApp.auth, cacheTtlMs: 0 });
    const appOutbox = await openOutbox({ database: store.database, host: app, log: quiet });
    try {
      const locked = await app.createTicket({ title: 'Locked, App', body: 'x', labels: [], key: 'app-locked' });
      const open = await app.createTicket({ title: 'Open, App', body: 'x', labels: [], key: 'app-open' });
      await appOutbox.addComment(locked.number, { body: 'queued before the lock' });
      await appOutbox.addComment(open.number, { body: 'to an open conversation' });
      await lock(locked.number);
      await drain(appOutbox);
      const held = await appOutbox.list(['poisoned']);
      expect(held).toHaveLength(1);
      expect(held[0]?.lastError).toMatch(new RegExp(`^ticket #${locked.number} is locked as resolved: on a locked issue only collaborators may comment, and helpdesk-app\\[bot\\] is not one`));
      expect(held[0]?.hostStatus).toBe(403);
      expect(await appOutbox.paused()).toBeUndefined();
      expect((await app.getTicket(open.number, { fresh: true }))?.messages.map((m) => m.body)).toEqual([expect.stringContaining('to an open conversation')]);
    } finally {
      await appOutbox.close();
    }
  });
});
