// The privacy service over the local host and a real store: with an identity that may delete issues (a repository
// admin, as GraphQL `deleteIssue` requires) the issue is deleted, not redacted; only admins may act.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivacy } from '../../../src/staff/privacy.ts';
import { removedTicket } from '../../../src/store/privacy.ts';
import { startTestHost, tempDir, TOKENS, type TestHost } from '../../helpers/local-host.ts';
import { freshStore } from '../../helpers/store.ts';

let t: TestHost;
let store: Awaited<ReturnType<typeof freshStore>>;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  const { dir, remove } = await tempDir();
  cleanups.push(remove);
  t = await startTestHost({ dataDir: dir });
  cleanups.push(() => t.stop(true));
  store = await freshStore();
  cleanups.push(() => store.remove());
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const config = {
  staffAccounts: [
    { login: 'support-anna', passwordHash: 'scrypt$x', admin: true },
    { login: 'support-ben', passwordHash: 'scrypt$x', admin: false },
  ],
};
const noMail = { find: async () => [], remove: async () => 0 };

describe('deleting a ticket with an identity that may delete issues', () => {
  it('deletes the issue and its attachments, and remembers the ref as removed', async () => {
    const owner = t.adapter({ token: TOKENS.owner });
    const ticket = await owner.createTicket({
      title: 'Gone soon',
      body: 'x',
      labels: [],
      key: 'priv-1',
      ref: 'T-PRIVDEL1',
      customerEmail: 'gone@example.com',
      attachments: ['tickets/T-PRIVDEL1/a/file.txt'],
    });
    await owner.uploadAttachment({ path: 'tickets/T-PRIVDEL1/a/file.txt', content: Buffer.from('file'), message: 'file' });
    const privacy = createPrivacy({ config, host: owner, database: store.database, mailFolder: noMail, now: () => Date.parse('2026-06-01T00:00:00Z') });

    await expect(privacy.deleteTicket(ticket.number, 'support-ben')).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('Only admins') });
    expect(await privacy.deleteTicket(ticket.number, 'support-anna')).toEqual({ outcome: 'deleted', attachmentsRemoved: 1 });
    expect((await t.raw(TOKENS.owner, 'GET', `/repos/local/support/issues/${ticket.number}`)).status).toBe(410);
    expect(await owner.readAttachment('tickets/T-PRIVDEL1/a/file.txt')).toBeUndefined();
    expect(await privacy.removedTicket('T-PRIVDEL1')).toEqual({ removedAt: '2026-06-01T00:00:00.000Z' });
    expect(await removedTicket(store.database, { number: ticket.number })).toMatchObject({ outcome: 'deleted' });
    await expect(privacy.deleteTicket(ticket.number, 'support-anna')).rejects.toMatchObject({ code: 'not_found' });
  });
});
