import { z } from 'zod';
import { LanguageSchema } from '../config/config-schema.ts';

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** YAML reads `2026-10-14` as a Date; a quoted value stays a string. Both become `YYYY-MM-DD`. */
const DateSchema = z.union([z.date().transform((d) => d.toISOString().slice(0, 10)), z.string().regex(isoDate, 'write the date as YYYY-MM-DD, e.g. 2026-10-14')]);

const SlugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a slug is the file name without .md: lowercase letters, digits and dashes');

/** Front matter of one article. Strict: a misspelt key is an error, not a silently ignored field. */
export const FrontMatterSchema = z.strictObject({
  /** Display title, shown as the page heading and in search results. */
  title: z.string().trim().min(1, 'the title must not be empty'),
  /** The `<title>` tag. @default the title */
  pageTitle: z.string().trim().min(1).optional(),
  /** Meta description and search snippet fallback; keep it under 160 characters. */
  description: z.string().trim().min(1, 'the description must not be empty'),
  /** Alternative names, spellings and common misspellings: meta keywords and searched. @default [] */
  keywords: z.array(z.union([z.string(), z.number()]).transform(String), 'keywords must be a YAML list, one "- keyword" per line').default([]),
  /** Category id from the config file. */
  category: z.string().trim().min(1, 'the category must not be empty'),
  /** Language of the article. @default "en" */
  lang: LanguageSchema.default('en'),
  /** Date of the last real change, YYYY-MM-DD. */
  updated: DateSchema.optional(),
  /** Slugs of articles to show under "Related articles". @default [] */
  related: z.array(SlugSchema, 'related must be a YAML list of article slugs').default([]),
  /** Drafts are checked but not published. @default false */
  draft: z.boolean().default(false),
});

export type FrontMatterInput = z.input<typeof FrontMatterSchema>;
export type FrontMatter = z.output<typeof FrontMatterSchema>;
