/**
 * The built-in mail templates (`src/mail/templates/*.txt|html`), bundled as text so the built server needs
 * no source folder. Site owners override them file by file (config `mailTemplatesDir`).
 */
const files = import.meta.glob<string>('./templates/*.{txt,html}', { query: '?raw', import: 'default', eager: true });

export const DEFAULT_MAIL_TEMPLATES: Record<string, string> = Object.fromEntries(Object.entries(files).map(([path, text]) => [path.split('/').pop() as string, text]));
