import { TEMPLATE_FILES } from './default-templates.generated.ts';

/**
 * The built-in mail templates (`src/mail/templates/*.txt|html`, the files to edit), inlined as text by
 * `npm run mail:templates` into default-templates.generated.ts so that this module loads in plain Node and the
 * built server needs no source folder. Site owners override them file by file (config `mailTemplatesDir`).
 */
export const DEFAULT_MAIL_TEMPLATES: Record<string, string> = { ...TEMPLATE_FILES };
