import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration, AstroIntegrationLogger } from 'astro';
import { build as viteBuild } from 'vite';
import { injectManifest, type ManifestTransform } from 'workbox-build';
import { SEARCH_ASSET_DIR } from '../kb/search/site-index.ts';
import { planPrecache, precacheReport, type PrecachePlan } from '../offline/precache-plan.ts';
import { loadConfig } from '../server/config.ts';
import { readSitePaths } from '../server/site-paths.ts';

const NAME = 'kb-service-worker';
const SW_SOURCE = fileURLToPath(new URL('../scripts/offline-sw.ts', import.meta.url));
const SW_FILE = 'sw.js';
/** Content-hashed names: the URL changes with the content, so no cache-busting revision is needed. */
const HASHED_URLS = /^_astro\/|^_search\/.+\.[0-9a-f]{10}\.json$/;

/** Bundles the service worker source (workbox modules and our route rules) into one classic script. */
async function bundleServiceWorker(outDir: string): Promise<string> {
  await viteBuild({
    configFile: false,
    root: path.dirname(SW_SOURCE),
    logLevel: 'warn',
    publicDir: false,
    envDir: false,
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir,
      emptyOutDir: true,
      write: true,
      minify: true,
      copyPublicDir: false,
      reportCompressedSize: false,
      lib: { entry: SW_SOURCE, formats: ['iife'], name: 'helpdeskServiceWorker', fileName: () => SW_FILE },
    },
  });
  return path.join(outDir, SW_FILE);
}

/**
 * Writes `sw.js` into the client folder: the bundled worker with its precache manifest, planned by
 * src/offline/precache-plan.ts over every file other integrations have written by now.
 */
async function writeServiceWorker(clientDir: string, maxBytes: number): Promise<PrecachePlan> {
  const work = mkdtempSync(path.join(tmpdir(), 'kb-sw-'));
  try {
    let plan: PrecachePlan | undefined;
    const applyPlan: ManifestTransform = (files) => {
      plan = planPrecache(files, { maxBytes });
      return { manifest: plan.entries.map(({ url, revision, size }) => ({ url, revision, size })), warnings: [] };
    };
    const { warnings } = await injectManifest({
      swSrc: await bundleServiceWorker(work),
      swDest: path.join(clientDir, SW_FILE),
      globDirectory: clientDir,
      globPatterns: ['**/*'],
      globIgnores: [SW_FILE],
      dontCacheBustURLsMatching: HASHED_URLS,
      // The cap in precache-plan.ts decides, with a report; no file is dropped silently for its size.
      maximumFileSizeToCacheInBytes: Number.MAX_SAFE_INTEGER,
      manifestTransforms: [applyPlan],
    });
    if (warnings.length > 0) throw new Error(warnings.join('\n'));
    if (!plan) throw new Error('workbox-build did not list the client files');
    return plan;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function report(plan: PrecachePlan, logger: AstroIntegrationLogger): void {
  const { level, lines } = precacheReport(plan);
  for (const line of lines) logger[level](line);
}

/**
 * Offline support: after the build, generates the service worker that precaches pages, search index
 * and assets with revision hashes (src/scripts/offline-sw.ts), and logs the precache size against
 * `offline.precacheMaxBytes`. List it last in `integrations`: it globs what the others wrote.
 */
export default function serviceWorker(): AstroIntegration {
  return {
    name: NAME,
    hooks: {
      'astro:config:setup': ({ command, updateConfig }) => {
        // Tells src/scripts/offline-support.ts whether a /sw.js exists to register (not in `astro dev`).
        updateConfig({ vite: { define: { __OFFLINE_SERVICE_WORKER__: JSON.stringify(command === 'build') } } });
      },
      'astro:config:done': ({ config, logger }) => {
        // Build hooks run in list order; files an integration writes after this one miss the precache.
        const index = config.integrations.findIndex((i) => i.name === NAME);
        const later = config.integrations.slice(index + 1).filter((i) => i.hooks['astro:build:done']);
        if (later.length > 0) {
          logger.warn(
            `${later.map((i) => i.name).join(', ')} ${later.length === 1 ? 'writes' : 'write'} build output after ${NAME}, so it is not precached for offline use. ` +
              'Move serviceWorker() to the end of `integrations` in astro.config.mjs.',
          );
        }
      },
      'astro:build:done': async ({ dir, logger }) => {
        const { offline, features } = loadConfig(readSitePaths().configFile);
        const clientDir = fileURLToPath(dir);
        if (features.knowledgebase && !existsSync(path.join(clientDir, SEARCH_ASSET_DIR, 'manifest.json'))) {
          logger.warn(`no search index in ${path.join(clientDir, SEARCH_ASSET_DIR)}: search will not work offline. Is the search integration listed before serviceWorker() in astro.config.mjs?`);
        }
        report(await writeServiceWorker(clientDir, offline.precacheMaxBytes), logger);
      },
    },
  };
}
