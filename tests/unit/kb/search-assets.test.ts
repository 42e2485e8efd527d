import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildSiteIndexes, searchAssets } from '../../../src/kb/search/site-index.ts';
import { parseSynonyms, SynonymsError } from '../../../src/kb/search/synonyms-file.ts';
import { article } from './search-fixtures.ts';

const articles = [
  { ...article('track-your-order', { title: 'Track your order', text: 'A long body text about parcels.' }), lang: 'en' },
  { ...article('sendung-verfolgen', { title: 'Sendung verfolgen' }), lang: 'de' },
  { ...article('secret-draft', { title: 'Secret draft' }), lang: 'en', draft: true },
];

describe('search index assets', () => {
  const indexes = buildSiteIndexes(articles, { urlOf: (slug) => `/articles/${slug}/` });
  const { manifest, assets } = searchAssets(indexes);
  const read = (url: string) => assets.find((a) => `/${a.path}` === url)!.content;

  it('builds one index per language and leaves drafts out', () => {
    expect([...indexes.keys()]).toEqual(['en', 'de']);
    expect(indexes.get('en')!.head.docs.map((d) => d[0])).toEqual(['Track your order']);
  });

  it('names files by content hash, with gzip and brotli twins of the same bytes', () => {
    expect(manifest.en?.head).toMatch(/^\/_search\/en\.head\.[0-9a-f]{10}\.json$/);
    for (const url of [manifest.en!.head, manifest.en!.body, manifest.de!.head]) {
      const raw = read(url);
      expect(gunzipSync(read(`${url}.gz`))).toEqual(raw);
      expect(brotliDecompressSync(read(`${url}.br`))).toEqual(raw);
    }
    const again = searchAssets(buildSiteIndexes(articles, { urlOf: (slug) => `/articles/${slug}/` })).manifest;
    expect(again).toEqual(manifest);
  });

  it('keeps article bodies out of the head and the document store', () => {
    const head = read(manifest.en!.head).toString();
    expect(head).not.toContain('A long body text');
    expect(head).not.toContain('parcels');
    expect(JSON.parse(head).docs).toEqual([['Track your order', '/articles/track-your-order/', 'About track-your-order.', 'general']]);
  });
});

describe('synonyms file', () => {
  it('reads groups per language', () => {
    expect(parseSynonyms('en:\n  - [supplier, vendor]\nde:\n  - [Rechnung, Beleg]\n')).toEqual({ en: [['supplier', 'vendor']], de: [['Rechnung', 'Beleg']] });
  });

  it.each([
    ['a one-word group', 'en:\n  - [vendor]\n', /en\.0: a synonym group needs at least two entries/],
    ['an unknown language', 'fr:\n  - [a, b]\n', /unrecognized key.*"fr"|Unrecognized key.*"fr"/i],
    ['broken YAML', 'en: [a, b\n', /not valid YAML/],
  ])('rejects %s with a message naming it', (_, text, message) => {
    expect(() => parseSynonyms(text, 'content/synonyms.yml')).toThrow(SynonymsError);
    expect(() => parseSynonyms(text, 'content/synonyms.yml')).toThrow(message);
  });
});
