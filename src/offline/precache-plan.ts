// Decides what the service worker precaches from the build's client folder, and reports its size.
// Pure: takes the file list (path, revision, size) and the cap, returns the plan.
import { OFFLINE_PAGE_PATH, VISITED_PAGES_MAX, isPrivatePath } from './routes.ts';

/** A file of the client output as workbox-build lists it: `url` is the path relative to the folder. */
export interface BuiltFile {
  url: string;
  revision: string | null;
  size: number;
}

/** A precache manifest entry: a site URL (pages by their clean URL, e.g. `/articles/x/`) and its revision. */
export interface PrecacheEntry {
  url: string;
  revision: string | null;
  size: number;
  kind: PrecacheKind;
}

/**
 * What a file is, in the order the cap gives up on them: `shell` (offline page, web app manifest, icons),
 * `asset` (bundled CSS/JS) and `search` (index files) are always precached; then home, category, other
 * pages, articles and media until the cap is reached.
 */
export type PrecacheKind = 'shell' | 'asset' | 'search' | 'home' | 'category' | 'page' | 'article' | 'media';

const PRIORITY: readonly PrecacheKind[] = ['shell', 'asset', 'search', 'home', 'category', 'page', 'article', 'media'];
const REQUIRED: ReadonlySet<PrecacheKind> = new Set(['shell', 'asset', 'search']);

export interface ExcludedFile {
  url: string;
  reason: string;
}

/** Files never precached, with the reason; checked in order. */
const EXCLUSIONS: ReadonlyArray<{ test: (path: string) => boolean; reason: string }> = [
  { test: (p) => isPrivatePath(`/${p}`), reason: 'private ticket or API route' },
  { test: (p) => /\.(gz|br|zst)$/.test(p), reason: 'precompressed twin (the server picks it; the browser stores the plain file)' },
  { test: (p) => p.endsWith('.map'), reason: 'source map' },
  { test: (p) => /^(sw\.js|workbox-[^/]*\.js)$/.test(p), reason: 'the service worker itself' },
  { test: (p) => /^(404|500)(\/index)?\.html$/.test(p), reason: 'error page (the offline page stands in)' },
  { test: (p) => p.split('/').some((segment) => segment.startsWith('.')), reason: 'hidden file' },
];

/** Reason a file of the client folder is never precached, or undefined if it may be. */
export function exclusionReason(path: string): string | undefined {
  return EXCLUSIONS.find((rule) => rule.test(path))?.reason;
}

/** Site URL of a built file: `articles/x/index.html` → `/articles/x/`, `index.html` → `/`, assets unchanged. */
export function fileToUrl(path: string): string {
  if (path === 'index.html') return '/';
  if (path.endsWith('/index.html')) return `/${path.slice(0, -'index.html'.length)}`;
  return `/${path}`;
}

/** Classifies a built file (already known not to be excluded). */
export function classifyFile(path: string): PrecacheKind {
  const url = fileToUrl(path);
  if (url === OFFLINE_PAGE_PATH || /^(manifest\.webmanifest|favicon\.(svg|ico)|icons\/.*)$/.test(path)) return 'shell';
  if (path.startsWith('_search/')) return 'search';
  if (path.startsWith('_astro/') && /\.(js|mjs|css|woff2?)$/.test(path)) return 'asset';
  if (!path.endsWith('.html')) return 'media';
  if (/^\/([a-z]{2}(-[a-z]{2})?\/)?$/i.test(url)) return 'home';
  if (/^\/([a-z]{2}(-[a-z]{2})?\/)?categories\/[^/]+\/$/i.test(url)) return 'category';
  if (/^\/articles\/[^/]+\/$/.test(url)) return 'article';
  return 'page';
}

export interface KindTotals {
  count: number;
  bytes: number;
  /** Files of this kind left to be cached on visit. */
  deferred: number;
}

export interface PrecachePlan {
  /** Precached at install, sorted by URL. */
  entries: PrecacheEntry[];
  /** Left out by the cap: cached when visited. */
  deferred: PrecacheEntry[];
  excluded: ExcludedFile[];
  /** Bytes of `entries`. */
  bytes: number;
  /** Bytes of everything that may be precached (`entries` and `deferred`). */
  fullBytes: number;
  maxBytes: number;
  /** Whether the cap left files out. */
  capped: boolean;
  /** Whether the required files (shell, assets, search index) alone are above the cap. */
  requiredOverCap: boolean;
  kinds: Record<PrecacheKind, KindTotals>;
}

/**
 * Plans the precache: drops files that must never be cached, then keeps the rest if it fits in
 * `maxBytes`. If not, the shell, assets and search index stay (search must work offline), then
 * pages by priority (home, categories, other pages, articles, media) while they fit; the remainder is
 * cached on visit. Throws if the offline page is missing, since every offline navigation needs it.
 */
export function planPrecache(files: readonly BuiltFile[], options: { maxBytes: number }): PrecachePlan {
  const excluded: ExcludedFile[] = [];
  const candidates: PrecacheEntry[] = [];
  for (const file of files) {
    const reason = exclusionReason(file.url);
    if (reason) excluded.push({ url: fileToUrl(file.url), reason });
    else candidates.push({ url: fileToUrl(file.url), revision: file.revision, size: file.size, kind: classifyFile(file.url) });
  }
  if (!candidates.some((c) => c.url === OFFLINE_PAGE_PATH)) {
    throw new Error(`the offline page ${OFFLINE_PAGE_PATH} is missing from the build; src/pages/offline.astro must be prerendered (it is the fallback for every offline navigation)`);
  }

  const fullBytes = sum(candidates);
  const keep = new Set<PrecacheEntry>();
  let bytes = 0;
  const ranked = [...candidates].sort((a, b) => PRIORITY.indexOf(a.kind) - PRIORITY.indexOf(b.kind) || byUrl(a, b));
  for (const entry of ranked) {
    if (REQUIRED.has(entry.kind) || bytes + entry.size <= options.maxBytes) {
      keep.add(entry);
      bytes += entry.size;
    }
  }
  // Sorted by URL: the same build gives a byte-identical service worker, so browsers see no update.
  const entries = candidates.filter((c) => keep.has(c)).sort(byUrl);
  const deferred = candidates.filter((c) => !keep.has(c));
  const kinds = Object.fromEntries(PRIORITY.map((kind) => [kind, { count: 0, bytes: 0, deferred: 0 }])) as Record<PrecacheKind, KindTotals>;
  for (const entry of entries) {
    kinds[entry.kind].count += 1;
    kinds[entry.kind].bytes += entry.size;
  }
  for (const entry of deferred) kinds[entry.kind].deferred += 1;
  const requiredBytes = sum(candidates.filter((c) => REQUIRED.has(c.kind)));
  return { entries, deferred, excluded, bytes, fullBytes, maxBytes: options.maxBytes, capped: deferred.length > 0, requiredOverCap: requiredBytes > options.maxBytes, kinds };
}

/** Code-point order, the same on every machine (localeCompare is not). */
function byUrl(a: PrecacheEntry, b: PrecacheEntry): number {
  return a.url < b.url ? -1 : a.url > b.url ? 1 : 0;
}

function sum(entries: readonly PrecacheEntry[]): number {
  return entries.reduce((total, e) => total + e.size, 0);
}

/** Bytes in KiB or MiB with one decimal. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

const LABELS: Record<PrecacheKind, [string, string]> = {
  shell: ['shell file', 'shell files'],
  asset: ['asset', 'assets'],
  search: ['search index file', 'search index files'],
  home: ['home page', 'home pages'],
  category: ['category page', 'category pages'],
  page: ['other page', 'other pages'],
  article: ['article', 'articles'],
  media: ['media file', 'media files'],
};

export interface PrecacheReport {
  /** `info` when everything fits, `warn` when the cap left pages out. */
  level: 'info' | 'warn';
  lines: string[];
}

/**
 * The build's size report. Under the cap: one line with the total and a breakdown. Over it: what was
 * kept, what is cached on visit instead, and the config key to raise (`configKey`, e.g. `offline.precacheMaxBytes`).
 */
export function precacheReport(plan: PrecachePlan, configKey = 'offline.precacheMaxBytes'): PrecacheReport {
  const breakdown = PRIORITY.filter((kind) => plan.kinds[kind].count > 0)
    .map((kind) => {
      const { count, bytes } = plan.kinds[kind];
      return `${count} ${LABELS[kind][count === 1 ? 0 : 1]} ${formatBytes(bytes)}`;
    })
    .join(', ');
  const summary = `offline precache: ${plan.entries.length} files, ${formatBytes(plan.bytes)} of the ${formatBytes(plan.maxBytes)} cap (${breakdown})`;
  if (!plan.capped && !plan.requiredOverCap) return { level: 'info', lines: [summary] };

  const lines = [summary];
  if (plan.capped) {
    const deferredPages = plan.deferred.length;
    lines.push(
      `the knowledgebase (${formatBytes(plan.fullBytes)} in ${plan.entries.length + deferredPages} files) is larger than ${configKey} (${formatBytes(plan.maxBytes)}): ` +
        `${deferredPages} ${deferredPages === 1 ? 'file is' : 'files are'} not precached but cached when a visitor opens them (the ${VISITED_PAGES_MAX} most recently visited are kept). ` +
        `Offline, search still finds every article, but only precached or visited pages open. To precache everything, set ${configKey} to at least ${plan.fullBytes} in the config file.`,
    );
  }
  if (plan.requiredOverCap) {
    lines.push(`the offline page, assets and search index alone are above ${configKey} (${formatBytes(plan.maxBytes)}); they are precached anyway, since offline search needs them.`);
  }
  return { level: 'warn', lines };
}
