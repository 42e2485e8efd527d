import { fileTypeFromBuffer } from 'file-type';
import type { Config } from '../config/config-schema.ts';

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

/**
 * Checks a message's attachments against the configured count, size and types, sniffing each
 * file's content. Returns the files to store, or a message that says what is allowed.
 */
export async function checkAttachments(files: readonly AttachmentInput[], limits: Config['attachments']): Promise<{ ok: true; files: CheckedAttachment[] } | { ok: false; error: string }> {
  const present = files.filter((f) => f.bytes.byteLength > 0 || f.name !== '');
  if (present.length > limits.maxCount) {
    return { ok: false, error: `Attach at most ${limits.maxCount} file(s); you chose ${present.length}.` };
  }
  const checked: CheckedAttachment[] = [];
  for (const file of present) {
    const name = safeFileName(file.name);
    if (file.bytes.byteLength === 0) return { ok: false, error: `"${name}" is empty.` };
    if (file.bytes.byteLength > limits.maxBytes) {
      return { ok: false, error: `"${name}" is ${formatBytes(file.bytes.byteLength)}; each file may be at most ${formatBytes(limits.maxBytes)}.` };
    }
    const type = await sniffType(file.bytes);
    if (type === undefined || !limits.types.includes(type)) {
      return { ok: false, error: `"${name}" is ${type ? `of type ${type}` : 'of a type we cannot recognise'}; allowed are ${describeTypes(limits.types)}.` };
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

function describeTypes(types: readonly string[]): string {
  const names: Record<string, string> = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/gif': 'GIF', 'image/webp': 'WebP', 'application/pdf': 'PDF', 'text/plain': 'plain text' };
  return types.map((t) => names[t] ?? t).join(', ');
}

/** Images are shown inline only when the content was sniffed as an image. */
export function isInlineImage(type: string): boolean {
  return ['image/png', 'image/jpeg', 'image/gif', 'image/webp'].includes(type);
}
