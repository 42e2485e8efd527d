import { languagesWithArticles, summarizeCategories } from '../kb/site.ts';
import type { Language } from '../config/config-schema.ts';
import { getKnowledgebase } from './knowledgebase.ts';

// Route lists for getStaticPaths. With the knowledgebase switched off there are no articles,
// so every list is empty and those routes answer 404.

export function articlePaths() {
  return getKnowledgebase().articles.map((article) => ({ params: { slug: article.slug }, props: { slug: article.slug } }));
}

export function categoryPaths(lang: Language) {
  const { articles, config } = getKnowledgebase();
  return summarizeCategories(articles, config, lang).map((c) => ({ params: { category: c.id } }));
}

function otherLanguages(): Language[] {
  const { articles, config } = getKnowledgebase();
  return languagesWithArticles(articles, config.defaultLanguage).filter((l) => l !== config.defaultLanguage && articles.some((a) => a.lang === l));
}

export function otherLanguagePaths() {
  return otherLanguages().map((lang) => ({ params: { lang } }));
}

export function otherLanguageCategoryPaths() {
  return otherLanguages().flatMap((lang) => categoryPaths(lang).map((p) => ({ params: { lang, category: p.params.category } })));
}
