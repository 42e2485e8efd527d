import type { TextSegment } from '../kb/search/highlight.ts';

/** Main thread → search worker. */
export type SearchRequest = { type: 'warm'; lang: string } | { type: 'query'; id: number; lang: string; query: string; limit: number };

/** What a result row needs; text comes as segments and is rendered with text nodes only. */
export interface ResultView {
  url: string;
  title: TextSegment[];
  snippet: TextSegment[];
  category: string;
}

/** Search worker → main thread. `complete` is false while only the head index (titles, keywords) is loaded. */
export type SearchResponse = { type: 'results'; id: number; query: string; results: ResultView[]; complete: boolean } | { type: 'error'; id: number; message: string };
