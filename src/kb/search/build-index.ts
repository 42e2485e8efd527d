import { lunr, textProcessor, type SearchLanguage } from './languages.ts';
import { packLunrIndex, type PackedLunrIndex } from './pack.ts';
import type { SynonymsFile } from './synonyms-file.ts';
import { phraseToTerms, synonymsToGroups, type SynonymGroups } from './synonyms.ts';

/** What the index needs from an article (a subset of the loader's `Article`). */
export interface IndexableArticle {
  slug: string;
  title: string;
  description: string;
  keywords: readonly string[];
  category: string;
  headings: readonly { text: string }[];
  text: string;
}

/**
 * Field boosts, tuned on tests/relevance (see README "Search"). Head fields are small and loaded at
 * once; the body is a separate part loaded on the first keystroke.
 */
export const HEAD_FIELDS = { title: 10, keywords: 8, headings: 3, description: 2 } as const;
export const BODY_FIELDS = { body: 1 } as const;

/** One search result's stored data: `[title, url, short description, category id]`. */
export type StoredDoc = [title: string, url: string, description: string, category: string];

/** The part of a language's index a visitor downloads first: results data plus the small fields. */
export interface SearchHead {
  v: 1;
  lang: SearchLanguage;
  docs: StoredDoc[];
  /** Category id → display title in this language. */
  categories: Record<string, string>;
  /** A keyword as index terms joined by spaces → the documents listing it; a query equal to one ranks them first. */
  keywords: Record<string, number[]>;
  synonyms: SynonymGroups;
  index: PackedLunrIndex;
}

/** The body text index, fetched on the first keystroke. */
export interface SearchBody {
  v: 1;
  lang: SearchLanguage;
  index: PackedLunrIndex;
}

export interface SearchIndexParts {
  head: SearchHead;
  body: SearchBody;
}

export interface BuildSearchIndexOptions {
  lang: SearchLanguage;
  /** URL of an article page, e.g. `articleUrl` from `src/kb/links.ts`. */
  urlOf: (slug: string) => string;
  synonyms?: SynonymsFile | undefined;
  /** Category id → display title; ids without a title are shown as they are. */
  categoryTitles?: Record<string, string> | undefined;
}

/** Longest stored description; the rest of the text stays on the article page. */
const DESCRIPTION_CHARS = 160;

/** Shortens text at a word boundary, adding an ellipsis when something was cut. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

function buildLunr(lang: SearchLanguage, fields: Record<string, number>, docs: Record<string, string>[]): lunr.Index {
  const builder = new lunr.Builder();
  builder.pipeline.add(...textProcessor(lang).pipelineFunctions);
  builder.ref('id');
  for (const [field, boost] of Object.entries(fields)) builder.field(field, { boost });
  for (const doc of docs) builder.add(doc);
  return builder.build();
}

/**
 * Builds the search index of one language from articles (all of that language). Document numbers
 * are positions in `articles`, so repeated slugs (possible in imported corpora) stay distinct results.
 */
export function buildSearchIndex(articles: readonly IndexableArticle[], options: BuildSearchIndexOptions): SearchIndexParts {
  const { lang } = options;
  const keywords: Record<string, number[]> = {};
  articles.forEach((article, doc) => {
    for (const keyword of new Set(article.keywords.map((k) => phraseToTerms(k, lang).join(' ')))) {
      if (keyword !== '') (keywords[keyword] ??= []).push(doc);
    }
  });
  const heads = articles.map((a, id) => ({
    id: String(id),
    title: a.title,
    keywords: a.keywords.join(' '),
    headings: a.headings.map((h) => h.text).join(' '),
    description: a.description,
  }));
  const bodies = articles.map((a, id) => ({ id: String(id), body: a.text }));
  const categories = Object.fromEntries(articles.map((a) => [a.category, options.categoryTitles?.[a.category] ?? a.category]));
  return {
    head: {
      v: 1,
      lang,
      docs: articles.map((a) => [a.title, options.urlOf(a.slug), truncateText(a.description, DESCRIPTION_CHARS), a.category]),
      categories,
      keywords,
      synonyms: options.synonyms ? synonymsToGroups(options.synonyms, lang) : [],
      index: packLunrIndex(buildLunr(lang, HEAD_FIELDS, heads), articles.length),
    },
    body: { v: 1, lang, index: packLunrIndex(buildLunr(lang, BODY_FIELDS, bodies), articles.length) },
  };
}
