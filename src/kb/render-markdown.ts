import type { Root as HastRoot } from 'hast';
import type { Root as MdastRoot } from 'mdast';
import rehypeAutolinkHeadings from 'rehype-autolink-headings';
import rehypeSanitize, { defaultSchema, type Options as SanitizeSchema } from 'rehype-sanitize';
import rehypeSlug from 'rehype-slug';
import rehypeStringify from 'rehype-stringify';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import type { Article } from './load-articles.ts';
import { articleUrl, classifyLink } from './links.ts';

// Heading ids are added after sanitizing, so the schema needs no id rules; code keeps its language class.
const sanitizeSchema: SanitizeSchema = {
  ...defaultSchema,
  clobberPrefix: '',
  attributes: { ...defaultSchema.attributes, code: [['className', /^language-./]] },
};

function rewriteArticleLinks(fromFile: string) {
  return (tree: MdastRoot): void => {
    visit(tree, (node) => {
      if (node.type !== 'link' && node.type !== 'definition') return;
      const target = classifyLink(node.url, fromFile);
      if (target.kind === 'article') node.url = articleUrl(target.slug) + (target.anchor ? `#${target.anchor}` : '');
    });
  };
}

function markExternalLinks() {
  return (tree: HastRoot): void => {
    visit(tree, 'element', (node) => {
      const href = node.properties['href'];
      if (node.tagName === 'a' && typeof href === 'string' && /^https?:/i.test(href)) {
        node.properties['rel'] = ['noopener', 'noreferrer'];
      }
    });
  };
}

/**
 * Renders an article body to HTML. Raw HTML in the markdown is dropped (remark-rehype without
 * `allowDangerousHtml`) and the result is sanitized, so content can never inject script.
 */
export function renderArticle(article: Pick<Article, 'tree' | 'file'>): string {
  const processor = unified()
    .use(rewriteArticleLinks, article.file)
    .use(remarkRehype)
    .use(rehypeSanitize, sanitizeSchema)
    .use(rehypeSlug)
    .use(rehypeAutolinkHeadings, {
      behavior: 'append',
      properties: { className: ['anchor'], ariaHidden: 'true', tabIndex: -1 },
      content: { type: 'text', value: '#' },
    })
    .use(markExternalLinks)
    .use(rehypeStringify);
  // The tree is shared with other consumers: transform a copy.
  const tree = processor.runSync(structuredClone(article.tree) as MdastRoot) as HastRoot;
  return processor.stringify(tree);
}

/** Long articles get a table of contents. */
export function needsTableOfContents(article: Pick<Article, 'headings' | 'wordCount'>): boolean {
  const sections = article.headings.filter((h) => h.depth === 2).length;
  return sections >= 3 || (sections >= 2 && article.wordCount >= 400);
}
