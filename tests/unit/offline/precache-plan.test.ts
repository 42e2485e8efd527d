import { describe, expect, it } from 'vitest';
import { classifyFile, exclusionReason, fileToUrl, planPrecache, precacheReport, type BuiltFile } from '../../../src/offline/precache-plan.ts';

const file = (url: string, size = 1000): BuiltFile => ({ url, revision: url.startsWith('_astro/') ? null : `rev-${url}`, size });

const site: BuiltFile[] = [
  file('index.html', 9000),
  file('de/index.html', 9000),
  file('offline/index.html', 6000),
  file('404.html', 7000),
  file('manifest.webmanifest', 500),
  file('favicon.svg', 200),
  file('icons/icon-192.png', 1700),
  file('_astro/Base.abc123.css', 20_000),
  file('_astro/search-worker-xyz.js', 40_000),
  file('_search/manifest.json', 200),
  file('_search/en.head.0123456789.json', 30_000),
  file('_search/en.head.0123456789.json.gz', 9000),
  file('_search/en.head.0123456789.json.br', 8000),
  file('categories/shipping/index.html', 8000),
  file('de/categories/shipping/index.html', 8000),
  file('articles/track-your-order/index.html', 12_000),
  file('articles/return-policy/index.html', 12_000),
  file('articles/ruecksendung/index.html', 12_000),
  file('tickets/new/index.html', 5000),
  file('api/suggest', 100),
  file('_astro/Base.abc123.css.map', 3000),
];

describe('which files are never precached', () => {
  it.each([
    ['tickets/new/index.html', 'private ticket or API route'],
    ['tickets/index.html', 'private ticket or API route'],
    ['api/tickets/T-1', 'private ticket or API route'],
    ['_search/en.head.0123456789.json.gz', 'precompressed twin'],
    ['_search/en.head.0123456789.json.br', 'precompressed twin'],
    ['_astro/Base.abc123.css.map', 'source map'],
    ['sw.js', 'the service worker itself'],
    ['404.html', 'error page'],
    ['.well-known/security.txt', 'hidden file'],
  ])('%s: %s', (path, reason) => {
    expect(exclusionReason(path)).toContain(reason);
  });

  it.each(['index.html', 'articles/tickets-explained/index.html', 'apidocs/index.html', '_search/manifest.json', 'offline/index.html'])('%s may be precached', (path) => {
    expect(exclusionReason(path)).toBeUndefined();
  });
});

describe('classifying built files', () => {
  it.each([
    ['index.html', '/', 'home'],
    ['de/index.html', '/de/', 'home'],
    ['offline/index.html', '/offline/', 'shell'],
    ['icons/icon-512.png', '/icons/icon-512.png', 'shell'],
    ['manifest.webmanifest', '/manifest.webmanifest', 'shell'],
    ['_astro/Base.abc123.css', '/_astro/Base.abc123.css', 'asset'],
    ['_search/en.body.0123456789.json', '/_search/en.body.0123456789.json', 'search'],
    ['categories/shipping/index.html', '/categories/shipping/', 'category'],
    ['de/categories/shipping/index.html', '/de/categories/shipping/', 'category'],
    ['articles/stuck-zipper/index.html', '/articles/stuck-zipper/', 'article'],
    ['about/index.html', '/about/', 'page'],
    ['images/map.png', '/images/map.png', 'media'],
  ])('%s is %s, a %s', (path, url, kind) => {
    expect(fileToUrl(path)).toBe(url);
    expect(classifyFile(path)).toBe(kind);
  });
});

describe('planPrecache', () => {
  it('precaches every page, the search index and the assets when they fit, sorted by URL', () => {
    const plan = planPrecache(site, { maxBytes: 10 * 1024 * 1024 });
    const urls = plan.entries.map((e) => e.url);
    expect(urls).toEqual([...urls].sort());
    expect(urls).toEqual(
      expect.arrayContaining([
        '/',
        '/de/',
        '/offline/',
        '/categories/shipping/',
        '/de/categories/shipping/',
        '/articles/track-your-order/',
        '/articles/return-policy/',
        '/articles/ruecksendung/',
        '/_search/manifest.json',
        '/_search/en.head.0123456789.json',
        '/_astro/Base.abc123.css',
      ]),
    );
    expect(urls.filter((u) => /^\/(tickets|api)\b|\.(gz|br|map)$|404/.test(u))).toEqual([]);
    expect(plan.capped).toBe(false);
    expect(plan.deferred).toEqual([]);
    expect(plan.bytes).toBe(plan.entries.reduce((n, e) => n + e.size, 0));
    expect(plan.excluded.map((e) => e.url)).toEqual(expect.arrayContaining(['/tickets/new/', '/api/suggest', '/404.html']));
    expect(precacheReport(plan)).toEqual({
      level: 'info',
      lines: [
        `offline precache: ${plan.entries.length} files, ${(plan.bytes / 1024).toFixed(1)} KiB of the 10.0 MiB cap (4 shell files 8.2 KiB, 2 assets 58.6 KiB, 2 search index files 29.5 KiB, 2 home pages 17.6 KiB, 2 category pages 15.6 KiB, 3 articles 35.2 KiB)`,
      ],
    });
  });

  it('above the cap keeps the shell, assets, search index, home and category pages, and defers articles', () => {
    const required = 6000 + 500 + 200 + 1700 + 20_000 + 40_000 + 200 + 30_000;
    const plan = planPrecache(site, { maxBytes: required + 18_000 + 16_000 + 12_000 });
    expect(plan.capped).toBe(true);
    expect(plan.entries.map((e) => e.url)).toEqual(expect.arrayContaining(['/', '/de/', '/offline/', '/categories/shipping/', '/de/categories/shipping/', '/_search/en.head.0123456789.json']));
    // Articles in URL order until the cap: one fits, two are cached on visit.
    expect(plan.entries.filter((e) => e.kind === 'article').map((e) => e.url)).toEqual(['/articles/return-policy/']);
    expect(plan.deferred.map((e) => e.url)).toEqual(['/articles/track-your-order/', '/articles/ruecksendung/']);
    expect(plan.bytes).toBeLessThanOrEqual(plan.maxBytes);
    expect(plan.kinds.article).toEqual({ count: 1, bytes: 12_000, deferred: 2 });

    const report = precacheReport(plan);
    expect(report.level).toBe('warn');
    expect(report.lines[1]).toBe(
      `the knowledgebase (${(plan.fullBytes / 1024).toFixed(1)} KiB in 15 files) is larger than offline.precacheMaxBytes (${(plan.maxBytes / 1024).toFixed(1)} KiB): ` +
        '2 files are not precached but cached when a visitor opens them (the 100 most recently visited are kept). ' +
        `Offline, search still finds every article, but only precached or visited pages open. To precache everything, set offline.precacheMaxBytes to at least ${plan.fullBytes} in the config file.`,
    );
  });

  it('precaches the offline page, assets and search index even when they alone are above the cap, and says so', () => {
    const plan = planPrecache(site, { maxBytes: 1000 });
    expect(plan.requiredOverCap).toBe(true);
    expect(plan.entries.map((e) => e.kind).sort()).toEqual(['asset', 'asset', 'search', 'search', 'shell', 'shell', 'shell', 'shell']);
    expect(precacheReport(plan).lines.at(-1)).toBe(
      'the offline page, assets and search index alone are above offline.precacheMaxBytes (1.0 KiB); they are precached anyway, since offline search needs them.',
    );
  });

  it('fails the build when the offline page is missing', () => {
    expect(() =>
      planPrecache(
        site.filter((f) => f.url !== 'offline/index.html'),
        { maxBytes: 1e9 },
      ),
    ).toThrow('the offline page /offline/ is missing from the build; src/pages/offline.astro must be prerendered (it is the fallback for every offline navigation)');
  });
});
