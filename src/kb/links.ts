import path from 'node:path';

/** URL of an article page. */
export function articleUrl(slug: string): string {
  return `/articles/${slug}/`;
}

/** URL of a category page in a language; the default language has no prefix. */
export function categoryUrl(category: string, lang: string, defaultLanguage = 'en'): string {
  return `${lang === defaultLanguage ? '' : `/${lang}`}/categories/${category}/`;
}

/** URL of the home page of a language. */
export function homeUrl(lang: string, defaultLanguage = 'en'): string {
  return lang === defaultLanguage ? '/' : `/${lang}/`;
}

export type InternalTarget = { kind: 'external' } | { kind: 'anchor'; anchor: string } | { kind: 'article'; slug: string; anchor: string | undefined; viaFile: string | undefined };

/**
 * Classifies a link written in an article: another article (by relative `.md` path or by
 * `/articles/<slug>/` URL), an anchor on the same page, or anything else (external, mail, assets).
 */
export function classifyLink(url: string, fromFile: string): InternalTarget {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) return { kind: 'external' };
  const [pathPart = '', anchor] = url.split('#', 2) as [string, string | undefined];
  if (pathPart === '') return anchor ? { kind: 'anchor', anchor } : { kind: 'external' };
  const byUrl = /^\/articles\/([^/]+)\/?$/.exec(pathPart);
  if (byUrl?.[1]) return { kind: 'article', slug: byUrl[1], anchor, viaFile: undefined };
  if (pathPart.endsWith('.md')) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), decodeURI(pathPart)));
    return { kind: 'article', slug: path.posix.basename(target, '.md'), anchor, viaFile: target };
  }
  return { kind: 'external' };
}
