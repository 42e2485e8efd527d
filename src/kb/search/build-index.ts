import { type HeadShard, type SearchBody, type SearchHead, type StoredDoc, type TermPostings, WEIGHT_SCALE } from './index-format.ts';
import { lunr, textProcessor, type SearchLanguage } from './languages.ts';
import { shardOf } from './pack.ts';
import type { SynonymsFile } from './synonyms-file.ts';
import { phraseToTerms, synonymsToGroups } from './synonyms.ts';

export type { HeadShard, SearchBody, SearchHead, StoredDoc, TermPostings } from './index-format.ts';

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
 * Field boosts, tuned on tests/relevance (see README "Search"). Head fields are small and loaded
 * first; the body is a separate part loaded in the background.
 */
export const HEAD_FIELDS = { title: 10, keywords: 8, headings: 3, description: 2 } as const;
export const BODY_FIELDS = { body: 1 } as const;

/** A language's index in memory: the head with its shards and chunks inline, and the body. */
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
/** Documents per result-data chunk: a result list of 8 fetches at most 8 small files. */
export const DOCS_PER_CHUNK = 16;
/** Postings (numbers) per head shard, about 8 KB of JSON; a term with more gets a shard of its own. */
const SHARD_NUMBERS = 4000;

/** Shortens text at a word boundary, adding an ellipsis when something was cut. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

// Lunr's BM25 parameters (lunr.Builder defaults, lunr.js `lunr.Builder`).
const K1 = 1.2;
const B = 0.75;

/** Index terms of a raw token through a language's pipeline (trimmer, stop words, stemmer), memoised: words repeat. */
function termMaker(lang: SearchLanguage): (token: string) => string[] {
  const pipeline = new lunr.Pipeline();
  pipeline.add(...textProcessor(lang).pipelineFunctions);
  const cache = new Map<string, string[]>();
  return (token) => {
    let terms = cache.get(token);
    if (!terms) {
      terms = pipeline.run([new lunr.Token(token, {})]).map(String);
      cache.set(token, terms);
    }
    return terms;
  };
}

interface IndexedPart {
  terms: string[];
  postings: TermPostings[];
}

/**
 * Indexes one part (a set of fields) the way lunr.Builder does, in one pass and without its object
 * graph: Lunr's tokenizer and pipeline, its BM25 weights (k1 1.2, b 0.75, IDF over the part's fields,
 * scores rounded to 3 decimals as `createFieldVectors` does), so `lunr.Index.query` ranks the result
 * exactly as it ranks an index from lunr.Builder (tests/unit/kb/search.test.ts compares them).
 */
export function indexFields(texts: readonly (readonly string[])[], boosts: readonly number[], lang: SearchLanguage): IndexedPart {
  const termsOf = termMaker(lang);
  const separator = lunr.tokenizer.separator;
  const docCount = texts.length;
  const ids = new Map<string, number>();
  const names: string[] = [];
  /** Per term and field: [doc, tf, doc, tf, …]. */
  const raw: number[][][] = [];
  const lengths = boosts.map(() => new Float64Array(docCount));
  const totals = boosts.map(() => 0);
  texts.forEach((fields, doc) => {
    fields.forEach((text, f) => {
      const counts = new Map<number, number>();
      let length = 0;
      for (const token of text.toLowerCase().split(separator)) {
        if (token === '') continue;
        for (const term of termsOf(token)) {
          let id = ids.get(term);
          if (id === undefined) {
            id = names.length;
            ids.set(term, id);
            names.push(term);
            raw.push(boosts.map(() => []));
          }
          counts.set(id, (counts.get(id) ?? 0) + 1);
          length++;
        }
      }
      lengths[f]![doc] = length;
      totals[f]! += length;
      for (const [id, tf] of counts) raw[id]![f]!.push(doc, tf);
    });
  });
  const averages = totals.map((total) => total / docCount);
  const order = names.map((_, id) => id).sort((a, b) => (names[a]! < names[b]! ? -1 : 1));
  const postings = order.map((id): TermPostings => {
    const byField = raw[id]!;
    const withTerm = byField.reduce((sum, list) => sum + list.length / 2, 0);
    const idf = Math.log(1 + Math.abs((docCount - withTerm + 0.5) / (withTerm + 0.5)));
    return byField.map((list, f) => {
      const packed: number[] = [];
      let previous = 0;
      for (let i = 0; i < list.length; i += 2) {
        const doc = list[i]!;
        const tf = list[i + 1]!;
        let score = (idf * ((K1 + 1) * tf)) / (K1 * (1 - B + B * (lengths[f]![doc]! / averages[f]!)) + tf);
        score *= boosts[f]!;
        packed.push(doc - previous, Math.round((Math.round(score * 1000) / 1000) * WEIGHT_SCALE));
        previous = doc;
      }
      return packed;
    });
  });
  return { terms: order.map((id) => names[id]!), postings };
}

/** Splits sorted terms into shards of about SHARD_NUMBERS postings numbers; returns each shard's first position. */
function shardStartsOf(postings: readonly TermPostings[]): number[] {
  const starts = [0];
  let size = 0;
  postings.forEach((byField, t) => {
    const numbers = byField.reduce((sum, list) => sum + list.length, 0);
    if (size > 0 && size + numbers > SHARD_NUMBERS) {
      starts.push(t);
      size = 0;
    }
    size += numbers;
  });
  return starts;
}

/**
 * Builds the search index of one language from articles (all of that language). Document numbers
 * are positions in `articles`, so repeated slugs (possible in imported corpora) stay distinct results.
 * Both parts come from one pass over the articles.
 */
export function buildSearchIndex(articles: readonly IndexableArticle[], options: BuildSearchIndexOptions): SearchIndexParts {
  const { lang } = options;
  const head = indexFields(
    articles.map((a) => [a.title, a.keywords.join(' '), a.headings.map((h) => h.text).join(' '), a.description]),
    Object.values(HEAD_FIELDS),
    lang,
  );
  const body = indexFields(
    articles.map((a) => [a.text]),
    Object.values(BODY_FIELDS),
    lang,
  );
  const shardStarts = shardStartsOf(head.postings);
  const shards: HeadShard[] = shardStarts.map((start, s) => ({ postings: head.postings.slice(start, shardStarts[s + 1] ?? head.terms.length), pins: {} }));
  const located = { terms: head.terms, shardStarts };
  articles.forEach((article, doc) => {
    for (const keyword of new Set(article.keywords.map((k) => phraseToTerms(k, lang).join(' ')))) {
      if (keyword !== '') (shards[shardOf(located, keyword.split(' ')[0]!)]!.pins[keyword] ??= []).push(doc);
    }
  });
  const docs = articles.map((a): StoredDoc => [a.title, options.urlOf(a.slug), truncateText(a.description, DESCRIPTION_CHARS), a.category]);
  const chunks: StoredDoc[][] = [];
  for (let start = 0; start < docs.length; start += DOCS_PER_CHUNK) chunks.push(docs.slice(start, start + DOCS_PER_CHUNK));
  return {
    head: {
      v: 2,
      lang,
      docCount: articles.length,
      categories: Object.fromEntries(articles.map((a) => [a.category, options.categoryTitles?.[a.category] ?? a.category])),
      synonyms: options.synonyms ? synonymsToGroups(options.synonyms, lang) : [],
      fields: Object.keys(HEAD_FIELDS),
      terms: head.terms,
      shardStarts,
      docsPerChunk: DOCS_PER_CHUNK,
      shards,
      chunks,
    },
    body: { v: 2, lang, fields: Object.keys(BODY_FIELDS), terms: body.terms, postings: body.postings },
  };
}
