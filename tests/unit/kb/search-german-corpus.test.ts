import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { articleUrl } from '../../../src/kb/links.ts';
import { loadArticles } from '../../../src/kb/load-articles.ts';
import { search } from '../../../src/kb/search/query.ts';
import { siteSearcher, synonymsFileFor } from '../../../src/kb/search/server-search.ts';
import { parseConfig } from '../../../src/server/config.ts';

// The sample knowledgebase's own German articles, searched as /api/suggest searches them for the ticket form.
const config = parseConfig(readFileSync('helpdesk.config.json', 'utf8'));
const { articles } = loadArticles('content/articles');
const source = { articles, categories: config.categories, synonymsFile: synonymsFileFor('content/articles'), urlOf: articleUrl };
const germanUrls = new Set(articles.filter((a) => a.lang === 'de').map((a) => articleUrl(a.slug)));
const suggest = (query: string, lang: 'en' | 'de') => search(siteSearcher(source, lang)!, query, { limit: 4 }).map((r) => r.url);

describe('German suggestions for the ticket form on the sample knowledgebase (issue 16, item 8)', () => {
  it.each(['geliefert', 'Mein Paket wurde nicht geliefert'])('finds the delivery article first for "%s" (a participle of liefern)', (query) => {
    expect(suggest(query, 'de')[0]).toBe(articleUrl('lieferzeiten-und-versandkosten'));
  });

  it('suggests the delivery article for a question that also names an order', () => {
    // "Bestellung" is in the title of the cancellation article, which may rank first; the delivery one must be offered.
    expect(suggest('Wann wird meine Bestellung geliefert?', 'de')).toContain(articleUrl('lieferzeiten-und-versandkosten'));
  });

  it('suggests only German articles for a German subject, English ones for an English subject', () => {
    const german = suggest('Rücksendung meiner Bestellung', 'de');
    expect(german.length).toBeGreaterThan(0);
    for (const url of german) expect(germanUrls.has(url), url).toBe(true);
    const english = suggest('return my order', 'en');
    expect(english.length).toBeGreaterThan(0);
    for (const url of english) expect(germanUrls.has(url), url).toBe(false);
  });
});
