import lunr from 'lunr';
import { describe, expect, it } from 'vitest';
import { textProcessor } from '../../../src/kb/search/languages.ts';
import { indexFields } from '../../../src/kb/search/build-index.ts';
import { lunrViewOf } from '../../../src/kb/search/pack.ts';
import { editDistanceFor, MAX_QUERY_WORDS, parseQuery, rankDocs, search, type Searcher } from '../../../src/kb/search/query.ts';
import { urlToSlug } from '../../../src/kb/search/relevance.ts';
import { parseSynonyms } from '../../../src/kb/search/synonyms-file.ts';
import { article, searcherFor } from './search-fixtures.ts';

const slugs = (searcher: Searcher, query: string): string[] => search(searcher, query).map((r) => urlToSlug(r.url));

describe('ranking', () => {
  const searcher = searcherFor([
    article('unrelated', { title: 'Opening hours', text: 'We are open on weekdays.' }),
    article('fuzzy', { title: 'Vendro settings', text: 'Settings for the list.' }),
    article('prefix', { title: 'Vendorlist settings', text: 'Settings for the list.' }),
    article('exact', { title: 'Vendor settings', text: 'Settings for the list.' }),
  ]);

  it('ranks exact matches above prefix matches above fuzzy matches', () => {
    // The fuzzy match scores below RELATIVE_SCORE_FLOOR of the exact one, so it is left out.
    expect(slugs(searcher, 'vendor')).toEqual(['exact', 'prefix']);
    const scores = rankDocs(searcher, 'vendor', 10);
    expect(scores.map((r) => r.score)).toEqual([...scores.map((r) => r.score)].sort((a, b) => b - a));
  });

  it('finds articles from the first two letters', () => {
    expect(slugs(searcher, 've')).toEqual(expect.arrayContaining(['exact', 'prefix']));
    expect(slugs(searcher, 'v')).toEqual([]);
  });

  it('allows edits only from 4 letters, more for longer words', () => {
    expect([3, 4, 6, 7, 12].map(editDistanceFor)).toEqual([0, 1, 1, 2, 2]);
    const boots = searcherFor([article('cat', { title: 'Cat food' }), article('boots', { title: 'Walking boots' })]);
    expect(slugs(boots, 'cot')).toEqual([]); // 3 letters: no fuzzy match for "cat"
    expect(slugs(boots, 'bouts')).toEqual(['boots']);
  });

  it('ranks an article first when the query equals one of its keywords', () => {
    const withKeywords = searcherFor([
      article('checkout-page', { title: 'Checkout', description: 'The checkout page.', text: 'checkout checkout' }),
      article('place-an-order', { title: 'Place an order', keywords: ['how to order', 'chekout', 'money back'] }),
      article('money', { title: 'Money and prices', text: 'Money back guarantees in the back of the book.' }),
    ]);
    expect(slugs(withKeywords, 'chekout')[0]).toBe('place-an-order');
    expect(slugs(withKeywords, 'Money back')[0]).toBe('place-an-order');
    expect(search(withKeywords, 'chekout')[0]?.isKeywordMatch).toBe(true);
    // Without the keyword, the title match wins.
    expect(slugs(withKeywords, 'checkout')[0]).toBe('checkout-page');
  });

  // Enough other articles that the shared words are rare, as in a real knowledgebase.
  const others = ['orders', 'payments', 'returns', 'shipping', 'accounts', 'taxes'].map((w) => article(w, { title: `About ${w}`, text: `How ${w} work.` }));

  it('lets the article about a keyword win when several articles share it', () => {
    const shared = searcherFor([
      article('inventory-costs', { title: 'Managing inventory costs', keywords: ['item charges'], text: 'Costs of items and more costs.' }),
      article('assign-item-charges', {
        title: 'Use item charges',
        description: 'Item charges add trade costs.',
        headings: [{ text: 'Assign item charges' }],
        text: 'Item charges add trade costs to items. Assign item charges to receipts.',
      }),
      ...others,
    ]);
    expect(slugs(shared, 'item charges')).toEqual(['assign-item-charges', 'inventory-costs']);
    expect(search(shared, 'item charges')[1]?.isKeywordMatch).toBe(true);
  });

  it('joins -ify and -ification words', () => {
    const notes = searcherFor([article('notifications', { title: 'Set up notifications' }), article('other', { title: 'Notes' })]);
    expect(slugs(notes, 'notify')).toEqual(['notifications']);
  });

  it('searches synonyms from the synonyms file', () => {
    const synonyms = parseSynonyms('en:\n  - [supplier, vendor]\n  - [invoice, bill]\n');
    const withSynonyms = searcherFor([article('vendors', { title: 'Vendor payments' }), article('invoices', { title: 'Invoices' })], 'en', synonyms);
    expect(slugs(withSynonyms, 'supplier')).toEqual(['vendors']);
    expect(slugs(withSynonyms, 'bills')).toEqual(['invoices']);
  });

  it('marks matched words for highlighting, including prefix matches', () => {
    const [first] = search(searcher, 'vendor setti');
    expect(first?.titleSegments).toEqual([
      { text: 'Vendor', match: true },
      { text: ' ', match: false },
      { text: 'settings', match: true },
    ]);
  });
});

describe("results that answer none of the query's words", () => {
  // Issue 16, item 10: "2fa" once filled the dropdown with articles that only share a word of one of its synonyms.
  const synonyms = parseSynonyms('en:\n  - [two-factor, 2fa, two-step]\n  - [login, sign in]\n');
  const searcher = searcherFor(
    [
      article('two-factor-sign-in', { title: 'Two-factor sign-in', text: 'Turn on two-factor sign-in for your account.' }),
      article('hiking-boots', { title: 'Break in new hiking boots', text: 'Take it one step at a time: short hikes first.' }),
      article('security-codes', { title: 'Two-step security codes', text: 'Each code works once.' }),
      article('double-charge', { title: 'Charged twice', text: 'Two payments for one order: we refund the second one.' }),
      article('hide-order-history', { title: 'Hide your order history', text: 'Hide orders from your account page.' }),
    ],
    'en',
    synonyms,
  );

  it('leaves out an article matching only a near miss of a known word and one word of a several-word synonym', () => {
    // hiking-boots has `hike` (one edit from `hide`) and `step` (of `two-step`): neither is a word of the query.
    expect(slugs(searcher, '2fa hide')).toEqual(['two-factor-sign-in', 'hide-order-history', 'security-codes']);
    expect(slugs(searcher, 'hiking 2fa')).not.toContain('double-charge');
  });

  it('keeps a synonym whose every word is there, not counting stop words no article holds', () => {
    expect(slugs(searcher, '2fa')).toEqual(['two-factor-sign-in', 'security-codes']);
    expect(slugs(searcher, 'login')).toEqual(['two-factor-sign-in']);
  });

  it('shows nothing when no article has any of the words', () => {
    expect(slugs(searcher, 'xyzzy quux')).toEqual([]);
  });
});

describe('input safety', () => {
  const searcher = searcherFor([article('refund-policy', { title: 'Refund policy', text: 'How refunds work.' }), article('returns', { title: 'Returns', text: 'Send items back.' })]);
  const awkward = [
    '',
    ' ',
    ':',
    '+',
    '-',
    '*',
    '~',
    '^',
    'title:',
    'title:refund',
    'refund~2',
    'refund^10',
    '+refund -policy',
    '*fund',
    '"refund',
    "'",
    '\\',
    '😀🎉',
    '\u0000\u200b',
    'ﷺ',
    'x'.repeat(5000),
    'refund '.repeat(800),
    '(refund) [policy] {x} <b>',
  ];

  it.each(awkward)('never throws on %j', (query) => {
    expect(() => search(searcher, query)).not.toThrow();
    expect(Array.isArray(search(searcher, query))).toBe(true);
  });

  it('searches syntax characters as plain words', () => {
    expect(slugs(searcher, 'title:refund')).toEqual(slugs(searcher, 'title refund'));
    expect(slugs(searcher, '+refund -policy')[0]).toBe('refund-policy');
    expect(slugs(searcher, 'refund~2^10')[0]).toBe('refund-policy');
  });

  it('reads at most a bounded number of words from a huge paste', () => {
    expect(parseQuery('refund '.repeat(800), 'en').length).toBe(MAX_QUERY_WORDS);
    expect(slugs(searcher, 'refund '.repeat(800))[0]).toBe('refund-policy');
  });
});

describe('German', () => {
  const searcher = searcherFor(
    [
      article('ruecksendung', { title: 'Rücksendung anmelden', text: 'So melden Sie Rücksendungen an.' }),
      article('lieferzeiten', { title: 'Lieferzeiten und Versandkosten', text: 'Alle Lieferungen kommen mit DHL.' }),
    ],
    'de',
  );

  it('stems German words to one form', () => {
    const de = textProcessor('de');
    expect(de.stem('lieferungen')).toBe(de.stem('lieferung'));
    expect(de.isStopWord('und')).toBe(true);
  });

  it('finds inflected forms', () => {
    expect(slugs(searcher, 'Lieferung')[0]).toBe('lieferzeiten');
    expect(slugs(searcher, 'rücksendungen')[0]).toBe('ruecksendung');
    expect(slugs(searcher, 'Versandkoste')[0]).toBe('lieferzeiten');
  });

  it('ignores German stop words', () => {
    expect(slugs(searcher, 'und')).toEqual([]);
  });
});

describe('index built in one pass', () => {
  const docs = [
    ['Red tent poles', 'The poles of the red tent bend.'],
    ['Blue tent', 'A tent for two, blue.'],
    ['Tent repair kit for poles', 'Repair poles and tents with the kit.'],
    ['Red jacket', 'A jacket, not a tent.'],
    ['Poles and pegs', 'Pegs hold the tent; poles hold it up.'],
  ];
  const germanDocs = [
    ['Rote Zeltstangen', 'Das Zelt und die roten Stangen.'],
    ['Blaues Zelt', 'Ein Zelt für zwei.'],
    ['Stangen reparieren', 'Stangen und Zelte reparieren.'],
  ];
  const fields = { title: 3, text: 1 };

  it.each([
    { lang: 'en' as const, queries: [['tent'], ['pole', 'red'], ['kit'], ['hold', 'peg']] },
    { lang: 'de' as const, queries: [['zelt'], ['stang', 'rot']] },
  ])('ranks as an index from lunr.Builder, scores equal to the stored precision ($lang)', ({ lang, queries }) => {
    const texts = lang === 'de' ? germanDocs : docs;
    const builder = new lunr.Builder();
    builder.pipeline.add(...textProcessor(lang).pipelineFunctions);
    builder.ref('id');
    for (const [field, boost] of Object.entries(fields)) builder.field(field, { boost });
    texts.forEach(([title, text], id) => builder.add({ id: String(id), title, text }));
    const reference = builder.build();
    const { terms, postings } = indexFields(texts, Object.values(fields), lang);
    const view = lunrViewOf({ fields: Object.keys(fields), terms, documentCount: texts.length, postingsAt: (t) => postings[t] });
    for (const query of queries) {
      const expected = reference.query((q) => query.forEach((term) => q.term(term, { usePipeline: false })));
      const actual = view.query(new Map(query.map((term) => [term, { boost: 1, fields: undefined, isExpansion: false }])));
      expect(expected.length, query.join(' ')).toBeGreaterThan(0);
      expect(
        actual.map((r) => r.ref),
        query.join(' '),
      ).toEqual(expected.map((r) => r.ref));
      // Weights are stored in hundredths.
      actual.forEach((r, i) => expect(r.score).toBeCloseTo(expected[i]!.score, 1));
    }
  });
});
