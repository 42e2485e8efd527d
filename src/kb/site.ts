import type { Config, Language } from '../config/config-schema.ts';
import type { Article } from './load-articles.ts';

export interface CategorySummary {
  id: string;
  title: string;
  description: string;
  count: number;
}

/** Articles a visitor may see: drafts stay out of pages, lists and the search index. */
export function publishedArticles(articles: readonly Article[]): Article[] {
  return articles.filter((a) => !a.draft);
}

/** Category name in a language, falling back to English. */
export function categoryTitle(config: Pick<Config, 'categories'>, id: string, lang: Language): string {
  const category = config.categories.find((c) => c.id === id);
  return category?.title[lang] ?? category?.title.en ?? id;
}

/** Categories in config order with their article counts in one language; empty ones are left out. */
export function summarizeCategories(articles: readonly Article[], config: Pick<Config, 'categories'>, lang: Language): CategorySummary[] {
  return config.categories
    .map((category) => ({
      id: category.id,
      title: category.title[lang] ?? category.title.en ?? category.id,
      description: category.description[lang] ?? category.description.en ?? '',
      count: articles.filter((a) => a.category === category.id && a.lang === lang).length,
    }))
    .filter((c) => c.count > 0);
}

/** Newest first by `updated`, then by title so equal dates keep a stable order. */
export function byRecency(a: Article, b: Article): number {
  return (b.updated ?? '').localeCompare(a.updated ?? '') || a.title.localeCompare(b.title);
}

/** The `limit` most recently updated articles in a language. */
export function recentlyUpdated(articles: readonly Article[], lang: Language, limit = 6): Article[] {
  return articles
    .filter((a) => a.lang === lang)
    .sort(byRecency)
    .slice(0, limit);
}

/** Articles of one category and language, alphabetical. */
export function articlesInCategory(articles: readonly Article[], category: string, lang: Language): Article[] {
  return articles.filter((a) => a.category === category && a.lang === lang).sort((a, b) => a.title.localeCompare(b.title, lang));
}

/**
 * Related articles: the ones named in `related` first, then others of the same category and
 * language sharing the most keywords, so every article links onwards even without `related`.
 */
export function relatedArticles(article: Article, articles: readonly Article[], limit = 4): Article[] {
  const bySlug = new Map(articles.map((a) => [a.slug, a]));
  const named = article.related.map((slug) => bySlug.get(slug)).filter((a): a is Article => a !== undefined && !a.draft);
  const keywords = new Set(article.keywords.map((k) => k.toLowerCase()));
  const others = articles
    .filter((a) => a.slug !== article.slug && a.lang === article.lang && a.category === article.category && !named.includes(a))
    .map((a) => ({ a, shared: a.keywords.filter((k) => keywords.has(k.toLowerCase())).length }))
    .sort((x, y) => y.shared - x.shared || byRecency(x.a, y.a))
    .map((x) => x.a);
  return [...named, ...others].slice(0, limit);
}

/** Languages that have at least one article, default language first. */
export function languagesWithArticles(articles: readonly Article[], defaultLanguage: Language): Language[] {
  const present = new Set(articles.map((a) => a.lang));
  present.add(defaultLanguage);
  return [...present].sort((a, b) => (a === defaultLanguage ? -1 : b === defaultLanguage ? 1 : a.localeCompare(b)));
}

/** Each article's language versions by language (itself included), worked out once per article list. */
const versionsByArticles = new WeakMap<readonly Article[], Map<string, ReadonlyMap<Language, Article>>>();

/**
 * The language versions of an article: itself and its translations, default language first. Articles declare
 * their translations in `related`: an article naming one in another language of the same category is its version
 * there (`passwort-zuruecksetzen` names `reset-your-password`). Naming it from either side is enough; when an
 * article names several of one language, one naming it back wins, then the first named. Each article has at most
 * one version per language.
 */
export function languageVersions(article: Article, articles: readonly Article[], defaultLanguage: Language): Article[] {
  let versions = versionsByArticles.get(articles);
  if (!versions) {
    versions = pairTranslations(articles);
    versionsByArticles.set(articles, versions);
  }
  const group = versions.get(article.slug) ?? new Map([[article.lang, article]]);
  return [...group.values()].sort((a, b) => (a.lang === defaultLanguage ? -1 : b.lang === defaultLanguage ? 1 : a.lang.localeCompare(b.lang)));
}

function pairTranslations(articles: readonly Article[]): Map<string, ReadonlyMap<Language, Article>> {
  const published = publishedArticles(articles);
  const bySlug = new Map(published.map((a) => [a.slug, a]));
  const links: { from: Article; to: Article; mutual: boolean }[] = [];
  for (const from of published) {
    for (const slug of from.related) {
      const to = bySlug.get(slug);
      if (!to || to.lang === from.lang || to.category !== from.category) continue;
      const mutual = to.related.includes(from.slug);
      // A pair naming each other is one link, not two.
      if (!mutual || from.slug < to.slug) links.push({ from, to, mutual });
    }
  }
  // Stable: among links of equal standing, the order articles name them in decides.
  links.sort((a, b) => Number(b.mutual) - Number(a.mutual));
  const groups = new Map<string, Map<Language, Article>>();
  const groupOf = (a: Article): Map<Language, Article> => groups.get(a.slug) ?? new Map([[a.lang, a]]);
  for (const { from, to } of links) {
    const joined = groupOf(from);
    const other = groupOf(to);
    if (joined === other || [...other.keys()].some((lang) => joined.has(lang))) continue;
    for (const [lang, version] of other) joined.set(lang, version);
    for (const version of joined.values()) groups.set(version.slug, joined);
  }
  return groups;
}
