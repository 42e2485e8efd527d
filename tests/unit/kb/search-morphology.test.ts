import { describe, expect, it } from 'vitest';
import { buildSearchIndex, learnRelatedTerms } from '../../../src/kb/search/build-index.ts';
import { inflectionVariants, splitCompound } from '../../../src/kb/search/morphology.ts';
import { RELATIVE_SCORE_FLOOR, search, type Searcher } from '../../../src/kb/search/query.ts';
import { urlToSlug } from '../../../src/kb/search/relevance.ts';
import { article, searcherFor } from './search-fixtures.ts';

const slugs = (searcher: Searcher, query: string): string[] => search(searcher, query).map((r) => urlToSlug(r.url));

describe('German word forms', () => {
  it.each([
    ['geliefert', 'liefern'],
    ['gelieferte', 'liefern'],
    ['abgestimmt', 'abstimmen'],
    ['eingerichtet', 'einrichten'],
    ['storniert', 'stornieren'],
    ['zusammengeführt', 'zusammenführen'],
    ['artikeln', 'artikel'],
  ])('proposes a dictionary form of %s (%s)', (word, form) => {
    expect(inflectionVariants(word, 'de')).toContain(form);
  });

  it('proposes nothing for English', () => {
    expect(inflectionVariants('delivered', 'en')).toEqual([]);
  });

  it.each([
    ['lagerplatzinhalt', ['lagerplatz', 'inhalt']],
    ['arbeitsplatz', ['arbeit', 'platz']],
    ['kreditorenbankkonto', ['kreditoren', 'bankkonto']],
  ])('splits the compound %s into known words', (word, parts) => {
    const known = new Set(['lagerplatz', 'lager', 'platz', 'inhalt', 'arbeit', 'kreditor', 'kreditoren', 'bank', 'konto', 'bankkonto']);
    expect(splitCompound(word, (part) => known.has(part), 'de')).toEqual(parts);
  });

  it('leaves a word whole when a part is not a word', () => {
    expect(splitCompound('bestellung', (part) => part === 'best', 'de')).toBeUndefined();
  });
});

describe('German search', () => {
  const searcher = searcherFor(
    [
      article('lieferung', { title: 'Lieferung', text: 'Artikel liefern Sie mit einer Lieferung an den Debitor.' }),
      article('bankabstimmung', { title: 'Bankkonten abstimmen', text: 'So stimmen Sie ein Bankkonto ab.' }),
      article('lagerplatzinhalt', { title: 'Lagerplatzinhalt erstellen', text: 'Der Lagerplatz hat einen Inhalt.' }),
      article('nummernserie', { title: 'Nummernserie erstellen', text: 'Eine Nummernserie für Belege.' }),
      article('email', { title: 'E-Mail einrichten', text: 'So richten Sie das E-Mail-Konto ein.' }),
      article('zinsen', { title: 'Zinskonditionen festlegen', text: 'Zinsen für überfällige Beträge.' }),
    ],
    'de',
  );

  it('finds a participle by its infinitive and the other way round', () => {
    expect(slugs(searcher, 'geliefert')[0]).toBe('lieferung');
    expect(slugs(searcher, 'Bankkonto abgestimmt')[0]).toBe('bankabstimmung');
  });

  it('finds compounds from their parts and parts written as one word', () => {
    expect(slugs(searcher, 'Inhalt')).toContain('lagerplatzinhalt');
    expect(slugs(searcher, 'Lagerplatz Inhalt')[0]).toBe('lagerplatzinhalt');
    expect(slugs(searcher, 'Nummern Serie')[0]).toBe('nummernserie');
    expect(slugs(searcher, 'Bankkontoabstimmung')[0]).toBe('bankabstimmung');
    expect(slugs(searcher, 'Zinsen')[0]).toBe('zinsen');
  });

  it('puts a separable verb back together, whatever the pronoun', () => {
    expect(slugs(searcher, 'wie richte ich E-Mail ein')[0]).toBe('email');
    expect(slugs(searcher, 'wie richten Sie E-Mail ein')[0]).toBe('email');
  });
});

describe('typos and thresholds', () => {
  const searcher = searcherFor([
    article('depreciation', { title: 'Depreciation methods', text: 'Methods of depreciation for fixed assets.' }),
    article('payment-methods', { title: 'Payment methods', text: 'Methods of payment.' }),
    article('shipping-methods', { title: 'Shipping methods', text: 'Methods of shipping.' }),
  ]);

  it('looks up a word the index does not know by its nearest terms, as if it were typed right', () => {
    expect(slugs(searcher, 'depreciaton methods')[0]).toBe('depreciation');
  });

  it('leaves out results far below the best one', () => {
    const results = search(searcher, 'depreciation');
    expect(results.map((r) => urlToSlug(r.url))).toEqual(['depreciation']);
    expect(results.every((r) => r.score >= results[0]!.score * RELATIVE_SCORE_FLOOR)).toBe(true);
  });
});

describe('related words from a thesaurus', () => {
  const thesaurus = new Map([
    ['supplier', [['supplier', 'vendor', 'marketer']]],
    ['vendor', [['vendor', 'supplier']]],
  ]);

  it("relates a visitor's word to the corpus's word for it, never the other way", () => {
    const headDocs = new Map([
      ['vendor', 5],
      ['supplier', 0],
    ]);
    const related = learnRelatedTerms(thesaurus, (term) => headDocs.get(term) ?? 0, 'en');
    expect(related.get('supplier')).toEqual(['vendor']);
    expect(related.has('vendor')).toBe(false);
  });

  it('finds articles through the related word', () => {
    const articles = ['a', 'b', 'c'].map((n) => article(`vendor-${n}`, { title: `Vendor ${n}` }));
    const parts = buildSearchIndex(articles, { lang: 'en', urlOf: (slug) => `/articles/${slug}/`, thesaurus });
    expect(parts.head.shards?.[0]?.related).toEqual({ supplier: ['vendor'] });
    const searcher = searcherFor(articles);
    expect(slugs(searcher, 'supplier')).toEqual([]);
  });
});
