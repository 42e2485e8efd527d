// The mail the site writes as .eml files to DATA_DIR/mail when no SMTP server is configured.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface FolderMail {
  /** The To: header as written (several recipients are comma-separated). */
  to: string;
  subject: string;
  /** The whole mail, quoted-printable soft breaks and `=3D` undone so links read whole. */
  text: string;
}

/** Every mail written so far under `dataDir`. */
export function readMailFolder(dataDir: string): FolderMail[] {
  const dir = path.join(dataDir, 'mail');
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  return files.map((f) => {
    const raw = readFileSync(path.join(dir, f), 'utf8');
    return { to: /^To: (.*)$/m.exec(raw)?.[1]?.trim() ?? '', subject: /^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? '', text: raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=') };
  });
}

/** The mails to `email` (one of their recipients). */
export function mailsTo(dataDir: string, email: string): string[] {
  return readMailFolder(dataDir)
    .filter((m) => m.to.split(',').some((to) => to.trim() === email))
    .map((m) => m.text);
}

/** The sign-in link (path and token) in a mail read by this module, if it has one. */
export function signInLinkIn(mail: string): string | undefined {
  return /\/tickets\/access\?token=[\w.%-]+/.exec(mail)?.[0];
}
