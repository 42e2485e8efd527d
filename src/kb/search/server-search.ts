import path from 'node:path';
import type { SearchBody, SearchHead } from './build-index.ts';
import { toSearchLanguage, type SearchLanguage } from './languages.ts';
import { createSearcher, type Searcher } from './query.ts';
import { buildSiteIndexes, categoryTitlesIn, readSynonymsFile, type CategoryTitles, type SiteArticle } from './site-index.ts';

/** What the site's indexes are built from: the loaded knowledgebase. */
export interface SiteSearchSource {
  /** Published articles. */
  articles: readonly SiteArticle[];
  categories: readonly CategoryTitles[];
  /** The synonyms file; missing means none. */
  synonymsFile: string;
  urlOf: (slug: string) => string;
}

/** The synonyms file that goes with an article folder: `content/synonyms.yml` for `content/articles`. */
export function synonymsFileFor(contentDir: string): string {
  return path.join(contentDir, '..', 'synonyms.yml');
}

/** The site's indexes, one per language: the single build the integration emits and the server searches. */
export function buildSiteSearchIndexes(source: SiteSearchSource): ReturnType<typeof buildSiteIndexes> {
  return buildSiteIndexes(source.articles, {
    urlOf: source.urlOf,
    synonyms: readSynonymsFile(source.synonymsFile),
    categoryTitles: (lang) => categoryTitlesIn(source.categories, lang),
  });
}

const searchersByArticles = new WeakMap<readonly SiteArticle[], Map<SearchLanguage, Searcher>>();

/**
 * The searcher of a language for the server-rendered search page, built once per article list
 * through the same builder and JSON form the browser downloads, so both rank alike. A language
 * without articles of its own is searched in English; undefined when there are no articles.
 */
export function siteSearcher(source: SiteSearchSource, lang: string): Searcher | undefined {
  let searchers = searchersByArticles.get(source.articles);
  if (!searchers) {
    searchers = new Map(
      [...buildSiteSearchIndexes(source)].map(([l, parts]) => [l, createSearcher(JSON.parse(JSON.stringify(parts.head)) as SearchHead, JSON.parse(JSON.stringify(parts.body)) as SearchBody)]),
    );
    searchersByArticles.set(source.articles, searchers);
  }
  return searchers.get(toSearchLanguage(lang)) ?? searchers.get('en');
}
