/**
 * Where the site reads its config and articles. Overridable so tests can build a scenario
 * folder; `npm start` and the build use the defaults at the project root.
 */
export interface SitePaths {
  /** @default "helpdesk.config.json" */
  configFile: string;
  /** @default "content/articles" */
  contentDir: string;
}

export function readSitePaths(env: Record<string, string | undefined> = process.env): SitePaths {
  return {
    configFile: env['HELPDESK_CONFIG'] || 'helpdesk.config.json',
    contentDir: env['HELPDESK_CONTENT'] || 'content/articles',
  };
}
