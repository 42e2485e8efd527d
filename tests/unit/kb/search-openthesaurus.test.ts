import { describe, expect, it } from 'vitest';
import { buildSearchIndex, learnRelatedTerms, type SearchIndexParts } from '../../../src/kb/search/build-index.ts';
import { createSearcher, search } from '../../../src/kb/search/query.ts';
import { buildSiteIndexes, type SiteArticle } from '../../../src/kb/search/site-index.ts';
import { openThesaurusEntries, siteThesaurus, type Thesaurus } from '../../../src/kb/search/thesaurus.ts';
import { article } from './search-fixtures.ts';

describe('OpenThesaurus lines', () => {
  it('keeps plain entries, lower-cased, and leaves out annotated ones and word beginnings', () => {
    expect(openThesaurusEntries('Kunde;Auftraggeber;Adressat;Mandant')).toEqual(['kunde', 'auftraggeber', 'adressat', 'mandant']);
    expect(openThesaurusEntries('Report;Nachricht;Kunde (geh., veraltet);Mitteilung')).toEqual(['report', 'nachricht', 'mitteilung']);
    expect(openThesaurusEntries('Deputat...;Konzessions...;Personal')).toEqual(['personal']);
  });

  it('reads nested annotations and `;` inside them as part of one entry', () => {
    expect(openThesaurusEntries('Rückstände (von Kunden gegenüber meinen (verbrieften) Forderungen);Zahlungsrückstand')).toEqual(['zahlungsrückstand']);
    expect(openThesaurusEntries('Plumeau (frz.; veraltet);Federbett')).toEqual(['federbett']);
  });
});

describe('related words from an unordered thesaurus', () => {
  const thesaurus: Thesaurus = Object.assign(
    new Map([
      ['umsatzsteuer', [['mehrwertsteuer', 'umsatzsteuer']]],
      ['anlegen', [['anlegen', 'erstellen', 'einrichten']]],
      ['urlaub', [['urlaub', 'ferien', 'erstellen']]],
    ]),
    { usage: { senses: Number.POSITIVE_INFINITY, corpusWordsOnly: true, relatedPerWord: 1 } },
  );
  const headDocs = new Map([
    ['mehrwertsteu', 6],
    ['umsatzsteu', 2],
    ['erstell', 40],
    ['einricht', 30],
    ['anleg', 3],
  ]);
  const related = learnRelatedTerms(
    thesaurus,
    (term) => headDocs.get(term) ?? 0,
    'de',
    (term) => headDocs.has(term),
  );

  it('relates German words, stemmed as the index stems them, to the word naming most articles', () => {
    expect(related.get('umsatzsteu')).toEqual(['mehrwertsteu']);
    expect(related.get('anleg')).toEqual(['erstell']);
  });

  it('relates only words the corpus has', () => {
    expect(related.has('urlaub')).toBe(false);
  });
});

describe('the German site index with OpenThesaurus (vendor/openthesaurus-de)', () => {
  const articles: SiteArticle[] = [
    { ...article('mehrwertsteuer-einrichten', { title: 'Mehrwertsteuer einrichten', text: 'So richten Sie die Mehrwertsteuer für Ihre Artikel ein.' }), lang: 'de' },
    { ...article('lieferzeiten', { title: 'Lieferzeiten und Versandkosten', text: 'Die Umsatzsteuer ist im Versandpreis enthalten.' }), lang: 'de' },
    { ...article('mehrwertsteuer-auf-rechnungen', { title: 'Mehrwertsteuer auf Rechnungen', text: 'Welcher Satz auf der Rechnung steht.' }), lang: 'de' },
    { ...article('rechnung-drucken', { title: 'Rechnung drucken', text: 'Drucken Sie Rechnungen als PDF.' }), lang: 'de' },
  ];
  const found = (parts: SearchIndexParts, query: string) =>
    search(createSearcher(JSON.parse(JSON.stringify(parts.head)), JSON.parse(JSON.stringify(parts.body))), query, { limit: 3 }).map((r) => r.url);

  it('finds the article named with the other word for the same thing', () => {
    const site = buildSiteIndexes(articles, { urlOf: (slug) => `/articles/${slug}/` }).get('de')!;
    // Without the thesaurus, only the article that mentions the word in passing is found.
    const plain = buildSearchIndex(
      articles.filter((a) => a.lang === 'de'),
      { lang: 'de', urlOf: (slug) => `/articles/${slug}/` },
    );
    expect(found(plain, 'Umsatzsteuer')).toEqual(['/articles/lieferzeiten/']);
    expect(found(site, 'Umsatzsteuer')).toEqual(expect.arrayContaining(['/articles/mehrwertsteuer-einrichten/', '/articles/mehrwertsteuer-auf-rechnungen/']));
  });

  it('gives English no thesaurus relations (WordNet lowered the English results)', () => {
    expect(siteThesaurus('en')).toBeUndefined();
    expect(siteThesaurus('de')?.get('mehrwertsteuer')?.flat()).toContain('umsatzsteuer');
  });
});
