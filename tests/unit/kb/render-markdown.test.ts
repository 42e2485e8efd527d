import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../../src/kb/load-articles.ts';
import type { Problem } from '../../../src/kb/problems.ts';
import { needsTableOfContents, renderArticle } from '../../../src/kb/render-markdown.ts';

function render(body: string): string {
  const problems: Problem[] = [];
  const article = parseArticle(`---\ntitle: T\ndescription: D\ncategory: orders\n---\n${body}`, 'orders/t.md', 't.md', problems);
  if (!article) throw new Error(problems.map((p) => p.message).join('\n'));
  return renderArticle(article);
}

describe('renderArticle', () => {
  it('gives headings the ids the loader reports and a hidden anchor link', () => {
    const html = render('## Where is my parcel?\n\ntext\n\n### Äpfel & Birnen\n');
    expect(html).toContain('<h2 id="where-is-my-parcel">Where is my parcel?<a class="anchor" aria-hidden="true" tabindex="-1" href="#where-is-my-parcel">#</a></h2>');
    expect(html).toContain('id="äpfel--birnen"');
  });

  it('renders fenced code with its language class and escapes its content', () => {
    const html = render('```html\n<b>not bold</b>\n```\n');
    expect(html).toContain('<pre><code class="language-html">&#x3C;b>not bold&#x3C;/b>\n</code></pre>');
  });

  it('rewrites links to other articles to their page URLs and keeps anchors', () => {
    const html = render('[a](../returns/start-a-return.md) [b](exchange.md#sizes) [c](/articles/x/)');
    expect(html).toContain('href="/articles/start-a-return/"');
    expect(html).toContain('href="/articles/exchange/#sizes"');
    expect(html).toContain('href="/articles/x/"');
  });

  it('marks external links noopener and leaves mail links alone', () => {
    const html = render('[site](https://example.com) [mail](mailto:help@example.com)');
    expect(html).toContain('<a href="https://example.com" rel="noopener noreferrer">site</a>');
    expect(html).toContain('<a href="mailto:help@example.com">mail</a>');
  });

  it.each([
    ['a script tag', '<script>alert(1)</script>', '<script'],
    ['an event handler', '<img src=x onerror="alert(1)">', 'onerror'],
    ['a javascript: link', '[click](javascript:alert(1))', 'javascript:'],
    ['an iframe', '<iframe src="https://evil.example"></iframe>', '<iframe'],
  ])('drops %s written in the markdown', (_kind, markdown, forbidden) => {
    expect(render(`Hello\n\n${markdown}\n`)).not.toContain(forbidden);
  });

  it('renders GitHub-flavoured tables', () => {
    expect(render('| a | b |\n|---|---|\n| 1 | 2 |\n')).toContain('<table>');
  });
});

describe('needsTableOfContents', () => {
  it('asks for one with three sections, or two sections in a long article', () => {
    const heading = (id: string) => ({ depth: 2, id, text: id });
    expect(needsTableOfContents({ headings: [heading('a'), heading('b'), heading('c')], wordCount: 100 })).toBe(true);
    expect(needsTableOfContents({ headings: [heading('a'), heading('b')], wordCount: 450 })).toBe(true);
    expect(needsTableOfContents({ headings: [heading('a'), heading('b')], wordCount: 200 })).toBe(false);
  });
});
