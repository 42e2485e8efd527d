import type { IndexableArticle } from '../../../src/kb/search/build-index.ts';
import { buildSearchIndex } from '../../../src/kb/search/build-index.ts';
import type { SearchLanguage } from '../../../src/kb/search/languages.ts';
import { createSearcher, type Searcher } from '../../../src/kb/search/query.ts';
import type { SynonymsFile } from '../../../src/kb/search/synonyms-file.ts';

/** An article with only what search reads; `slug` doubles as the title unless given. */
export function article(slug: string, fields: Partial<IndexableArticle> = {}): IndexableArticle {
  return { slug, title: slug, description: `About ${slug}.`, keywords: [], category: 'general', headings: [], text: '', ...fields };
}

/** A searcher over articles, through JSON as the browser gets it. */
export function searcherFor(articles: IndexableArticle[], lang: SearchLanguage = 'en', synonyms?: SynonymsFile): Searcher {
  const parts = buildSearchIndex(articles, { lang, urlOf: (slug) => `/articles/${slug}/`, synonyms });
  return createSearcher(JSON.parse(JSON.stringify(parts.head)), JSON.parse(JSON.stringify(parts.body)));
}
