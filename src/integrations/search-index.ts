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
 * Emits the search index: per language a head (titles, keywords, headings, descriptions and the
 * result data) and a body part, content-hashed with `.gz` and `.br` twins, plus `_search/manifest.json`.
 * In `astro dev` the same files are built on request, so edits show up on reload.
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
        for (const asset of assets.filter((a) => a.path.endsWith('.json') && !a.path.endsWith('manifest.json'))) {
          const gz = assets.find((a) => a.path === `${asset.path}.gz`)?.content.length ?? 0;
          const br = assets.find((a) => a.path === `${asset.path}.br`)?.content.length ?? 0;
          logger.info(`${asset.path}: ${kib(asset.content.length)} (gzip ${kib(gz)}, brotli ${kib(br)})`);
        }
      },
    },
  };
}
