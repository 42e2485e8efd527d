import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openSearchIndex } from '../../../src/kb/search/index-client.ts';
import { searchFileName, type SearchHead } from '../../../src/kb/search/index-format.ts';
import { createSearcher, search } from '../../../src/kb/search/query.ts';
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
    expect(
      indexes
        .get('en')!
        .head.chunks!.flat()
        .map((d) => d[0]),
    ).toEqual(['Track your order']);
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
    expect(JSON.parse(head).chunks).toEqual([[['Track your order', '/articles/track-your-order/', 'About track-your-order.', 'general']]]);
  });
});

describe('sharded search index', () => {
  // Enough articles for several shards and result chunks; words from a small vocabulary so queries match many.
  const vocabulary = ['tent', 'pole', 'stove', 'lantern', 'rope', 'boots', 'jacket', 'map', 'compass', 'filter', 'pump', 'kettle'];
  const word = (i: number) => `${vocabulary[i % vocabulary.length]}${Math.floor(i / vocabulary.length) % 25}`;
  const many = Array.from({ length: 1000 }, (_, i) => ({
    ...article(`article-${i}`, {
      title: `${word(i)} ${word(i * 7 + 3)} guide`,
      keywords: [word(i * 3 + 1), `${word(i)} help`],
      headings: [{ text: `Using the ${word(i * 5)}` }],
      text: `Body text about ${word(i * 11)} and ${word(i * 13)}.`,
    }),
    lang: 'en',
  }));
  const indexes = buildSiteIndexes(many, { urlOf: (slug) => `/articles/${slug}/` });
  const { manifest, assets } = searchAssets(indexes, { inlineHeadBytes: 10_000 });
  const files = new Map(assets.map((a) => [`/${a.path}`, a.content]));
  const fetched: string[] = [];
  const fetchJson = async (url: string): Promise<unknown> => {
    fetched.push(url);
    const content = files.get(url);
    if (!content) throw new Error(`404 ${url}`);
    return JSON.parse(content.toString());
  };
  const inMemory = createSearcher(indexes.get('en')!.head, indexes.get('en')!.body);

  it('splits a large head into shard and chunk files named with one hash', () => {
    const head = JSON.parse(files.get(manifest.en!.head)!.toString()) as SearchHead;
    expect(head.shards).toBeUndefined();
    expect(head.chunks).toBeUndefined();
    expect(head.shardStarts.length).toBeGreaterThan(2);
    const names = assets.map((a) => a.path).filter((p) => /\.(shard|docs)\d+\./.test(p) && p.endsWith('.json'));
    expect(names).toContain(`_search/${searchFileName('en', 'shard', 0, head.hash!)}`);
    expect(names).toHaveLength(head.shardStarts.length + Math.ceil(1000 / head.docsPerChunk));
  });

  it.each(['tent3 guide', 'lant', 'compas', 'kettel', 'rope2 help', 'zzzz'])('fetches only what %j needs and ranks as the whole index does', async (query) => {
    fetched.length = 0;
    const index = await openSearchIndex(manifest.en!, fetchJson, { body: false });
    const { results, complete } = await index.search(query, 8);
    expect(complete).toBe(false);
    const headOnly = createSearcher(indexes.get('en')!.head);
    expect(results.map((r) => r.url)).toEqual(search(headOnly, query, { limit: 8 }).map((r) => r.url));
    const shardFiles = fetched.filter((url) => url.includes('.shard'));
    expect(shardFiles.length).toBeLessThan(JSON.parse(files.get(manifest.en!.head)!.toString()).shardStarts.length);
    expect(fetched.filter((url) => url.includes('.docs')).length).toBeLessThanOrEqual(results.length);
    expect(fetched).not.toContain(manifest.en!.body);
  });

  it('searches the body once it is in, ranking as the in-memory index', async () => {
    const index = await openSearchIndex(manifest.en!, fetchJson);
    expect(await index.body).toBe(true);
    for (const query of ['body text kettle1', 'filter', 'pum']) {
      const { results, complete } = await index.search(query, 8);
      expect(complete).toBe(true);
      expect(results.map((r) => [r.url, r.score])).toEqual(search(inMemory, query, { limit: 8 }).map((r) => [r.url, r.score]));
    }
  });

  it('says what is missing when an unloaded shard is searched synchronously', () => {
    const head = JSON.parse(files.get(manifest.en!.head)!.toString()) as SearchHead;
    expect(() => search(createSearcher(head), 'tent3')).toThrow(/not loaded/);
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
