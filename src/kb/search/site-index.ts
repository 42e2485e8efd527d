import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { buildSearchIndex, type IndexableArticle, type SearchIndexParts } from './build-index.ts';
import { SEARCH_LANGUAGES, type SearchLanguage } from './languages.ts';
import { parseSynonyms, type SynonymsFile } from './synonyms-file.ts';

export interface SiteArticle extends IndexableArticle {
  lang: string;
  draft?: boolean;
}

export interface BuildSiteIndexesOptions {
  urlOf: (slug: string) => string;
  synonyms?: SynonymsFile | undefined;
  /** Category id → display title, per language. */
  categoryTitles?: ((lang: SearchLanguage) => Record<string, string>) | undefined;
}

/** Builds one index per language present among the published articles; drafts are left out. */
export function buildSiteIndexes(articles: readonly SiteArticle[], options: BuildSiteIndexesOptions): Map<SearchLanguage, SearchIndexParts> {
  const indexes = new Map<SearchLanguage, SearchIndexParts>();
  for (const lang of SEARCH_LANGUAGES) {
    const ofLang = articles.filter((a) => a.lang === lang && !a.draft);
    if (ofLang.length === 0) continue;
    indexes.set(lang, buildSearchIndex(ofLang, { lang, urlOf: options.urlOf, synonyms: options.synonyms, categoryTitles: options.categoryTitles?.(lang) }));
  }
  return indexes;
}

/** Reads the synonyms file; a missing file means no synonyms. Throws a SynonymsError for a bad one. */
export function readSynonymsFile(file: string): SynonymsFile | undefined {
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) return undefined;
  return parseSynonyms(readFileSync(file, 'utf8'), file);
}

/** Folder (under the site root) of the index assets. */
export const SEARCH_ASSET_DIR = '_search';

/** Where the browser finds each language's index files; `manifest.json` in SEARCH_ASSET_DIR, never cached long. */
export type SearchManifest = Partial<Record<SearchLanguage, { head: string; body: string }>>;

export interface SearchAsset {
  /** Path relative to the site root, e.g. `_search/en.head.3f2a9c1b04.json`. */
  path: string;
  content: Buffer;
}

/**
 * Serializes the indexes into content-hashed JSON files (cache them forever), each with `.gz` and
 * `.br` twins for servers that send precompressed files, plus the manifest naming them.
 */
export function searchAssets(indexes: ReadonlyMap<SearchLanguage, SearchIndexParts>, base = '/'): { manifest: SearchManifest; assets: SearchAsset[] } {
  const manifest: SearchManifest = {};
  const assets: SearchAsset[] = [];
  const emit = (name: string, data: unknown): string => {
    const content = Buffer.from(JSON.stringify(data));
    const hash = createHash('sha256').update(content).digest('hex').slice(0, 10);
    const file = `${SEARCH_ASSET_DIR}/${name}.${hash}.json`;
    assets.push(
      { path: file, content },
      { path: `${file}.gz`, content: gzipSync(content, { level: 9 }) },
      { path: `${file}.br`, content: brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) },
    );
    return `${base}${file}`;
  };
  for (const [lang, parts] of indexes) manifest[lang] = { head: emit(`${lang}.head`, parts.head), body: emit(`${lang}.body`, parts.body) };
  assets.push({ path: `${SEARCH_ASSET_DIR}/manifest.json`, content: Buffer.from(JSON.stringify(manifest)) });
  return { manifest, assets };
}

/** Writes assets below `outDir` (the site's client output folder). */
export function writeSearchAssets(outDir: string, assets: readonly SearchAsset[]): void {
  for (const asset of assets) {
    const file = path.join(outDir, asset.path);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, asset.content);
  }
}

/** A category as the config file lists it; only what search needs. */
export interface CategoryTitles {
  id: string;
  title: Partial<Record<string, string>>;
}

/** Category display titles in a language, English as the fallback. */
export function categoryTitlesIn(categories: readonly CategoryTitles[], lang: SearchLanguage): Record<string, string> {
  return Object.fromEntries(categories.map((c) => [c.id, c.title[lang] ?? c.title['en'] ?? c.id]));
}
