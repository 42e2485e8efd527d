/// <reference lib="webworker" />
// Search runs here, off the main thread: the index is fetched, unpacked and queried in this worker.
import { openSearchIndex, type OpenedIndex } from '../kb/search/index-client.ts';
import type { SearchManifest } from '../kb/search/site-index.ts';
import type { SearchRequest, SearchResponse } from './search-protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const MANIFEST_URL = '/_search/manifest.json';

type QueryRequest = Extract<SearchRequest, { type: 'query' }>;

let manifest: Promise<SearchManifest> | undefined;
const languages = new Map<string, Promise<OpenedIndex>>();
let latest: QueryRequest | undefined;

async function fetchJson(url: string, init?: RequestInit): Promise<unknown> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function openLanguage(lang: string): Promise<OpenedIndex> {
  const known = languages.get(lang);
  if (known) return known;
  // The manifest is small and changes with every content build; the files it names are content-hashed.
  manifest ??= fetchJson(MANIFEST_URL, { cache: 'no-cache' }) as Promise<SearchManifest>;
  const opened = manifest.then(async (m) => {
    const urls = m[lang as keyof SearchManifest] ?? m.en;
    if (!urls) throw new Error(`no search index for "${lang}"`);
    const index = await openSearchIndex(urls, (url) => fetchJson(url));
    // Until the body is in, titles, keywords and headings answer; then the newest query is answered again.
    void index.body.then((loaded) => {
      if (loaded && latest?.lang === lang) answer(latest, index);
    });
    return index;
  });
  languages.set(lang, opened);
  return opened;
}

function answer(request: QueryRequest, index: OpenedIndex): void {
  index.search(request.query, request.limit).then(
    ({ results, complete }) => {
      // Answer only the newest query: older ones were typed over.
      if (latest !== request) return;
      const views = results.map((r) => ({ url: r.url, title: r.titleSegments, snippet: r.snippetSegments, category: r.categoryTitle }));
      post({ type: 'results', id: request.id, query: request.query, results: views, complete });
    },
    // A shard or chunk that failed to arrive is fetched again by the next query.
    (error: unknown) => post({ type: 'error', id: request.id, message: String(error) }),
  );
}

function fail(request: QueryRequest, error: unknown): void {
  // Let the next keystroke try again (the network may be back).
  languages.delete(request.lang);
  manifest = undefined;
  post({ type: 'error', id: request.id, message: String(error) });
}

function post(message: SearchResponse): void {
  self.postMessage(message);
}

self.addEventListener('message', (event: MessageEvent<SearchRequest>) => {
  const request = event.data;
  const opened = openLanguage(request.lang);
  if (request.type === 'warm') return;
  latest = request;
  opened.then(
    (index) => answer(request, index),
    (error: unknown) => fail(request, error),
  );
});
