/**
 * The web origin of a Git host (where issue pages and `/login/oauth/*` live), from its REST API base URL:
 * - github.com: `https://api.github.com` → `https://github.com`;
 * - GHE.com, GitHub Enterprise Cloud with data residency: `https://api.<tenant>.ghe.com` → `https://<tenant>.ghe.com`
 *   (https://docs.github.com/enterprise-cloud@latest/admin/data-residency/network-details-for-ghecom);
 * - GitHub Enterprise Server: `https://<host>/api/v3` → `https://<host>`
 *   (https://docs.github.com/enterprise-server@latest/rest/quickstart).
 */
export function webOriginFor(apiBaseUrl: string): string {
  const api = new URL(apiBaseUrl);
  if (api.hostname === 'api.github.com') return 'https://github.com';
  const tenant = /^api\.([^.]+\.ghe\.com)$/i.exec(api.hostname)?.[1];
  if (tenant) return `${api.protocol}//${tenant}${api.port ? `:${api.port}` : ''}`;
  return api.origin;
}

/** An issue's page in the host's web UI: `<web origin>/<owner>/<repo>/issues/<number>`. */
export function issueWebUrl(apiBaseUrl: string, repository: string, issueNumber: number): string {
  return `${webOriginFor(apiBaseUrl)}/${repository}/issues/${issueNumber}`;
}
