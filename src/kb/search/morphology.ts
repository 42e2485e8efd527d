import type { SearchLanguage } from './languages.ts';

// Word forms beyond what a language's Snowball stemmer (through lunr-languages) joins. Snowball's
// German stemmer strips endings only: `geliefert`, `eingerichtet` and `Artikeln` keep their own stems,
// and compounds (`Lagerplatzinhalt`) are one opaque word. The rules here only propose forms; a form
// counts only when the corpus has it (index build) or the index does (query), so a rule that
// over-generates costs nothing but a look-up.

/** German separable verb particles, longest first (`zurückgebucht`, `eingerichtet`, `abgestimmt`). */
const SEPARABLE_PARTICLES = [
  'zusammen',
  'zurück',
  'heraus',
  'hinzu',
  'voraus',
  'weiter',
  'wieder',
  'fest',
  'nach',
  'frei',
  'auf',
  'aus',
  'bei',
  'ein',
  'mit',
  'vor',
  'weg',
  'her',
  'hin',
  'ab',
  'an',
  'um',
  'zu',
];

/** Linking elements (Fugen) a German compound's first part may end with: Arbeit-s-platz, Kreditor-en-karte. */
const GERMAN_LINKS = ['', 's', 'es', 'n', 'en', 'e', 'er', 'ns'];

/** Languages whose words are routinely compounds worth splitting in every article. */
export function isCompounding(lang: SearchLanguage): boolean {
  return lang === 'de';
}

/** Shortest compound part. */
const MIN_PART = 3;
/** Shortest word tried as a compound. */
const MIN_COMPOUND = 7;

/**
 * Dictionary forms a German word may be an inflection of that the stemmer does not join: participles
 * (`geliefert` → `liefern`, `abgestimmt` → `abstimmen`, `eingerichtet` → `einrichten`, `storniert` →
 * `stornieren`), finite forms (`bucht`, `richte`) and a plural dative `-n` (`Artikeln`). Lower-case in,
 * candidates out (not stems); empty for other languages.
 */
export function inflectionVariants(word: string, lang: SearchLanguage): string[] {
  if (lang !== 'de' || word.length < 4) return [];
  const found = new Set<string>();
  // Adjectival endings on a participle: `gelieferte`, `gebuchten`.
  const forms = new Set([word, word.replace(/(e|en|er|es|em)$/, '')]);
  for (const form of forms) {
    for (const particle of ['', ...SEPARABLE_PARTICLES]) {
      if (!form.startsWith(`${particle}ge`)) continue;
      const core = form.slice(particle.length + 2);
      if (core.length < 3) continue;
      // Weak participle ge-X-(e)t → X-en; strong ge-X-en → X-en.
      const weak = /^(.{2,}?)(et|t)$/.exec(core);
      if (weak) found.add(`${particle}${weak[1]}en`).add(`${particle}${weak[1]}n`);
      if (core.endsWith('en')) found.add(`${particle}${core}`);
    }
    const iert = /^(.{3,})iert$/.exec(form);
    if (iert) found.add(`${iert[1]}ieren`);
    const finite = /^(.{3,}?)(et|t|te|ten|test)$/.exec(form);
    if (finite) found.add(`${finite[1]}en`).add(`${finite[1]}n`);
    if (form.endsWith('e')) found.add(`${form}n`);
  }
  if (word.endsWith('n') && !word.endsWith('en')) found.add(word.slice(0, -1));
  found.delete(word);
  return [...found];
}

/**
 * The parts of a compound word, found by trying every split into a known last word (`isWord`) and a
 * first part that is a known word once a linking element is taken off (`Arbeit|s|platz`) or splits
 * again (`Kreditor|en|bank|konto`). Prefers the split whose parts are longest (fewest, most specific
 * parts). Undefined when no split makes every part a known word. Lower-case surface words in and out,
 * for the index build (known: words the corpus uses) and the query (known: words the index has).
 */
export function splitCompound(word: string, isWord: (part: string) => boolean, lang: SearchLanguage): string[] | undefined {
  const links = lang === 'de' ? GERMAN_LINKS : [''];
  const split = (part: string, depth: number): string[] | undefined => {
    if (part.length < MIN_COMPOUND - depth) return undefined;
    let best: string[] | undefined;
    let bestScore = 0;
    for (let i = MIN_PART; i <= part.length - MIN_PART; i++) {
      const last = part.slice(i);
      if (!isWord(last)) continue;
      const modifier = part.slice(0, i);
      for (const link of links) {
        if (!modifier.endsWith(link) || modifier.length - link.length < MIN_PART) continue;
        const stem = modifier.slice(0, modifier.length - link.length);
        const first = isWord(stem) ? [stem] : depth < 2 ? split(stem, depth + 1) : undefined;
        if (!first) continue;
        const score = first.reduce((sum, p) => sum + p.length ** 2, last.length ** 2);
        if (score > bestScore) {
          best = [...first, last];
          bestScore = score;
        }
      }
    }
    return best;
  };
  return split(word, 0);
}

/** German separable particles: `richte … ein` is `einrichten`, `stimme … ab` is `abstimmen`. */
export function isSeparableParticle(word: string, lang: SearchLanguage): boolean {
  return lang === 'de' && SEPARABLE_PARTICLES.includes(word);
}
