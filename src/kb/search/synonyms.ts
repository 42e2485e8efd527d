import { textProcessor, type SearchLanguage } from './languages.ts';
import type { SynonymsFile } from './synonyms-file.ts';

// Query-time synonym expansion; kept free of YAML and zod so the browser bundle stays small.

/**
 * Synonym groups of one language in index form: each entry is the list of index terms of one phrase,
 * so `gift cards` and `gift card` are the same entry. Stored in the index payload and applied at query time.
 */
export type SynonymGroups = string[][][];

/** Turns a phrase into the index terms it searches: lower-cased, trimmed and stemmed, stop words kept. */
export function phraseToTerms(phrase: string, lang: SearchLanguage): string[] {
  const text = textProcessor(lang);
  return phrase
    .split(/[\s-]+/)
    .map((word) => text.trim(word))
    .filter((word) => word !== '')
    .map((word) => text.stem(word));
}

/** Converts a language's groups to index terms, dropping entries that have no searchable word. */
export function synonymsToGroups(file: SynonymsFile, lang: SearchLanguage): SynonymGroups {
  return file[lang].map((group) => group.map((phrase) => phraseToTerms(phrase, lang)).filter((terms) => terms.length > 0)).filter((group) => group.length > 1);
}

/**
 * Finds the synonym alternatives for a query given as index terms: a group entry that occurs as a
 * contiguous run in `terms` contributes the other entries of its group, each with the entry it stands for.
 */
export function expandSynonyms(terms: readonly string[], groups: SynonymGroups): { entry: string[]; alternative: string[] }[] {
  const expansions: { entry: string[]; alternative: string[] }[] = [];
  const seen = new Set<string>();
  for (const group of groups) {
    const entry = group.find((e) => terms.some((_, start) => e.every((term, i) => terms[start + i] === term)));
    if (!entry) continue;
    for (const alternative of group) {
      const key = alternative.join(' ');
      if (seen.has(key) || alternative.every((term) => terms.includes(term))) continue;
      seen.add(key);
      expansions.push({ entry, alternative });
    }
  }
  return expansions;
}
