// A create GitHub applied but answered 5xx (or a reset) may not be listed yet when the outbox looks its idempotency
// key up half a second later: GitHub reads lists from replicas. The embedded host's `listLagMs` switch leaves fresh
// issues and comments out of lists for a while; the adapter looks again once `lookupSettleMs` has passed since the
// failure before believing "not found", so the retry does not create the ticket twice.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitHostError } from '../../../src/git-host/index.ts';
import { openOutbox } from '../../../src/outbox/index.ts';
import { freshStore } from '../../helpers/store.ts';
import { startTestHost, TOKENS, type TestHost } from '../../helpers/local-host.ts';

const quiet = { warn: () => {}, info: () => {} };
let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterEach(() => t.local.setFaults({}));
afterAll(() => t.stop());

/** Applies the next POST, then answers 502; lists lag writes by 2 s. */
const appliedThen502 = { methods: ['POST'], serverError: { count: 1, afterApply: true, status: 502 }, listLagMs: 2000 };

const issuesTitled = async (title: string) => {
  t.local.setFaults({});
  const { body } = await t.raw(TOKENS.owner, 'GET', '/repos/local/support/issues?state=all&per_page=100');
  return (body as Array<{ title: string }>).filter((i) => i.title === title).length;
};

describe('idempotency lookups right after an unknown outcome', () => {
  it('miss a just-created issue in a lagging list without the settle wait (the hazard)', async () => {
    const host = t.adapter({ lookupSettleMs: 0 });
    t.local.setFaults(appliedThen502);
    const failed = await host.createTicket({ title: 'Lagging, no wait', body: 'x', labels: [], key: 'settle-0' }).catch((error: unknown) => error);
    expect(failed).toMatchObject({ kind: 'unknown-outcome', status: 502 });
    expect(await host.findTicketByKey('settle-0', new Date(Date.now() - 60_000))).toBeUndefined();
  });

  it('find it once the list caught up, looking again after the settle wait', async () => {
    const host = t.adapter({ lookupSettleMs: 3000 });
    t.local.setFaults(appliedThen502);
    const failed = await host.createTicket({ title: 'Lagging, waited', body: 'x', labels: [], key: 'settle-1' }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(GitHostError);
    const started = Date.now();
    const found = await host.findTicketByKey('settle-1', new Date(Date.now() - 60_000));
    expect(found?.title).toBe('Lagging, waited');
    expect(Date.now() - started).toBeGreaterThan(1000);
    // Believed at once when nothing failed: no wait for a key whose create had a known outcome.
    const quick = Date.now();
    expect(await host.findTicketByKey('never-sent', new Date(Date.now() - 60_000))).toBeUndefined();
    expect(Date.now() - quick).toBeLessThan(1000);
  });

  it('through the outbox: the retry after a 502 finds the ticket and files it once', async () => {
    const host = t.adapter({ lookupSettleMs: 3000, log: quiet });
    const store = await freshStore();
    const outbox = await openOutbox({ database: store.database, host, log: quiet, backoff: { baseMs: 20, maxMs: 20 } });
    try {
      t.local.setFaults(appliedThen502);
      const { ref } = await outbox.createTicket({ title: 'Filed once', body: 'x', labels: [] });
      for (let round = 0; round < 50 && (await outbox.list(['queued'])).length > 0; round++) {
        await outbox.drainOnce();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(await outbox.resolve(ref)).toBeTypeOf('number');
      expect(await issuesTitled('Filed once')).toBe(1);
    } finally {
      await outbox.close();
      await store.remove();
    }
  });

  it('applies to comments too: a reply whose answer was lost is found, not posted twice', async () => {
    const host = t.adapter({ lookupSettleMs: 3000 });
    const ticket = await host.createTicket({ title: 'Comment settle', body: 'x', labels: [], key: 'settle-c0' });
    t.local.setFaults(appliedThen502);
    await expect(host.addComment(ticket.number, { body: 'once', key: 'settle-c1' })).rejects.toMatchObject({ kind: 'unknown-outcome' });
    expect((await host.findMessageByKey(ticket.number, 'settle-c1'))?.body).toBe('once');
  });
});
