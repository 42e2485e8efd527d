import type { GitHost } from './git-host.ts';
import { toGitHostError } from './errors.ts';

/** A plain issue (not a ticket): no metadata block, so the workflow and the read model leave it alone (workflow/sync-ticket.ts `isDeskTicket`). */
export interface NewPlainIssue {
  title: string;
  /** Markdown; put customer text in only neutralised (tickets/neutralize.ts). */
  body: string;
  labels: string[];
}

/**
 * Opens a plain issue in the ticket repository with the bot's credentials, through the adapter's Octokit (its
 * retry and throttling plugins apply). GitHub creates a label the repository does not have yet when an issue
 * names it. Failures come back as a GitHostError (`unknown-outcome` after a 5xx or timeout: the issue may exist).
 */
export async function openPlainIssue(host: Pick<GitHost, 'octokit' | 'repository'>, issue: NewPlainIssue): Promise<{ number: number; url: string | undefined }> {
  const [owner, repo] = host.repository.split('/') as [string, string];
  try {
    const { data } = await host.octokit.request('POST /repos/{owner}/{repo}/issues', { owner, repo, title: issue.title, body: issue.body, labels: issue.labels });
    return { number: data.number, url: data.html_url || undefined };
  } catch (error) {
    throw toGitHostError(error, { write: true, what: `open the issue "${issue.title}"` });
  }
}
