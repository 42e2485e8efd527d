import { describe, expect, it } from 'vitest';
import { learnVectorRelations } from '../../../src/kb/search/build-index.ts';
import { quantizeWordVectors } from '../../../src/kb/search/word-vectors.ts';

// Vectors learned from text rank the most frequent words first; the first 300 are too general to relate.
const filler = Array.from({ length: 300 }, (_, i) => `filler${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`);
const axes: Record<string, number[]> = {
  colour: [1, 0.1, 0],
  color: [1, 0, 0],
  colors: [0.9, 0.1, 0],
  staff: [0, 1, 0.2],
  employee: [0, 1, 0],
  employees: [0, 0.9, 0.1],
  banana: [0, 0, 1],
};
const vectors = quantizeWordVectors([...filler, ...Object.keys(axes)], (word) => axes[word] ?? [0.01, 0.01, 0.01], 3);
/** Head fields of an article: title, keywords, headings, description. */
const head = (title: string): string[] => [title, '', '', ''];

describe('related words from word vectors', () => {
  it('keeps cosines and the word order through int8 quantization', () => {
    expect(vectors.rankOf.get('colour')).toBe(300);
    const cosine = (a: string, b: string): number => {
      const [i, j] = [vectors.rankOf.get(a)!, vectors.rankOf.get(b)!];
      let dot = 0;
      for (let d = 0; d < 3; d++) dot += vectors.values[i * 3 + d]! * vectors.scales[i]! * vectors.values[j * 3 + d]! * vectors.scales[j]!;
      return dot;
    };
    expect(cosine('color', 'color')).toBeCloseTo(1, 2);
    expect(cosine('colour', 'color')).toBeCloseTo(1 / Math.hypot(1, 0.1), 2);
  });

  it('relates a word the corpus lacks to its nearest head word, and a rare one to a commoner head word', () => {
    const headTexts = [head('Colors of cues'), head('Pick a color'), head('Employees'), head('Add an employee'), head('Staff notes')];
    const corpusTerms = new Set(['color', 'cue', 'pick', 'employe', 'add', 'staff', 'note']);
    const related = learnVectorRelations(vectors, headTexts, (term) => corpusTerms.has(term), 'en');
    expect(related.get('colour')).toEqual(['color']);
    expect(related.get('staff')).toEqual(['employe']);
    // The corpus's usual word relates to nothing rarer, and unrelated words to nothing.
    expect(related.has('employe')).toBe(false);
    expect(related.has('banana')).toBe(false);
  });
});
