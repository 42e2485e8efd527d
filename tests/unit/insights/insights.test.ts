// The insights service on the store (SQLite here; the store's own contract runs on both engines in
// tests/store/kb-insights.test.ts), and its article requests against the embedded issue host over HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config-schema.ts';
import { ARTICLE_REQUEST_LABEL, cleanComment, createInsights, type ArticleRef } from '../../../src/insights/insights.ts';
import { JOINER } from '../../../src/tickets/neutralize.ts';
import { DeskError } from '../../../src/tickets/errors.ts';
import { startTestHost, TOKENS, type TestHost } from '../../helpers/local-host.ts';
import { freshStore } from '../../helpers/store.ts';

const ARTICLES = new Map<string, ArticleRef>([
  ['return-policy', { title: 'Return policy', lang: 'en', url: '/articles/return-policy/' }],
  ['ruecksendung', { title: 'Rücksendung', lang: 'de', url: '/articles/ruecksendung/' }],
  ['stuck-zipper', { title: 'Fix a stuck zipper', lang: 'en', url: '/articles/stuck-zipper/' }],
]);
const config: Pick<Config, 'features' | 'insights'> = {
  features: { knowledgebase: true, tickets: true, guests: true, ratings: true, customerPriority: false, customerClose: true, insights: true, chat: true },
  insights: { maxQueriesPerDay: 100, retentionDays: 400 },
};
const NOW = Date.parse('2026-05-10T12:00:00Z');

let store: Awaited<ReturnType<typeof freshStore>>;
let host: TestHost;
let clock = NOW;

beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host.stop());
beforeEach(async () => {
  await store?.remove();
  store = await freshStore();
  clock = NOW;
});
afterAll(() => store?.remove());

const insights = (overrides: Partial<Parameters<typeof createInsights>[0]> = {}) =>
  createInsights({ database: store.database, config, articles: () => ARTICLES, host: host.adapter(), hostHasIssuePages: true, now: () => clock, ...overrides });

/** The refusal a call ends in. */
async function refusal(promise: Promise<unknown>): Promise<DeskError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeskError);
  return error as DeskError;
}

const vote = { voteId: 'aaaaaaaaaaaaaaaaaaaaaa', seq: 1, article: 'return-policy', helpful: false };

describe('votes', () => {
  it('refuse bodies that are not a vote, naming the field and what is wrong', async () => {
    const service = insights();
    const cases: Array<[unknown, string]> = [
      [null, 'Invalid input: expected object, received null'],
      [{ ...vote, voteId: 'short' }, 'voteId: "voteId" must be 16–64 letters, digits, "_" or "-".'],
      [{ ...vote, seq: 0 }, 'seq: "seq" starts at 1.'],
      [{ ...vote, seq: 1.5 }, 'seq: "seq" must be a whole number.'],
      [{ ...vote, helpful: 'yes' }, 'helpful: Say whether the article helped: "helpful": true or false.'],
      [{ ...vote, article: '../etc/passwd' }, 'article: Name the article by its slug, e.g. "return-policy".'],
      [{ ...vote, comment: 'x'.repeat(2001) }, 'comment: The comment may be at most 1000 characters long.'],
      [{ ...vote, extra: 1 }, 'Unknown field: "extra".'],
      [{ ...vote, article: 'not-written-yet' }, 'There is no article "not-written-yet".'],
      [{ ...vote, comment: `${'y'.repeat(1001)}` }, 'The comment may be at most 1000 characters long; it has 1001.'],
    ];
    for (const [body, message] of cases) {
      const error = await refusal(service.vote(body));
      expect(error.code, JSON.stringify(body)).toBe('invalid_input');
      expect(error.message, JSON.stringify(body)).toBe(message);
    }
  });

  it('are metered only once the body is valid, and recorded once per change', async () => {
    let points = 0;
    const meter = async () => void points++;
    const service = insights();
    await refusal(service.vote({ ...vote, seq: -1 }, meter));
    expect(points).toBe(0);
    expect(await service.vote(vote, meter)).toEqual({ status: 'recorded' });
    expect(await service.vote(vote, meter)).toEqual({ status: 'duplicate' });
    expect(await service.vote({ ...vote, seq: 2, helpful: true, comment: 'Clear, thanks.' }, meter)).toEqual({ status: 'recorded' });
    expect(points).toBe(3);
    const report = await service.report({ from: '2026-05-10', to: '2026-05-10' });
    expect(report.votes).toEqual({ yes: 1, no: 0 });
    expect(report.articles).toEqual([{ slug: 'return-policy', title: 'Return policy', lang: 'en', url: '/articles/return-policy/', yes: 1, no: 0, share: 1, comments: 1 }]);
  });

  it('keep a comment as text: personal details out, neutralised for the Git host, shown back as typed', async () => {
    const typed = '<img src=x onerror=alert(1)> @octocat see #12, mail zoe@example.com\r\n\r\n\r\n\r\nthanks\u0007';
    const kept = cleanComment(typed)!;
    expect(kept).toContain(JOINER);
    expect(kept).not.toContain('zoe@example.com');
    const service = insights();
    await service.vote({ ...vote, comment: typed });
    const [comment] = (await service.report({ from: '2026-05-10', to: '2026-05-10' })).comments;
    expect(comment).toEqual({
      slug: 'return-policy',
      title: 'Return policy',
      helpful: false,
      comment: '<img src=x onerror=alert(1)> @octocat see #12, mail [removed]\n\nthanks',
      at: new Date(NOW).toISOString(),
    });
    expect(cleanComment('  \n ')).toBeNull();
  });

  it('from the form without JavaScript get an id of their own', async () => {
    const service = insights();
    await service.voteFromForm({ article: 'ruecksendung', helpful: 'yes' });
    await service.voteFromForm({ article: 'ruecksendung', helpful: 'no', comment: 'Adresse fehlt' });
    expect((await service.report({ from: '2026-05-10', to: '2026-05-10' })).articles).toMatchObject([{ slug: 'ruecksendung', lang: 'de', yes: 1, no: 1 }]);
    expect((await refusal(service.voteFromForm({ article: 'ruecksendung', helpful: 'maybe' }))).message).toBe('helpful: Choose "yes" or "no".');
  });

  it('are refused while insights are switched off', async () => {
    const off = insights({ config: { ...config, features: { ...config.features, insights: false } } });
    expect((await refusal(off.vote(vote))).code).toBe('not_found');
    expect((await refusal(off.reportSearches({ reports: [{ key: 'k'.repeat(16), query: 'x', lang: 'en', results: 0 }] }))).code).toBe('not_found');
  });
});

describe('search reports', () => {
  it('count normalised queries, once per key; personal-looking ones only as filtered; lists the gaps', async () => {
    const service = insights();
    expect(
      await service.reportSearches({
        reports: [
          report('Gift  Card?', 0, 'a'),
          report('gift card', 0, 'b'),
          report('gift card', 0, 'b'),
          report('zoe@example.com', 0, 'c'),
          report('x', 0, 'd'),
          report('return policy', 2, 'e'),
          report('Gutschein', 0, 'f', 'de'),
        ],
      }),
    ).toEqual({ counted: 5, duplicates: 1, ignored: 1 });
    await service.ticketAfterSearch('gift card', 'en');
    await service.ticketAfterSearch('call me on 0151 2345 6789', 'en');
    await service.ticketAfterSearch(undefined, undefined);
    const insightsReport = await service.report({ from: '2026-05-04', to: '2026-05-10' });
    expect(insightsReport.searches).toEqual({ searches: 5, noResults: 4, fewResults: 1, tickets: 2, filtered: 2, overCap: 0 });
    expect(insightsReport.noResults.map((q) => [q.lang, q.query, q.noResults, q.tickets])).toEqual([
      ['en', 'gift card', 2, 1],
      ['de', 'gutschein', 1, 0],
    ]);
    expect(insightsReport.fewResults.map((q) => q.query)).toEqual(['return policy']);
    expect(insightsReport.ticketsAfterSearch.map((q) => q.query)).toEqual(['gift card']);
    expect(insightsReport.perDay).toHaveLength(7);
    expect(insightsReport.perDay.at(-1)).toEqual({ day: '2026-05-10', searches: 5, noResults: 4 });
    expect(insightsReport.perDay[0]).toEqual({ day: '2026-05-04', searches: 0, noResults: 0 });
  });

  it.each([
    ['no reports', {}, 'reports: Invalid input: expected array, received undefined'],
    ['an empty batch', { reports: [] }, 'reports: Send at least one report.'],
    ['21 reports', { reports: Array.from({ length: 21 }, (_, i) => report('q', 0, `k${i}`)) }, 'reports: Send at most 20 reports at once.'],
    ['a negative count', { reports: [{ ...report('q', 0, 'k'), results: -1 }] }, 'reports.0.results: "results" is at least 0.'],
    ['another language', { reports: [{ ...report('q', 0, 'k'), lang: 'fr' }] }, 'reports.0.lang: Invalid option: expected one of "en"|"de"'],
    ['a 201-character query', { reports: [report('q'.repeat(201), 0, 'k')] }, 'reports.0.query: A query may be at most 200 characters long.'],
    ['a short key', { reports: [{ ...report('q', 0, 'k'), key: 'k' }] }, 'reports.0.key: "key" must be 16–64 letters, digits, "_" or "-".'],
  ])('refuse %s, saying why', async (_name, body, message) => {
    expect((await refusal(insights().reportSearches(body))).message).toBe(message);
  });
});

describe('article requests', () => {
  it('open one plain issue per query on the Git host, labelled, with the figures and no way to mention or link', async () => {
    const service = insights();
    await service.reportSearches({ reports: [report('gift card #3 GH-12', 0, 'g1'), report('gift card #3 gh-12', 0, 'g2')] });
    const form = { action: 'request-article', query: 'Gift card #3 GH-12', lang: 'en', from: '2026-05-01', to: '2026-05-10' };
    const first = await service.requestArticle(form, 'support-anna');
    expect(first.opened).toBe(true);
    expect(first.request).toMatchObject({ lang: 'en', query: 'gift card #3 gh-12', requestedBy: 'support-anna' });
    const { body: issue } = await host.raw(TOKENS.owner, 'GET', `/repos/local/support/issues/${first.request.issueNumber}`);
    expect(issue.labels.map((l: { name: string }) => l.name)).toEqual([ARTICLE_REQUEST_LABEL]);
    expect(issue.title).toBe(`Write an article: “gift card #${JOINER}3 g${JOINER}h-12”`);
    expect(issue.body).toContain('| Searches without results | 2 |');
    expect(issue.body).toContain('Requested by support-anna');
    expect(issue.body).not.toMatch(/#3|gh-12/);
    // A second click (or a colleague's) gets the same issue.
    const again = await service.requestArticle(form, 'support-ben');
    expect(again).toEqual({ opened: false, request: { ...first.request, requestedAt: NOW } });
    const report2 = await service.report({ from: '2026-05-10', to: '2026-05-10' });
    expect(report2.noResults[0]?.request?.issueNumber).toBe(first.request.issueNumber);
  });

  it('refuse a query the insights would not keep, and say so when the Git host fails (the next click tries again)', async () => {
    const service = insights();
    const form = { action: 'request-article', query: 'size chart', lang: 'en' };
    expect((await refusal(service.requestArticle({ ...form, query: 'zoe@example.com' }, 'support-anna'))).message).toBe('"zoe@example.com" is not a query the insights keep.');
    expect((await refusal(service.requestArticle({ ...form, action: 'delete' }, 'support-anna'))).message).toBe('action: Use the buttons on the insights page.');
    host.local.setFaults({ methods: ['POST'], serverError: { count: 10, status: 503 } });
    try {
      const error = await refusal(insights({ host: host.adapter({ retryBaseMs: 1 }) }).requestArticle(form, 'support-anna'));
      expect(error.code).toBe('host_unavailable');
    } finally {
      host.local.setFaults({});
    }
    expect((await service.requestArticle(form, 'support-anna')).opened).toBe(true);
    expect((await refusal(insights({ host: undefined }).requestArticle({ ...form, query: 'other' }, 'support-anna'))).message).toBe('No Git host is configured here to open the issue on.');
  });
});

function report(query: string, results: number, key: string, lang: 'en' | 'de' = 'en') {
  return { key: key.padEnd(16, '-'), query, lang, results };
}
