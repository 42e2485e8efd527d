import type { Faults } from './faults.ts';

/** An answer in the shape the API routes give (structural, so this module needs nothing from api.ts). */
interface Answer {
  status: number;
  body: { message: string; documentation_url: string; status: string; url?: string };
  headers?: Record<string, string>;
}

/** The issue a request is about (`/repos/{owner}/{repo}/issues/{n}` and what hangs off it), if any. */
function issueNumberOf(segments: readonly string[]): number | undefined {
  return segments[0] === 'repos' && segments[3] === 'issues' && /^\d+$/.test(segments[4] ?? '') ? Number(segments[4]) : undefined;
}

type Transfer = NonNullable<Faults['transferredIssues']>[number];

/** The transfer of issue `number` out of `repository` (`owner/name`), if it was transferred. */
function transferOf(faults: Faults | undefined, repository: string, number: number): Transfer | undefined {
  return faults?.transferredIssues?.find((t) => t.number === number && (t.from === undefined || t.from.toLowerCase() === repository.toLowerCase()));
}

/** Whether lists of `repository` leave an issue out: it was deleted or transferred away. */
export function isHiddenIssue(faults: Faults | undefined, repository: string, number: number): boolean {
  return (faults?.deletedIssues?.includes(number) ?? false) || transferOf(faults, repository, number) !== undefined;
}

/**
 * What GitHub answers about a deleted issue (410) or one transferred to another repository (301 to it by repository
 * id, https://docs.github.com/rest/issues/issues#get-an-issue); undefined: serve the request. `idOf` gives a served
 * repository's id by its full name.
 */
export function removedIssueAnswer(faults: Faults, segments: readonly string[], idOf: (fullName: string) => number | undefined, apiUrl: string): Answer | undefined {
  const number = issueNumberOf(segments);
  if (number === undefined) return undefined;
  if (faults.deletedIssues?.includes(number)) {
    return { status: 410, body: { message: 'This issue was deleted', documentation_url: 'https://docs.github.com/rest/issues/issues#get-an-issue', status: '410' } };
  }
  const moved = transferOf(faults, `${segments[1]}/${segments[2]}`, number);
  const id = moved && idOf(moved.to);
  if (!moved || id === undefined) return undefined;
  const url = `${apiUrl}/repositories/${id}/issues/${moved.toNumber}`;
  return {
    status: 301,
    body: { message: 'Moved Permanently', url, documentation_url: 'https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#follow-redirects', status: '301' },
    headers: { location: url },
  };
}

/** GitHub serves every repository route under `/repositories/{id}` too: the segments by name, for a served id. */
export function byRepositoryName(segments: string[], nameOf: (id: number) => string | undefined): string[] {
  if (segments[0] !== 'repositories' || !/^\d+$/.test(segments[1] ?? '')) return segments;
  const name = nameOf(Number(segments[1]));
  return name === undefined ? segments : ['repos', ...name.split('/'), ...segments.slice(2)];
}

/** The repository (`owner/name`, lower-cased) a contents write goes to, if the request is one. */
export function contentsWriteTarget(method: string, segments: readonly string[]): string | undefined {
  return method === 'PUT' && segments[0] === 'repos' && segments[3] === 'contents' ? `${segments[1]}/${segments[2]}`.toLowerCase() : undefined;
}

/** GitHub's answer to the loser of two commits racing on one branch through the contents API. */
export function contentsConflictAnswer(): Answer {
  const sha = () => Math.random().toString(16).slice(2, 10).padEnd(8, '0').repeat(5);
  return {
    status: 409,
    body: { message: `is at ${sha()} but expected ${sha()}`, documentation_url: 'https://docs.github.com/rest/repos/contents#create-or-update-file-contents', status: '409' },
  };
}
