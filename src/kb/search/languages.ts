import lunr from 'lunr';
import stemmerSupport from 'lunr-languages/lunr.stemmer.support.js';
import german from 'lunr-languages/lunr.de.js';

// lunr-languages are plugins that attach themselves to the lunr object they are given (lunr.de, lunr.stemmerSupport).
stemmerSupport(lunr);
german(lunr);

/** Languages with a stemmer and stop word list; an index is built per language. */
export const SEARCH_LANGUAGES = ['en', 'de'] as const;
export type SearchLanguage = (typeof SEARCH_LANGUAGES)[number];

/** One token's journey through a language's text processing. */
export interface TextProcessor {
  /** Strips punctuation around a lower-cased token; '' when nothing word-like is left. */
  trim(token: string): string;
  /** True for words too common to search (the, and, der, und). */
  isStopWord(token: string): boolean;
  /** Reduces a trimmed token to the form stored in the index. */
  stem(token: string): string;
  /** The indexing functions in Lunr's order (trimmer, stop words, stemmer). */
  pipelineFunctions: lunr.PipelineFunction[];
}

interface LunrLanguage {
  trimmer: lunr.PipelineFunction;
  stopWordFilter: lunr.PipelineFunction;
  stemmer: lunr.PipelineFunction;
}

/**
 * Lunr's English (Porter) stemmer, joining what it leaves apart: `-ification` and `-ify` words
 * (`reclassification` → `reclassif`, `reclassify` → `reclassifi`; likewise notify, verify, specify).
 */
const englishStemmer: lunr.PipelineFunction = (token) => lunr.stemmer(token).update((stem) => (stem.length > 5 && stem.endsWith('ifi') ? stem.slice(0, -1) : stem));
lunr.Pipeline.registerFunction(englishStemmer, 'stemmer-en');

function languageFunctions(lang: SearchLanguage): LunrLanguage {
  if (lang === 'de') return (lunr as unknown as { de: LunrLanguage }).de;
  return { trimmer: lunr.trimmer, stopWordFilter: lunr.stopWordFilter, stemmer: englishStemmer };
}

/** Returns `lang` when an index can be built for it, else English (Lunr's default stemmer). */
export function toSearchLanguage(lang: string): SearchLanguage {
  return (SEARCH_LANGUAGES as readonly string[]).includes(lang) ? (lang as SearchLanguage) : 'en';
}

const processors = new Map<SearchLanguage, TextProcessor>();

/** The text processing of one language, shared by index build, query and highlighting. */
export function textProcessor(lang: SearchLanguage): TextProcessor {
  const cached = processors.get(lang);
  if (cached) return cached;
  const fns = languageFunctions(lang);
  const apply = (fn: lunr.PipelineFunction, text: string): string => {
    const out = fn(new lunr.Token(text, {}), 0, []) as lunr.Token | lunr.Token[] | undefined | null;
    const token = Array.isArray(out) ? out[0] : out;
    return token ? token.toString() : '';
  };
  const processor: TextProcessor = {
    trim: (token) => apply(fns.trimmer, token.toLowerCase()),
    isStopWord: (token) => apply(fns.stopWordFilter, token) === '',
    stem: (token) => apply(fns.stemmer, token),
    pipelineFunctions: [fns.trimmer, fns.stopWordFilter, fns.stemmer],
  };
  processors.set(lang, processor);
  return processor;
}

export { lunr };

/** Token set constructors Lunr has but @types/lunr does not declare. */
export const tokenSets = lunr.TokenSet as unknown as {
  fromArray(sortedTerms: readonly string[]): lunr.TokenSet;
  fromFuzzyString(term: string, editDistance: number): lunr.TokenSet;
};
