import { describe, expect, it } from 'vitest';
import type { Language } from '../../../src/config/config-schema.ts';
import type { Article } from '../../../src/kb/load-articles.ts';
import { languageVersions } from '../../../src/kb/site.ts';

/** An article with only what pairing reads. */
function article(slug: string, lang: Language, related: string[] = [], fields: Partial<Article> = {}): Article {
  return { slug, lang, related, category: 'account', draft: false, ...fields } as Article;
}

const slugsOf = (a: Article, articles: Article[]) => languageVersions(a, articles, 'en').map((v) => `${v.lang}:${v.slug}`);

describe('language versions of an article', () => {
  it('pairs articles of two languages that name each other, default language first', () => {
    const articles = [article('passwort', 'de', ['reset-password']), article('reset-password', 'en', ['passwort'])];
    expect(slugsOf(articles[0]!, articles)).toEqual(['en:reset-password', 'de:passwort']);
    expect(slugsOf(articles[1]!, articles)).toEqual(['en:reset-password', 'de:passwort']);
  });

  it('pairs them when only one side names the other', () => {
    const articles = [article('stornieren', 'de', ['cancel-order']), article('cancel-order', 'en')];
    expect(slugsOf(articles[1]!, articles)).toEqual(['en:cancel-order', 'de:stornieren']);
  });

  it('prefers the article naming it back over another of the same language', () => {
    const articles = [article('passwort', 'de', ['two-factor', 'reset-password']), article('two-factor', 'en'), article('reset-password', 'en', ['passwort'])];
    expect(slugsOf(articles[0]!, articles)).toEqual(['en:reset-password', 'de:passwort']);
    expect(slugsOf(articles[1]!, articles)).toEqual(['en:two-factor']);
  });

  it('leaves out related articles of the same language, of another category, and drafts', () => {
    const articles = [
      article('passwort', 'de', ['konto', 'shipping', 'draft']),
      article('konto', 'de'),
      article('shipping', 'en', [], { category: 'shipping' }),
      article('draft', 'en', [], { draft: true }),
    ];
    expect(slugsOf(articles[0]!, articles)).toEqual(['de:passwort']);
  });
});
