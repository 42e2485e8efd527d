import type { AttachmentInput } from '../tickets/attachments.ts';
import { DeskError } from '../tickets/errors.ts';
import { readBoundedBody } from './bounded-body.ts';

const FORM_TYPES = ['multipart/form-data', 'application/x-www-form-urlencoded'];

/**
 * Reads a form body, refusing what no form of ours sends: another content type, or a body larger
 * than `maxBytes`, counted while it is read (src/server/bounded-body.ts), chunked or not, whatever
 * Content-Length says. Only then is it parsed, from the bounded bytes in memory.
 */
export async function readForm(request: Request, maxBytes: number): Promise<FormData> {
  const contentType = request.headers.get('content-type') ?? '';
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (!FORM_TYPES.includes(type)) throw new DeskError('bad_content_type');
  const bytes = await readBoundedBody(request, maxBytes);
  try {
    return await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
  } catch (error) {
    throw new DeskError('invalid_input', { message: 'The form could not be read. Reload the page and send it again.', cause: error });
  }
}

/** The text fields of a form; repeated or file values keep only the first text. */
export function formFields(form: FormData): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of form) {
    if (typeof value === 'string' && !(name in fields)) fields[name] = value;
  }
  return fields;
}

/** Files sent under one field name; empty file inputs (no file chosen) are left out. */
export async function formFiles(form: FormData, name: string): Promise<AttachmentInput[]> {
  const files: AttachmentInput[] = [];
  for (const value of form.getAll(name)) {
    if (typeof value === 'string' || (value.size === 0 && value.name === '')) continue;
    files.push({ name: value.name, bytes: new Uint8Array(await value.arrayBuffer()) });
  }
  return files;
}
