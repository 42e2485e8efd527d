import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { z } from 'zod';
import { LanguageSchema } from '../config/config-schema.ts';

/**
 * Saved replies: markdown files staff insert into a reply on the workspace, one per file under
 * `content/saved-replies/<lang>/<id>.md`, with a `title` in the front matter and placeholders in the text:
 * {{customerName}}, {{ref}}, {{subject}}, {{staffName}}.
 */
export interface SavedReply {
  /** `<lang>/<file name without .md>`, unique. */
  id: string;
  lang: z.infer<typeof LanguageSchema>;
  title: string;
  body: string;
}

/** What a placeholder may stand for; nothing else is allowed in a saved reply. */
export const SAVED_REPLY_PLACEHOLDERS = ['customerName', 'ref', 'subject', 'staffName'] as const;
export type SavedReplyValues = Record<(typeof SAVED_REPLY_PLACEHOLDERS)[number], string>;

const FrontMatter = z.strictObject({ title: z.string().trim().min(1, 'needs a title').max(120, 'title: at most 120 characters') });

/** A saved reply that cannot be used, with the file and line to fix. */
export class SavedReplyError extends Error {
  override name = 'SavedReplyError';
}

/** Where saved replies live beside the articles folder (`content/articles` → `content/saved-replies`). */
export function savedRepliesDir(contentDir: string): string {
  return path.join(path.dirname(path.resolve(contentDir)), 'saved-replies');
}

/**
 * Reads every saved reply below `dir` (none when it does not exist). Throws SavedReplyError naming the file and
 * line of the first problem: a language folder that is not a site language, a missing title, an unknown placeholder.
 */
export function loadSavedReplies(dir: string): SavedReply[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md') && !name.split(path.sep).some((part) => part.startsWith('.')))
    .sort();
  return files.map((name) => {
    const file = path.join(dir, name);
    const relative = name.split(path.sep).join('/');
    const [lang, ...rest] = relative.split('/');
    const where = (line: number) => `${path.join(path.basename(dir), relative)}:${line}`;
    const language = LanguageSchema.safeParse(lang);
    if (rest.length !== 1 || !language.success) throw new SavedReplyError(`${where(1)}: put saved replies in a language folder: ${LanguageSchema.options.map((l) => `${l}/`).join(' or ')}`);
    const text = readFileSync(file, 'utf8');
    let parsed: matter.GrayMatterFile<string>;
    try {
      parsed = matter(text);
    } catch (error) {
      const line = ((error as { mark?: { line?: number } }).mark?.line ?? 0) + 2;
      throw new SavedReplyError(`${where(line)}: the front matter is not valid YAML (${(error as Error).message.split('\n')[0]})`);
    }
    const front = FrontMatter.safeParse(parsed.data);
    if (!front.success) throw new SavedReplyError(`${where(2)}: ${front.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')}`);
    const bodyLine = text.split('\n').length - parsed.content.split('\n').length + 1;
    parsed.content.split('\n').forEach((line, i) => {
      for (const match of line.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
        if (!(SAVED_REPLY_PLACEHOLDERS as readonly string[]).includes(match[1] as string))
          throw new SavedReplyError(`${where(bodyLine + i)}: unknown placeholder {{${match[1]}}}; use ${SAVED_REPLY_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`);
      }
    });
    return { id: `${language.data}/${rest[0]!.replace(/\.md$/, '')}`, lang: language.data, title: front.data.title, body: parsed.content.trim() };
  });
}

/** The reply's text with its placeholders filled in. */
export function renderSavedReply(reply: Pick<SavedReply, 'body'>, values: SavedReplyValues): string {
  return reply.body.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => (name in values ? values[name as keyof SavedReplyValues] : whole));
}
