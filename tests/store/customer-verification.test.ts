// Verified addresses and the read model's unverified mark, on the engine this run tests (SQLite by default,
// PostgreSQL with STORE_ENGINE=postgres).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueFilterSchema } from '../../src/staff/queue.ts';
import { customerTickets, queuePage, ticketSummary, upsertTicketSummary } from '../../src/store/ticket-summaries.ts';
import { addressVerifiedAt, recordAddressVerified } from '../../src/store/verified-addresses.ts';
import type { Ticket } from '../../src/tickets/ticket.ts';
import { freshStore } from '../helpers/store.ts';

let store: Awaited<ReturnType<typeof freshStore>>;
const FILED = Date.parse('2026-05-01T10:00:00Z');

function ticket(number: number, customer: string, unverifiedSince?: number): Ticket {
  const at = new Date(FILED + number * 1000).toISOString().replace('.000Z', 'Z');
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
    meta: {
      kind: 'ticket',
      key: `k-${number}`,
      ref: `T-0000000${number}`,
      customer: { id: customer },
      ...(unverifiedSince === undefined ? {} : { unverifiedSince: new Date(unverifiedSince).toISOString() }),
    },
    body: 'opening',
    htmlUrl: `https://example.test/local/support/issues/${number}`,
    messages: [],
  };
}
const write = (t: Ticket) => upsertTicketSummary(store.database, { ticket: t, kinds: new Map(), ratings: new Map() });
const unverifiedIn = async (customer: string) => Object.fromEntries((await customerTickets(store.database, customer)).map((r) => [r.number, r.unverified]));

beforeAll(async () => {
  store = await freshStore();
});
afterAll(() => store.remove());

describe('verified addresses', () => {
  it('keep the latest moment a mailed link was opened; an earlier one never replaces it', async () => {
    expect(await addressVerifiedAt(store.database, 'c-latest')).toBeUndefined();
    await recordAddressVerified(store.database, 'c-latest', FILED + 10);
    await recordAddressVerified(store.database, 'c-latest', FILED + 5);
    expect(await addressVerifiedAt(store.database, 'c-latest')).toBe(FILED + 10);
    await recordAddressVerified(store.database, 'c-latest', FILED + 20);
    expect(await addressVerifiedAt(store.database, 'c-latest')).toBe(FILED + 20);
  });

  it('decide the unverified mark of the read model’s rows: the customer list, one ticket, and the queue', async () => {
    await write(ticket(1, 'c-alice'));
    await write(ticket(2, 'c-alice', FILED + 2000));
    await write(ticket(3, 'c-bob', FILED + 3000));
    expect(await unverifiedIn('c-alice')).toEqual({ 1: false, 2: true });
    expect((await ticketSummary(store.database, 2))?.unverified).toBe(true);
    const queue = async () => Object.fromEntries((await queuePage(store.database, QueueFilterSchema.parse({ status: 'all' }), 'support-anna')).rows.map((r) => [r.number, r.unverified]));
    expect(await queue()).toMatchObject({ 1: false, 2: true, 3: true });

    // A link opened before the filing proves nothing about it; one opened after does.
    await recordAddressVerified(store.database, 'c-alice', FILED + 1999);
    expect(await unverifiedIn('c-alice')).toEqual({ 1: false, 2: true });
    await recordAddressVerified(store.database, 'c-alice', FILED + 2000);
    expect(await unverifiedIn('c-alice')).toEqual({ 1: false, 2: false });
    expect((await ticketSummary(store.database, 2))?.unverified).toBe(false);
    // Another customer's proof does nothing for Bob's ticket.
    expect(await queue()).toMatchObject({ 1: false, 2: false, 3: true });
  });
});
