import { lunr, tokenSets } from './languages.ts';

/**
 * A Lunr index in a compact form. Lunr's own JSON repeats every document reference and term in
 * the inverted index and the field vectors; both are derivable from one table, so only that is kept:
 * the sorted terms and, per field and document, the (term, weight) pairs of its vector.
 */
export interface PackedLunrIndex {
  /** Field names in Lunr's order. */
  fields: string[];
  /** Every indexed term, sorted; a term's position is its index in the vectors. */
  terms: string[];
  /**
   * `vectors[field][doc]` = `[termDelta, weight, termDelta, weight, ...]`: term positions delta-encoded
   * in ascending order, weights (Lunr's BM25 score times the field boost) as integers of `1 / WEIGHT_SCALE`.
   */
  vectors: number[][][];
}

/** Weights are stored in hundredths; rankings do not change at that precision. */
const WEIGHT_SCALE = 100;

interface SerializedLunr {
  fields: string[];
  fieldVectors: [string, number[]][];
  invertedIndex: [string, { _index: number }][];
}

/** Packs a built Lunr index whose document references are `0..docCount-1`. */
export function packLunrIndex(index: lunr.Index, docCount: number): PackedLunrIndex {
  const json = index.toJSON() as unknown as SerializedLunr;
  const terms = json.invertedIndex.map(([term]) => term);
  const position = new Map<number, number>(json.invertedIndex.map(([, posting], i) => [posting._index, i]));
  const vectors = json.fields.map(() => Array.from({ length: docCount }, (): number[] => []));
  for (const [fieldRef, elements] of json.fieldVectors) {
    const slash = fieldRef.indexOf('/');
    const field = json.fields.indexOf(fieldRef.slice(0, slash));
    const doc = Number(fieldRef.slice(slash + 1));
    const pairs: [number, number][] = [];
    for (let i = 0; i < elements.length; i += 2) pairs.push([position.get(elements[i]!)!, elements[i + 1]!]);
    pairs.sort((a, b) => a[0] - b[0]);
    const packed: number[] = [];
    let previous = 0;
    for (const [term, weight] of pairs) {
      packed.push(term - previous, Math.round(weight * WEIGHT_SCALE));
      previous = term;
    }
    vectors[field]![doc] = packed;
  }
  return { fields: json.fields, terms, vectors };
}

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

/** An unpacked index and what the query planner asks of it. */
export interface UnpackedIndex {
  index: lunr.Index;
  documentCount: number;
  /** Share of the documents (0–1) having `term` in at least one field (the largest of the fields' shares). */
  documentShare(term: string): number;
}

/** Per field, the documents of each term (compressed sparse rows): docs of term t are `docs[start[t]..start[t+1]]`. */
interface TermDocs {
  start: Int32Array;
  docs: Int32Array;
}

function termDocsOf(vectors: readonly number[][], termCount: number): TermDocs {
  const start = new Int32Array(termCount + 1);
  for (const vector of vectors) {
    let term = 0;
    for (let i = 0; i < vector.length; i += 2) start[(term += vector[i]!) + 1]!++;
  }
  for (let t = 0; t < termCount; t++) start[t + 1]! += start[t]!;
  const fill = start.slice(0, termCount);
  const docs = new Int32Array(start[termCount]!);
  vectors.forEach((vector, doc) => {
    let term = 0;
    for (let i = 0; i < vector.length; i += 2) docs[fill[(term += vector[i]!)]!++] = doc;
  });
  return { start, docs };
}

function decodeVector(packed: readonly number[]): lunr.Vector {
  const elements = new Array<number>(packed.length);
  let term = 0;
  for (let i = 0; i < packed.length; i += 2) {
    elements[i] = term += packed[i]!;
    elements[i + 1] = packed[i + 1]! / WEIGHT_SCALE;
  }
  return new lunr.Vector(elements);
}

/**
 * Rebuilds a queryable Lunr index from its packed form, with document references `"0".."n-1"`.
 * The inverted index and field vectors `lunr.Index.load` would build up front are made on first use
 * instead: a query touches a handful of terms and the vectors of the documents they match, so most
 * of the index is never turned into objects, and loading stays a fraction of Lunr's own.
 */
export function unpackLunrIndex(packed: PackedLunrIndex): UnpackedIndex {
  const { fields, terms, vectors } = packed;
  const termDocs = fields.map((_, f) => termDocsOf(vectors[f] ?? [], terms.length));
  const postings = new Map<string, Record<string, unknown> | undefined>();
  const lookUpTerm = (term: string): Record<string, unknown> | undefined => {
    const lo = lowerBound(terms, term);
    if (terms[lo] !== term) return undefined;
    const posting: Record<string, unknown> = { _index: lo };
    fields.forEach((field, f) => {
      const { start, docs } = termDocs[f]!;
      const refs: Record<string, object> = {};
      for (let i = start[lo]!; i < start[lo + 1]!; i++) refs[docs[i]!] = {};
      posting[field] = refs;
    });
    return posting;
  };
  const invertedIndex = new Proxy(Object.create(null) as Record<string, unknown>, {
    get(_, term) {
      if (typeof term !== 'string') return undefined;
      if (!postings.has(term)) postings.set(term, lookUpTerm(term));
      return postings.get(term);
    },
  });
  const vectorCache = new Map<string, lunr.Vector | undefined>();
  const fieldVectors = new Proxy(Object.create(null) as Record<string, lunr.Vector>, {
    get(_, fieldRef) {
      if (typeof fieldRef !== 'string') return undefined;
      if (!vectorCache.has(fieldRef)) {
        const slash = fieldRef.lastIndexOf('/');
        const packedVector = vectors[fields.indexOf(fieldRef.slice(0, slash))]?.[Number(fieldRef.slice(slash + 1))];
        vectorCache.set(fieldRef, packedVector ? decodeVector(packedVector) : undefined);
      }
      return vectorCache.get(fieldRef);
    },
  });
  const attributes = {
    fields,
    invertedIndex,
    fieldVectors,
    tokenSet: tokenSets.fromArray(terms),
    pipeline: new lunr.Pipeline(),
  };
  return {
    // @types/lunr names the vectors `documentVectors`; Lunr 2.x reads `fieldVectors` (lunr.js, lunr.Index constructor).
    index: new lunr.Index(attributes as unknown as lunr.Index.Attributes),
    documentCount: vectors[0]?.length ?? 0,
    documentShare: (term) => {
      const t = lowerBound(terms, term);
      if (terms[t] !== term) return 0;
      return Math.max(...termDocs.map(({ start }) => start[t + 1]! - start[t]!)) / Math.max(1, vectors[0]?.length ?? 0);
    },
  };
}
