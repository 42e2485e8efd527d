import { checkArticles } from '../kb/check-articles.ts';
import { articleUrl } from '../kb/links.ts';
import { loadArticles, type Article } from '../kb/load-articles.ts';
import { ContentError, type Problem } from '../kb/problems.ts';
import { publishedArticles } from '../kb/site.ts';
import { loadConfig, type Config } from './config.ts';
import { readSitePaths } from './site-paths.ts';

export interface Knowledgebase {
  config: Config;
  /** Published articles (drafts left out); empty when the knowledgebase is switched off. */
  articles: Article[];
  problems: Problem[];
}

/** Loads config and articles and runs every check: the one loader behind pages, search and `kb:check`. */
export function loadKnowledgebase(paths = readSitePaths()): Knowledgebase {
  const config = loadConfig(paths.configFile);
  const { articles, problems } = loadArticles(paths.contentDir);
  problems.push(...checkArticles(articles, config, paths.contentDir));
  return { config, articles: config.features.knowledgebase ? publishedArticles(articles) : [], problems };
}

let cached: Knowledgebase | undefined;

/** The knowledgebase for pages; a content error fails the build with `file:line` messages. */
export function getKnowledgebase(): Knowledgebase {
  if (!cached) {
    const kb = loadKnowledgebase();
    if (kb.problems.some((p) => p.severity === 'error')) throw new ContentError(kb.problems);
    cached = kb;
  }
  return cached;
}

let refs: ReadonlyMap<string, { title: string; lang: Article['lang']; url: string }> | undefined;

/** The published articles by slug, for knowledgebase insights (votes name an article by its slug). */
export function articleRefs(): ReadonlyMap<string, { title: string; lang: Article['lang']; url: string }> {
  refs ??= new Map(getKnowledgebase().articles.map((a) => [a.slug, { title: a.title, lang: a.lang, url: articleUrl(a.slug) }]));
  return refs;
}
