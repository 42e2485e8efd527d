import { describe, expect, it } from 'vitest';
import { parseSearchParams, searchPageModel } from '../../../src/kb/search/results-page.ts';
import { MAX_QUERY_CHARS, search } from '../../../src/kb/search/query.ts';
import { article, searcherFor } from './search-fixtures.ts';

const searcher = searcherFor([
  article('track-your-order', { title: 'Track your order', description: 'Follow your <parcel> with DHL.', keywords: ['trackng'] }),
  article('returns', { title: 'Returns', text: 'Send the parcel back.' }),
]);

describe('search page (no JavaScript)', () => {
  it('reads q and lang from the query string, defaulting unknown languages', () => {
    expect(parseSearchParams(new URLSearchParams('q=refund&lang=de'), ['en', 'de'], 'en')).toEqual({ query: 'refund', lang: 'de' });
    expect(parseSearchParams(new URLSearchParams('q=refund&lang=xx'), ['en', 'de'], 'en')).toEqual({ query: 'refund', lang: 'en' });
    expect(parseSearchParams(new URLSearchParams(''), ['en', 'de'], 'en')).toEqual({ query: '', lang: 'en' });
    expect(parseSearchParams(new URLSearchParams({ q: 'x'.repeat(5000) }), ['en'], 'en').query).toHaveLength(MAX_QUERY_CHARS);
  });

  it('ranks like the search box', () => {
    const page = searchPageModel(searcher, 'trackng');
    expect(page.results.map((r) => r.url)).toEqual(search(searcher, 'trackng', { limit: 20 }).map((r) => r.url));
    expect(page.results[0]?.url).toBe('/articles/track-your-order/');
    expect(page.isEmpty).toBe(false);
  });

  it('keeps text as text: markup in a description is a segment, not HTML', () => {
    const [first] = searchPageModel(searcher, 'parcel').results;
    expect(first?.snippetSegments.map((s) => s.text).join('')).toBe('Follow your <parcel> with DHL.');
    expect(first?.snippetSegments.find((s) => s.match)?.text).toBe('parcel');
  });

  it('offers a ticket about the query when nothing matches', () => {
    const page = searchPageModel(searcher, 'zzqx & co', 'de');
    expect(page.isEmpty).toBe(true);
    // Marked as coming from a search, as the search box's link is, so knowledgebase insights count the ticket.
    const url = new URL(page.ticketUrl, 'http://site.example');
    expect(url.pathname).toBe('/tickets/new');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ subject: 'zzqx & co', from: 'search', lang: 'de' });
  });

  it('shows nothing and no ticket offer before a query is typed', () => {
    expect(searchPageModel(searcher, '  ')).toMatchObject({ results: [], isEmpty: false });
    expect(searchPageModel(undefined, 'parcel')).toMatchObject({ results: [], isEmpty: true });
  });
});
