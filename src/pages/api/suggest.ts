import type { APIRoute } from 'astro';
import { articleUrl } from '../../kb/links.ts';
import { search } from '../../kb/search/query.ts';
import { siteSearcher, synonymsFileFor } from '../../kb/search/server-search.ts';
import { json } from '../../server/http.ts';
import { LanguageSchema } from '../../config/config-schema.ts';
import { getKnowledgebase } from '../../server/knowledgebase.ts';
import { readSitePaths } from '../../server/site-paths.ts';

export const prerender = false;

/** Articles that may answer what a customer is typing into the ticket form: the site's own search. */
export const GET: APIRoute = ({ url }) => {
  const { config, articles } = getKnowledgebase();
  const query = (url.searchParams.get('q') ?? '').slice(0, 300);
  // The form sends its language; anything but a known one is the site's default, never an arbitrary index name.
  const asked = LanguageSchema.safeParse(url.searchParams.get('lang'));
  const lang = asked.success ? asked.data : config.defaultLanguage;
  const searcher = siteSearcher({ articles, categories: config.categories, synonymsFile: synonymsFileFor(readSitePaths().contentDir), urlOf: articleUrl }, lang);
  const results = searcher && query.trim() ? search(searcher, query, { limit: 4 }) : [];
  return json({ results: results.map((r) => ({ title: r.title, url: r.url, description: r.description })) });
};
