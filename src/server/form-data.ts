import type { AttachmentInput } from '../tickets/attachments.ts';
import { DeskError } from '../tickets/errors.ts';

const FORM_TYPES = ['multipart/form-data', 'application/x-www-form-urlencoded'];

/**
 * Reads a form body, refusing what no form of ours sends: another content type, or a body larger
 * than `maxBytes` (checked on the declared length before anything is read).
 */
export async function readForm(request: Request, maxBytes: number): Promise<FormData> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!FORM_TYPES.includes(type)) throw new DeskError('bad_content_type');
  const length = Number(request.headers.get('content-length') ?? '0');
  if (length > maxBytes) throw new DeskError('too_large', { message: `The request is too large: at most ${Math.floor(maxBytes / 1024 / 1024)} MiB in all.` });
  try {
    return await request.formData();
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
