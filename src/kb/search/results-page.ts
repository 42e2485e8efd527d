import { z } from 'zod';
import { ticketLinkFromSearch } from '../insights-protocol.ts';
import { MAX_QUERY_CHARS, search, type Searcher, type SearchResult } from './query.ts';

/** Query string of `/search`: `q` (cut to MAX_QUERY_CHARS) and `lang` (unknown values read as `fallbackLang`). */
export function parseSearchParams(params: URLSearchParams, languages: readonly string[], fallbackLang: string): { query: string; lang: string } {
  const schema = z.object({
    q: z
      .string()
      .catch('')
      .transform((q) => q.slice(0, MAX_QUERY_CHARS)),
    lang: z
      .string()
      .refine((l) => languages.includes(l))
      .catch(fallbackLang),
  });
  const { q, lang } = schema.parse({ q: params.get('q') ?? '', lang: params.get('lang') ?? fallbackLang });
  return { query: q, lang };
}

/** The results page's content, rendered by src/pages/search.astro. */
export interface SearchPageModel {
  query: string;
  results: SearchResult[];
  /** True when a query was given and nothing matched: the page offers a ticket. */
  isEmpty: boolean;
  /** Opens a ticket about the query (marked as coming from a search, as the search box's link is). */
  ticketUrl: string;
}

/** Most results on the page. */
const PAGE_RESULTS = 20;

/** Searches for the no-JavaScript results page, with the same ranking as the search box. */
export function searchPageModel(searcher: Searcher | undefined, query: string, lang = 'en'): SearchPageModel {
  const results = searcher && query.trim() !== '' ? search(searcher, query, { limit: PAGE_RESULTS }) : [];
  return {
    query,
    results,
    isEmpty: query.trim() !== '' && results.length === 0,
    ticketUrl: ticketLinkFromSearch(query, lang),
  };
}
