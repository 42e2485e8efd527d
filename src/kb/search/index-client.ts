import { searchFileName, type HeadShard, type SearchBody, type SearchFileKind, type SearchHead, type StoredDoc } from './index-format.ts';
import { createSearcher, searchLoading, withBody, type IndexFiles, type SearchResult } from './query.ts';

/** Fetches and parses a JSON file (the browser's `fetch`, or files from memory in the benchmark). */
export type FetchJson = (url: string) => Promise<unknown>;

/** A language's index as the search worker holds it. */
export interface OpenedIndex {
  /** Searches what is loaded, fetching the shards and result chunks the query needs; `complete` once the body is in. */
  search(query: string, limit: number): Promise<{ results: SearchResult[]; complete: boolean }>;
  /** True once the body is in; false when it failed or was not asked for (head-only searches go on). */
  body: Promise<boolean>;
}

/**
 * Opens a language's index from the manifest's URLs: the head first, then (unless `body` is false)
 * the body in the background. Shard and chunk files are fetched once, on first need.
 */
export async function openSearchIndex(urls: { head: string; body: string }, fetchJson: FetchJson, options: { body?: boolean } = {}): Promise<OpenedIndex> {
  const head = (await fetchJson(urls.head)) as SearchHead;
  let searcher = createSearcher(head);
  const folder = urls.head.slice(0, urls.head.lastIndexOf('/') + 1);
  const fetched = new Map<string, Promise<unknown>>();
  const fetchOnce = (kind: SearchFileKind, n: number): Promise<unknown> => {
    const url = `${folder}${searchFileName(head.lang, kind, n, head.hash ?? '')}`;
    let file = fetched.get(url);
    if (!file) {
      // A failed fetch is forgotten, so the next keystroke tries again (the network may be back).
      file = fetchJson(url).catch((error: unknown) => {
        fetched.delete(url);
        throw error;
      });
      fetched.set(url, file);
    }
    return file;
  };
  const files: IndexFiles = {
    shard: (n) => fetchOnce('shard', n) as Promise<HeadShard>,
    docs: (n) => fetchOnce('docs', n) as Promise<StoredDoc[]>,
  };
  const body =
    options.body === false
      ? Promise.resolve(false)
      : fetchJson(urls.body).then(
          (loaded) => {
            searcher = withBody(searcher, loaded as SearchBody);
            return true;
          },
          () => false,
        );
  return {
    body,
    search: async (query, limit) => {
      const current = searcher;
      return { results: await searchLoading(current, query, files, { limit }), complete: current.parts.length > 1 };
    },
  };
}
