import type { APIRoute } from 'astro';
import { articleUrl } from '../../kb/links.ts';
import { search } from '../../kb/search/query.ts';
import { siteSearcher, synonymsFileFor } from '../../kb/search/server-search.ts';
import { json } from '../../server/http.ts';
import { getKnowledgebase } from '../../server/knowledgebase.ts';
import { readSitePaths } from '../../server/site-paths.ts';

export const prerender = false;

/** Articles that may answer what a customer is typing into the ticket form: the site's own search. */
export const GET: APIRoute = ({ url }) => {
  const { config, articles } = getKnowledgebase();
  const query = (url.searchParams.get('q') ?? '').slice(0, 300);
  const lang = url.searchParams.get('lang') ?? config.defaultLanguage;
  const searcher = siteSearcher({ articles, categories: config.categories, synonymsFile: synonymsFileFor(readSitePaths().contentDir), urlOf: articleUrl }, lang);
  const results = searcher && query.trim() ? search(searcher, query, { limit: 4 }) : [];
  return json({ results: results.map((r) => ({ title: r.title, url: r.url, description: r.description })) });
};
