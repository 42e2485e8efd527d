// Knowledgebase insights in the store, on the engine this run tests (SQLite by default, PostgreSQL with
// STORE_ENGINE=postgres): votes counted once per browser and article, search counts per query per day with a
// cap, report keys counted once, and one article request per query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  articleRequestsFor,
  claimArticleRequest,
  completeArticleRequest,
  countSearch,
  pruneInsights,
  queryCounts,
  recentComments,
  recordVote,
  releaseArticleRequest,
  searchesPerDay,
  searchTotals,
  topQueries,
  votesPerArticle,
} from '../../src/store/kb-insights.ts';
import { freshStore } from '../helpers/store.ts';

let store: Awaited<ReturnType<typeof freshStore>>;
const T = Date.parse('2026-05-01T10:00:00Z');

beforeAll(async () => {
  store = await freshStore();
});
afterAll(() => store.remove());

describe('votes', () => {
  it('count once per vote id: a resend is a duplicate, a change replaces the answer, an older change arriving late changes nothing', async () => {
    const vote = { voteId: 'browser-a-return-policy', article: 'return-policy', lang: 'en', helpful: true, seq: 1, at: T };
    expect(await recordVote(store.database, vote)).toBe('recorded');
    expect(await recordVote(store.database, vote)).toBe('duplicate');
    expect(await recordVote(store.database, { ...vote, seq: 3, helpful: false, comment: 'Missing the return address.', at: T + 2 })).toBe('recorded');
    expect(await recordVote(store.database, { ...vote, seq: 2, helpful: true, at: T + 3 })).toBe('duplicate');
    // A change without a comment keeps the comment sent before; null takes it away.
    expect(await recordVote(store.database, { ...vote, seq: 4, helpful: false, at: T + 4 })).toBe('recorded');
    expect(await recordVote(store.database, { voteId: 'browser-b-return-policy', article: 'return-policy', lang: 'en', helpful: true, seq: 1, at: T + 5 })).toBe('recorded');
    expect(await votesPerArticle(store.database, T, T + 1000)).toEqual([{ article: 'return-policy', lang: 'en', yes: 1, no: 1, comments: 1, lastAt: T + 5 }]);
    expect(await recentComments(store.database, T, T + 1000, 10)).toEqual([{ article: 'return-policy', lang: 'en', helpful: false, comment: 'Missing the return address.', at: T + 4 }]);
    expect(await recordVote(store.database, { ...vote, seq: 5, comment: null, at: T + 6 })).toBe('recorded');
    expect(await recentComments(store.database, T, T + 1000, 10)).toEqual([]);
  });

  it('refuse a vote id used for another article', async () => {
    await recordVote(store.database, { voteId: 'browser-c-zipper', article: 'stuck-zipper', lang: 'en', helpful: true, seq: 1, at: T });
    expect(await recordVote(store.database, { voteId: 'browser-c-zipper', article: 'return-policy', lang: 'en', helpful: true, seq: 2, at: T })).toBe('conflict');
  });
});

describe('search counts', () => {
  const day = '2026-05-01';
  const search = (query: string | undefined, results: number, key?: string, lang = 'en') => ({ day, lang, query, results, key, at: T });

  it('add up per query and day; a report key counts once; filtered queries count only in the totals', async () => {
    expect(await countSearch(store.database, search('gift card', 0, 'key-1-aaaaaaaaaaaa'), { maxQueriesPerDay: 100 })).toBe(true);
    expect(await countSearch(store.database, search('gift card', 0, 'key-1-aaaaaaaaaaaa'), { maxQueriesPerDay: 100 })).toBe(false);
    await countSearch(store.database, search('gift card', 2, 'key-2-aaaaaaaaaaaa'), { maxQueriesPerDay: 100 });
    await countSearch(store.database, search('return policy', 6, 'key-3-aaaaaaaaaaaa'), { maxQueriesPerDay: 100 });
    await countSearch(store.database, search('gutschein', 0, 'key-4-aaaaaaaaaaaa', 'de'), { maxQueriesPerDay: 100 });
    await countSearch(store.database, search(undefined, 0, 'key-5-aaaaaaaaaaaa'), { maxQueriesPerDay: 100 });
    await countSearch(store.database, search('gift card', 0), { maxQueriesPerDay: 100, ticket: true });

    expect(await queryCounts(store.database, 'en', 'gift card', day, day)).toEqual({ lang: 'en', query: 'gift card', searches: 2, noResults: 1, fewResults: 1, tickets: 1 });
    expect(await searchTotals(store.database, day, day)).toEqual({ searches: 5, noResults: 3, fewResults: 1, tickets: 1, filtered: 1, overCap: 0 });
    expect(await topQueries(store.database, day, day, 'no_results', 10)).toEqual([
      { lang: 'en', query: 'gift card', searches: 2, noResults: 1, fewResults: 1, tickets: 1 },
      { lang: 'de', query: 'gutschein', searches: 1, noResults: 1, fewResults: 0, tickets: 0 },
    ]);
    expect((await topQueries(store.database, day, day, 'searches', 1)).map((q) => q.query)).toEqual(['gift card']);
    expect(await searchesPerDay(store.database, day, day)).toEqual([{ day, searches: 5, noResults: 3 }]);
  });

  it('keep at most the cap of distinct queries a day; the rest counts in the totals as over the cap', async () => {
    const other = '2026-05-02';
    for (const query of ['one', 'two', 'three', 'four']) await countSearch(store.database, { ...search(query, 0), day: other }, { maxQueriesPerDay: 3 });
    await countSearch(store.database, { ...search('one', 0), day: other }, { maxQueriesPerDay: 3 });
    expect((await topQueries(store.database, other, other, 'searches', 10)).map((q) => [q.query, q.searches])).toEqual([
      ['one', 2],
      ['three', 1],
      ['two', 1],
    ]);
    expect(await searchTotals(store.database, other, other)).toMatchObject({ searches: 5, overCap: 1 });
  });

  it('are pruned by day, votes by their last change, report keys by age', async () => {
    await countSearch(store.database, { ...search('old query', 0, 'key-old-aaaaaaaaaa'), day: '2025-01-01', at: T - 400 * 86_400_000 }, { maxQueriesPerDay: 100 });
    await recordVote(store.database, { voteId: 'browser-old-vote-xx', article: 'stuck-zipper', lang: 'en', helpful: false, seq: 1, at: T - 400 * 86_400_000 });
    await pruneInsights(store.database, { beforeDay: '2025-06-01', votesBefore: T - 300 * 86_400_000, keysBefore: T - 2 * 86_400_000 });
    expect(await searchTotals(store.database, '2025-01-01', '2025-01-01')).toMatchObject({ searches: 0 });
    expect(await votesPerArticle(store.database, 0, T - 300 * 86_400_000)).toEqual([]);
    // Its key was pruned, so the same key counts again (keys live two days; reports arrive within one).
    expect(await countSearch(store.database, { ...search('old query', 0, 'key-old-aaaaaaaaaa'), day: '2025-01-01' }, { maxQueriesPerDay: 100 })).toBe(true);
  });
});

describe('article requests', () => {
  it('are claimed once per query and language; a finished one is returned, a released or stale claim can be taken again', async () => {
    const at = T;
    expect(await claimArticleRequest(store.database, { lang: 'en', query: 'gift card', login: 'support-anna', at, staleBefore: at - 60_000 })).toEqual({ claimed: true });
    const second = await claimArticleRequest(store.database, { lang: 'en', query: 'gift card', login: 'support-ben', at: at + 1, staleBefore: at - 60_000 });
    expect(second).toMatchObject({ claimed: false, existing: { requestedBy: 'support-anna', issueNumber: undefined } });
    // The first claimer's process stopped: two minutes on, someone else may take over.
    expect(await claimArticleRequest(store.database, { lang: 'en', query: 'gift card', login: 'support-ben', at: at + 200_000, staleBefore: at + 1 })).toEqual({ claimed: true });
    await completeArticleRequest(store.database, 'en', 'gift card', { number: 42, url: 'https://github.com/acme/help/issues/42' });
    expect(await claimArticleRequest(store.database, { lang: 'en', query: 'gift card', login: 'support-anna', at: at + 10_000_000, staleBefore: at + 9_000_000 })).toMatchObject({
      claimed: false,
      existing: { issueNumber: 42, issueUrl: 'https://github.com/acme/help/issues/42', requestedBy: 'support-ben' },
    });
    expect(await claimArticleRequest(store.database, { lang: 'de', query: 'gutschein', login: 'support-anna', at, staleBefore: at - 1 })).toEqual({ claimed: true });
    await releaseArticleRequest(store.database, 'de', 'gutschein');
    expect(await claimArticleRequest(store.database, { lang: 'de', query: 'gutschein', login: 'support-ben', at, staleBefore: at - 1 })).toEqual({ claimed: true });
    expect((await articleRequestsFor(store.database, ['gift card', 'gutschein', 'other'])).map((r) => [r.lang, r.query, r.issueNumber]).sort()).toEqual([
      ['de', 'gutschein', undefined],
      ['en', 'gift card', 42],
    ]);
  });
});
