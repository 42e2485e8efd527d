// The desk's use of offline-draft keys and of the verified state when it files a ticket, on a real outbox (no Git
// host: the entries stay queued, which is where the draft key is looked up).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesk } from '../../../src/desk/desk-service.ts';
import type { Desk } from '../../../src/desk/desk.ts';
import { openMailQueue } from '../../../src/mail/mail-queue.ts';
import { opFields, openOutbox, type Outbox } from '../../../src/outbox/index.ts';
import { parseConfig } from '../../../src/server/config.ts';
import { deriveKey } from '../../../src/tickets/access-token.ts';
import { DRAFT_KEY_TTL_MS } from '../../../src/tickets/draft-key.ts';
import { freshStore } from '../../helpers/store.ts';

const config = parseConfig(readFileSync('helpdesk.config.json', 'utf8'));
let store: Awaited<ReturnType<typeof freshStore>>;
let outbox: Outbox;
let desk: Desk;

const form = (email: string) => ({ email, name: 'Alice', subject: 'Draft check', message: 'Where is my parcel?', type: 'question', category: 'orders', order: '', priority: 'normal' as const });
const open = (email: string, idempotencyKey: string | undefined, signedIn = false) => desk.openTicket({ form: form(email), files: [], idempotencyKey, signedIn });
const opOf = async (ref: string) => {
  const op = (await outbox.createEntry(ref))?.entry.op;
  if (op?.kind !== 'createTicket') throw new Error(`no create entry for ${ref}`);
  return op;
};
/** Moves a ticket's first submission back in time, as if it had been filed `ms` ago. */
const filedAgo = (ref: string, ms: number) =>
  store.database.db
    .updateTable('outbox')
    .set({ created_at: Date.now() - ms })
    .where('ticket', '=', ref)
    .where('kind', '=', 'createTicket')
    .execute();

beforeAll(async () => {
  store = await freshStore();
  outbox = await openOutbox({ database: store.database, log: { warn: () => {}, info: () => {} } });
  desk = createDesk({
    config,
    host: { customerId: (email: string) => `c-${email}` } as never,
    outbox,
    // Not started: the mails stay queued in the store, where the test counts them.
    mail: openMailQueue({ database: store.database, transport: { description: 'none', send: async () => {} } as never }),
    signInPath: () => '/x',
    kindsOf: async () => new Map(),
    siteUrl: 'http://x',
    database: store.database,
    draftKeyMacKey: deriveKey('desk-draft-test-secret-0123456789abcdef', 'draft-key'),
  });
});
afterAll(async () => {
  await outbox.close();
  await store.remove();
});

describe('a draft key on the ticket form', () => {
  it('answers a resubmission from the same submitter with the same ticket and its first filing time', async () => {
    const key = `draft-${randomUUID()}`;
    const first = await open('same@example.com', key);
    const again = await open('Same@Example.com', key);
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ ref: first.ref, duplicate: true, filedAt: first.filedAt });
    // One confirmation, committed with the ticket, with a sign-in link to it; the resubmission queued no second one.
    const mails = await store.database.db.selectFrom('mail_queue').select(['key', 'message']).where('key', 'like', `ticket-created:${first.ref}%`).execute();
    expect(mails.map((m) => m.key)).toEqual([`ticket-created:${first.ref}`]);
    expect(JSON.parse(mails[0]?.message ?? '{}')).toMatchObject({ to: 'same@example.com', subject: expect.stringContaining(first.ref) });
  });

  it('commits a ticket and what goes alongside it together, or neither', async () => {
    const mails = openMailQueue({ database: store.database, transport: { description: 'none', send: async () => {} } as never });
    const count = async () =>
      Number(
        (
          await store.database.db
            .selectFrom('outbox')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const refused = outbox.createTicket({
      title: 'Atomic',
      body: 'Body of a ticket whose mail fails',
      labels: [],
      alongside: async (trx, filed) => {
        await mails.enqueueWithin(trx, `ticket-created:${filed.ref}`, { to: 'atomic@example.com', subject: 'x', text: 'y' });
        throw new Error('the mail could not be recorded');
      },
    });
    await expect(refused).rejects.toThrow('the mail could not be recorded');
    expect(await count()).toBe(before);
    expect(await store.database.db.selectFrom('mail_queue').select('key').where('message', 'like', '%atomic@example.com%').execute()).toEqual([]);
  });

  it('makes a new ticket for another address, or for a guest replaying a signed-in customer’s draft', async () => {
    const key = `draft-${randomUUID()}`;
    const victim = await open('victim@example.com', key);
    const other = await open('mallory@example.com', key);
    expect(other.duplicate).toBe(false);
    expect(other.ref).not.toBe(victim.ref);
    const signedIn = await open('member@example.com', key, true);
    const guest = await open('member@example.com', key, false);
    expect(guest.ref).not.toBe(signedIn.ref);
    expect(guest.duplicate).toBe(false);
  });

  it('is kept as the keyed digest, never in clear, in the entry and the metadata it writes', async () => {
    const key = `draft-${randomUUID()}`;
    const { ref } = await open('clear@example.com', key);
    const op = await opOf(ref);
    expect(opFields(op).draftKey).toMatch(/^d1:[\w-]{43}$/);
    expect(JSON.stringify(op)).not.toContain(key);
    const row = await store.database.db.selectFrom('outbox').select('draft_key').where('ticket', '=', ref).where('kind', '=', 'createTicket').executeTakeFirstOrThrow();
    expect(row.draft_key).toBe(opFields(op).draftKey);
  });

  it('answers for a day after the first submission; after that the draft is a new ticket, which then owns the key', async () => {
    const key = `draft-${randomUUID()}`;
    const first = await open('window@example.com', key);
    // A minute inside the window (the clock moves between the update and the lookup).
    await filedAgo(first.ref, DRAFT_KEY_TTL_MS - 60_000);
    expect((await open('window@example.com', key)).ref).toBe(first.ref);
    await filedAgo(first.ref, DRAFT_KEY_TTL_MS + 1);
    const late = await open('window@example.com', key);
    expect(late).toMatchObject({ duplicate: false });
    expect(late.ref).not.toBe(first.ref);
    expect((await open('window@example.com', key)).ref).toBe(late.ref);
    expect(await outbox.ticketForDraft(opFields(await opOf(late.ref)).draftKey!)).toBe(late.ref);
  });

  it('never matches an entry of an earlier release that holds the key in clear', async () => {
    const key = `draft-${randomUUID()}`;
    await store.database.db
      .insertInto('outbox')
      .values({
        id: randomUUID(),
        ticket: 'T-9RAFT001',
        kind: 'createTicket',
        op: '{}',
        status: 'done',
        created_at: Date.now(),
        attempts: 1,
        retry_at: 0,
        customer_email: 'old@example.com',
        draft_key: key,
      })
      .execute();
    const opened = await open('old@example.com', key);
    expect(opened.ref).not.toBe('T-9RAFT001');
    expect(opened.duplicate).toBe(false);
  });
});

describe('the verified state a new ticket is filed with', () => {
  it('marks a guest’s ticket unverified since its filing time, in the signed metadata fields and the header', async () => {
    const { ref, filedAt } = await open('guest@example.com', undefined, false);
    const op = await opOf(ref);
    expect(opFields(op).unverifiedSince).toBe(new Date(filedAt).toISOString());
    expect(op.body).toMatch(/^> ⚠️ \*\*Unverified address:\*\*/);
  });

  it('files a signed-in customer’s ticket verified', async () => {
    const op = await opOf((await open('member@example.com', undefined, true)).ref);
    expect(opFields(op).unverifiedSince).toBeUndefined();
    expect(op.body).not.toContain('Unverified address');
  });
});
