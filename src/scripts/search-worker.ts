/// <reference lib="webworker" />
// Search runs here, off the main thread: the index is fetched, unpacked and queried in this worker.
import type { SearchBody, SearchHead } from '../kb/search/build-index.ts';
import { createSearcher, search, withBody, type Searcher } from '../kb/search/query.ts';
import type { SearchManifest } from '../kb/search/site-index.ts';
import type { SearchRequest, SearchResponse } from './search-protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const MANIFEST_URL = '/_search/manifest.json';

interface LanguageState {
  searcher: Promise<Searcher>;
  /** Set once the body index is in: later queries are complete. */
  complete: boolean;
}

let manifest: Promise<SearchManifest> | undefined;
const languages = new Map<string, LanguageState>();
let latest: Extract<SearchRequest, { type: 'query' }> | undefined;

async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

function languageState(lang: string): LanguageState {
  const known = languages.get(lang);
  if (known) return known;
  // The manifest is small and changes with every content build; the files it names are content-hashed.
  manifest ??= fetchJson<SearchManifest>(MANIFEST_URL, { cache: 'no-cache' });
  const state: LanguageState = {
    complete: false,
    searcher: manifest.then(async (m) => {
      const urls = m[lang as keyof SearchManifest] ?? m.en;
      if (!urls) throw new Error(`no search index for "${lang}"`);
      const head = await fetchJson<SearchHead>(urls.head);
      const headOnly = createSearcher(head);
      // The body index loads in the background; until then titles, keywords and headings answer.
      state.searcher = fetchJson<SearchBody>(urls.body)
        .then((body) => {
          const full = withBody(headOnly, body);
          state.complete = true;
          if (latest && latest.lang === lang) answer(latest, full, true);
          return full;
        })
        .catch(() => headOnly);
      return headOnly;
    }),
  };
  languages.set(lang, state);
  return state;
}

function answer(request: Extract<SearchRequest, { type: 'query' }>, searcher: Searcher, complete: boolean): void {
  const results = search(searcher, request.query, { limit: request.limit }).map((r) => ({
    url: r.url,
    title: r.titleSegments,
    snippet: r.snippetSegments,
    category: r.categoryTitle,
  }));
  post({ type: 'results', id: request.id, query: request.query, results, complete });
}

function post(message: SearchResponse): void {
  self.postMessage(message);
}

self.addEventListener('message', (event: MessageEvent<SearchRequest>) => {
  const request = event.data;
  const state = languageState(request.lang);
  if (request.type === 'warm') return;
  latest = request;
  state.searcher.then(
    (searcher) => {
      // Answer only the newest query: older ones were typed over.
      if (latest === request) answer(request, searcher, state.complete);
    },
    (error: unknown) => {
      // Let the next keystroke try again (the network may be back).
      languages.delete(request.lang);
      manifest = undefined;
      post({ type: 'error', id: request.id, message: String(error) });
    },
  );
});
