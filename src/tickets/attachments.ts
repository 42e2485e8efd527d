import { fileTypeFromBuffer } from 'file-type';
import type { Config, Language } from '../config/config-schema.ts';

export interface AttachmentInput {
  name: string;
  bytes: Uint8Array;
}

export interface CheckedAttachment {
  /** Safe file name: no folders, no control characters, at most 100 characters. */
  name: string;
  /** Type decided from the content, never from the name. */
  type: string;
  bytes: Uint8Array;
}

/**
 * A file name safe to store and to send back in `Content-Disposition`: the last path segment,
 * without control or reserved characters, and never a dot file.
 */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f"*:<>?|]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  if (cleaned === '') return 'attachment';
  if (cleaned.length <= 100) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, 100 - extension.length) + extension;
}

/** Plain text: valid UTF-8 without NUL bytes (text has no magic number to sniff). */
function isPlainText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Decides a file's type from its first bytes. */
export async function sniffType(bytes: Uint8Array): Promise<string | undefined> {
  const sniffed = await fileTypeFromBuffer(bytes);
  if (sniffed) return sniffed.mime;
  return isPlainText(bytes) ? 'text/plain' : undefined;
}

/** What the attachment rules say, per language: one rule, two wordings (the browser's early check words them alike). */
export const ATTACHMENT_MESSAGES = {
  en: {
    tooMany: (max: number, chosen: number) => `Attach at most ${max} file(s); you chose ${chosen}.`,
    empty: (name: string) => `"${name}" is empty.`,
    tooLarge: (name: string, size: string, max: string) => `"${name}" is ${size}; each file may be at most ${max}.`,
    wrongType: (name: string, type: string | undefined, allowed: string) => `"${name}" is ${type ? `of type ${type}` : 'of a type we cannot recognise'}; allowed are ${allowed}.`,
  },
  de: {
    tooMany: (max: number, chosen: number) => `Hängen Sie höchstens ${max} Datei(en) an; Sie haben ${chosen} gewählt.`,
    empty: (name: string) => `„${name}“ ist leer.`,
    tooLarge: (name: string, size: string, max: string) => `„${name}“ ist ${size} groß; jede Datei darf höchstens ${max} groß sein.`,
    wrongType: (name: string, type: string | undefined, allowed: string) => `„${name}“ ist ${type ? `vom Typ ${type}` : 'von einem Typ, den wir nicht erkennen'}; erlaubt sind ${allowed}.`,
  },
} satisfies Record<Language, unknown>;

/**
 * Checks a message's attachments against the configured count, size and types, sniffing each
 * file's content. Returns the files to store, or a message (in `lang`) that says what is allowed.
 */
export async function checkAttachments(
  files: readonly AttachmentInput[],
  limits: Config['attachments'],
  lang: Language = 'en',
): Promise<{ ok: true; files: CheckedAttachment[] } | { ok: false; error: string }> {
  const say = ATTACHMENT_MESSAGES[lang];
  const present = files.filter((f) => f.bytes.byteLength > 0 || f.name !== '');
  if (present.length > limits.maxCount) {
    return { ok: false, error: say.tooMany(limits.maxCount, present.length) };
  }
  const checked: CheckedAttachment[] = [];
  for (const file of present) {
    const name = safeFileName(file.name);
    if (file.bytes.byteLength === 0) return { ok: false, error: say.empty(name) };
    if (file.bytes.byteLength > limits.maxBytes) {
      return { ok: false, error: say.tooLarge(name, formatBytes(file.bytes.byteLength), formatBytes(limits.maxBytes)) };
    }
    const type = await sniffType(file.bytes);
    if (type === undefined || !limits.types.includes(type)) {
      return { ok: false, error: say.wrongType(name, type, describeTypes(limits.types, lang)) };
    }
    checked.push({ name, type, bytes: file.bytes });
  }
  return { ok: true, files: checked };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB`;
}

function describeTypes(types: readonly string[], lang: Language): string {
  const names: Record<string, string> = {
    'image/png': 'PNG',
    'image/jpeg': 'JPEG',
    'image/gif': 'GIF',
    'image/webp': 'WebP',
    'application/pdf': 'PDF',
    'text/plain': lang === 'de' ? 'reiner Text' : 'plain text',
  };
  return types.map((t) => names[t] ?? t).join(', ');
}

/** Images are shown inline only when the content was sniffed as an image. */
export function isInlineImage(type: string): boolean {
  return ['image/png', 'image/jpeg', 'image/gif', 'image/webp'].includes(type);
}

/** The file-name part of an attachment's path in the attachments repository: letters, digits, `.`, `_` and `-` only. */
function pathName(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^\.+/, '')
      .slice(0, 100) || 'file'
  );
}

/** Where an attachment is kept in the attachments repository: `tickets/<ticket>/<id>/<name>`. */
export function attachmentPath(ticket: string, id: string, filename: string): string {
  return `tickets/${ticket.replace(/^#/, '')}/${id}/${pathName(filename)}`;
}
