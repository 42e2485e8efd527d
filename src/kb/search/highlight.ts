import { textProcessor, type SearchLanguage } from './languages.ts';

/** A run of text; `match` runs are shown highlighted. Render with text nodes only, never as HTML. */
export interface TextSegment {
  text: string;
  match: boolean;
}

const WORD = /([\p{L}\p{N}_]+(?:['’][\p{L}]+)?)/u;

/**
 * Splits `text` into runs, marking each word whose index form is one of `terms` (the terms a result
 * matched, so prefix, fuzzy and synonym matches light up too). Adjacent runs of the same kind are joined.
 */
export function highlightText(text: string, terms: ReadonlySet<string>, lang: SearchLanguage): TextSegment[] {
  const processor = textProcessor(lang);
  const segments: TextSegment[] = [];
  const push = (part: string, match: boolean): void => {
    const last = segments.at(-1);
    if (last && last.match === match) last.text += part;
    else segments.push({ text: part, match });
  };
  text.split(WORD).forEach((part, i) => {
    if (part === '') return;
    // split() with a capture group puts the words at odd positions.
    const trimmed = i % 2 === 1 ? processor.trim(part) : '';
    push(part, trimmed !== '' && terms.has(processor.stem(trimmed)));
  });
  return segments;
}
