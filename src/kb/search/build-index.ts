import { type HeadShard, type SearchBody, type SearchHead, type StoredDoc, type TermPostings, WEIGHT_SCALE } from './index-format.ts';
import { lunr, textProcessor, type SearchLanguage } from './languages.ts';
import { inflectionVariants, isCompounding, splitCompound } from './morphology.ts';
import { shardOf } from './pack.ts';
import type { Thesaurus, ThesaurusUsage } from './thesaurus.ts';
import type { WordVectors } from './word-vectors.ts';
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
 * Field boosts, tuned on tests/relevance (see README "Search"): the head fields on the sample KB, the
 * body on the tuning halves of the bc-help sets (article text counting twice lifted natural and
 * synonym questions, whose words are often only there). Head fields are small and loaded first; the
 * body is a separate part loaded in the background.
 */
export const HEAD_FIELDS = { title: 10, keywords: 8, headings: 3, description: 2 } as const;
export const BODY_FIELDS = { body: 2 } as const;

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
  /** Synonym sets to learn related words from (`thesaurusFor`); none: no related words. */
  thesaurus?: Thesaurus | undefined;
  /** Word vectors to learn related words from (`wordVectorsFor`); none: no related words. */
  wordVectors?: WordVectors | undefined;
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

/** An index term a token stands for, and how much one occurrence of the token counts for it. */
export type WeightedTerm = readonly [term: string, weight: number];

/** How much a compound's part counts: `Lagerplatzinhalt` is about a bin's content, less so about bins. */
export const COMPOUND_PART_WEIGHT = 0.5;
/** A word is known to the corpus from this many standalone occurrences (so a typo in one article is not). */
const KNOWN_WORD_COUNT = 2;

/**
 * The terms each token of a corpus is indexed under: its own stem, the stems of the dictionary forms
 * it inflects that the stemmer misses (`geliefert` also under `liefern`'s), and for a compounding
 * language the stems of its parts (`Lagerplatzinhalt` also under `Lagerplatz` and `Inhalt`, at
 * COMPOUND_PART_WEIGHT). A form or part counts only when the corpus uses it as a word of its own.
 */
export function corpusTermMaker(texts: Iterable<string>, lang: SearchLanguage): (token: string) => readonly WeightedTerm[] {
  const termsOf = termMaker(lang);
  const text = textProcessor(lang);
  const separator = lunr.tokenizer.separator;
  const counts = new Map<string, number>();
  for (const field of texts) {
    for (const raw of field.toLowerCase().split(separator)) {
      const token = text.trim(raw);
      if (token !== '') counts.set(token, (counts.get(token) ?? 0) + 1);
    }
  }
  const knownStems = new Set<string>();
  for (const [token, count] of counts) if (count >= KNOWN_WORD_COUNT) for (const term of termsOf(token)) knownStems.add(term);
  const isWord = (part: string): boolean => (counts.get(part) ?? 0) >= KNOWN_WORD_COUNT && !text.isStopWord(part);
  const stems = new Map<string, string>();
  const stemOf = (form: string): string => {
    let stem = stems.get(form);
    if (stem === undefined) stems.set(form, (stem = text.stem(form)));
    return stem;
  };
  const cache = new Map<string, WeightedTerm[]>();
  return (token) => {
    let weighted = cache.get(token);
    if (weighted) return weighted;
    const own = termsOf(token);
    weighted = own.map((term) => [term, 1] as const);
    if (own.length > 0) {
      const seen = new Set(own);
      const word = text.trim(token);
      const add = (form: string, weight: number): void => {
        const stem = stemOf(form);
        if (stem === '' || seen.has(stem) || !knownStems.has(stem)) return;
        seen.add(stem);
        weighted!.push([stem, weight]);
      };
      for (const form of inflectionVariants(word, lang)) add(form, 1);
      if (isCompounding(lang)) for (const part of splitCompound(word, isWord, lang) ?? []) add(part, COMPOUND_PART_WEIGHT);
    }
    cache.set(token, weighted);
    return weighted;
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
 * `termsOf` may index a token under more terms than its own (`corpusTermMaker`); only its own counts
 * towards the field's length.
 */
export function indexFields(
  texts: readonly (readonly string[])[],
  boosts: readonly number[],
  lang: SearchLanguage,
  termsOf: (token: string) => readonly WeightedTerm[] = (
    (plain) => (token: string) =>
      plain(token).map((term) => [term, 1] as const)
  )(termMaker(lang)),
): IndexedPart {
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
        const terms = termsOf(token);
        if (terms.length > 0) length++;
        for (const [term, weight] of terms) {
          let id = ids.get(term);
          if (id === undefined) {
            id = names.length;
            ids.set(term, id);
            names.push(term);
            raw.push(boosts.map(() => []));
          }
          counts.set(id, (counts.get(id) ?? 0) + weight);
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

/** Related words kept per word. */
const RELATED_PER_WORD = 3;
/** WordNet's usage: a word's two most common senses (WordNet lists senses by frequency). */
const WORDNET_USAGE: ThesaurusUsage = { senses: 2, corpusWordsOnly: false, relatedPerWord: RELATED_PER_WORD };
/** A related word must name at least this many articles in titles, keywords or headings… */
const RELATED_MIN_DOCS = 2;
/** …and this many times as many as the visitor's word: the corpus's own name for the thing. */
const RELATED_MIN_RATIO = 2;
/** Single words a thesaurus relates, per language (German has umlauts and ß). */
const THESAURUS_WORD: Record<SearchLanguage, RegExp> = { en: /^[a-z]+$/, de: /^[a-zäöüß]+$/ };

/**
 * Relations from a visitor's word to the corpus's word for the same thing, learned from a thesaurus
 * and the corpus: `supplier` → `vendor` when a synonym set of one of the word's senses looked at
 * (`thesaurus.usage`) holds a word that names clearly more articles (in titles, keywords, headings)
 * than the word itself. Keys and values are stems, as the index stems whole words; only single words relate.
 */
export function learnRelatedTerms(thesaurus: Thesaurus, headDocs: (term: string) => number, lang: SearchLanguage, isCorpusTerm: (term: string) => boolean = () => true): Map<string, string[]> {
  const text = textProcessor(lang);
  const usage = thesaurus.usage ?? WORDNET_USAGE;
  const isWord = (word: string): boolean => THESAURUS_WORD[lang].test(word) && !text.isStopWord(word);
  const related = new Map<string, string[]>();
  for (const [word, senses] of thesaurus) {
    if (!isWord(word)) continue;
    const key = text.stem(word);
    if (usage.corpusWordsOnly && !isCorpusTerm(key)) continue;
    const floor = Math.max(RELATED_MIN_DOCS, RELATED_MIN_RATIO * headDocs(key) + 1);
    const targets = related.get(key) ?? [];
    for (const synset of senses.slice(0, usage.senses)) {
      for (const other of synset) {
        if (!isWord(other)) continue;
        const term = text.stem(other);
        if (term !== key && !targets.includes(term) && headDocs(term) >= floor) targets.push(term);
      }
    }
    if (targets.length > 0) related.set(key, targets.sort((a, b) => headDocs(b) - headDocs(a)).slice(0, usage.relatedPerWord));
  }
  return related;
}

/** Visitors' words looked at: the vectors' most frequent words, below which typos and names dominate. */
const VECTOR_VOCABULARY = 50_000;
/** The most frequent words are left out: their nearest words are as general (`year` → `next`, `time`). */
const VECTOR_GENERAL_WORDS = 300;
/** Least cosine between a word and a related head word (measured on the bc-help tuning half: 0.5–0.7 tried). */
const VECTOR_MIN_COSINE = 0.65;

/** A head term: the stem of words in titles, keywords or headings, the articles naming it and its words' counts. */
interface HeadTerm {
  docs: Set<number>;
  forms: Map<string, number>;
}

/** Stems of the words of titles, keywords and headings (the first three head fields), with their articles and forms. */
function headTermsOf(headTexts: readonly (readonly string[])[], lang: SearchLanguage): Map<string, HeadTerm> {
  const text = textProcessor(lang);
  const heads = new Map<string, HeadTerm>();
  headTexts.forEach((fields, doc) => {
    for (const field of fields.slice(0, 3)) {
      for (const raw of field.toLowerCase().split(lunr.tokenizer.separator)) {
        const word = text.trim(raw);
        if (!/^[a-z]{3,}$/.test(word) || text.isStopWord(word)) continue;
        const stem = text.stem(word);
        let entry = heads.get(stem);
        if (!entry) heads.set(stem, (entry = { docs: new Set(), forms: new Map() }));
        entry.docs.add(doc);
        entry.forms.set(word, (entry.forms.get(word) ?? 0) + 1);
      }
    }
  });
  return heads;
}

/**
 * Relations from words visitors may type to the corpus's head words (titles, keywords, headings)
 * nearest in meaning by word vectors: `colour` → `color`, `staff` → `employe`. A word the corpus
 * never uses relates to any head word naming RELATED_MIN_DOCS articles; a word it has, only to head
 * words naming more articles than it does. A head stem's vector is the mean of its forms' vectors,
 * weighted by their counts. Keys and values are stems. Measured on bc-help and not shipped:
 * word vectors put topical neighbours next to synonyms (`chase` → `bank`, `holiday` → `day`).
 */
export function learnVectorRelations(vectors: WordVectors, headTexts: readonly (readonly string[])[], isCorpusTerm: (term: string) => boolean, lang: SearchLanguage): Map<string, string[]> {
  const text = textProcessor(lang);
  const { dimensions, values, scales, rankOf } = vectors;
  const addVector = (rank: number, into: Float32Array, weight: number): void => {
    const scale = scales[rank]! * weight;
    for (let d = 0; d < dimensions; d++) into[d]! += values[rank * dimensions + d]! * scale;
  };
  const heads = headTermsOf(headTexts, lang);
  const targets: { stem: string; docs: number }[] = [];
  const matrix: number[] = [];
  for (const [stem, { docs, forms }] of heads) {
    if (docs.size < RELATED_MIN_DOCS) continue;
    const sum = new Float32Array(dimensions);
    for (const [form, count] of forms) {
      const rank = rankOf.get(form);
      if (rank !== undefined) addVector(rank, sum, count);
    }
    const norm = Math.hypot(...sum);
    if (norm === 0) continue;
    targets.push({ stem, docs: docs.size });
    for (const x of sum) matrix.push(x / norm);
  }
  const targetVectors = Float32Array.from(matrix);
  const related = new Map<string, string[]>();
  const seen = new Set<string>();
  const source = new Float32Array(dimensions);
  for (let rank = 0; rank < Math.min(VECTOR_VOCABULARY, vectors.words.length); rank++) {
    const word = vectors.words[rank]!;
    if (word.length < 3 || text.isStopWord(word)) continue;
    const stem = text.stem(word);
    // A stem's most frequent form stands for it (and a general word's rarer forms are as general).
    if (seen.has(stem)) continue;
    seen.add(stem);
    if (rank < VECTOR_GENERAL_WORDS) continue;
    const floor = isCorpusTerm(stem) ? Math.max(RELATED_MIN_DOCS, (heads.get(stem)?.docs.size ?? 0) + 1) : RELATED_MIN_DOCS;
    source.fill(0);
    addVector(rank, source, 1);
    const found: [stem: string, cosine: number][] = [];
    targets.forEach((target, t) => {
      if (target.docs < floor) return;
      let dot = 0;
      for (let d = 0, o = t * dimensions; d < dimensions; d++) dot += source[d]! * targetVectors[o + d]!;
      if (dot >= VECTOR_MIN_COSINE) found.push([target.stem, dot]);
    });
    if (found.length > 0)
      related.set(
        stem,
        found
          .sort((a, b) => b[1] - a[1])
          .slice(0, RELATED_PER_WORD)
          .map(([t]) => t),
      );
  }
  return related;
}

/** Number of articles having each term in any field of a part. */
function documentsPerTerm(part: IndexedPart): Map<string, number> {
  return new Map(
    part.terms.map((term, t) => {
      const docs = new Set<number>();
      for (const list of part.postings[t]!) {
        let doc = 0;
        for (let i = 0; i < list.length; i += 2) docs.add((doc += list[i]!));
      }
      return [term, docs.size];
    }),
  );
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
  const headTexts = articles.map((a) => [a.title, a.keywords.join(' '), a.headings.map((h) => h.text).join(' '), a.description]);
  const bodyTexts = articles.map((a) => [a.text]);
  const termsOf = corpusTermMaker([...headTexts.flat(), ...bodyTexts.flat()], lang);
  const head = indexFields(headTexts, Object.values(HEAD_FIELDS), lang, termsOf);
  const body = indexFields(bodyTexts, Object.values(BODY_FIELDS), lang, termsOf);
  const shardStarts = shardStartsOf(head.postings);
  const shards: HeadShard[] = shardStarts.map((start, s) => ({ postings: head.postings.slice(start, shardStarts[s + 1] ?? head.terms.length), pins: {} }));
  const located = { terms: head.terms, shardStarts };
  if (options.thesaurus) {
    const headDocs = documentsPerTerm(head);
    const corpusTerms = new Set([...head.terms, ...body.terms]);
    for (const [key, targets] of learnRelatedTerms(
      options.thesaurus,
      (term) => headDocs.get(term) ?? 0,
      lang,
      (term) => corpusTerms.has(term),
    )) {
      const shard = shards[shardOf(located, key)]!;
      (shard.related ??= {})[key] = targets;
    }
  }
  if (options.wordVectors) {
    const corpusTerms = new Set([...head.terms, ...body.terms]);
    for (const [key, targets] of learnVectorRelations(options.wordVectors, headTexts, (term) => corpusTerms.has(term), lang)) {
      const shard = shards[shardOf(located, key)]!;
      (shard.related ??= {})[key] = targets;
    }
  }
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
