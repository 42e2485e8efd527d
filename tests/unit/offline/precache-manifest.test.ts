// The precache manifest of real builds of the sample knowledgebase: every page is in it, no private
// route is, a changed article changes only its own entries, and the cap defers articles with a warning.
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { articleUrl, categoryUrl, homeUrl } from '../../../src/kb/links.ts';
import { languagesWithArticles, summarizeCategories } from '../../../src/kb/site.ts';
import { isPrivatePath, OFFLINE_PAGE_PATH } from '../../../src/offline/routes.ts';
import { loadKnowledgebase } from '../../../src/server/knowledgebase.ts';
import { buildSite, type BuildResult } from '../../helpers/site.ts';

interface Entry {
  url: string;
  revision: string | null;
}

/** The manifest workbox-build injected into sw.js. */
function precacheManifest(build: BuildResult): Entry[] {
  const sw = readFileSync(path.join(build.outDir, 'client', 'sw.js'), 'utf8');
  const json = /\[\{"revision":[\s\S]*?\}\]/.exec(sw)?.[0];
  if (!json) throw new Error('no precache manifest in sw.js');
  return JSON.parse(json) as Entry[];
}

/** Every page the knowledgebase must have offline, derived from the content, not from the build. */
function expectedPages(): string[] {
  const { config, articles } = loadKnowledgebase();
  const languages = languagesWithArticles(articles, config.defaultLanguage);
  return [
    OFFLINE_PAGE_PATH,
    ...languages.map((lang) => homeUrl(lang, config.defaultLanguage)),
    ...languages.flatMap((lang) => summarizeCategories(articles, config, lang).map((c) => categoryUrl(c.id, lang, config.defaultLanguage))),
    ...articles.map((a) => articleUrl(a.slug)),
  ];
}

const CHANGED_SLUG = 'stuck-zipper';
const work = mkdtempSync(path.resolve('tmp', 'offline-manifest-'));
let original: BuildResult;

beforeAll(() => {
  original = buildSite({ outDir: path.join(work, 'original') });
  expect(original.status, original.output).toBe(0);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the precache manifest of the sample knowledgebase', () => {
  it('lists every article, category and home page, the offline page, the web app files and the search index', () => {
    const urls = precacheManifest(original).map((e) => e.url);
    const pages = expectedPages();
    expect(pages.length).toBeGreaterThan(60);
    expect(pages.filter((url) => !urls.includes(url))).toEqual([]);
    expect(urls).toEqual(expect.arrayContaining(['/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png', '/favicon.svg']));
    expect(urls.some((url) => /^\/_astro\/.+\.css$/.test(url))).toBe(true);
    const searchManifest = path.join(original.outDir, 'client', '_search', 'manifest.json');
    const search = JSON.parse(readFileSync(searchManifest, 'utf8')) as Record<string, { head: string; body: string }>;
    const indexFiles = Object.values(search).flatMap((files) => [files.head, files.body]);
    expect(indexFiles.length).toBeGreaterThan(0);
    expect(indexFiles.filter((url) => !urls.includes(url))).toEqual([]);
    expect(urls).toContain('/_search/manifest.json');
  });

  it('lists no ticket or API route, no precompressed twin and no error page', () => {
    const urls = precacheManifest(original).map((e) => e.url);
    expect(urls.filter((url) => isPrivatePath(url) || /\.(gz|br|map)$|^\/(404|500)\b|^\/sw\.js$/.test(url))).toEqual([]);
  });

  it('gives pages a content revision and content-hashed files none (their name is their revision)', () => {
    for (const entry of precacheManifest(original)) {
      if (/^\/(_astro\/|_search\/.+\.[0-9a-f]{10}\.json$)/.test(entry.url)) expect(entry.revision, entry.url).toBeNull();
      else expect(entry.revision, entry.url).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('reports its size at build time', () => {
    expect(original.output).toMatch(/\[kb-service-worker\] offline precache: \d+ files, [\d.]+ (KiB|MiB) of the 10\.0 MiB cap \(.*\d+ articles/);
  });
});

describe('a new build', () => {
  it('changes only the changed article and the search index, so browsers refetch only those', () => {
    const content = path.join(work, 'content');
    cpSync('content', content, { recursive: true });
    const file = path.join(content, 'articles', 'troubleshooting', `${CHANGED_SLUG}.md`);
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n\nIf the slider still sticks, rub a graphite pencil along the teeth.\n`);
    const changed = buildSite({ contentDir: path.join(content, 'articles'), outDir: path.join(work, 'changed') });
    expect(changed.status, changed.output).toBe(0);

    const before = new Map(precacheManifest(original).map((e) => [e.url, e.revision]));
    const after = precacheManifest(changed);
    const differing = after.filter((e) => !before.has(e.url) || before.get(e.url) !== e.revision).map((e) => e.url);
    expect(differing).toContain(articleUrl(CHANGED_SLUG));
    expect(differing.filter((url) => url !== articleUrl(CHANGED_SLUG) && !url.startsWith('/_search/'))).toEqual([]);
  });
});

describe('a knowledgebase above offline.precacheMaxBytes', () => {
  it('precaches the index pages and search, defers articles, and says how to raise the cap', () => {
    // Room for everything but articles, and a couple of those.
    const client = path.join(original.outDir, 'client');
    const sizeOf = (url: string) => statSync(path.join(client, url.endsWith('/') ? `${url}index.html` : url)).size;
    const cap =
      precacheManifest(original)
        .filter((e) => !e.url.startsWith('/articles/'))
        .reduce((sum, e) => sum + sizeOf(e.url), 0) + 30_000;
    const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8')) as Record<string, unknown>;
    const configFile = path.join(work, 'capped.config.json');
    writeFileSync(configFile, JSON.stringify({ ...config, offline: { precacheMaxBytes: cap } }));
    const capped = buildSite({ configFile, outDir: path.join(work, 'capped') });
    expect(capped.status, capped.output).toBe(0);
    expect(capped.output).toContain(`is larger than offline.precacheMaxBytes (${(cap / 1024).toFixed(1)} KiB)`);
    expect(capped.output).toMatch(/To precache everything, set offline\.precacheMaxBytes to at least \d+ in the config file\./);

    const urls = precacheManifest(capped).map((e) => e.url);
    const pages = expectedPages();
    const indexPages = pages.filter((url) => !url.startsWith('/articles/'));
    expect(indexPages.filter((url) => !urls.includes(url))).toEqual([]);
    const articles = pages.filter((url) => url.startsWith('/articles/'));
    const precachedArticles = articles.filter((url) => urls.includes(url));
    expect(precachedArticles.length).toBeGreaterThan(0);
    expect(precachedArticles.length).toBeLessThan(articles.length);
    expect(urls.filter((url) => url.startsWith('/_search/')).length).toBeGreaterThan(0);
  });
});
