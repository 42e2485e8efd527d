import type { TicketLabel } from '../tickets/labels.ts';
import { toGitHostError } from './errors.ts';
import type { GitHost } from './git-host.ts';

export interface LabelSyncReport {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/**
 * Creates or updates the ticket labels on the ticket repository (idempotent: a second run changes
 * nothing and makes no write request). Labels outside the set are left alone.
 */
export async function syncLabels(host: GitHost, labels: TicketLabel[]): Promise<LabelSyncReport> {
  const [owner, repo] = host.repository.split('/') as [string, string];
  const what = `read the labels of ${host.repository}`;
  let existing: Array<{ name: string; color: string; description: string | null }>;
  try {
    existing = await host.octokit.paginate('GET /repos/{owner}/{repo}/labels', { owner, repo, per_page: 100 });
  } catch (error) {
    throw toGitHostError(error, { write: false, what });
  }
  const byName = new Map(existing.map((l) => [l.name.toLowerCase(), l]));
  const report: LabelSyncReport = { created: [], updated: [], unchanged: [] };
  for (const label of labels) {
    const current = byName.get(label.name.toLowerCase());
    try {
      if (!current) {
        await host.octokit.request('POST /repos/{owner}/{repo}/labels', { owner, repo, name: label.name, color: label.color, description: label.description });
        report.created.push(label.name);
      } else if (current.name !== label.name || current.color.toLowerCase() !== label.color.toLowerCase() || (current.description ?? '') !== label.description) {
        await host.octokit.request('PATCH /repos/{owner}/{repo}/labels/{name}', { owner, repo, name: current.name, new_name: label.name, color: label.color, description: label.description });
        report.updated.push(label.name);
      } else {
        report.unchanged.push(label.name);
      }
    } catch (error) {
      throw toGitHostError(error, { write: false, what: `write label "${label.name}"` });
    }
  }
  return report;
}
