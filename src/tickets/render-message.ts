import type { Root as HastRoot } from 'hast';
import rehypeSanitize, { defaultSchema, type Options as SanitizeSchema } from 'rehype-sanitize';
import rehypeStringify from 'rehype-stringify';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';

// Messages may not load remote images (tracking pixels) or keep ids that clash with the page.
const schema: SanitizeSchema = {
  ...defaultSchema,
  tagNames: (defaultSchema.tagNames ?? []).filter((tag) => tag !== 'img'),
  clobberPrefix: 'msg-',
};

function safeLinks() {
  return (tree: HastRoot): void => {
    visit(tree, 'element', (node) => {
      if (node.tagName === 'a') node.properties['rel'] = ['nofollow', 'noopener', 'noreferrer', 'ugc'];
    });
  };
}

const processor = unified().use(remarkParse).use(remarkGfm).use(remarkRehype).use(rehypeSanitize, schema).use(safeLinks).use(rehypeStringify);

/**
 * Renders message markdown (a customer's or a staff reply) to HTML safe to put in a page: raw HTML
 * is dropped by remark-rehype, the rest goes through the sanitizer, links get `rel="nofollow ugc"`.
 */
export function renderMessage(markdown: string): string {
  return String(processor.processSync(markdown));
}
