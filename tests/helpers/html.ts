import { readFileSync } from 'node:fs';
import type { Element, Root } from 'hast';
import { select, selectAll } from 'hast-util-select';
import { toString as hastToString } from 'hast-util-to-string';
import rehypeParse from 'rehype-parse';
import { unified } from 'unified';

/** A parsed HTML page with the few queries the tests need. */
export class Page {
  readonly tree: Root;
  constructor(html: string) {
    this.tree = unified().use(rehypeParse).parse(html);
  }
  static fromFile(file: string): Page {
    return new Page(readFileSync(file, 'utf8'));
  }
  one(selector: string): Element | undefined {
    return select(selector, this.tree) ?? undefined;
  }
  all(selector: string): Element[] {
    return selectAll(selector, this.tree);
  }
  text(selector: string): string | undefined {
    const element = this.one(selector);
    return element ? hastToString(element).trim() : undefined;
  }
  attr(selector: string, name: string): string | undefined {
    const value = this.one(selector)?.properties[name];
    return value === undefined ? undefined : Array.isArray(value) ? value.join(' ') : String(value);
  }
}
