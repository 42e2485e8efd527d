import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listMarkdownFiles, loadArticles } from '../load-articles.ts';
import type { Problem } from '../problems.ts';
import type { SearchIndexParts } from './build-index.ts';
import type { SearchLanguage } from './languages.ts';
import { buildSiteIndexes, readSynonymsFile } from './site-index.ts';

/** Bump when the index format or ranking inputs change, so old cache files are not read. */
const CACHE_VERSION = 3;

export interface CachedIndexesOptions {
  contentDir: string;
  synonymsFile: string;
  cacheDir: string;
  urlOf: (slug: string) => string;
}

export interface CachedIndexes {
  indexes: Map<SearchLanguage, SearchIndexParts>;
  problems: Problem[];
  fromCache: boolean;
}

/**
 * Builds the indexes of a folder of articles, or reads them from `cacheDir` when no file (name, size,
 * modification time) nor the synonyms file changed since: loading a large corpus takes seconds.
 */
export function loadCachedIndexes(options: CachedIndexesOptions): CachedIndexes {
  const hash = createHash('sha256').update(`v${CACHE_VERSION}\n`);
  const files = statSync(options.contentDir, { throwIfNoEntry: false })?.isDirectory() ? listMarkdownFiles(options.contentDir) : [];
  for (const file of [...files, options.synonymsFile]) {
    const stat = statSync(file, { throwIfNoEntry: false });
    hash.update(`${path.resolve(file)}\0${stat?.size ?? -1}\0${stat?.mtimeMs ?? -1}\n`);
  }
  const cacheFile = path.join(options.cacheDir, `${hash.digest('hex').slice(0, 16)}.json`);
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as [SearchLanguage, SearchIndexParts][];
    return { indexes: new Map(cached), problems: [], fromCache: true };
  } catch {
    // No usable cache: build below.
  }
  const { articles, problems } = loadArticles(options.contentDir);
  const indexes = buildSiteIndexes(articles, { urlOf: options.urlOf, synonyms: readSynonymsFile(options.synonymsFile) });
  try {
    mkdirSync(options.cacheDir, { recursive: true });
    writeFileSync(cacheFile, JSON.stringify([...indexes]));
  } catch {
    // The cache only saves time; a read-only folder must not fail the search.
  }
  return { indexes, problems, fromCache: false };
}
