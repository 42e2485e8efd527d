// The browser's queue of votes and search reports (src/scripts/kb-insights.ts), with a memory storage and a fake
// fetch: what is sent, what stays for later, and that nothing is sent twice once the server has it.
import { describe, expect, it } from 'vitest';
import { castVote, flushSearches, flushVotes, loadSearches, loadVotes, queueSearch, randomId, SEARCH_QUEUE_MAX, VOTES_KEY, type InsightsStorage } from '../../../src/scripts/kb-insights.ts';
import { VOTE_ID_PATTERN } from '../../../src/kb/insights-protocol.ts';

function memoryStorage(): InsightsStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) };
}

/** A fetch that answers each call with the next status (or fails like a network without a connection), recording bodies. */
function fakeFetch(statuses: Array<number | 'offline'>) {
  const sent: Array<{ url: string; body: any }> = [];
  const impl = (async (url: string, init: RequestInit) => {
    const status = statuses.shift() ?? 200;
    if (status === 'offline') throw new TypeError('Failed to fetch');
    sent.push({ url, body: JSON.parse(String(init.body)) });
    return new Response('{}', { status });
  }) as unknown as typeof fetch;
  return { impl, sent };
}

describe('votes in the browser', () => {
  it('keep one id per article, raise the counter on each change, and are sent until the server has them', async () => {
    const storage = memoryStorage();
    const first = castVote(storage, 'return-policy', false);
    expect(first.voteId).toMatch(VOTE_ID_PATTERN);
    expect(first.seq).toBe(1);

    const offline = fakeFetch(['offline']);
    expect(await flushVotes(storage, offline.impl)).toEqual({ 'return-policy': 'retry' });
    expect(loadVotes(storage)['return-policy']?.sent).toBe(false);

    const changed = castVote(storage, 'return-policy', true, 'Found it, thanks');
    expect(changed).toMatchObject({ voteId: first.voteId, seq: 2, helpful: true, comment: 'Found it, thanks', sent: false });
    const online = fakeFetch([200]);
    expect(await flushVotes(storage, online.impl)).toEqual({ 'return-policy': 'sent' });
    expect(online.sent).toEqual([{ url: '/api/kb/feedback', body: { voteId: first.voteId, seq: 2, article: 'return-policy', helpful: true, comment: 'Found it, thanks' } }]);
    // Sent once: the next round has nothing to send.
    const later = fakeFetch([]);
    expect(await flushVotes(storage, later.impl)).toEqual({});
    expect(later.sent).toEqual([]);
    // A change of vote keeps the comment sent before.
    expect(castVote(storage, 'return-policy', false)).toMatchObject({ seq: 3, comment: 'Found it, thanks' });
  });

  it('wait after a rate limit or a server error, and drop what the server refuses for good', async () => {
    const storage = memoryStorage();
    castVote(storage, 'a', true);
    castVote(storage, 'b', true);
    castVote(storage, 'c', true);
    expect(await flushVotes(storage, fakeFetch([429, 503, 400]).impl)).toEqual({ a: 'retry', b: 'retry', c: 'rejected' });
    expect(Object.entries(loadVotes(storage)).map(([slug, v]) => [slug, v.sent])).toEqual([
      ['a', false],
      ['b', false],
      ['c', true],
    ]);
  });

  it('read anything unreadable as no votes', () => {
    const storage = memoryStorage();
    storage.setItem(VOTES_KEY, '{"x": {"voteId": 3}}');
    expect(loadVotes(storage)).toEqual({});
    storage.setItem(VOTES_KEY, 'not json');
    expect(loadVotes(storage)).toEqual({});
  });
});

describe('search reports in the browser', () => {
  it('queue at most the newest 50, are sent in batches of 20, and leave the queue once the server answered', async () => {
    const storage = memoryStorage();
    for (let i = 0; i < 60; i++) queueSearch(storage, { query: `query ${i}`, lang: 'en', results: i % 3 });
    queueSearch(storage, { query: ' x ', lang: 'en', results: 0 });
    expect(loadSearches(storage)).toHaveLength(SEARCH_QUEUE_MAX);
    expect(loadSearches(storage)[0]?.query).toBe('query 10');
    const { impl, sent } = fakeFetch([200, 'offline']);
    expect(await flushSearches(storage, impl)).toEqual(['sent', 'retry']);
    expect(sent.map((s) => s.body.reports.length)).toEqual([20]);
    expect(loadSearches(storage)).toHaveLength(30);
    expect(await flushSearches(storage, fakeFetch([200, 200]).impl)).toEqual(['sent', 'sent']);
    expect(loadSearches(storage)).toEqual([]);
  });

  it('make random ids the server accepts', () => {
    const ids = new Set(Array.from({ length: 100 }, () => randomId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(VOTE_ID_PATTERN);
  });
});
