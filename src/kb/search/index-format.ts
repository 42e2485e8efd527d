import type { SearchLanguage } from './languages.ts';
import type { SynonymGroups } from './synonyms.ts';

// The search index as it travels: shared by the builder (Node) and the search worker (browser), so
// this module imports nothing at run time.

/** One search result's stored data: `[title, url, short description, category id]`. */
export type StoredDoc = [title: string, url: string, description: string, category: string];

/**
 * Postings of one term, one array per field of its part: `[docDelta, weight, docDelta, weight, …]`,
 * documents ascending and delta-encoded, weights (Lunr's BM25 score times the field boost) as
 * integers of `1 / WEIGHT_SCALE`.
 */
export type TermPostings = number[][];

/** Weights are stored in hundredths; rankings do not change at that precision. */
export const WEIGHT_SCALE = 100;

/** A slice of the head's terms (see `SearchHead.shardStarts`) with their postings. */
export interface HeadShard {
  /** Postings of the shard's terms, in term order. */
  postings: TermPostings[];
  /** Keywords (index terms joined by spaces) whose first term sorts into this shard → documents listing them. */
  pins: Record<string, number[]>;
  /** Words (stems) whose first sorts into this shard → the corpus's own words for the same thing (`learnRelatedTerms`). */
  related?: Record<string, string[]>;
}

/**
 * The part of a language's index a visitor downloads first: the titles, keywords, headings and
 * descriptions index. Its term list and everything a query needs to plan are here; the postings are
 * split into shards by term range and the result data into chunks of `docsPerChunk` documents, so a
 * query fetches only the shards of the terms it looks up and the chunks of the results it shows.
 * A small index carries its shards and chunks inline (one file); in memory they are always inline.
 */
export interface SearchHead {
  v: 2;
  lang: SearchLanguage;
  docCount: number;
  /** Category id → display title in this language. */
  categories: Record<string, string>;
  synonyms: SynonymGroups;
  /** Field names, in the order of each term's postings. */
  fields: string[];
  /** Every indexed term, sorted. */
  terms: string[];
  /** Position in `terms` of each shard's first term. */
  shardStarts: number[];
  docsPerChunk: number;
  /** All shards, when they travel inside the head. */
  shards?: HeadShard[];
  /** All result-data chunks, when they travel inside the head. */
  chunks?: StoredDoc[][];
  /** When shards and chunks are files of their own: the content hash their names share (`searchFileName`). */
  hash?: string;
}

/** The article text index, fetched in the background after the head; one field, `body`. */
export interface SearchBody {
  v: 2;
  lang: SearchLanguage;
  fields: string[];
  terms: string[];
  postings: TermPostings[];
}

/** Kinds of file a sharded head is split into. */
export type SearchFileKind = 'shard' | 'docs';

/** Name (in the head's folder) of shard or chunk `n` of a sharded head, e.g. `en.shard12.3f2a9c1b04.json`. */
export function searchFileName(lang: string, kind: SearchFileKind, n: number, hash: string): string {
  return `${lang}.${kind}${n}.${hash}.json`;
}
