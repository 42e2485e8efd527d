/**
 * Customer text is untrusted. Before it is posted to the Git host it is neutralised so that it
 * cannot notify anyone (`@user`, `@org/team`), cross-reference other issues (`#12`, `GH-12`,
 * `owner/repo#12`, `owner/repo@sha`, issue URLs), forge the hidden metadata block or carry raw HTML
 * (`<img src=…tracker…>`, `<!-- … -->`). Code stays as typed: the Git host links nothing inside code, and
 * staff need pasted logs verbatim.
 *
 * What is code and what is text is decided by the CommonMark + GFM parser the Git host's rendering follows
 * (remark-parse + remark-gfm), never by guessing with regexes: code spans with backtick runs of any length,
 * escaped backticks, fences (and lines that only look like fences), HTML blocks and character references
 * (`&#x40;`, `&commat;`, `&num;` decode to `@` and `#`) all come out of the parser as they render.
 *
 * Neutralising only inserts U+2060 WORD JOINER into the customer's source, at the offsets the parser reports:
 * after an `@` or `#` that would link (or after the character reference that decodes to one), inside `GH-`
 * and `/issues/`, and after every `<` of a raw HTML node (which makes it literal, visible text). The joiner is
 * invisible, so the text reads as typed, and removing the joiners gives back exactly what the customer wrote
 * (customerTextForDisplay). The result is parsed again until nothing is left to neutralise, and checked on
 * the parsed values; should that ever fail, every candidate character is broken up, code included.
 */
import type { Nodes, Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified, type Processor } from 'unified';

/** U+2060 WORD JOINER: invisible, and breaks the Git host's mention and reference autolinks. */
export const JOINER = '\u2060';
const JOINERS = new RegExp(JOINER, 'g');

/** A text node as the parser read it: its decoded value and where it is in the source. */
interface ParsedText {
  value: string;
  start: number;
  end: number;
}

/**
 * The text nodes of each parsed tree, taken before GFM's autolink-literal transform, which splits some text
 * nodes into text and links that carry no source position.
 */
const parsedText = new WeakMap<Root, ParsedText[]>();
function keepParsedText(this: Processor): void {
  const data = this.data() as { fromMarkdownExtensions?: unknown[] };
  const collect = (tree: Root): undefined => {
    const texts: ParsedText[] = [];
    walk(tree, (node) => {
      const at = node.type === 'text' ? range(node) : undefined;
      if (node.type === 'text' && at) texts.push({ value: node.value, start: at[0], end: at[1] });
    });
    parsedText.set(tree, texts);
    return undefined;
  };
  // Registered before remark-gfm's, so this transform runs first.
  (data.fromMarkdownExtensions ??= []).push({ transforms: [collect] });
}

const parser = unified().use(keepParsedText).use(remarkParse).use(remarkGfm);

/**
 * What the Git host links in (decoded) text. A joiner goes right after the last character of each match,
 * which breaks the link while the text reads the same.
 */
const LIVE_PATTERNS: readonly RegExp[] = [
  // @user and @org/team; an email address (word character before the @) is left alone.
  /(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])/g,
  // …but a second @ in one word is: an email autolink ends before it, and the text after the link starts with it.
  /(?<=@[^\s@]*[A-Za-z0-9_])@(?=[A-Za-z0-9])/g,
  // user@sha and owner/repo@sha commit references.
  /@(?=[0-9a-f]{7,40}(?![0-9A-Za-z_]))/gi,
  // #12 and owner/repo#12.
  /#(?=[0-9])/g,
  // GH-12.
  /GH(?=-[0-9])/gi,
  // Links to issues, pull requests or discussions on any host also create cross-references.
  /\/(?:issues|pull|pulls|discussions)(?=\/[0-9])/g,
];

/** Whether decoded text (a text node's value) holds something the Git host would link. */
function isLive(text: string): boolean {
  return LIVE_PATTERNS.some((pattern) => {
    pattern.lastIndex = 0;
    return pattern.test(text);
  });
}

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;
const REFERENCE = /&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{0,31}));/y;

/** Numeric character references as CommonMark decodes them (micromark's rules). */
function decodeNumeric(digits: string, base: number): string {
  const code = Number.parseInt(digits, base);
  const unsafe =
    code < 9 ||
    code === 11 ||
    (code > 13 && code < 32) ||
    (code > 126 && code < 160) ||
    (code > 55_295 && code < 57_344) ||
    (code > 64_975 && code < 65_008) ||
    (code & 65_535) === 65_535 ||
    (code & 65_535) === 65_534 ||
    code > 1_114_111;
  return unsafe ? '\uFFFD' : String.fromCodePoint(code);
}

/** Named references are decoded by the parser itself (so its entity table decides), once per name. */
const namedCache = new Map<string, string | null>();
function decodeNamed(reference: string): string | null {
  let decoded = namedCache.get(reference);
  if (decoded === undefined) {
    const tree = parser.parse(`x${reference}`);
    const first = tree.children[0];
    const text = first?.type === 'paragraph' && first.children.length === 1 && first.children[0]?.type === 'text' ? first.children[0].value : undefined;
    decoded = text === undefined || text === `x${reference}` ? null : text.slice(1);
    if (namedCache.size >= 4096) namedCache.clear();
    namedCache.set(reference, decoded);
  }
  return decoded;
}

/**
 * The decoded text of a source range that the parser reported as a text node, with, for each decoded
 * character, the source offset just after the construct it came from (escape, character reference or plain
 * character). Container prefixes (`> `, list indentation) inside the range stay in: they are spaces and `>`,
 * which neither start nor complete a pattern.
 */
function decodedView(source: string, start: number, end: number): { text: string; after: number[] } {
  let text = '';
  const after: number[] = [];
  let i = start;
  while (i < end) {
    let piece: string | undefined;
    let next = i + 1;
    const c = source[i] as string;
    if (c === '\\' && i + 1 < end && ASCII_PUNCTUATION.test(source[i + 1] as string)) {
      piece = source[i + 1];
      next = i + 2;
    } else if (c === '&') {
      REFERENCE.lastIndex = i;
      const m = REFERENCE.exec(source);
      if (m && m.index + m[0].length <= end) {
        const decoded = m[1] !== undefined ? decodeNumeric(m[1], 10) : m[2] !== undefined ? decodeNumeric(m[2], 16) : decodeNamed(m[0]);
        if (decoded !== null) {
          piece = decoded;
          next = i + m[0].length;
        }
      }
    }
    piece ??= c;
    text += piece;
    for (let k = 0; k < piece.length; k++) after.push(next);
    i = next;
  }
  return { text, after };
}

function range(node: Nodes): [number, number] | undefined {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  return start === undefined || end === undefined ? undefined : [start, end];
}

/** Calls `visit` on every node of the tree (code nodes have no children, so nothing inside code is visited). */
function walk(node: Nodes, visit: (node: Nodes) => void): void {
  visit(node);
  if ('children' in node) for (const child of node.children) walk(child as Nodes, visit);
}

/** Offsets in `source` after which a joiner neutralises what the tree shows as live text or raw HTML. */
function insertionPoints(source: string, tree: Root): Set<number> {
  const points = new Set<number>();
  walk(tree, (node) => {
    const at = node.type === 'html' ? range(node) : undefined;
    // Raw HTML, inline or block, comments included: a joiner after each `<` makes it visible text.
    if (at) for (let i = source.indexOf('<', at[0]); i !== -1 && i < at[1]; i = source.indexOf('<', i + 1)) points.add(i + 1);
  });
  for (const { value, start, end } of parsedText.get(tree) ?? []) {
    const views = [decodedView(source, start, end)];
    // The parser keeps autolink text (`<https://…>`, `www.…`) as typed, where GitHub decodes references first: both readings count.
    const raw = source.slice(start, end);
    if (value === raw) views.push({ text: raw, after: Array.from({ length: raw.length }, (_c, i) => start + i + 1) });
    for (const view of views) {
      for (const pattern of LIVE_PATTERNS) {
        pattern.lastIndex = 0;
        for (const m of view.text.matchAll(pattern)) points.add(view.after[(m.index as number) + m[0].length - 1] as number);
      }
    }
  }
  return points;
}

function insertJoiners(source: string, points: Set<number>): string {
  let out = '';
  let from = 0;
  for (const at of [...points].sort((a, b) => a - b)) {
    out += `${source.slice(from, at)}${JOINER}`;
    from = at;
  }
  return out + source.slice(from);
}

/** Whether the parsed text still links anything or carries raw HTML (checked on decoded values, not on the source). */
function stillLive(tree: Root): boolean {
  let live = false;
  walk(tree, (node) => {
    if (node.type === 'html' || (node.type === 'text' && isLive(node.value))) live = true;
  });
  return live;
}

/**
 * Breaks up every character that could start a link or a tag, wherever it is (code included): a joiner after
 * each `@`, `#`, `<`, `/`, escape and named character reference, and between `G` and `H`. A numeric reference
 * is broken by the joiner after its `#` and shows as typed. Context-free, so also safe for a fragment that is
 * put into other markdown.
 */
function neutralizeEverywhere(text: string): string {
  return text.replace(/\\[!-/:-@[-`{-~]|&[A-Za-z][A-Za-z0-9]{0,31};|[@#</]|g(?=h)/gi, (m) => `${m}${JOINER}`);
}

function normalize(markdown: string): string {
  return markdown.replace(/\r\n?/g, '\n').replace(JOINERS, '');
}

/**
 * Whether text can hold anything to neutralise. Parsed text is the source with references and escapes decoded, so
 * without `&` and `\\` it shows no character the source lacks: without `@ # <` and the `GH-n` and `/issues/`
 * shapes, no parse of it links or carries HTML. Most messages are plain prose and skip the parser (a third of the
 * cost of filing a ticket).
 */
export function mayNeedNeutralizing(text: string): boolean {
  return /[@#<&\\]/.test(text) || /gh-[0-9]/i.test(text) || /\/(?:issues|pull|pulls|discussions)\//.test(text);
}

/** Neutralises customer markdown for posting to the Git host. */
export function neutralizeCustomerText(markdown: string): string {
  const text = normalize(markdown);
  return mayNeedNeutralizing(text) ? neutralizeByParsing(text) : text;
}

/** The parser's way, for any text (`neutralizeCustomerText` skips it for text that cannot need it). */
export function neutralizeByParsing(markdown: string): string {
  let text = normalize(markdown);
  // Turning HTML into text can change what the rest parses as; a few rounds reach a fixed point.
  for (let round = 0; round < 8; round++) {
    const tree = parser.parse(text);
    const points = insertionPoints(text, tree);
    if (points.size === 0) return stillLive(tree) ? neutralizeEverywhere(normalize(markdown)) : text;
    text = insertJoiners(text, points);
  }
  return neutralizeEverywhere(normalize(markdown));
}

/**
 * Neutralises a short piece of customer text that the bot puts into its own markdown (a header value, a
 * title in a link): the surrounding markdown can turn what parses as code on its own into text, so every
 * candidate character is broken up, code included. Reversed by customerTextForDisplay like the rest.
 */
export function neutralizeCustomerFragment(text: string): string {
  return neutralizeEverywhere(normalize(text));
}

/** Reverses the invisible part of neutralising, for showing customer text back on the site. */
export function customerTextForDisplay(neutralized: string): string {
  return neutralized.replace(JOINERS, '');
}
