import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { buildSearchIndex, type IndexableArticle, type SearchIndexParts } from './build-index.ts';
import { searchFileName, type SearchHead } from './index-format.ts';
import { SEARCH_LANGUAGES, type SearchLanguage } from './languages.ts';
import { parseSynonyms, type SynonymsFile } from './synonyms-file.ts';
import { siteThesaurus } from './thesaurus.ts';

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
    indexes.set(lang, buildSearchIndex(ofLang, { lang, urlOf: options.urlOf, synonyms: options.synonyms, categoryTitles: options.categoryTitles?.(lang), thesaurus: siteThesaurus(lang) }));
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

/**
 * Where the browser finds each language's index: `head` is the file to fetch first, `body` the one to
 * fetch in the background. `manifest.json` in SEARCH_ASSET_DIR, never cached long; a sharded head
 * names its shard and chunk files through `searchFileName` (same folder, same hash).
 */
export type SearchManifest = Partial<Record<SearchLanguage, { head: string; body: string }>>;

export interface SearchAsset {
  /** Path relative to the site root, e.g. `_search/en.head.3f2a9c1b04.json`. */
  path: string;
  content: Buffer;
}

/**
 * A head up to this size (JSON, bytes) ships as one file with its shards and chunks inline: about
 * 25 KiB gzip, fewer bytes and requests than the shards a query would fetch from a split one.
 */
const INLINE_HEAD_BYTES = 80_000;

const hashOf = (content: string | Buffer): string => createHash('sha256').update(content).digest('hex').slice(0, 10);

/**
 * Serializes the indexes into content-hashed JSON files (cache them forever), each with `.gz` and
 * `.br` twins for servers that send precompressed files, plus the manifest naming them. A large head
 * is split: the head file keeps the terms and what queries plan with; each shard of postings and each
 * chunk of result data becomes a file named with one hash over all of them.
 */
export function searchAssets(
  indexes: ReadonlyMap<SearchLanguage, SearchIndexParts>,
  { base = '/', inlineHeadBytes = INLINE_HEAD_BYTES, compress = true }: { base?: string; inlineHeadBytes?: number; compress?: boolean } = {},
): { manifest: SearchManifest; assets: SearchAsset[] } {
  const manifest: SearchManifest = {};
  const assets: SearchAsset[] = [];
  const emit = (file: string, content: Buffer): void => {
    assets.push({ path: file, content });
    if (!compress) return;
    assets.push({ path: `${file}.gz`, content: gzipSync(content, { level: 9 }) }, { path: `${file}.br`, content: brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) });
  };
  const emitHashed = (name: string, data: unknown): string => {
    const content = Buffer.from(JSON.stringify(data));
    const file = `${SEARCH_ASSET_DIR}/${name}.${hashOf(content)}.json`;
    emit(file, content);
    return `${base}${file}`;
  };
  for (const [lang, { head, body }] of indexes) {
    const whole = JSON.stringify(head);
    let headUrl: string;
    if (whole.length <= inlineHeadBytes) {
      headUrl = emitHashed(`${lang}.head`, head);
    } else {
      const { shards = [], chunks = [], ...root } = head;
      const files = [...shards.map((shard, n) => ['shard', n, JSON.stringify(shard)] as const), ...chunks.map((chunk, n) => ['docs', n, JSON.stringify(chunk)] as const)];
      const hash = hashOf(files.map(([, , content]) => content).join('\n'));
      for (const [kind, n, content] of files) emit(`${SEARCH_ASSET_DIR}/${searchFileName(lang, kind, n, hash)}`, Buffer.from(content));
      headUrl = emitHashed(`${lang}.head`, { ...root, hash } satisfies SearchHead);
    }
    manifest[lang] = { head: headUrl, body: emitHashed(`${lang}.body`, body) };
  }
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
