import { highlightText, type TextSegment } from './highlight.ts';
import type { HeadShard, SearchBody, SearchHead, StoredDoc } from './index-format.ts';
import { textProcessor, type lunr, type SearchLanguage } from './languages.ts';
import { inflectionVariants, isCompounding, isSeparableParticle, splitCompound } from './morphology.ts';
import { lowerBound, lunrViewOf, shardOf, type LunrView, type PostingsSource, type TermClause } from './pack.ts';
import { expandSynonyms } from './synonyms.ts';

/**
 * Clause boosts by how a query word matched an index term: its own stem (or two words written as one)
 * beats an inflection the stemmer misses, a synonym, a part of a compound, the nearest words to a
 * word the index does not know (a typo), a completion of a word being typed, and last a word a known
 * word is a typo away from.
 */
export const MATCH_BOOSTS = { exact: 1, variant: 0.9, synonym: 0.7, part: 0.5, typo: 0.7, related: 0.4, prefix: 0.3, fuzzy: 0.1 } as const;
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
/**
 * Results scoring below this share of the best result's score are left out: with 8 rows to fill, a
 * query with one good answer otherwise drags in articles matching one common word (`2fa` on the sample
 * knowledgebase brought "Break in new hiking boots"). Measured on the labelled sets (README "Search").
 */
export const RELATIVE_SCORE_FLOOR = 0.15;
/**
 * An article one of whose `keywords` is the query counts this many times its score. A factor rather than
 * first place: several articles may share a keyword (`item charges`), and the one that is about it
 * still scores higher (measured on the bc-help tuning halves, README "Search").
 */
export const KEYWORD_MATCH_BOOST = 2;
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
    .split(/[\s-]+/)
    .map((w) => text.trim(w))
    .filter((w) => w !== '')
    .slice(0, MAX_QUERY_WORDS);
  const endsOpen = !/[\s-]$/.test(cut);
  return words.map((word, i) => ({
    word,
    term: text.stem(word),
    isStopWord: text.isStopWord(word),
    isPartial: endsOpen && i === words.length - 1,
  }));
}

interface SearchPart extends LunrView {
  /** The part's terms, sorted, for prefix completion by binary search. */
  terms: readonly string[];
  documentCount: number;
  /** The body part: large, so it gets fewer prefix completions and skips near-universal words. */
  isBody: boolean;
}

/** A language's index ready to query: the head, the shards and result chunks loaded so far, the body once it is in. */
export interface Searcher {
  head: SearchHead;
  /** Head shards by number (all of them when the head carries them inline). */
  shards: Map<number, HeadShard>;
  /** Result-data chunks by number. */
  chunks: Map<number, StoredDoc[]>;
  parts: SearchPart[];
}

function headPart(head: SearchHead, shards: ReadonlyMap<number, HeadShard>): SearchPart {
  const source: PostingsSource = {
    fields: head.fields,
    terms: head.terms,
    documentCount: head.docCount,
    postingsAt: (t) => {
      const shard = shardOf(head, head.terms[t]!);
      return shards.get(shard)?.postings[t - head.shardStarts[shard]!];
    },
  };
  return { ...lunrViewOf(source), terms: head.terms, documentCount: head.docCount, isBody: false };
}

function bodyPart(body: SearchBody, documentCount: number): SearchPart {
  const source: PostingsSource = { fields: body.fields, terms: body.terms, documentCount, postingsAt: (t) => body.postings[t] };
  return { ...lunrViewOf(source), terms: body.terms, documentCount, isBody: true };
}

/** Makes a searcher from a head and, when already loaded, the body. */
export function createSearcher(head: SearchHead, body?: SearchBody): Searcher {
  const shards = new Map((head.shards ?? []).map((shard, n) => [n, shard]));
  const chunks = new Map((head.chunks ?? []).map((chunk, n) => [n, chunk]));
  const searcher: Searcher = { head, shards, chunks, parts: [headPart(head, shards)] };
  return body ? withBody(searcher, body) : searcher;
}

/** Adds the body index to a searcher. */
export function withBody(searcher: Searcher, body: SearchBody): Searcher {
  return { ...searcher, parts: [searcher.parts[0]!, bodyPart(body, searcher.head.docCount)] };
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

/**
 * Edit distance counting a swap of neighbours as one edit, as Lunr's fuzzy token set does, for
 * ordering fuzzy matches (the token set finds them, but unordered).
 */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) current[j] = Math.min(current[j]!, before[j - 2]! + 1);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest `limit` of `found` to `term`. */
function closest(found: readonly string[], term: string, limit: number): string[] {
  if (found.length <= limit) return [...found];
  return found
    .map((t) => [t, editDistance(term, t)] as const)
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([t]) => t);
}

/** The closest `limit` index terms within `distance` edits of `term`. */
function fuzzyMatches(part: SearchPart, term: string, distance: number, limit: number): string[] {
  return closest(part.fuzzyTerms(term, distance), term, limit);
}

/**
 * Index terms a word the index does not know may have been meant as: those within its edit distance
 * of its stem, of the word itself, and of the word less its last letters, since the index holds stems
 * (`depreciaton` is two edits from nothing, but `deprecia` is one from `depreci`).
 */
function typoMatches(part: SearchPart, word: QueryWord, distance: number, limit: number): [term: string, isClosest: boolean][] {
  const found = new Map<string, number>();
  const lookUp = (form: string): void => {
    for (const term of part.fuzzyTerms(form, distance)) found.set(term, Math.min(found.get(term) ?? Infinity, editDistance(form, term)));
  };
  for (const form of new Set([word.term, word.word])) lookUp(form);
  // Shortened forms in the head only: each look-up walks the term automaton, and the body's is large.
  if (!part.isBody) for (let cut = 1; cut <= 3 && word.word.length - cut >= 5; cut++) lookUp(word.word.slice(0, -cut));
  const ranked = [...found].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit);
  return ranked.map(([term, d]) => [term, d === ranked[0]![1]]);
}

interface Clause extends TermClause {
  /** Positions of the query words this term stands for. */
  words: Set<number>;
  /**
   * The term is one of the query's own words as the index has it: its stem, an inflection, a compound part, a
   * completion of it, the nearest terms to a typo, a related word or a one-word synonym. A fuzzy neighbour of a word
   * the index knows is not, nor one word of a several-word synonym (`two` of `two-step`).
   */
  isDirect: boolean;
}

/** Match kinds that are not the query's words: an article matching only these answers none of them. */
const INDIRECT_KINDS: ReadonlySet<MatchKind> = new Set(['fuzzy']);

/** Whether an index term is in a sorted term list. */
function hasTerm(terms: readonly string[], term: string): boolean {
  return terms[lowerBound(terms, term)] === term;
}

/** What the planner knows beyond the part it plans for: every loaded part's terms. */
interface PlanContext {
  lang: SearchLanguage;
  synonyms: SearchHead['synonyms'];
  /** True for an index term some loaded part has. */
  isKnown(term: string): boolean;
  /** The corpus's words for what a query word (stem) names, from the loaded head shards. */
  relatedTo(term: string): readonly string[];
}

/**
 * How each query word reaches index terms, the same for every part: its own stem, inflections the
 * stemmer misses, compound parts, words written apart that the index has as one (`time sheet`,
 * `Nummern Serie`), a German verb's particle put back (`richte … ein`). A word that reaches none of
 * these is unknown: a typo, looked up by its nearest terms.
 */
function wordTerms(words: readonly QueryWord[], context: PlanContext): { named: [string, MatchKind, number[]][]; unknown: Set<number> } {
  const { lang, isKnown } = context;
  const text = textProcessor(lang);
  const named: [string, MatchKind, number[]][] = [];
  const covered = new Set<number>();
  const addNamed = (term: string, kind: MatchKind, positions: number[]): void => {
    if (term === '' || !isKnown(term)) return;
    named.push([term, kind, positions]);
    for (const p of positions) covered.add(p);
  };
  const isWord = (part: string): boolean => !text.isStopWord(part) && isKnown(text.stem(part));
  const links = isCompounding(lang) ? ['', 's', 'n', 'en', 'es'] : [''];
  for (const [i, w] of words.entries()) {
    if (!w.isStopWord) {
      addNamed(w.term, 'exact', [i]);
      for (const form of inflectionVariants(w.word, lang)) addNamed(text.stem(form), 'variant', [i]);
      if (isCompounding(lang) || !isKnown(w.term)) for (const part of splitCompound(w.word, isWord, lang) ?? []) addNamed(text.stem(part), 'part', [i]);
    }
    const next = words[i + 1];
    if (next && !w.isStopWord && !next.isStopWord) {
      for (const link of links) addNamed(text.stem(`${w.word}${link}${next.word}`), 'exact', [i, i + 1]);
      if (isCompounding(lang)) for (const link of links) addNamed(text.stem(`${next.word}${link}${w.word}`), 'variant', [i, i + 1]);
    }
    if (isSeparableParticle(w.word, lang)) {
      for (const [j, verb] of words.entries()) if (j < i && !verb.isStopWord) addNamed(text.stem(`${w.word}${verb.word}`), 'variant', [j, i]);
    }
  }
  const unknown = new Set<number>();
  for (const [i, w] of words.entries()) if (!w.isStopWord && !covered.has(i)) unknown.add(i);
  return { named, unknown };
}

/** Index terms to look up, each with the boost of its best way of matching and the words it answers. */
function planClauses(part: SearchPart, words: readonly QueryWord[], context: PlanContext, documentShare = part.documentShare): Map<string, Clause> {
  const clauses = new Map<string, Clause>();
  const add = (term: string, kind: MatchKind, positions: readonly number[], isDirect = !INDIRECT_KINDS.has(kind)): void => {
    let clause = clauses.get(term);
    if (!clause) {
      const isCommon = part.documentCount > COMMON_TERM_MIN_DOCS && documentShare(term) > COMMON_TERM_SHARE;
      if (isCommon && part.isBody) return;
      clause = { boost: 0, fields: isCommon ? COMMON_TERM_FIELDS : undefined, isExpansion: true, words: new Set<number>(), isDirect: false };
    }
    clause.isDirect ||= isDirect;
    // A word's own form, an inflection or a synonym is named by the query; completions, typo matches,
    // compound parts and near-universal words are expansions.
    if ((kind === 'exact' || kind === 'variant' || kind === 'synonym') && !clause.fields) clause.isExpansion = false;
    clause.boost = Math.max(clause.boost, MATCH_BOOSTS[kind]);
    for (const p of positions) clause.words.add(p);
    clauses.set(term, clause);
  };
  const { named, unknown } = wordTerms(words, context);
  for (const [term, kind, positions] of named) add(term, kind, positions);
  // A stop word being typed is completed only when it is all there is: `wie richte ich E-Mail ein` is not about words starting with `ein`.
  const onlyStopWords = words.every((w) => w.isStopWord);
  for (const [i, w] of words.entries()) {
    const [minPrefix, maxCompletions] = part.isBody ? [BODY_PREFIX_MIN_CHARS, BODY_PREFIX_COMPLETIONS] : [MIN_QUERY_CHARS, PREFIX_COMPLETIONS];
    if (w.word.length >= minPrefix && (!w.isStopWord || (w.isPartial && onlyStopWords))) {
      for (const prefix of new Set([w.word, w.term])) for (const term of completions(part.terms, prefix, maxCompletions)) add(term, 'prefix', [i]);
      if (w.isPartial) for (const term of stemsTypedPast(part.terms, w.word)) add(term, 'prefix', [i]);
    }
    const distance = Math.min(editDistanceFor(w.word.length), part.isBody ? 1 : 2);
    if (distance > 0 && !w.isStopWord && w.word.length <= MAX_FUZZY_CHARS) {
      const limit = part.isBody ? BODY_FUZZY_MATCHES : FUZZY_MATCHES;
      // The nearest terms to an unknown word stand in for it; those further away barely count.
      if (unknown.has(i)) for (const [term, isClosest] of typoMatches(part, w, distance, limit)) add(term, isClosest ? 'typo' : 'fuzzy', [i]);
      else for (const term of fuzzyMatches(part, w.term, distance, limit)) add(term, 'fuzzy', [i]);
    }
  }
  for (const [i, w] of words.entries()) if (!w.isStopWord) for (const term of context.relatedTo(w.term)) add(term, 'related', [i]);
  for (const { entry, alternative } of expandSynonyms(
    words.map((w) => w.term),
    context.synonyms,
  )) {
    const position = words.findIndex((w) => w.term === entry[0]);
    // One word of a several-word synonym alone says little (`two` of `two-step`): answersQuery checks the whole.
    // Words no article has (the stop word `in` of `sign in`) are not asked for.
    const isOneWord = alternative.filter(context.isKnown).length <= 1;
    for (const term of alternative) add(term, 'synonym', [position], isOneWord);
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

/** An article the query matched, before its result data is read. */
export interface RankedDoc {
  doc: number;
  score: number;
  /** Index terms it matched, for highlighting. */
  terms: Set<string>;
  isKeywordMatch: boolean;
}

function planContext(searcher: Searcher): PlanContext {
  const { head, parts } = searcher;
  return {
    lang: head.lang,
    synonyms: head.synonyms,
    isKnown: (term) => parts.some((part) => hasTerm(part.terms, term)),
    relatedTo: (term) => searcher.shards.get(shardOf(head, term))?.related?.[term] ?? [],
  };
}

/** The head shards a query reads: those of every term it may look up, and of its keyword pin. */
export function shardsForQuery(searcher: Searcher, query: string): number[] {
  const { head } = searcher;
  const words = parseQuery(query, head.lang);
  if (words.length === 0) return [];
  const terms = [...planClauses(searcher.parts[0]!, words, planContext(searcher), () => 0).keys(), ...words.map((w) => w.term)];
  return [...new Set(terms.map((term) => shardOf(head, term)))];
}

/** The result-data chunks that hold `docs`. */
export function chunksForDocs(searcher: Searcher, docs: readonly number[]): number[] {
  return [...new Set(docs.map((doc) => Math.floor(doc / searcher.head.docsPerChunk)))];
}

/**
 * Ranks the articles for a query. Exact, prefix and fuzzy matches of every word (and synonyms of the
 * words) are combined in one Lunr query per part, weighted by MATCH_BOOSTS; articles whose keyword
 * equals the whole query count KEYWORD_MATCH_BOOST times. Any input is safe: it is cut to MAX_QUERY_CHARS, syntax
 * characters separate words, and the Lunr query is built term by term, never parsed from the string.
 * Needs the query's head shards (`shardsForQuery`).
 */
export function rankDocs(searcher: Searcher, query: string, limit = 10): RankedDoc[] {
  const { head } = searcher;
  const words = parseQuery(query, head.lang);
  if (words.length === 0 || words.map((w) => w.word).join('').length < MIN_QUERY_CHARS) return [];

  // Per article: its score and the query words it answers (a bit per word; MAX_QUERY_WORDS fits), and
  // its Lunr matches, read for the matched terms only when it is shown.
  const scores = new Map<number, { score: number; words: number; matches: lunr.Index.Result[] }>();
  let searchedWords = 0;
  const wordsOf = new Map<string, number>();
  const directTerms = new Set<string>();
  const context = planContext(searcher);
  for (const part of searcher.parts) {
    const clauses = planClauses(part, words, context);
    if (clauses.size === 0) continue;
    for (const [term, clause] of clauses) {
      let mask = wordsOf.get(term) ?? 0;
      for (const w of clause.words) mask |= 1 << w;
      wordsOf.set(term, mask);
      searchedWords |= mask;
      if (clause.isDirect) directTerms.add(term);
    }
    for (const match of part.query(clauses)) {
      const doc = Number(match.ref);
      let entry = scores.get(doc);
      if (!entry) scores.set(doc, (entry = { score: 0, words: 0, matches: [] }));
      entry.score += match.score;
      entry.matches.push(match);
      for (const term in match.matchData.metadata) entry.words |= wordsOf.get(term) ?? 0;
    }
  }
  // Coordination: an article answering more of the query's words ranks above one that repeats a single word.
  const wordCount = Math.max(1, bitCount(searchedWords));
  for (const entry of scores.values()) entry.score *= bitCount(entry.words) / wordCount;

  const key = words.map((w) => w.term).join(' ');
  const pinned = new Set(searcher.shards.get(shardOf(head, words[0]!.term))?.pins[key] ?? []);
  for (const doc of pinned) {
    const entry = scores.get(doc);
    if (entry) entry.score *= KEYWORD_MATCH_BOOST;
  }
  const ranksAbove = (docA: number, a: { score: number }, docB: number, b: { score: number }): boolean => (a.score !== b.score ? a.score > b.score : docA < docB);
  const phrases = expandSynonyms(
    words.map((w) => w.term),
    head.synonyms,
  )
    .map((s) => s.alternative.filter(context.isKnown))
    .filter((phrase) => phrase.length > 1);
  // The best `limit` by insertion: a prefix query can match thousands of articles, and only a few are shown.
  const top: [number, { score: number; matches: lunr.Index.Result[] }][] = [];
  for (const [doc, entry] of scores) {
    // An article matching none of the query's words, only their near misses, answers a query nobody typed.
    if (!pinned.has(doc) && !answersQuery(entry.matches, directTerms, phrases)) continue;
    if (top.length >= limit) {
      if (limit <= 0 || !ranksAbove(doc, entry, ...top[limit - 1]!)) continue;
      top.pop();
    }
    let i = top.length;
    while (i > 0 && ranksAbove(doc, entry, ...top[i - 1]!)) i--;
    top.splice(i, 0, [doc, entry]);
  }
  // Fewer results rather than unrelated ones: a result far below the best answers little of the query.
  const floor = (top[0]?.[1].score ?? 0) * RELATIVE_SCORE_FLOOR;
  return top
    .filter(([doc, entry]) => entry.score >= floor || pinned.has(doc))
    .map(([doc, { score, matches }]) => ({
      doc,
      score,
      terms: new Set(matches.flatMap((m) => Object.keys(m.matchData.metadata))),
      isKeywordMatch: pinned.has(doc),
    }));
}

/** Whether an article's matches include one of the query's own words, or every word of a several-word synonym. */
function answersQuery(matches: readonly lunr.Index.Result[], directTerms: ReadonlySet<string>, phrases: readonly (readonly string[])[]): boolean {
  const matched = new Set<string>();
  for (const match of matches) {
    for (const term in match.matchData.metadata) {
      if (directTerms.has(term)) return true;
      matched.add(term);
    }
  }
  return phrases.some((phrase) => phrase.every((term) => matched.has(term)));
}

function bitCount(mask: number): number {
  let count = 0;
  for (let m = mask; m !== 0; m &= m - 1) count++;
  return count;
}

/** A ranked article with its result data; needs the chunk holding it (`chunksForDocs`). */
export function toResult(searcher: Searcher, ranked: RankedDoc): SearchResult {
  const { head } = searcher;
  const { doc, score, terms, isKeywordMatch } = ranked;
  const stored = searcher.chunks.get(Math.floor(doc / head.docsPerChunk))?.[doc % head.docsPerChunk];
  if (!stored) throw new Error(`search index: the result data of document ${doc} is not loaded (see searchLoading)`);
  const [title, url, description, category] = stored;
  return {
    doc,
    title,
    url,
    description,
    category,
    categoryTitle: head.categories[category] ?? category,
    score,
    isKeywordMatch,
    titleSegments: highlightText(title, terms, head.lang),
    snippetSegments: highlightText(description, terms, head.lang),
  };
}

/** Searches an index held in memory (every shard and chunk loaded): the server page, the CLI, tests. */
export function search(searcher: Searcher, query: string, options: SearchOptions = {}): SearchResult[] {
  return rankDocs(searcher, query, options.limit ?? 10).map((ranked) => toResult(searcher, ranked));
}

/** Fetches a head shard or a result-data chunk of a sharded head. */
export interface IndexFiles {
  shard(n: number): Promise<HeadShard>;
  docs(n: number): Promise<StoredDoc[]>;
}

/**
 * Searches, first fetching what the query needs and the searcher lacks: the head shards of its terms,
 * then the result-data chunks of the articles shown. Fetched files stay in the searcher.
 */
export async function searchLoading(searcher: Searcher, query: string, files: IndexFiles, options: SearchOptions = {}): Promise<SearchResult[]> {
  // A loaded shard may name more terms (a word's related words), whose shards come in a second round.
  for (let round = 0; round < 3; round++) {
    const shards = shardsForQuery(searcher, query).filter((n) => !searcher.shards.has(n));
    if (shards.length === 0) break;
    await Promise.all(shards.map(async (n) => searcher.shards.set(n, await files.shard(n))));
  }
  const ranked = rankDocs(searcher, query, options.limit ?? 10);
  const chunks = chunksForDocs(
    searcher,
    ranked.map((r) => r.doc),
  ).filter((n) => !searcher.chunks.has(n));
  if (chunks.length > 0) await Promise.all(chunks.map(async (n) => searcher.chunks.set(n, await files.docs(n))));
  return ranked.map((r) => toResult(searcher, r));
}
