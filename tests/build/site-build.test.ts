import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKnowledgebase } from '../../src/server/knowledgebase.ts';
import { buildSite, serveSite, type BuildResult, type RunningSite } from '../helpers/site.ts';
import { Page } from '../helpers/html.ts';

const fixture = { configFile: 'tests/fixtures/kb-good/helpdesk.config.json', contentDir: 'tests/fixtures/kb-good/articles' };
const page = (build: BuildResult, route: string) => Page.fromFile(path.join(build.outDir, 'client', route, route.endsWith('.html') ? '' : 'index.html'));

describe('building the sample knowledgebase', () => {
  let build: BuildResult;
  const kb = loadKnowledgebase();
  beforeAll(() => {
    build = buildSite();
    expect(build.status, build.output).toBe(0);
  });

  it('has no content errors', () => {
    expect(kb.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('emits a page for every published article with its title, description and keywords', () => {
    expect(kb.articles.length).toBeGreaterThanOrEqual(40);
    for (const article of kb.articles) {
      const html = page(build, `articles/${article.slug}`);
      expect(html.text('title')).toBe(article.pageTitle);
      expect(html.attr('meta[name="description"]', 'content')).toBe(article.description);
      expect(html.attr('meta[name="keywords"]', 'content')).toBe(article.keywords.join(', '));
      expect(html.attr('html', 'lang')).toBe(article.lang);
      expect(html.text('h1')).toBe(article.title);
      expect(html.all('nav.breadcrumbs li')).toHaveLength(3);
    }
  });

  it('lists each category with the number of articles it holds, in English and German', () => {
    for (const [lang, route] of [
      ['en', ''],
      ['de', 'de'],
    ] as const) {
      const home = page(build, route);
      const cards = home.all('.card-grid .card');
      expect(cards.length).toBeGreaterThan(0);
      for (const category of kb.config.categories) {
        const count = kb.articles.filter((a) => a.category === category.id && a.lang === lang).length;
        const categoryRoute = `${route ? `${route}/` : ''}categories/${category.id}`;
        if (count === 0) continue;
        expect(existsSync(path.join(build.outDir, 'client', categoryRoute, 'index.html')), categoryRoute).toBe(true);
        expect(page(build, categoryRoute).all('.article-list li')).toHaveLength(count);
      }
    }
  });

  it('shows recently updated articles newest first on the home page', () => {
    const dates = page(build, '')
      .all('.article-list time')
      .map((t) => String(t.properties['dateTime']));
    expect(dates.length).toBeGreaterThan(3);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('emits the 404 page', () => {
    expect(page(build, '404.html').text('h1')).toBe('Page not found');
  });

  it('links an article to its other language version, with hreflang alternates and x-default', () => {
    // Issue 16, item 10: the German and English versions of an article did not know of each other.
    const alternates = (html: Page) => Object.fromEntries(html.all('link[rel="alternate"][hreflang]').map((l) => [String(l.properties['hrefLang']), String(l.properties['href'])]));
    const both = { en: '/articles/reset-your-password/', de: '/articles/passwort-zuruecksetzen/', 'x-default': '/articles/reset-your-password/' };
    const german = page(build, 'articles/passwort-zuruecksetzen');
    expect(alternates(german)).toEqual(both);
    const toEnglish = german.one('[data-language-version="en"] a');
    expect(toEnglish?.properties).toMatchObject({ href: '/articles/reset-your-password/', hrefLang: 'en', lang: 'en' });
    expect(german.text('[data-language-version="en"]')).toBe('Dieser Artikel auf English: Reset your password');
    // Shown as the translation, not again among the related articles.
    expect(german.all('.article-list a').map((a) => a.properties['href'])).not.toContain('/articles/reset-your-password/');

    const english = page(build, 'articles/reset-your-password');
    expect(alternates(english)).toEqual(both);
    expect(english.text('[data-language-version="de"]')).toBe('This article in Deutsch: Passwort zurücksetzen');
    // Named from the German side only: still a pair.
    expect(page(build, 'articles/change-or-cancel-an-order').attr('[data-language-version="de"] a', 'href')).toBe('/articles/bestellung-stornieren/');

    // An article without a translation has neither.
    const single = page(build, 'articles/two-factor-sign-in');
    expect(single.all('link[rel="alternate"][hreflang]')).toEqual([]);
    expect(single.all('[data-language-version]')).toEqual([]);
  });
});

describe('building a scenario with hostile front matter, a draft and German', () => {
  let build: BuildResult;
  beforeAll(() => {
    build = buildSite(fixture);
    expect(build.status, build.output).toBe(0);
  });

  it('keeps front matter as text: no element, attribute or script injected', () => {
    const html = page(build, 'articles/hostile-front-matter');
    expect(html.text('title')).toBe('Cancel </title><script>alert(1)</script>');
    expect(html.text('h1')).toBe("<script>alert('title')</script> Cancel an order");
    expect(html.attr('meta[name="description"]', 'content')).toBe('Quotes " and <b>tags</b> must stay text');
    expect(html.attr('meta[name="keywords"]', 'content')).toBe('cancel"><script>alert(2)</script>, cancle');
    expect(html.all('script').filter((s) => JSON.stringify(s).includes('alert'))).toEqual([]);
  });

  it('gives long articles a table of contents and links related articles', () => {
    const html = page(build, 'articles/hostile-front-matter');
    expect(html.all('.toc a').map((a) => a.properties['href'])).toEqual(['#before-it-ships', '#after-it-ships', '#refund']);
    expect(html.attr('.prose a[href^="/articles/"]', 'href')).toBe('/articles/track-a-parcel/#tracking-number');
    expect(html.text('section[aria-labelledby="related-title"] a')).toBe('Track a parcel');
    expect(page(build, 'articles/track-a-parcel').one('.toc')).toBeUndefined();
  });

  it('leaves drafts unpublished', () => {
    expect(existsSync(path.join(build.outDir, 'client/articles/unfinished'))).toBe(false);
  });

  it('builds German pages in German', () => {
    const home = page(build, 'de');
    expect(home.attr('html', 'lang')).toBe('de');
    expect(home.text('.card h3')).toBe('Bestellungen');
    expect(home.text('.card .count')).toBe('1 Artikel');
  });

  it('offers a ticket with the article title as the subject', () => {
    expect(page(build, 'articles/track-a-parcel').attr('.cta a', 'href')).toBe('/tickets/new?subject=Track%20a%20parcel');
  });
});

describe('with the knowledgebase switched off', () => {
  let site: RunningSite;
  const dir = path.resolve('tmp/kb-off');
  const options = { configFile: path.join(dir, 'helpdesk.config.json'), contentDir: fixture.contentDir };
  let build: BuildResult;
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    const config = JSON.parse(readFileSync(fixture.configFile, 'utf8'));
    writeFileSync(options.configFile, JSON.stringify({ ...config, features: { knowledgebase: false } }));
    build = buildSite(options);
    expect(build.status, build.output).toBe(0);
    site = await serveSite(build.outDir, options);
  });
  afterAll(() => site?.stop());

  it.each(['/articles/track-a-parcel/', '/categories/orders/', '/de/', '/de/categories/orders/'])('answers 404 for %s', async (route) => {
    const response = await fetch(site.url + route);
    expect(response.status).toBe(404);
  });

  it('hides the knowledgebase navigation and search but keeps the ticket links', async () => {
    const home = new Page(await (await fetch(site.url)).text());
    expect(home.all('form[role="search"]')).toEqual([]);
    expect(home.all('.card')).toEqual([]);
    const nav = home.all('nav a').map((a) => String(a.properties['href']));
    expect(nav).not.toContain('/');
    expect(nav).toContain('/tickets/new');
  });
});

describe('building content with an error', () => {
  it('fails and names the file and line', () => {
    const build = buildSite({ configFile: 'tests/fixtures/kb-broken/helpdesk.config.json', contentDir: 'tests/fixtures/kb-broken/articles' });
    expect(build.status).not.toBe(0);
    expect(build.output).toContain('tests/fixtures/kb-broken/articles/shipping/unknown-category.md:6: error: unknown category "shiping"');
  });
});
