import { type SearchHead, type TermPostings, WEIGHT_SCALE } from './index-format.ts';
import { lunr, tokenSets } from './languages.ts';

/** Position of the first of the sorted `values` not below `value`. */
export function lowerBound(values: readonly string[], value: string): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The shard (index into `shardStarts`) holding `term`, or the place it would sort into. */
export function shardOf(head: Pick<SearchHead, 'terms' | 'shardStarts'>, term: string): number {
  const position = Math.min(lowerBound(head.terms, term), Math.max(0, head.terms.length - 1));
  let lo = 0;
  let hi = head.shardStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (head.shardStarts[mid]! <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** An index part as term postings; `postingsAt` is undefined for a term whose shard is not loaded. */
export interface PostingsSource {
  fields: readonly string[];
  /** Every term, sorted. */
  terms: readonly string[];
  documentCount: number;
  postingsAt(position: number): TermPostings | undefined;
}

/** One term to look up: Lunr's clause boost, and the fields searched (undefined for all). */
export interface TermClause {
  boost: number;
  fields: string[] | undefined;
  /**
   * A term the query may mean rather than one it names (a prefix completion, a typo match, a
   * near-universal word): when the query's expansions have more documents than EXPANSION_BUDGET, each
   * is looked up only in its best-weighted share of it and in the documents the named terms match.
   */
  isExpansion: boolean;
}

/**
 * Documents (per field) the expansion terms of one query are scored in, beyond those the named terms
 * match; split evenly between the expansions, and at least EXPANSION_MIN_POSTINGS each. Lunr's query
 * makes objects per matching document; measured on the 10,000-article synthetic corpus, a two-word
 * prefix query's 30 completions matched 5,000 articles and took 35 ms. A document outside an
 * expansion's best-weighted ones that matches nothing else ranks below them on that term alone.
 */
export const EXPANSION_BUDGET = 1200;
export const EXPANSION_MIN_POSTINGS = 30;

/** A part queryable through Lunr, and what the query planner asks of it. */
export interface LunrView {
  /** Runs `lunr.Index.query` with one clause per term (no pipeline: the terms are index terms already). */
  query(clauses: ReadonlyMap<string, TermClause>): lunr.Index.Result[];
  /** Share of the documents (0–1) having `term` in at least one field (the largest of the fields' shares). */
  documentShare(term: string): number;
  /** Index terms within `distance` edits of `term` (Lunr's token set automaton, built on first use). */
  fuzzyTerms(term: string, distance: number): string[];
}

const NO_METADATA = Object.freeze(Object.create(null) as object);

function notLoaded(term: string): Error {
  return new Error(`search index: the shard of "${term}" is not loaded (load the query's shards first, see searchLoading)`);
}

/**
 * A `lunr.Index` over term postings, so Lunr parses, matches and scores the query while the index
 * stays compact and is turned into objects only where a query touches it. Lunr's score of a document
 * field is the dot product of the query vector with the field's vector, divided by the query
 * vector's length; the query vector is zero outside the query's terms, so the field vector it is
 * given holds just those terms' weights, gathered from their postings before each query. The
 * inverted index is built per term on first use; the token set answers exact look-ups only.
 */
export function lunrViewOf(source: PostingsSource): LunrView {
  const { fields, terms } = source;
  const positionOf = (term: string): number => {
    const t = lowerBound(terms, term);
    return terms[t] === term ? t : -1;
  };
  const postingsOf = (term: string, t: number): TermPostings => {
    const postings = source.postingsAt(t);
    if (!postings) throw notLoaded(term);
    return postings;
  };
  const postingObjects = new Map<string, Record<string, unknown> | undefined>();
  /** Postings narrowed for the running query (expansion terms), ahead of the cached full ones. */
  let narrowed = new Map<string, Record<string, unknown>>();
  const invertedIndex = new Proxy(Object.create(null) as Record<string, unknown>, {
    get(_, term) {
      if (typeof term !== 'string') return undefined;
      const forQuery = narrowed.get(term);
      if (forQuery) return forQuery;
      if (!postingObjects.has(term)) {
        const t = positionOf(term);
        let posting: Record<string, unknown> | undefined;
        if (t >= 0) {
          const byField = postingsOf(term, t);
          posting = { _index: t };
          fields.forEach((field, f) => {
            const refs: Record<string, object> = Object.create(null);
            const list = byField[f] ?? [];
            let doc = 0;
            for (let i = 0; i < list.length; i += 2) refs[(doc += list[i]!)] = NO_METADATA;
            posting![field] = refs;
          });
        }
        postingObjects.set(term, posting);
      }
      return postingObjects.get(term);
    },
  });
  let vectors = new Map<string, number[]>();
  const fieldVectors = new Proxy(Object.create(null) as Record<string, lunr.Vector>, {
    get(_, fieldRef) {
      return typeof fieldRef === 'string' ? new lunr.Vector(vectors.get(fieldRef) ?? []) : undefined;
    },
  });
  // Lunr expands each clause through `tokenSet.intersect(TokenSet.fromClause(clause))`; clauses here are exact terms.
  const tokenSet = {
    intersect: (clauseSet: lunr.TokenSet) => ({ toArray: () => clauseSet.toArray().filter((term) => positionOf(term) >= 0) }),
  };
  const attributes = { fields: [...fields], invertedIndex, fieldVectors, tokenSet, pipeline: new lunr.Pipeline() };
  // @types/lunr names the vectors `documentVectors`; Lunr 2.x reads `fieldVectors` (lunr.js, lunr.Index constructor).
  const index = new lunr.Index(attributes as unknown as lunr.Index.Attributes);
  let fuzzySet: lunr.TokenSet | undefined;
  /** Per term position, field and count, the documents of the term's `count` highest weights in the field. */
  const bestDocs = new Map<string, Set<number>>();
  const bestDocsOf = (t: number, f: number, count: number, list: readonly number[]): Set<number> => {
    const key = `${t}/${f}/${count}`;
    let best = bestDocs.get(key);
    if (!best) {
      const weights = new Float64Array(list.length / 2);
      for (let i = 1; i < list.length; i += 2) weights[(i - 1) / 2] = list[i]!;
      const threshold = weights.sort()[weights.length - count]!;
      best = new Set();
      let doc = 0;
      for (let i = 0; i < list.length && best.size < count; i += 2) {
        doc += list[i]!;
        if (list[i + 1]! >= threshold) best.add(doc);
      }
      bestDocs.set(key, best);
    }
    return best;
  };

  return {
    query(clauses) {
      const found: [number, string, TermClause][] = [];
      for (const [term, clause] of clauses) {
        const t = positionOf(term);
        if (t >= 0) found.push([t, term, clause]);
      }
      found.sort((a, b) => a[0] - b[0]);
      const searched = (clause: TermClause, field: string): boolean => !clause.fields || clause.fields.includes(field);
      const named = new Set<number>();
      for (const [t, term, clause] of found) {
        if (clause.isExpansion) continue;
        postingsOf(term, t).forEach((list, f) => {
          if (!searched(clause, fields[f]!)) return;
          let doc = 0;
          for (let i = 0; i < list.length; i += 2) named.add((doc += list[i]!));
        });
      }
      const expansions = found.filter(([, , clause]) => clause.isExpansion);
      const expansionDocs = expansions.reduce((sum, [t, term]) => sum + postingsOf(term, t).reduce((most, list) => Math.max(most, list.length / 2), 0), 0);
      const share = expansionDocs > EXPANSION_BUDGET ? Math.max(EXPANSION_MIN_POSTINGS, Math.floor(EXPANSION_BUDGET / expansions.length)) : Infinity;
      vectors = new Map();
      narrowed = new Map();
      for (const [t, term, clause] of found) {
        const byField = postingsOf(term, t);
        const isNarrowed = clause.isExpansion && byField.some((list) => list.length > 2 * share);
        const posting: Record<string, unknown> = { _index: t };
        fields.forEach((field, f) => {
          const refs: Record<string, object> = Object.create(null);
          if (isNarrowed) posting[field] = refs;
          if (!searched(clause, field)) return;
          const list = byField[f] ?? [];
          const best = isNarrowed && list.length > 2 * share ? bestDocsOf(t, f, share, list) : undefined;
          let doc = 0;
          for (let i = 0; i < list.length; i += 2) {
            doc += list[i]!;
            if (best && !best.has(doc) && !named.has(doc)) continue;
            if (isNarrowed) refs[doc] = NO_METADATA;
            const key = `${field}/${doc}`;
            const elements = vectors.get(key);
            if (elements) elements.push(t, list[i + 1]! / WEIGHT_SCALE);
            else vectors.set(key, [t, list[i + 1]! / WEIGHT_SCALE]);
          }
        });
        if (isNarrowed) narrowed.set(term, posting);
      }
      try {
        return index.query((q) => {
          for (const [, term, { boost, fields: only }] of found) q.term(term, only ? { usePipeline: false, boost, fields: only } : { usePipeline: false, boost });
        });
      } finally {
        vectors = new Map();
        narrowed = new Map();
      }
    },
    documentShare(term) {
      const t = positionOf(term);
      if (t < 0) return 0;
      const most = Math.max(...postingsOf(term, t).map((list) => list.length / 2));
      return most / Math.max(1, source.documentCount);
    },
    fuzzyTerms(term, distance) {
      fuzzySet ??= tokenSets.fromArray(terms);
      return fuzzySet.intersect(tokenSets.fromFuzzyString(term, distance)).toArray();
    },
  };
}
