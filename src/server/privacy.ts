import path from 'node:path';
import { findMailFiles, removeMailFiles } from '../mail/mail-folder.ts';
import { createPrivacy, type Privacy, type PrivacyOptions } from '../staff/privacy.ts';

/** Binds the privacy service to the runtime: the mail folder is `DATA_DIR/mail` (the file transport's, transport.ts). */
export function createPrivacyService(input: Omit<PrivacyOptions, 'mailFolder'> & { dataDir: string }): Privacy {
  const mailDir = path.join(input.dataDir, 'mail');
  const { dataDir: _dataDir, ...options } = input;
  return createPrivacy({ ...options, mailFolder: { find: (needles) => findMailFiles(mailDir, needles), remove: removeMailFiles } });
}
