import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { articleUrl } from '../kb/links.ts';
import { SEARCH_ASSET_DIR, searchAssets, writeSearchAssets, type SearchAsset } from '../kb/search/site-index.ts';
import { buildSiteSearchIndexes, synonymsFileFor } from '../kb/search/server-search.ts';
import { loadKnowledgebase } from '../server/knowledgebase.ts';
import { readSitePaths } from '../server/site-paths.ts';

function buildAssets(): SearchAsset[] {
  const paths = readSitePaths();
  const { config, articles } = loadKnowledgebase(paths);
  const indexes = buildSiteSearchIndexes({ articles, categories: config.categories, synonymsFile: synonymsFileFor(paths.contentDir), urlOf: articleUrl });
  return searchAssets(indexes).assets;
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/**
 * Emits the search index: per language a head (titles, keywords, headings, descriptions; a large one
 * split into term-range shards and result-data chunks) and a body part, content-hashed with `.gz` and
 * `.br` twins, plus `_search/manifest.json`. In `astro dev` the same files are built on request, so
 * edits show up on reload.
 */
export default function searchIndex(): AstroIntegration {
  return {
    name: 'kb-search-index',
    hooks: {
      'astro:server:setup': ({ server }) => {
        let assets: SearchAsset[] = [];
        server.middlewares.use((req, res, next) => {
          const pathname = req.url?.split('?')[0] ?? '';
          if (!pathname.startsWith(`/${SEARCH_ASSET_DIR}/`)) return next();
          if (pathname.endsWith('/manifest.json')) assets = buildAssets();
          const asset = assets.find((a) => `/${a.path}` === pathname);
          if (!asset) return next();
          res.setHeader('Content-Type', 'application/json');
          res.end(asset.content);
        });
      },
      'astro:build:done': ({ dir, logger }) => {
        const assets = buildAssets();
        writeSearchAssets(fileURLToPath(dir), assets);
        // One line per language and part; shards and chunks summed.
        const totals = new Map<string, { files: number; raw: number; gz: number; br: number }>();
        for (const asset of assets) {
          const match = /^_search\/(\w+)\.(head|body|shard|docs)\d*\.[0-9a-f]+\.json(\.gz|\.br)?$/.exec(asset.path);
          if (!match) continue;
          const key = `${match[1]} ${match[2] === 'shard' || match[2] === 'docs' ? `${match[2]} files` : match[2]}`;
          const total = totals.get(key) ?? { files: 0, raw: 0, gz: 0, br: 0 };
          if (match[3] === '.gz') total.gz += asset.content.length;
          else if (match[3] === '.br') total.br += asset.content.length;
          else {
            total.files++;
            total.raw += asset.content.length;
          }
          totals.set(key, total);
        }
        for (const [key, t] of totals) logger.info(`${SEARCH_ASSET_DIR}/ ${key}${t.files > 1 ? ` (${t.files})` : ''}: ${kib(t.raw)} (gzip ${kib(t.gz)}, brotli ${kib(t.br)})`);
      },
    },
  };
}
