import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Language } from '../config/config-schema.ts';

/** The mails the desk sends on ticket events, one template (text and HTML) each. */
export const TEMPLATE_NAMES = ['staff-reply', 'ticket-closed', 'new-ticket', 'customer-reply', 'sla-breach'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** The customer's mails, which also come in German (`<name>.de.txt|html`): staff mails stay in English. */
export const TRANSLATED_TEMPLATES: Partial<Record<TemplateName, readonly Exclude<Language, 'en'>[]>> = { 'staff-reply': ['de'], 'ticket-closed': ['de'] };

// `link` is where the reader acts: the customer's sign-in link, or the ticket in the staff workspace.
const FACTS = ['siteName', 'ref', 'subject', 'opened', 'status', 'priority', 'category', 'order', 'link'] as const;
// Staff also read who wrote (`customer`) and, on GitHub, the issue (`hostLink`; unset on the embedded host).
const STAFF_FACTS = [...FACTS, 'customer', 'assignee', 'hostLink'] as const;

/** The variables each template may use; a template naming another one is refused when it loads. */
export const TEMPLATE_VARIABLES: Record<TemplateName, readonly string[]> = {
  'staff-reply': [...FACTS, 'staffName', 'replyText', 'replyHtml'],
  'ticket-closed': [...FACTS],
  'new-ticket': [...STAFF_FACTS, 'messageText', 'messageHtml'],
  'customer-reply': [...STAFF_FACTS, 'messageText', 'messageHtml'],
  // A response target missed: which one, when it was due, and whether the reader is the next escalation tier.
  'sla-breach': [...STAFF_FACTS, 'target', 'due', 'nextTier'],
};

/** One parsed template: the subject line, the text body and the HTML body. */
export interface MailTemplate {
  name: TemplateName;
  subject: string;
  text: string;
  html: string;
  /** The same mail in other languages, for customers who filed their ticket in one. */
  translations?: Partial<Record<Language, MailTemplate>>;
}

/** A template in the customer's language, or as it is (English) when it has no such translation. */
export function templateIn(template: MailTemplate, lang: Language): MailTemplate {
  return template.translations?.[lang] ?? template;
}

export type MailTemplates = Record<TemplateName, MailTemplate>;
export type TemplateValues = Record<string, string | undefined>;

/** A template the site owner can fix: the message names the file and the problem. */
export class MailTemplateError extends Error {
  override name = 'MailTemplateError';
}

const TAG = /\{\{(\{)?\s*([#^/]?)\s*([A-Za-z][A-Za-z0-9]*)\s*\}?\}\}/g;

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Checks a template's tags: known variables, balanced sections, raw `{{{…}}}` only for `…Html` values. */
function checkTemplate(source: string, file: string, allowed: readonly string[], html: boolean, firstLine = 1): void {
  const open: string[] = [];
  for (const match of source.matchAll(TAG)) {
    const [tag, raw, sigil, name = ''] = match;
    const line = source.slice(0, match.index).split('\n').length + firstLine - 1;
    const where = `${file}:${line}`;
    if (!allowed.includes(name)) throw new MailTemplateError(`${where}: unknown variable "${name}" in ${tag}; this template may use: ${allowed.join(', ')}`);
    if (raw && (!html || !name.endsWith('Html')))
      throw new MailTemplateError(
        `${where}: ${tag} inserts "${name}" without escaping; only the prepared HTML values (${allowed.filter((a) => a.endsWith('Html')).join(', ') || 'none'}) may use {{{…}}} in an .html template`,
      );
    if (sigil === '#' || sigil === '^') open.push(name);
    if (sigil === '/' && open.pop() !== name) throw new MailTemplateError(`${where}: ${tag} closes a section that is not open; close sections in the order they were opened`);
  }
  if (open.length > 0) throw new MailTemplateError(`${file}: section {{#${open.at(-1)}}} is never closed; add {{/${open.at(-1)}}}`);
}

/** Fills a template: `{{x}}` (escaped in HTML), `{{{xHtml}}}` (prepared HTML), `{{#x}}…{{/x}}` shown when x is set, `{{^x}}…{{/x}}` when it is not. */
export function fillTemplate(source: string, values: TemplateValues, html: boolean): string {
  const sections = /\{\{\s*([#^])\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}([\s\S]*?)\{\{\s*\/\s*\2\s*\}\}/g;
  let text = source;
  // Innermost sections first, until none is left.
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text.replace(sections, (_all, sigil: string, name: string, inner: string) => {
      const set = values[name] !== undefined && values[name] !== '';
      return (sigil === '#') === set ? inner : '';
    });
  }
  return text.replace(TAG, (_tag, raw: string | undefined, _sigil, name: string) => {
    const value = values[name] ?? '';
    return html && !raw ? escapeHtml(value) : value;
  });
}

/**
 * Parses one template from its two files. The text file's first line is `Subject: …`; the rest is the body.
 * `source` names the files in error messages.
 */
export function parseTemplate(name: TemplateName, text: string, html: string, source: { text: string; html: string }): MailTemplate {
  const newline = text.indexOf('\n');
  const first = newline === -1 ? text : text.slice(0, newline);
  const subject = /^Subject:\s*(.+)$/.exec(first.trim())?.[1];
  if (!subject) throw new MailTemplateError(`${source.text}:1: the first line must be "Subject: …", the mail's subject`);
  const allowed = TEMPLATE_VARIABLES[name];
  checkTemplate(subject, source.text, allowed, false);
  const body = text.slice(newline + 1);
  checkTemplate(body, source.text, allowed, false, 2);
  checkTemplate(html, source.html, allowed, true);
  return { name, subject, text: body, html };
}

/** Renders a parsed template: subject and text with plain values, HTML with escaped ones. */
export function renderTemplate(template: MailTemplate, values: TemplateValues): { subject: string; text: string; html: string } {
  return {
    subject: fillTemplate(template.subject, values, false).replace(/\s+/g, ' ').trim(),
    text: fillTemplate(template.text, values, false),
    html: fillTemplate(template.html, values, true),
  };
}

/**
 * The templates in force: each file in `overrideDir` (`<name>.txt`, `<name>.html`, and for a translation
 * `<name>.de.txt`, `<name>.de.html`) replaces the built-in one of the same name; the rest stay built in. Checked when loaded, so a typo stops start-up with the
 * file, line and the variables allowed.
 */
export function loadMailTemplates(defaults: Record<string, string>, overrideDir: string | undefined): MailTemplates {
  const read = (file: string): { text: string; source: string } => {
    const custom = overrideDir === undefined ? undefined : join(overrideDir, file);
    if (custom !== undefined && existsSync(custom)) return { text: readFileSync(custom, 'utf8'), source: custom };
    const builtIn = defaults[file];
    if (builtIn === undefined) throw new MailTemplateError(`the built-in mail template ${file} is missing`);
    return { text: builtIn, source: `built-in ${file}` };
  };
  const parse = (name: TemplateName, suffix: string): MailTemplate => {
    const text = read(`${name}${suffix}.txt`);
    const html = read(`${name}${suffix}.html`);
    return parseTemplate(name, text.text, html.text, { text: text.source, html: html.source });
  };
  const entries = TEMPLATE_NAMES.map((name) => {
    const languages = TRANSLATED_TEMPLATES[name] ?? [];
    const template = parse(name, '');
    if (languages.length > 0) template.translations = Object.fromEntries(languages.map((lang) => [lang, parse(name, `.${lang}`)]));
    return [name, template] as const;
  });
  return Object.fromEntries(entries) as MailTemplates;
}
