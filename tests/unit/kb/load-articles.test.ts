import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../../src/kb/load-articles.ts';
import type { Problem } from '../../../src/kb/problems.ts';

const good = `---
title: Track your order
pageTitle: Track your order – Shop Help
description: Find where your parcel is.
keywords:
  - tracking number
  - trackng
category: shipping
updated: 2026-10-14
related:
  - delivery-times
---

Intro with a [link](../orders/place-an-order.md).

## Where is my parcel?

Text.

### Tracking number format

\`\`\`text
JJD000390007
\`\`\`
`;

function parse(source: string) {
  const problems: Problem[] = [];
  const article = parseArticle(source, 'shipping/track-your-order.md', 'content/shipping/track-your-order.md', problems);
  return { article, problems };
}

describe('parseArticle', () => {
  it('reads every front matter field and derives slug, headings, links and text', () => {
    const { article, problems } = parse(good);
    expect(problems).toEqual([]);
    expect(article).toMatchObject({
      slug: 'track-your-order',
      title: 'Track your order',
      pageTitle: 'Track your order – Shop Help',
      keywords: ['tracking number', 'trackng'],
      category: 'shipping',
      lang: 'en',
      updated: '2026-10-14',
      related: ['delivery-times'],
      draft: false,
    });
    expect(article?.headings).toEqual([
      { depth: 2, id: 'where-is-my-parcel', text: 'Where is my parcel?' },
      { depth: 3, id: 'tracking-number-format', text: 'Tracking number format' },
    ]);
    expect(article?.links).toEqual([{ url: '../orders/place-an-order.md', line: 14 }]);
    expect(article?.text).toContain('JJD000390007');
  });

  it('falls back to the title for the page title and to English for the language', () => {
    const { article } = parse(good.replace(/pageTitle:.*\n/, ''));
    expect(article?.pageTitle).toBe('Track your order');
    expect(article?.lang).toBe('en');
  });

  describe.each([
    ['invalid YAML', good.replace('description: Find where your parcel is.', 'description: Tip: find your parcel'), 4, 'front matter is not valid YAML'],
    ['an unknown key', good.replace('updated: 2026-10-14', 'updatd: 2026-10-14'), 9, 'unknown front matter key "updatd"'],
    ['keywords as a string', good.replace(/keywords:\n {2}- tracking number\n {2}- trackng/, 'keywords: tracking'), 5, '"keywords": keywords must be a YAML list'],
    ['an empty title', good.replace('title: Track your order', 'title: ""'), 2, '"title": the title must not be empty'],
    ['a missing description', good.replace(/description:.*\n/, ''), 1, 'missing "description"'],
    ['an unsupported language', good.replace('category: shipping', 'category: shipping\nlang: fr'), 9, '"lang"'],
    ['a malformed date', good.replace('updated: 2026-10-14', 'updated: 14.10.2026'), 9, 'YYYY-MM-DD'],
    ['draft not a boolean', good.replace('category: shipping', 'category: shipping\ndraft: maybe'), 9, '"draft"'],
    ['no front matter at all', 'Just text.\n', 1, 'no front matter'],
  ])('with %s', (_kind, source, line, message) => {
    it(`reports line ${line} and loads nothing`, () => {
      const { article, problems } = parse(source);
      expect(article).toBeUndefined();
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ file: 'content/shipping/track-your-order.md', line, severity: 'error' });
      expect(problems[0]?.message).toContain(message);
      expect(problems[0]?.hint).toBeTruthy();
    });
  });
});
