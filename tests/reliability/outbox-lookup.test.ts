import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHost } from '../../src/git-host/index.ts';
import { openOutbox, type Outbox } from '../../src/outbox/index.ts';
import { freshStore } from '../helpers/store.ts';
import { startTestHost, TOKENS, type TestHost } from '../helpers/local-host.ts';
import { waitFor } from '../helpers/wait.ts';
import { deriveMetadataKey } from '../../src/tickets/metadata.ts';
import { TEST_METADATA_SECRET } from '../helpers/local-host.ts';
import { listHostTickets } from './desk-harness.ts';

const quiet = { warn: () => {}, info: () => {} };
let t: TestHost;
let host: GitHost;
let outbox: Outbox;
let store: Awaited<ReturnType<typeof freshStore>>;

beforeAll(async () => {
  t = await startTestHost();
  host = t.adapter();
  store = await freshStore();
  // A long backoff: the entry whose create failed waits while other issues are created.
  outbox = await openOutbox({ database: store.database, host, backoff: { baseMs: 60_000, maxMs: 60_000 }, log: quiet });
});
afterAll(async () => {
  await outbox.close();
  await t.stop();
  await store.remove();
});

/** Drains until the entry is done (backoff skipped by clearing `retry_at` in the store, as a later drainer pass would). */
async function drainEntry(entryId: string): Promise<void> {
  await waitFor(`entry ${entryId} done`, async () => {
    await store.database.db.updateTable('outbox').set({ retry_at: 0 }).where('id', '=', entryId).where('status', '=', 'queued').execute();
    await outbox.drainOnce();
    return (await outbox.get(entryId))?.status === 'done';
  });
}

describe('outbox lookups of creates with an unknown outcome', () => {
  it('finds an issue that was created further back than the 100 most recent (no duplicate)', async () => {
    const { ref, entryId } = await outbox.createTicket({ title: 'Created, then the answer was lost', body: 'x', labels: [] });
    // The host applies the create and answers 502: the outbox cannot know it went through.
    t.local.setFaults({ serverError: { count: 1, afterApply: true }, methods: ['POST'] });
    await outbox.drainOnce();
    t.local.setFaults({});
    expect(await outbox.get(entryId)).toMatchObject({ status: 'queued', attempts: 1 });
    // Meanwhile the burst goes on: 120 newer bot issues push it out of the "100 most recent".
    for (let i = 0; i < 120; i += 1) {
      const res = await t.raw(TOKENS.bot, 'POST', '/repos/local/support/issues', { title: `burst ${i}`, body: 'y' });
      expect(res.status).toBe(201);
    }
    await drainEntry(entryId);
    const mine = (await listHostTickets({ url: t.local.url, token: TOKENS.owner, key: deriveMetadataKey(TEST_METADATA_SECRET) })).filter((i) => i.meta?.ref === ref);
    expect(mine.map((i) => i.meta?.key)).toEqual([entryId]);
    expect(await outbox.resolve(ref)).toBe(mine[0]?.number);
  });

  it('creates the ticket once when the failed create never reached the host', async () => {
    const { ref, entryId } = await outbox.createTicket({ title: 'Refused before applying', body: 'x', labels: [] });
    t.local.setFaults({ serverError: { count: 1 }, methods: ['POST'] });
    await outbox.drainOnce();
    t.local.setFaults({});
    expect(await outbox.get(entryId)).toMatchObject({ status: 'queued', attempts: 1 });
    await drainEntry(entryId);
    const mine = (await listHostTickets({ url: t.local.url, token: TOKENS.owner, key: deriveMetadataKey(TEST_METADATA_SECRET) })).filter((i) => i.meta?.ref === ref);
    expect(mine).toHaveLength(1);
  });
});
