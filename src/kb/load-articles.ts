import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import type { Heading, Link, Root } from 'mdast';
import { toString as mdastToString } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import GithubSlugger from 'github-slugger';
import { FrontMatterSchema, type FrontMatter } from './article-schema.ts';
import type { Problem } from './problems.ts';

export interface ArticleHeading {
  depth: number;
  /** Anchor id, the same rehype-slug gives the rendered heading. */
  id: string;
  text: string;
}

export interface ArticleLink {
  url: string;
  /** 1-based line in the file. */
  line: number;
}

/** A parsed article: validated front matter plus what pages, search and checks need from the body. */
export interface Article extends FrontMatter {
  /** File name without `.md`; unique across the knowledgebase. */
  slug: string;
  /** Path relative to the content folder, with forward slashes. */
  file: string;
  /** `<title>` text: `pageTitle` when given, else `title`. */
  pageTitle: string;
  /** Markdown body without front matter. */
  body: string;
  /** Line of each front matter key in the file, to place problems found later. */
  keyLines: Record<string, number>;
  /** Line in the file where the body starts (1-based), to place body problems. */
  bodyLine: number;
  /** Parsed body, shared by rendering and analysis so the markdown is parsed once. */
  tree: Root;
  headings: ArticleHeading[];
  links: ArticleLink[];
  /** Body as plain text, for search and word counts. */
  text: string;
  wordCount: number;
}

export interface LoadResult {
  articles: Article[];
  problems: Problem[];
}

const FIELD_HINTS: Record<string, string> = {
  keywords: 'write one keyword per line:\n      keywords:\n        - refund\n        - money back',
  related: 'write one slug per line:\n      related:\n        - start-a-return',
  updated: 'write the date as YYYY-MM-DD, e.g. updated: 2026-10-14',
  lang: 'use one of: en, de',
  draft: 'use true or false',
};

const parser = unified().use(remarkParse).use(remarkGfm);

/** Lists `.md` files below `dir`, sorted so every run sees the same order. */
export function listMarkdownFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.md') && !/^(readme|source)\.md$/i.test(entry.name)) found.push(full);
    }
  };
  walk(dir);
  return found.sort();
}

/** Finds the file line of a top-level front matter key, for messages that point at it. */
function lineOfKey(frontMatter: string, key: PropertyKey | undefined): number {
  if (typeof key !== 'string') return 1;
  const lines = frontMatter.split('\n');
  const index = lines.findIndex((line) => new RegExp(`^${key}\\s*:`).test(line));
  // gray-matter's text starts with the newline that ends the opening `---` line, so index i is file line i + 1.
  return index === -1 ? 1 : index + 1;
}

/**
 * Parses one article's source. Returns the article, or undefined when its front matter
 * cannot be used; every problem found is pushed to `problems` with its line.
 */
export function parseArticle(source: string, file: string, displayFile: string, problems: Problem[]): Article | undefined {
  const slug = path.basename(file, '.md');
  let parsed: matter.GrayMatterFile<string>;
  try {
    // An empty options object bypasses gray-matter's cache, which would hand back stale data for equal sources.
    parsed = matter(source, {});
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    problems.push({
      file: displayFile,
      line: (mark?.line ?? 0) + 1,
      message: `front matter is not valid YAML: ${reason}`,
      hint: 'check indentation and quote values that contain a colon',
      severity: 'error',
    });
    return undefined;
  }
  if (!source.startsWith('---')) {
    problems.push({ file: displayFile, line: 1, message: 'no front matter', hint: 'start the file with a --- block holding title, description, keywords, category', severity: 'error' });
    return undefined;
  }

  const result = FrontMatterSchema.safeParse(parsed.data);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path[0];
      const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      if (unknownKeys.length > 0) {
        for (const unknown of unknownKeys) {
          problems.push({
            file: displayFile,
            line: lineOfKey(parsed.matter, unknown),
            message: `unknown front matter key "${unknown}"`,
            hint: `valid keys: ${Object.keys(FrontMatterSchema.shape).join(', ')}`,
            severity: 'error',
          });
        }
        continue;
      }
      const missing = issue.code === 'invalid_type' && (parsed.data as Record<string, unknown>)[String(key)] === undefined;
      problems.push({
        file: displayFile,
        line: lineOfKey(parsed.matter, key),
        message: missing ? `missing "${String(key)}"` : `"${issue.path.join('.')}": ${issue.message}`,
        hint: missing ? `add a line "${String(key)}: ..." to the front matter` : (FIELD_HINTS[String(key)] ?? 'see the front matter format in the README'),
        severity: 'error',
      });
    }
    return undefined;
  }

  const front: FrontMatter = result.data;
  const bodyLine = source.slice(0, source.length - parsed.content.length).split('\n').length;
  const tree = parser.parse(parsed.content);
  const slugger = new GithubSlugger();
  const headings: ArticleHeading[] = [];
  const links: ArticleLink[] = [];
  visit(tree, (node) => {
    if (node.type === 'heading') {
      const text = mdastToString(node as Heading);
      headings.push({ depth: (node as Heading).depth, id: slugger.slug(text), text });
    } else if (node.type === 'link' || node.type === 'definition') {
      links.push({ url: (node as Link).url, line: (node.position?.start.line ?? 1) + bodyLine - 1 });
    }
  });
  const text = mdastToString(tree, { includeHtml: false }).replace(/\s+/g, ' ').trim();

  return {
    ...front,
    pageTitle: front.pageTitle ?? front.title,
    slug,
    file,
    keyLines: Object.fromEntries(Object.keys(parsed.data).map((key) => [key, lineOfKey(parsed.matter, key)])),
    body: parsed.content,
    bodyLine,
    tree,
    headings,
    links,
    text,
    wordCount: text === '' ? 0 : text.split(' ').length,
  };
}

/**
 * Loads every article below `dir`. Problems in one file never stop the others from loading;
 * callers decide whether errors fail (the build, `kb:check`) or are reported (the search CLI).
 */
export function loadArticles(dir: string): LoadResult {
  const problems: Problem[] = [];
  const articles: Article[] = [];
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    problems.push({ file: dir, line: 1, message: 'content folder not found', hint: 'pass the folder that holds the .md articles', severity: 'error' });
    return { articles, problems };
  }
  for (const full of listMarkdownFiles(dir)) {
    const file = path.relative(dir, full).split(path.sep).join('/');
    const article = parseArticle(readFileSync(full, 'utf8'), file, path.join(dir, file), problems);
    if (article) articles.push(article);
  }
  return { articles, problems };
}
