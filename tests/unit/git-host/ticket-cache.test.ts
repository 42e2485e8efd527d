// Ticket reads are cached until the ticket changes (a webhook or the sweep calls invalidate; own writes do it
// themselves), concurrent reads of one ticket share one fetch, and the ETag cache is bounded by bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHost } from '../../../src/git-host/index.ts';
import { startTestHost, TOKENS, type TestHost } from '../../helpers/local-host.ts';

let t: TestHost;

beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.stop());

/** Requests about one issue (and its comments) from `mark` on. */
const issueRequests = (number: number, mark: number) => t.local.requests.slice(mark).filter((r) => new RegExp(`^/repos/local/support/issues/${number}(/|$|\\?)`).test(r.path));

/** An issue opened as staff would (not through the adapter, so nothing of it is cached). */
async function openIssue(body = 'x'): Promise<number> {
  const created = await t.raw(TOKENS.owner, 'POST', '/repos/local/support/issues', { title: 'Cached', body });
  return created.body.number as number;
}

const staffComment = (number: number, body: string) => t.raw(TOKENS.anna, 'POST', `/repos/local/support/issues/${number}/comments`, { body });

describe('ticket reads', () => {
  let host: GitHost;
  const clock = { now: Date.parse('2030-01-01T00:00:00Z') };
  beforeAll(() => {
    host = t.adapter({ now: () => clock.now });
  });

  it('share one fetch when read concurrently (N concurrent reads → one request per endpoint)', async () => {
    const number = await openIssue();
    const mark = t.local.requests.length;
    const read = await Promise.all(Array.from({ length: 20 }, () => host.getTicket(number)));
    expect(issueRequests(number, mark).map((r) => r.path.replace(/\?.*/, ''))).toEqual(
      expect.arrayContaining([`/repos/local/support/issues/${number}`, `/repos/local/support/issues/${number}/comments`]),
    );
    expect(issueRequests(number, mark)).toHaveLength(2);
    expect(new Set(read).size).toBe(1);
    expect(read[0]?.number).toBe(number);
  });

  it('cost no host call while the ticket is unchanged, until the TTL (60 s) runs out', async () => {
    const number = await openIssue();
    await host.getTicket(number);
    const mark = t.local.requests.length;
    // A staff comment no webhook reported: unseen until the safety-net TTL.
    await staffComment(number, 'unreported');
    for (let i = 0; i < 10; i++) expect((await host.getTicket(number))?.messages).toEqual([]);
    clock.now += 59_999;
    expect((await host.getTicket(number))?.messages).toEqual([]);
    expect(issueRequests(number, mark).filter((r) => r.method === 'GET')).toEqual([]);
    clock.now += 1;
    expect((await host.getTicket(number))?.messages.map((m) => m.body)).toEqual(['unreported']);
    expect(issueRequests(number, mark).filter((r) => r.method === 'GET')).toHaveLength(2);
  });

  it('are read again after invalidate (a webhook or the sweep said the issue changed)', async () => {
    const number = await openIssue();
    await host.getTicket(number);
    await staffComment(number, '/reply On it');
    expect((await host.getTicket(number))?.messages).toEqual([]);
    host.invalidate(number);
    expect((await host.getTicket(number))?.messages.map((m) => m.body)).toEqual(['/reply On it']);
  });

  it('under way when the ticket changes are not cached, and later readers do not join them', async () => {
    const number = await openIssue();
    const mark = t.local.requests.length;
    const before = host.getTicket(number);
    host.invalidate(number);
    const after = host.getTicket(number);
    await Promise.all([before, after]);
    expect(issueRequests(number, mark)).toHaveLength(4);
    // The read that began before the change was not kept; the one after it was.
    const kept = t.local.requests.length;
    await host.getTicket(number);
    expect(issueRequests(number, kept)).toEqual([]);

    const stale = host.getTicket(number, { fresh: true });
    host.invalidate(number);
    await stale;
    const next = t.local.requests.length;
    await host.getTicket(number);
    expect(issueRequests(number, next)).toHaveLength(2);
  });

  it('show own writes at once: a comment, a label change, a reaction, an edit of the text', async () => {
    const ticket = await host.createTicket({ title: 'Own writes', body: 'first', labels: ['status: new'], key: 'cache-own-writes' });
    await host.getTicket(ticket.number);
    const reply = await host.addComment(ticket.number, { body: 'customer reply', key: 'cache-own-reply', customerEmail: 'own@example.com' });
    expect((await host.getTicket(ticket.number))?.messages.map((m) => m.id)).toEqual([reply.id]);
    await host.setLabels(ticket.number, ['status: reply-received']);
    expect((await host.getTicket(ticket.number))?.labels).toEqual(['status: reply-received']);
    await host.setReaction(reply.id, '+1');
    expect((await host.getTicket(ticket.number))?.messages[0]?.reactions['+1']).toBe(1);
    expect(await host.replaceTicketText(ticket.number, 'second')).toBe(true);
    expect((await host.getTicket(ticket.number))?.body).toBe('second');
  });

  it('drop the cached copy when an own write fails with an unknown outcome (it may have applied)', async () => {
    const ticket = await host.createTicket({ title: 'Lost answer', body: 'x', labels: [], key: 'cache-lost-answer' });
    await host.getTicket(ticket.number);
    t.local.setFaults({ methods: ['POST'], serverError: { count: 1, afterApply: true } });
    try {
      await expect(host.addComment(ticket.number, { body: 'applied, answer lost', key: 'cache-lost-1' })).rejects.toThrow();
    } finally {
      t.local.setFaults({});
    }
    expect((await host.getTicket(ticket.number))?.messages.map((m) => m.body)).toEqual(['applied, answer lost']);
  });

  it('know a ticket the adapter just created whole: its first read costs no host call', async () => {
    const ticket = await host.createTicket({ title: 'New', body: 'hello', labels: ['status: new'], key: 'cache-new' });
    const mark = t.local.requests.length;
    expect(await host.getTicket(ticket.number)).toMatchObject({ number: ticket.number, title: 'New', body: 'hello', messages: [], meta: { key: 'cache-new' } });
    expect(issueRequests(ticket.number, mark)).toEqual([]);
  });

  it('keep within their byte budget: a thread over an eighth of it is read each time', async () => {
    const small = t.adapter({ ticketCacheBytes: 64_000 });
    const big = await openIssue('b'.repeat(5_000));
    await small.getTicket(big);
    const mark = t.local.requests.length;
    await small.getTicket(big);
    expect(issueRequests(big, mark).map((r) => r.status)).toEqual([304, 304]);
    const usual = await openIssue('a usual question');
    await small.getTicket(usual);
    const kept = t.local.requests.length;
    await small.getTicket(usual);
    expect(issueRequests(usual, kept)).toEqual([]);
  });
});

describe('the ETag cache', () => {
  it('is bounded by bytes: the least recently used answers go first, and an answer over an eighth of it is not kept', async () => {
    const issues: number[] = [];
    for (let i = 0; i < 10; i++) issues.push(await openIssue(`${i}`.repeat(9_000)));
    // A budget of eight and a half answers of this size (the adapter counts an answer as its JSON plus a little).
    const answer = JSON.stringify((await t.raw(TOKENS.bot, 'GET', `/repos/local/support/issues/${issues[0]}`)).body).length + 600;
    const host = t.adapter({ etagCacheBytes: Math.floor(answer * 8.5) });
    const read = async (number: number) => {
      const mark = t.local.requests.length;
      await host.octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { owner: 'local', repo: 'support', issue_number: number });
      return issueRequests(number, mark).map((r) => r.status)[0];
    };
    for (const n of issues) expect(await read(n)).toBe(200);
    // The most recent answers are kept (a 304 saves the rate limit); the oldest were dropped to stay within budget.
    expect(await read(issues[9] as number)).toBe(304);
    expect(await read(issues[8] as number)).toBe(304);
    expect(await read(issues[0] as number)).toBe(200);
    // An answer over an eighth of the budget is never kept, and pushes nothing else out.
    const huge = await openIssue('h'.repeat(12_000));
    expect(await read(huge)).toBe(200);
    expect(await read(huge)).toBe(200);
    expect(await read(issues[9] as number)).toBe(304);
  });
});
