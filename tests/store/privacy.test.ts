// The store's part of deleting tickets and erasing a customer (migration 011-privacy), on the engine this run tests
// (SQLite by default, PostgreSQL with STORE_ENGINE=postgres): removed tickets stay out of the read model, every record
// of a customer is found and deleted (others' stay), the audit log, and the compaction after an erase.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, compactStore, deleteRecords, findRecords, markTicketRemoved, recordAudit, removedTicket } from '../../src/store/privacy.ts';
import { ticketSummary, upsertTicketSummary } from '../../src/store/ticket-summaries.ts';
import { recordAddressVerified } from '../../src/store/verified-addresses.ts';
import type { Ticket } from '../../src/tickets/ticket.ts';
import { freshStore } from '../helpers/store.ts';

let store: Awaited<ReturnType<typeof freshStore>>;
const AT = Date.parse('2026-05-01T10:00:00Z');

function ticket(number: number, customer: string, email: string): Ticket {
  const at = new Date(AT + number * 1000).toISOString().replace('.000Z', 'Z');
  return {
    number,
    title: `Ticket ${number}`,
    state: 'open',
    labels: ['status: new'],
    assignees: [],
    author: { login: 'helpdesk-bot', association: 'NONE', isBot: true },
    commentCount: 0,
    createdAt: at,
    updatedAt: at,
    closedAt: null,
    meta: { kind: 'ticket', key: `k-${number}`, ref: `T-PRIV000${number}`, customer: { id: customer, email }, customerName: `Name ${number}` },
    body: `opening of ${number}`,
    htmlUrl: `https://example.test/local/support/issues/${number}`,
    messages: [],
  };
}
const write = (t: Ticket) => upsertTicketSummary(store.database, { ticket: t, kinds: new Map(), ratings: new Map() });

async function queueMail(key: string, to: string, text: string): Promise<void> {
  await store.database.db
    .insertInto('mail_queue')
    .values({
      key,
      message: JSON.stringify({ to, subject: 'About your ticket', text }),
      status: 'sent',
      attempts: 1,
      retry_at: 0,
      last_error: null,
      lease_owner: null,
      lease_until: null,
      created_at: AT,
      sent_at: AT,
    })
    .execute();
}

beforeAll(async () => {
  store = await freshStore();
});
afterAll(() => store.remove());

describe('removed tickets', () => {
  it('are found by ref and number, and the read model does not take them back', async () => {
    expect(await write(ticket(1, 'c-gone', 'gone@example.com'))).not.toBe('stale');
    await markTicketRemoved(store.database, { number: 1, ref: 'T-PRIV0001', removed_at: AT, outcome: 'redacted' });
    expect(await removedTicket(store.database, { ref: 'T-PRIV0001' })).toMatchObject({ number: 1, outcome: 'redacted', removed_at: AT });
    expect(await removedTicket(store.database, { number: 2 })).toBeUndefined();
    await deleteRecords(store.database, { numbers: [1], refs: ['T-PRIV0001'], messageIds: [] });
    expect(await ticketSummary(store.database, 1)).toBeUndefined();
    const later = { ...ticket(1, 'c-gone', 'gone@example.com'), updatedAt: new Date(AT + 60_000).toISOString() };
    expect(await write(later)).toBe('stale');
    expect(await ticketSummary(store.database, 1)).toBeUndefined();
  });
});

describe("a customer's records", () => {
  it("are found and deleted table by table; another customer's stay", async () => {
    await write(ticket(10, 'c-erin', 'erin@example.com'));
    await write(ticket(11, 'c-kim', 'kim@example.com'));
    await recordAddressVerified(store.database, 'c-erin', AT);
    await recordAddressVerified(store.database, 'c-kim', AT);
    await queueMail('m-erin', 'erin@example.com', 'Your ticket T-PRIV00010 was answered.');
    await queueMail('m-staff', 'support-anna@example.com', 'New reply on https://desk.example/staff/tickets/10');
    await queueMail('m-staff-100', 'support-anna@example.com', 'New reply on https://desk.example/staff/tickets/100');
    await queueMail('m-kim', 'kim@example.com', 'Your ticket T-PRIV00011 was answered.');
    await store.database.db.insertInto('limits').values({ key: 'ticketPerEmail:erin@example.com', window_start: AT, count: 1 }).execute();
    await store.database.db.insertInto('ticket_refs').values({ ref: 'T-PRIV00010', number: 10 }).execute();

    const keys = { numbers: [10], refs: ['T-PRIV00010'], messageIds: [] };
    const customer = { email: 'erin@example.com', customerId: 'c-erin' };
    const found = await findRecords(store.database, keys, customer);
    expect(found['ticket_summaries']?.map((r) => Number(r['number']))).toEqual([10]);
    expect(found['verified_addresses']).toHaveLength(1);
    expect(found['mail_queue']?.map((r) => r['key']).sort()).toEqual(['m-erin', 'm-staff']);
    expect(found['limits']).toHaveLength(1);
    expect(found['ticket_refs']).toHaveLength(1);

    const counts = await deleteRecords(store.database, keys, customer);
    expect(counts).toMatchObject({ ticket_summaries: 1, verified_addresses: 1, mail_queue: 2, limits: 1, ticket_refs: 1 });
    expect(await ticketSummary(store.database, 10)).toBeUndefined();
    expect(await ticketSummary(store.database, 11)).toMatchObject({ number: 11 });
    const mail = await store.database.db.selectFrom('mail_queue').select('key').orderBy('key').execute();
    expect(mail.map((m) => m.key)).toEqual(['m-kim', 'm-staff-100']);
    await compactStore(store.database, ['mail_queue', 'ticket_summaries']);
  });
});

describe("a customer's abuse limits", () => {
  it('are matched by the exact address: `_` and `%` in it are no wildcards', async () => {
    await store.database.db
      .insertInto('limits')
      .values([
        { key: 'replyPerEmail:e_x@example.com', window_start: AT, count: 1 },
        { key: 'replyPerEmail:eyx@example.com', window_start: AT, count: 1 },
      ])
      .execute();
    const counts = await deleteRecords(store.database, { numbers: [], refs: [], messageIds: [] }, { email: 'e_x@example.com', customerId: 'c-ex' });
    expect(counts).toEqual({ limits: 1 });
    const left = await store.database.db.selectFrom('limits').select('key').where('key', 'like', 'replyPerEmail:%').execute();
    expect(left.map((r) => r.key)).toEqual(['replyPerEmail:eyx@example.com']);
  });
});

describe('the audit log', () => {
  it('keeps who did what, newest first', async () => {
    await recordAudit(store.database, { actor: 'support-anna', action: 'delete-ticket', target: 'ticket #1', detail: { outcome: 'redacted' }, at: AT });
    await recordAudit(store.database, { actor: 'cli:root', action: 'erase-customer', target: 'customer', detail: { tickets: [10] }, at: AT + 1 });
    const entries = await auditLog(store.database);
    expect(entries.map((e) => [e.actor, e.action, e.target, JSON.parse(e.detail)])).toEqual([
      ['cli:root', 'erase-customer', 'customer', { tickets: [10] }],
      ['support-anna', 'delete-ticket', 'ticket #1', { outcome: 'redacted' }],
    ]);
  });
});
