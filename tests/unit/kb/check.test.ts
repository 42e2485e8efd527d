import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../../src/kb/problems.ts';
import { loadKnowledgebase } from '../../../src/server/knowledgebase.ts';

const root = 'tests/fixtures/kb-broken';
const kb = loadKnowledgebase({ configFile: `${root}/helpdesk.config.json`, contentDir: `${root}/articles` });
const lines = kb.problems.map(formatProblem);

describe('kb:check over a folder with one error of each kind', () => {
  it.each([
    ['missing title', 'orders/missing-title.md:1: error: missing "title"'],
    ['keywords not a list', 'orders/keywords-not-list.md:5: error: "keywords": keywords must be a YAML list'],
    ['duplicate slug', 'shipping/good.md:1: error: duplicate slug "good"'],
    ['unknown category', 'shipping/unknown-category.md:6: error: unknown category "shiping"'],
    ['broken internal link', 'shipping/broken-link.md:10: error: broken internal link "../orders/does-not-exist.md"'],
    ['unknown related slug', 'shipping/unknown-related.md:9: error: unknown related slug "no-such-article"'],
  ])('reports %s with file and line', (_kind, expected) => {
    expect(lines.some((line) => line.startsWith(`${root}/articles/${expected}`))).toBe(true);
  });

  it('gives a hint that says how to fix each problem', () => {
    expect(kb.problems.every((p) => p.hint !== undefined && p.hint.length > 0)).toBe(true);
    const category = kb.problems.find((p) => p.message.includes('shiping'));
    expect(category?.hint).toContain('orders, shipping');
  });

  it('reports nothing for the valid article and still loads it', () => {
    expect(kb.problems.filter((p) => p.file.endsWith('orders/good.md'))).toEqual([]);
    expect(kb.articles.map((a) => a.file)).toContain('orders/good.md');
  });

  it('finds exactly the planted errors', () => {
    expect(kb.problems.filter((p) => p.severity === 'error')).toHaveLength(6);
  });
});
