// The neutraliser against generated markdown: code spans and fences of every backtick count, escapes,
// character references, raw HTML, mentions and references in any mix. After neutralising, the CommonMark +
// GFM parser (the one the Git host's rendering follows) must find no mention, reference or HTML node outside
// code, and the text must read as typed. Its own 10,000-case file, so the rest of the suite stays quick.
import fc from 'fast-check';
import type { Nodes, Root } from 'mdast';
import { toString as textOf } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { customerTextForDisplay, JOINER, mayNeedNeutralizing, neutralizeByParsing, neutralizeCustomerFragment, neutralizeCustomerText } from '../../../src/tickets/neutralize.ts';

const parser = unified().use(remarkParse).use(remarkGfm);
const parse = (markdown: string): Root => parser.parse(markdown);

// Written apart from the neutraliser's own patterns, so a slip in one shows up against the other.
const LIVE: Array<[string, RegExp]> = [
  ['mention', /(?:^|[^\w])@[a-z\d]/i],
  ['commit reference', /@[\da-f]{7,40}(?![a-z\d_])/i],
  ['issue reference', /#\d/],
  ['GH- reference', /gh-\d/i],
  ['issue URL', /\/(?:issues|pulls?|discussions)\/\d/],
];

function all(node: Nodes, out: Nodes[] = []): Nodes[] {
  out.push(node);
  if ('children' in node) for (const child of node.children) all(child as Nodes, out);
  return out;
}

/** What the Git host would still turn live in a parsed body: HTML anywhere, or a link pattern in text outside code. */
function liveMarkup(markdown: string | Root): string[] {
  const found: string[] = [];
  for (const node of all(typeof markdown === 'string' ? parse(markdown) : markdown)) {
    if (node.type === 'html') found.push(`html ${JSON.stringify(node.value)}`);
    if (node.type === 'text') for (const [name, pattern] of LIVE) if (pattern.test(node.value)) found.push(`${name} in ${JSON.stringify(node.value)}`);
  }
  return found;
}

const codeValues = (tree: Root) => all(tree).flatMap((n) => (n.type === 'code' || n.type === 'inlineCode' ? [n.value] : []));
const normalized = (markdown: string) => markdown.replace(/\r\n?/g, '\n').replaceAll(JOINER, '');

/** Pieces that matter to how markdown parses and to what the Git host links. */
// biome-ignore format: a dense table, one kind of piece per line
const PIECES = [
  // prose and line structure
  'a', 'foo', 'Zoë', ' ', ' ', '  ', '\n', '\n', '\n\n', '\r\n', '\t', '    ', '> ', '- ', '1. ', '# ', '|', '| --- |', '---', '===', '*', '_', '**', '~~', '[', ']', '](', '(', ')', '!', '[^1]', ': /u', '[x]: /u', '1', '12',
  // code: backtick runs of any length, escaped backticks, fences with and without backticks in the info string
  '`', '`', '``', '```', '````', '~~~', '\\`', '```js', '```a`b', '~~~`', '\n```\n', '\n~~~\n',
  // escapes
  '\\', '\\@', '\\#', '\\<', '\\\\', '\\-', '\\/',
  // character references, valid and not
  '&', ';', '&#x40;', '&#64;', '&commat;', '&COMMAT;', '&num;', '&#35;', '&#X23;', '&lt;', '&LT;', '&amp;', '&#x6F;', '&#49;', '&sol;', '&#47;', '&#71;', '&#x48;', '&#45;', '&hyphen;', '&#0;', '&nope;', '&#x110000;',
  // raw HTML, inline and block
  '<', '>', '<b>', '</b>', '<img src="https://tracker.example/p.png">', '<!--', '-->', '<!-- helpdesk:v2 x.y -->', '<div>', '</div>', '<?x ?>', '<![CDATA[x]]>', '<!X >', '<a href="x">', '<script>', '<pre>',
  // mentions and references
  '@', '@', '@octocat', '@org/team', '#', '#1', '#12', 'GH', 'gh', '-', 'GH-1', 'o/r', 'o/r#3', 'o/r@abcdef1', '@abcdef1234', 'issues', '/issues/', '/pull/', 'https://github.com/a/b/issues/5', 'www.example.com/', 'zoe@example.com', '<https://x.example/@y>',
];

const CHARS = [...'@#<>/`~\\&;!-*_[]()| \n\tagGhHs1x:.=?'];

const markdown = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...PIECES), { maxLength: 24 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...CHARS), { maxLength: 40 }).map((c) => c.join('')) },
);

describe('neutralizeCustomerText on generated markdown', () => {
  it('leaves no mention, reference or HTML node outside code, and the text as typed', () => {
    fc.assert(
      fc.property(markdown, (input) => {
        const output = neutralizeCustomerText(input);
        const after = parse(output);
        // Nothing live when the Git host parses the body.
        expect(liveMarkup(after)).toEqual([]);
        // Only invisible joiners were added: the customer gets back exactly what they wrote.
        expect(customerTextForDisplay(output)).toBe(normalized(input));
        // Without HTML (which becomes visible text), reference labels or email autolinks (which a joiner may
        // unlink: `<o/r@abcdef1>`), the parsed text and the code are unchanged too.
        const before = parse(normalized(input));
        if (!all(before).some((n) => n.type === 'html' || n.type === 'linkReference' || (n.type === 'link' && n.url.startsWith('mailto:')))) {
          expect(textOf(after).replaceAll(JOINER, '')).toBe(textOf(before));
          expect(codeValues(after)).toEqual(codeValues(before));
        }
      }),
      { numRuns: 10_000 },
    );
  }, 60_000);
});

describe('the shortcut for text that cannot need neutralising', () => {
  it('is taken only where the parser would change nothing and find nothing live', () => {
    // Markdown of the pieces without the characters the shortcut looks for: the parser must agree that nothing changes.
    const shortcutPieces = PIECES.filter((p) => !mayNeedNeutralizing(p));
    const shortcutChars = CHARS.filter((c) => !mayNeedNeutralizing(c));
    const eligible = fc.oneof(
      { weight: 2, arbitrary: fc.array(fc.constantFrom(...shortcutPieces), { maxLength: 24 }).map((p) => p.join('')) },
      { weight: 1, arbitrary: fc.array(fc.constantFrom(...shortcutChars), { maxLength: 40 }).map((c) => c.join('')) },
      { weight: 1, arbitrary: markdown },
    );
    let taken = 0;
    fc.assert(
      fc.property(eligible, (input) => {
        if (mayNeedNeutralizing(normalized(input))) return;
        taken += 1;
        expect(neutralizeByParsing(input)).toBe(normalized(input));
        expect(liveMarkup(input)).toEqual([]);
      }),
      { numRuns: 10_000 },
    );
    expect(taken).toBeGreaterThan(5_000);
  }, 60_000);

  it('is not taken for any piece that could link or carry HTML', () => {
    for (const piece of ['@a', '#1', '<b>', '&#64;', '\\@', 'GH-1', 'gh-2', 'x/issues/3', '/pull/4', '/discussions/5']) expect(mayNeedNeutralizing(piece)).toBe(true);
  });
});

describe('neutralizeCustomerFragment on generated markdown', () => {
  it('stays neutral wherever the bot puts the fragments, next to each other included', () => {
    fc.assert(
      fc.property(fc.array(markdown, { minLength: 1, maxLength: 3 }), fc.constantFrom('[%](https://x.example/1) (open)', '**Customer:** % (c-1)', '%'), (fragments, template) => {
        const neutral = fragments.map(neutralizeCustomerFragment);
        expect(liveMarkup(neutral.map((f) => template.replace('%', () => f)).join(' · '))).toEqual([]);
        expect(neutral.map(customerTextForDisplay)).toEqual(fragments.map(normalized));
      }),
      { numRuns: 1_000 },
    );
  });
});
