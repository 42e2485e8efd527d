import type { SearchBody, SearchHead } from './build-index.ts';
import { highlightText, type TextSegment } from './highlight.ts';
import { lunr, textProcessor, tokenSets, type SearchLanguage } from './languages.ts';
import { lowerBound, unpackLunrIndex, type UnpackedIndex } from './pack.ts';
import { expandSynonyms } from './synonyms.ts';

/** Clause boosts by how a query word matched an index term; exact beats prefix beats fuzzy. */
export const MATCH_BOOSTS = { exact: 1, synonym: 0.7, prefix: 0.3, fuzzy: 0.1 } as const;
export type MatchKind = keyof typeof MATCH_BOOSTS;

/** Longest query read; a 5,000-character paste is cut here rather than freezing the page. */
export const MAX_QUERY_CHARS = 200;
/** Most words read from one query. */
export const MAX_QUERY_WORDS = 12;
/** Shortest word or word start searched. */
export const MIN_QUERY_CHARS = 2;
/** Prefix completions kept per word (the shortest ones): `re` alone would otherwise expand to hundreds of terms. */
const PREFIX_COMPLETIONS = 12;
/** Fewer in the body, where each completion matches many more articles; and none for 2-letter starts. */
const BODY_PREFIX_COMPLETIONS = 8;
const BODY_PREFIX_MIN_CHARS = 3;
/**
 * A term in more than this share of the articles barely tells them apart (its IDF is near 0) but costs
 * a score for nearly every article. Such a term is looked up in the title and keywords only. Measured on
 * the 10,000-article synthetic corpus, where one such word made p95 latency 140 ms.
 */
const COMMON_TERM_SHARE = 0.2;
/** …and in more than this many: below it, scoring every article is cheap and all fields count. */
const COMMON_TERM_MIN_DOCS = 500;
/** Fuzzy matches kept per word, closest first; the body allows one edit only. */
const FUZZY_MATCHES = 12;
const BODY_FUZZY_MATCHES = 6;
/** Fields a common term is still searched in. */
const COMMON_TERM_FIELDS = ['title', 'keywords'];
/** Longest word given a fuzzy match: the automaton grows with the word, and such words are rarely typos. */
const MAX_FUZZY_CHARS = 24;

/** Edit distance allowed for a typed word: none under 4 letters, 1 up to 6, then 2. */
export function editDistanceFor(length: number): number {
  if (length < 4) return 0;
  return length < 7 ? 1 : 2;
}

/** One word of a query after the language's text processing. */
export interface QueryWord {
  /** Lower-cased, punctuation trimmed. */
  word: string;
  /** Index form (stemmed). */
  term: string;
  isStopWord: boolean;
  /** The last word while the visitor may still be typing it (no space after it). */
  isPartial: boolean;
}

// Lunr's query syntax (field:, +, -, ~, ^, *) and quotes mean nothing here: they separate words.
const SYNTAX_CHARACTERS = /[:+^~*"“”„«»()<>{}[\]\\|]/g;

/** Splits a query into words the way the index splits text. Never throws; returns [] for nothing searchable. */
export function parseQuery(query: string, lang: SearchLanguage): QueryWord[] {
  const text = textProcessor(lang);
  const cut = String(query).slice(0, MAX_QUERY_CHARS).normalize('NFC').replace(SYNTAX_CHARACTERS, ' ');
  const words = cut
    .split(/[\s\-]+/)
    .map((w) => text.trim(w))
    .filter((w) => w !== '')
    .slice(0, MAX_QUERY_WORDS);
  const endsOpen = !/[\s\-]$/.test(cut);
  return words.map((word, i) => ({
    word,
    term: text.stem(word),
    isStopWord: text.isStopWord(word),
    isPartial: endsOpen && i === words.length - 1,
  }));
}

interface SearchPart extends UnpackedIndex {
  /** The index's terms, sorted, for prefix completion by binary search. */
  terms: string[];
  /** The body part: large, so it gets fewer prefix completions and skips near-universal words. */
  isBody: boolean;
}

/** A language's index ready to query; the body part may arrive later (`withBody`). */
export interface Searcher {
  head: SearchHead;
  parts: SearchPart[];
}

function toPart(packed: SearchHead['index'], isBody: boolean): SearchPart {
  return { ...unpackLunrIndex(packed), terms: packed.terms, isBody };
}

/** Makes a searcher from a head and, when already loaded, the body. */
export function createSearcher(head: SearchHead, body?: SearchBody): Searcher {
  const searcher: Searcher = { head, parts: [toPart(head.index, false)] };
  return body ? withBody(searcher, body) : searcher;
}

/** Adds the body index to a searcher. */
export function withBody(searcher: Searcher, body: SearchBody): Searcher {
  return { head: searcher.head, parts: [searcher.parts[0]!, toPart(body.index, true)] };
}

/**
 * Index terms the typed start of a word may be heading for. Stems are often shorter than the word
 * being typed (`setti` on the way to `settings`, indexed as `set`), so besides the completions of the
 * word, terms it starts with (at least half of it, 3 letters or more) count as prefix matches too.
 */
function stemsTypedPast(terms: readonly string[], word: string): string[] {
  const found: string[] = [];
  for (let length = word.length - 1; length >= Math.max(3, Math.ceil(word.length / 2)); length--) {
    const candidate = word.slice(0, length);
    if (terms[lowerBound(terms, candidate)] === candidate) found.push(candidate);
  }
  return found;
}

/** The shortest `limit` index terms starting with `prefix`. */
function completions(terms: readonly string[], prefix: string, limit: number): string[] {
  const found: string[] = [];
  for (let i = lowerBound(terms, prefix); i < terms.length && terms[i]!.startsWith(prefix); i++) found.push(terms[i]!);
  if (found.length <= limit) return found;
  return found.sort((a, b) => a.length - b.length || (a < b ? -1 : 1)).slice(0, limit);
}

/** Levenshtein distance, for ordering fuzzy matches (Lunr's token set finds them, but unordered). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest `limit` index terms within `distance` edits of `term`. */
function fuzzyMatches(index: lunr.Index, term: string, distance: number, limit: number): string[] {
  const tokenSet = (index as unknown as { tokenSet: lunr.TokenSet }).tokenSet;
  const found = tokenSet.intersect(tokenSets.fromFuzzyString(term, distance)).toArray();
  if (found.length <= limit) return found;
  return found
    .map((t) => [t, editDistance(term, t)] as const)
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([t]) => t);
}

interface Clause {
  boost: number;
  /** Fields to search; undefined for all. */
  fields: string[] | undefined;
  /** Positions of the query words this term stands for. */
  words: Set<number>;
}

/** Index terms to look up, each with the boost of its best way of matching and the words it answers. */
function planClauses(part: SearchPart, words: readonly QueryWord[], synonyms: SearchHead['synonyms']): Map<string, Clause> {
  const clauses = new Map<string, Clause>();
  let position = 0;
  const add = (term: string, kind: MatchKind): void => {
    let clause = clauses.get(term);
    if (!clause) {
      const isCommon = part.documentCount > COMMON_TERM_MIN_DOCS && part.documentShare(term) > COMMON_TERM_SHARE;
      if (isCommon && part.isBody) return;
      clause = { boost: 0, fields: isCommon ? COMMON_TERM_FIELDS : undefined, words: new Set<number>() };
    }
    clause.boost = Math.max(clause.boost, MATCH_BOOSTS[kind]);
    clause.words.add(position);
    clauses.set(term, clause);
  };
  for (const [i, w] of words.entries()) {
    position = i;
    if (!w.isStopWord) add(w.term, 'exact');
    const [minPrefix, maxCompletions] = part.isBody ? [BODY_PREFIX_MIN_CHARS, BODY_PREFIX_COMPLETIONS] : [MIN_QUERY_CHARS, PREFIX_COMPLETIONS];
    if (w.word.length >= minPrefix && (!w.isStopWord || w.isPartial)) {
      for (const prefix of new Set([w.word, w.term])) for (const term of completions(part.terms, prefix, maxCompletions)) add(term, 'prefix');
      if (w.isPartial) for (const term of stemsTypedPast(part.terms, w.word)) add(term, 'prefix');
    }
    const distance = Math.min(editDistanceFor(w.word.length), part.isBody ? 1 : 2);
    if (distance > 0 && !w.isStopWord && w.word.length <= MAX_FUZZY_CHARS) {
      for (const term of fuzzyMatches(part.index, w.term, distance, part.isBody ? BODY_FUZZY_MATCHES : FUZZY_MATCHES)) add(term, 'fuzzy');
    }
  }
  for (const { entry, alternative } of expandSynonyms(words.map((w) => w.term), synonyms)) {
    position = words.findIndex((w) => w.term === entry[0]);
    for (const term of alternative) add(term, 'synonym');
  }
  return clauses;
}

/** One search result. */
export interface SearchResult {
  /** Position of the article in the index's document list. */
  doc: number;
  title: string;
  url: string;
  description: string;
  category: string;
  categoryTitle: string;
  score: number;
  /** True when the query equals one of the article's keywords. */
  isKeywordMatch: boolean;
  /** Title and description with the matched words marked. */
  titleSegments: TextSegment[];
  snippetSegments: TextSegment[];
}

export interface SearchOptions {
  /** Most results returned. @default 10 */
  limit?: number;
}

/**
 * Searches as the visitor types. Exact, prefix and fuzzy matches of every word (and synonyms of the
 * words) are combined in one Lunr query, weighted by MATCH_BOOSTS; articles whose keyword equals the
 * whole query come first. Any input is safe: it is cut to MAX_QUERY_CHARS, syntax characters separate
 * words, and the Lunr query is built term by term, never parsed from the string.
 */
export function search(searcher: Searcher, query: string, options: SearchOptions = {}): SearchResult[] {
  const { head } = searcher;
  const limit = options.limit ?? 10;
  const words = parseQuery(query, head.lang);
  if (words.length === 0 || words.map((w) => w.word).join('').length < MIN_QUERY_CHARS) return [];

  const scores = new Map<number, { score: number; terms: Set<string>; words: Set<number> }>();
  const searchedWords = new Set<number>();
  for (const part of searcher.parts) {
    const clauses = planClauses(part, words, head.synonyms);
    if (clauses.size === 0) continue;
    for (const clause of clauses.values()) for (const w of clause.words) searchedWords.add(w);
    const matches = part.index.query((q) => {
      for (const [term, { boost, fields }] of clauses) q.term(term, fields ? { usePipeline: false, boost, fields } : { usePipeline: false, boost });
    });
    for (const match of matches) {
      const doc = Number(match.ref);
      const entry = scores.get(doc) ?? { score: 0, terms: new Set<string>(), words: new Set<number>() };
      entry.score += match.score;
      for (const term of Object.keys(match.matchData.metadata)) {
        entry.terms.add(term);
        for (const w of clauses.get(term)?.words ?? []) entry.words.add(w);
      }
      scores.set(doc, entry);
    }
  }
  // Coordination: an article answering more of the query's words ranks above one that repeats a single word.
  for (const entry of scores.values()) entry.score *= entry.words.size / Math.max(1, searchedWords.size);

  const pinned = new Set(head.keywords[words.map((w) => w.term).join(' ')] ?? []);
  return [...scores]
    .sort(([docA, a], [docB, b]) => Number(pinned.has(docB)) - Number(pinned.has(docA)) || b.score - a.score || docA - docB)
    .slice(0, limit)
    .map(([doc, { score, terms }]) => {
      const [title, url, description, category] = head.docs[doc]!;
      return {
        doc,
        title,
        url,
        description,
        category,
        categoryTitle: head.categories[category] ?? category,
        score,
        isKeywordMatch: pinned.has(doc),
        titleSegments: highlightText(title, terms, head.lang),
        snippetSegments: highlightText(description, terms, head.lang),
      };
    });
}
