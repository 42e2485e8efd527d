import matter from 'gray-matter';
import { z } from 'zod';
import { SEARCH_LANGUAGES, type SearchLanguage } from './languages.ts';

/** A group of words or phrases that mean the same thing, e.g. `[supplier, vendor]`. */
const SynonymGroupSchema = z
  .array(z.union([z.string(), z.number()]).transform(String).pipe(z.string().trim().min(1, 'a synonym must not be empty')))
  .min(2, 'a synonym group needs at least two entries, e.g. [invoice, bill]');

/** The synonyms file: per language, a list of groups. Strict, so a misspelt language key fails. */
export const SynonymsFileSchema = z.strictObject(
  Object.fromEntries(SEARCH_LANGUAGES.map((lang) => [lang, z.array(SynonymGroupSchema).default([])])) as Record<SearchLanguage, z.ZodDefault<z.ZodArray<typeof SynonymGroupSchema>>>,
);
export type SynonymsFile = z.output<typeof SynonymsFileSchema>;

/** A synonyms file that cannot be used; the message names the file, the key and the fix. */
export class SynonymsError extends Error {
  override name = 'SynonymsError';
}

const yaml = (matter as unknown as { engines: { yaml: { parse(text: string): unknown } } }).engines.yaml;

/** Parses and validates the synonyms file text (YAML). Throws a SynonymsError naming every bad entry. */
export function parseSynonyms(text: string, file = 'content/synonyms.yml'): SynonymsFile {
  let input: unknown;
  try {
    input = yaml.parse(text) ?? {};
  } catch (error) {
    throw new SynonymsError(`${file}: not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const result = SynonymsFileSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new SynonymsError(`${lines.join('\n')}\nWrite one list per language, e.g.\nen:\n  - [supplier, vendor]`);
  }
  return result.data;
}
