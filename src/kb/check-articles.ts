import type { Config } from '../config/config-schema.ts';
import type { Article } from './load-articles.ts';
import { classifyLink } from './links.ts';
import type { Problem } from './problems.ts';

function keyLine(article: Article, key: string): number {
  return article.keyLines[key] ?? 1;
}

/**
 * Checks what no single file can know: slugs unique, categories configured, `related` and
 * internal links pointing at articles that exist, anchors present. Returns the problems found.
 */
export function checkArticles(articles: readonly Article[], config: Pick<Config, 'categories'>, displayRoot: string): Problem[] {
  const problems: Problem[] = [];
  const where = (article: Article) => `${displayRoot}/${article.file}`;
  const bySlug = new Map<string, Article>();
  const files = new Set(articles.map((a) => a.file));
  const categoryIds = config.categories.map((c) => c.id);

  for (const article of articles) {
    const first = bySlug.get(article.slug);
    if (first) {
      problems.push({
        file: where(article),
        line: 1,
        message: `duplicate slug "${article.slug}": ${first.file} has the same file name`,
        hint: 'article URLs come from file names; rename one of the files',
        severity: 'error',
      });
    } else {
      bySlug.set(article.slug, article);
    }
    if (!categoryIds.includes(article.category)) {
      problems.push({
        file: where(article),
        line: keyLine(article, 'category'),
        message: `unknown category "${article.category}"`,
        hint: `use one of: ${categoryIds.join(', ')} (or add it to "categories" in helpdesk.config.json)`,
        severity: 'error',
      });
    }
    if (article.updated === undefined) {
      problems.push({ file: where(article), line: 1, message: 'missing "updated"', hint: 'add "updated: YYYY-MM-DD" so readers know how current it is', severity: 'error' });
    }
  }

  for (const article of articles) {
    for (const [i, slug] of article.related.entries()) {
      if (!bySlug.has(slug)) {
        problems.push({
          file: where(article),
          line: keyLine(article, 'related') + 1 + i,
          message: `unknown related slug "${slug}"`,
          hint: 'related lists article file names without .md',
          severity: 'error',
        });
      }
    }
    const anchors = new Set(article.headings.map((h) => h.id));
    for (const link of article.links) {
      const target = classifyLink(link.url, article.file);
      if (target.kind === 'external') continue;
      if (target.kind === 'anchor') {
        if (!anchors.has(target.anchor)) {
          problems.push({ file: where(article), line: link.line, message: `broken anchor "#${target.anchor}"`, hint: `headings here: ${[...anchors].join(', ') || 'none'}`, severity: 'error' });
        }
        continue;
      }
      const exists = target.viaFile === undefined ? bySlug.has(target.slug) : files.has(target.viaFile);
      if (!exists) {
        problems.push({
          file: where(article),
          line: link.line,
          message: `broken internal link "${link.url}"`,
          hint: target.viaFile ? `no article at ${target.viaFile}; link to the .md file relative to this one` : `no article with slug "${target.slug}"`,
          severity: 'error',
        });
        continue;
      }
      const destination = bySlug.get(target.slug);
      if (target.anchor && destination && !destination.headings.some((h) => h.id === target.anchor)) {
        problems.push({ file: where(article), line: link.line, message: `broken anchor "#${target.anchor}" in link to ${target.slug}`, severity: 'warning' });
      }
    }
  }
  return problems;
}
