import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { mentionsAny } from '../tickets/privacy.ts';

/** A mail the file transport wrote (`.eml` in the mail folder). */
export interface MailFile {
  file: string;
  raw: string;
}

/** The mail folder's messages mentioning any of the needles (an address, a name, a ticket ref), as written. */
export async function findMailFiles(mailDir: string, needles: readonly string[]): Promise<MailFile[]> {
  let names: string[];
  try {
    names = (await readdir(mailDir)).filter((name) => name.endsWith('.eml'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: MailFile[] = [];
  for (const name of names.sort()) {
    const file = path.join(mailDir, name);
    const raw = await readFile(file, 'utf8').catch(() => undefined);
    if (raw !== undefined && mentionsAny(raw, needles)) found.push({ file, raw });
  }
  return found;
}

/** Deletes mail files; answers how many went. */
export async function removeMailFiles(files: readonly string[]): Promise<number> {
  for (const file of files) await rm(file, { force: true });
  return files.length;
}
