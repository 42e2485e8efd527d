import { randomBytes } from 'node:crypto';
import type { TicketLabel } from '../tickets/labels.ts';
import { clientStats, type ClientOptions, type GitHostAuth } from './client.ts';
import { GitHostError, toGitHostError } from './errors.ts';
import { createGitHost, type GitHost, type GitHostOptions } from './git-host.ts';
import { syncLabels } from './labels.ts';
import { checkGitHost } from './startup.ts';

/** Titles of the issues a smoke run opens: how a later run knows them from anyone else's. */
export const SMOKE_TITLE_PREFIX = '[helpdesk smoke test]';
/** The branch smoke runs store their attachments on (created and deleted by the run, never the desk's own). */
export const SMOKE_ATTACHMENTS_BRANCH = 'helpdesk-smoke-attachments';
/** An attachment this large cannot be read through the contents API (over 1 MB): it takes the blob path. */
const LARGE_ATTACHMENT_BYTES = 1024 * 1024 + 64 * 1024;

export type SmokeOutcome = 'pass' | 'fail' | 'skip';

/** One row of the smoke report. */
export interface SmokeStep {
  step: string;
  outcome: SmokeOutcome;
  /** What was seen, or what went wrong and how to fix it. */
  detail: string;
}

export interface SmokeReport {
  /** No step failed. */
  ok: boolean;
  steps: SmokeStep[];
}

export interface SmokeOptions {
  /** API base URL. @default "https://api.github.com" */
  baseUrl?: string | undefined;
  auth: GitHostAuth;
  /** The throw-away repository, as owner/name. */
  repository: string;
  /** The ticket labels the site uses (ticketLabels(config)); the capability check syncs them. */
  labels: TicketLabel[];
  /** Logins of the configured supporters, for the start-up warning about a bot that is also one. @default [] */
  supporters?: string[] | undefined;
  /** Run on a repository with issues the smoke test did not make. @default false */
  force?: boolean | undefined;
  /** Who to assign: a collaborator. @default the token's user; none for a GitHub App (the step is skipped) */
  assignee?: string | undefined;
  /** Leave what the run made in place (for a look at it on the host). @default false */
  keep?: boolean | undefined;
  /** Called with the run's client before the walk (tests record its traffic). */
  observe?: ((octokit: GitHost['octokit']) => void) | undefined;
  /** Client tuning (tests pass no pacing); the production defaults otherwise. */
  tuning?: Partial<Pick<ClientOptions, 'intervalsMs' | 'retryBaseMs' | 'requestTimeoutMs' | 'log'>> | undefined;
}

/** Stops the run: later steps would only repeat the failure. */
class Abort extends Error {}

function explain(error: unknown): string {
  if (error instanceof GitHostError) return `${error.kind}${error.status ? ` (${error.status})` : ''}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/**
 * Walks a ticket's whole life on a throw-away repository through the desk's own adapter (the same client, mapping,
 * start-up checks and error classification), then removes what it made: credentials, capability, labels, a ticket, a
 * comment, reactions, attachments inline and through the blob API, a conditional read (ETag, 304) and the rate-limit
 * headers, assign, close, reopen, lock, a comment on the locked issue, a missing issue. Each step becomes a row; a
 * failure ends the walk (clean-up still runs). Refuses a repository with issues it did not make, unless `force`.
 */
export async function runSmoke(options: SmokeOptions): Promise<SmokeReport> {
  const runId = `${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(32).toString('hex');
  const hostOptions: GitHostOptions = {
    baseUrl: options.baseUrl,
    auth: options.auth,
    repository: options.repository,
    attachments: { branch: SMOKE_ATTACHMENTS_BRANCH },
    // Keys of this run only: customer emails are sealed on a public repository, metadata blocks signed.
    emailSecret: secret,
    metadataSecret: secret,
    log: options.tuning?.log ?? { warn: () => {}, info: () => {} },
    ...options.tuning,
  };
  const host = createGitHost(hostOptions);
  options.observe?.(host.octokit);
  const [owner, repo] = options.repository.split('/') as [string, string];
  const steps: SmokeStep[] = [];
  const made: { ticket?: number; files: Array<{ path: string; sha: string }>; branchCreated: boolean; labels: string[] } = { files: [], branchCreated: false, labels: [] };
  const blobReads: string[] = [];
  host.octokit.hook.after('request', (_response, request) => {
    if (/\/git\/blobs\//.test(request.url)) blobReads.push(request.url);
  });

  /** Runs one step; a thrown error fails it, `{ skip }` skips it; a failure aborts the walk unless `soft`. */
  async function step(name: string, run: () => Promise<string | { skip: string }>, soft = false): Promise<void> {
    try {
      const detail = await run();
      steps.push(typeof detail === 'string' ? { step: name, outcome: 'pass', detail } : { step: name, outcome: 'skip', detail: detail.skip });
    } catch (error) {
      steps.push({ step: name, outcome: 'fail', detail: explain(error) });
      if (!soft) throw new Abort(name);
    }
  }

  let botLogin = '';
  try {
    await step('credentials', async () => {
      botLogin = await host.botLogin();
      return `${options.auth.kind === 'app' ? 'GitHub App' : 'token'} of ${botLogin} accepted by ${options.baseUrl ?? 'https://api.github.com'}`;
    });

    await step('throw-away repository', async () => {
      const foreign: number[] = [];
      let ours = 0;
      try {
        for await (const { data } of host.octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues', { owner, repo, state: 'all', per_page: 100 })) {
          for (const issue of data) {
            // By title: an earlier run may have used other credentials (a token, then an App).
            if (issue.title.startsWith(SMOKE_TITLE_PREFIX) && !issue.pull_request) ours += 1;
            else foreign.push(issue.number);
          }
        }
      } catch (error) {
        throw toGitHostError(error, { write: false, what: `list the issues of ${options.repository}` });
      }
      const others = `${foreign.length} issue${foreign.length === 1 ? '' : 's'} the smoke test did not make (#${foreign.slice(0, 5).join(', #')}${foreign.length > 5 ? ', …' : ''})`;
      if (foreign.length > 0 && !options.force) {
        throw new Error(`${options.repository} has ${others}: run the smoke test on a throw-away repository, or pass --force to run it here anyway`);
      }
      return foreign.length > 0 ? `${others}; running anyway (--force)` : `no issues but those of earlier smoke runs (${ours})`;
    });

    await step('capability (start-up checks)', async () => {
      const report = await checkGitHost(host, {
        baseUrl: options.baseUrl,
        authKind: options.auth.kind,
        attachments: { branch: SMOKE_ATTACHMENTS_BRANCH },
        emailSecretSet: true,
        labels: options.labels,
        supporters: options.supporters,
        attachmentsEnabled: true,
      });
      made.labels = report.labels?.created ?? [];
      const errors = report.problems.filter((p) => p.severity === 'error');
      if (errors.length > 0) throw new Error(errors.map((p) => p.message).join(' | '));
      // The attachments branch is the smoke run's own: "missing" is expected, the first upload creates it.
      const warnings = report.problems.filter((p) => p.severity === 'warning' && p.code !== 'attachments-branch-missing');
      const private_ = report.repositoryPrivate ? 'private' : 'not private';
      return `write proven by the label sync, repository ${private_}${warnings.length > 0 ? `; warnings: ${warnings.map((w) => w.message).join(' | ')}` : ''}`;
    });

    await step('labels', async () => {
      const again = await syncLabels(host, options.labels);
      check(again.created.length === 0 && again.updated.length === 0, `a second label sync still changed ${[...again.created, ...again.updated].join(', ')}`);
      return `${options.labels.length} ticket labels present (${made.labels.length} created by this run); a second sync wrote nothing`;
    });

    const ticketKey = `smoke-${runId}-ticket`;
    let ticket = 0;
    await step('ticket', async () => {
      const labels = options.labels.map((l) => l.name).filter((n) => n === 'status: new' || n === 'priority: normal');
      const created = await host.createTicket({
        title: `${SMOKE_TITLE_PREFIX} ${runId}`,
        body: 'A ticket opened by `npm run smoke:github`. It is closed and locked when the run ends.',
        labels,
        key: ticketKey,
        ref: `SMOKE-${runId}`,
        customerEmail: 'smoke-test@example.invalid',
      });
      ticket = created.number;
      made.ticket = ticket;
      const read = await host.getTicket(ticket, { fresh: true });
      check(read, `ticket #${ticket} was created but cannot be read back`);
      check(read.meta?.key === ticketKey, `ticket #${ticket} reads back without its signed metadata block`);
      check(read.meta.customer?.email === 'smoke-test@example.invalid', `ticket #${ticket} does not give back the customer's address`);
      check(
        labels.every((l) => read.labels.includes(l)),
        `ticket #${ticket} lacks labels: has ${read.labels.join(', ')}`,
      );
      return `#${ticket} opened with ${labels.join(', ')}; metadata and customer address read back`;
    });

    let commentId = 0;
    await step('comment', async () => {
      const key = `smoke-${runId}-comment`;
      const message = await host.addComment(ticket, { body: 'A customer reply, as the outbox posts it.', key, customerEmail: 'smoke-test@example.invalid' });
      commentId = message.id;
      const found = await host.findMessageByKey(ticket, key);
      check(found?.id === message.id, `comment ${message.id} is not found by its idempotency key`);
      return `comment ${message.id} posted and found again by its idempotency key`;
    });

    await step('reactions', async () => {
      await host.setReaction(commentId, '+1');
      await host.setReaction(commentId, '-1', '+1');
      const mine = (await host.listReactions(commentId)).filter((r) => r.login === botLogin).map((r) => r.content);
      check(mine.length === 1 && mine[0] === '-1', `after changing +1 to -1 the bot's reactions are [${mine.join(', ')}]`);
      return 'rated +1, changed to -1: one reaction left';
    });

    await step('attachment (inline)', async () => {
      made.branchCreated = await branchMissing(host, owner, repo);
      const path = `smoke/${runId}/small.txt`;
      const bytes = Buffer.from(`smoke test ${runId}\n`);
      const ref = await host.uploadAttachment({ path, content: bytes, message: `smoke test: attachment ${path}` });
      made.files.push({ path, sha: ref.sha });
      const read = await host.readAttachment(path);
      check(read?.equals(bytes), `${path} reads back different from what was uploaded`);
      return `${bytes.length} bytes stored on branch ${SMOKE_ATTACHMENTS_BRANCH}${made.branchCreated ? ' (created)' : ''} and read back through the contents API`;
    });

    await step('attachment (blob API)', async () => {
      const path = `smoke/${runId}/large.bin`;
      const bytes = randomBytes(LARGE_ATTACHMENT_BYTES);
      const ref = await host.uploadAttachment({ path, content: bytes, message: `smoke test: attachment ${path}` });
      made.files.push({ path, sha: ref.sha });
      const before = blobReads.length;
      const read = await host.readAttachment(path);
      check(read?.equals(bytes), `${path} (${bytes.length} bytes) reads back different from what was uploaded`);
      check(blobReads.length > before, `${path} was read without the blob API: the contents API gave a file over 1 MB inline`);
      return `${bytes.length} bytes (over the contents API's 1 MB) read back through the blob API`;
    });

    await step('conditional read (ETag)', async () => {
      await host.getTicket(ticket, { fresh: true });
      const before = clientStats(host.octokit);
      await host.getTicket(ticket, { fresh: true });
      const after = clientStats(host.octokit);
      const sent = after.requests - before.requests;
      const unchanged = after.notModified - before.notModified;
      check(sent > 0 && unchanged === sent, `reading an unchanged ticket again sent ${sent} request(s), ${unchanged} answered 304 Not Modified`);
      return `an unchanged ticket read again: ${unchanged} of ${sent} requests answered 304 (no rate limit spent)`;
    });

    await step('rate-limit headers', async () => {
      const { headers } = await host.octokit.request('GET /repos/{owner}/{repo}', { owner, repo });
      const number = (name: string) => {
        const value = Number(headers[name]);
        check(headers[name] !== undefined && Number.isFinite(value), `the answer has no numeric ${name} header`);
        return value;
      };
      const limit = number('x-ratelimit-limit');
      const remaining = number('x-ratelimit-remaining');
      const reset = number('x-ratelimit-reset');
      check(remaining <= limit, `x-ratelimit-remaining ${remaining} is over x-ratelimit-limit ${limit}`);
      check(reset * 1000 > Date.now() - 60_000, `x-ratelimit-reset ${reset} is in the past`);
      return `${remaining} of ${limit} requests left (${headers['x-ratelimit-resource'] ?? 'core'}), resets ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC`;
    });

    await step('assign', async () => {
      const assignee = options.assignee ?? (options.auth.kind === 'token' ? botLogin : undefined);
      if (!assignee) return { skip: 'a GitHub App cannot be assigned; pass --assignee <a collaborator> to try assigning' };
      const assigned = await host.setAssignees(ticket, [assignee]);
      // GitHub drops an assignee it cannot assign without an error.
      check(assigned.assignees.includes(assignee), `GitHub dropped the assignee ${assignee}: only collaborators with access can be assigned (pass --assignee <login>)`);
      const cleared = await host.setAssignees(ticket, []);
      check(cleared.assignees.length === 0, `the assignees could not be cleared: ${cleared.assignees.join(', ')}`);
      return `assigned ${assignee}, then unassigned`;
    });

    await step('close', async () => {
      const closed = await host.updateTicket(ticket, { state: 'closed', closeReason: 'completed' });
      check(closed.state === 'closed' && closed.closedAt, `#${ticket} is ${closed.state} after closing`);
      return `#${ticket} closed as completed`;
    });

    await step('reopen', async () => {
      const open = await host.setState(ticket, 'open');
      check(open.state === 'open', `#${ticket} is ${open.state} after reopening`);
      return `#${ticket} open again`;
    });

    await step('lock', async () => {
      await lockIssue(host, owner, repo, ticket);
      const read = await host.getTicket(ticket, { fresh: true });
      check(read?.locked === true, `#${ticket} does not read back as locked`);
      return `#${ticket} locked as resolved`;
    });

    await step('comment on the locked issue', async () => {
      try {
        await host.addComment(ticket, { body: 'A customer reply queued before staff locked the issue.', key: `smoke-${runId}-locked` });
        return `accepted: ${botLogin} is a collaborator, and GitHub lets collaborators comment on locked issues (a reply queued before a lock still arrives)`;
      } catch (error) {
        // The adapter turns GitHub's 403 for a locked conversation into a refusal of this message only (git-host.ts).
        if (error instanceof GitHostError && error.kind === 'refused' && error.status === 403) {
          return `refused (403) as GitHub refuses non-collaborators: a reply queued before a lock is held back with the reason for staff, other writes go on`;
        }
        throw error;
      }
    });

    await step('missing issue (404)', async () => {
      const missing = ticket + 1_000_000;
      const read = await host.getTicket(missing, { fresh: true });
      check(read === undefined, `#${missing} reads as a ticket`);
      try {
        await host.octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { owner, repo, issue_number: missing });
        throw new Error(`#${missing} was answered`);
      } catch (error) {
        const e = toGitHostError(error, { write: false, what: `read #${missing}` });
        check(e.kind === 'not-found', `#${missing} was classified ${e.kind} (${e.status}), not not-found`);
      }
      return `#${missing} answered 404: a removed ticket, while the repository answers`;
    });
  } catch (error) {
    if (!(error instanceof Abort)) throw error;
  }

  if (!options.keep) await cleanUp(host, owner, repo, made, step);
  return { ok: steps.every((s) => s.outcome !== 'fail'), steps };
}

async function branchMissing(host: GitHost, owner: string, repo: string): Promise<boolean> {
  try {
    await host.octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { owner, repo, ref: `heads/${SMOKE_ATTACHMENTS_BRANCH}` });
    return false;
  } catch (error) {
    if (toGitHostError(error, { write: false, what: 'read the smoke branch' }).kind === 'not-found') return true;
    throw error;
  }
}

/** Locks an issue's conversation (`PUT …/lock`): the adapter has no lock of its own, staff lock issues on the host. */
async function lockIssue(host: GitHost, owner: string, repo: string, issueNumber: number): Promise<void> {
  try {
    await host.octokit.request('PUT /repos/{owner}/{repo}/issues/{issue_number}/lock', { owner, repo, issue_number: issueNumber, lock_reason: 'resolved' });
  } catch (error) {
    throw toGitHostError(error, { write: false, what: `lock #${issueNumber}` });
  }
  host.invalidate(issueNumber);
}

/** Removes what a run made: the ticket closed and locked (issues cannot be deleted through REST), files, branch, labels. */
async function cleanUp(
  host: GitHost,
  owner: string,
  repo: string,
  made: { ticket?: number; files: Array<{ path: string; sha: string }>; branchCreated: boolean; labels: string[] },
  step: (name: string, run: () => Promise<string | { skip: string }>, soft?: boolean) => Promise<void>,
): Promise<void> {
  const request = async (what: string, send: () => Promise<unknown>) => {
    try {
      await send();
    } catch (error) {
      throw toGitHostError(error, { write: false, what });
    }
  };
  if (made.ticket !== undefined) {
    const n = made.ticket;
    await step(
      'clean up: ticket',
      async () => {
        await host.updateTicket(n, { state: 'closed', closeReason: 'not_planned' });
        await lockIssue(host, owner, repo, n);
        return `#${n} closed as not planned and locked (GitHub's REST API cannot delete issues)`;
      },
      true,
    );
  }
  if (made.files.length > 0 || made.branchCreated) {
    await step(
      'clean up: attachments',
      async () => {
        for (const file of made.files) {
          await request(`delete ${file.path}`, () =>
            host.octokit.request('DELETE /repos/{owner}/{repo}/contents/{path}', {
              owner,
              repo,
              path: file.path,
              sha: file.sha,
              branch: SMOKE_ATTACHMENTS_BRANCH,
              message: `smoke test: delete ${file.path}`,
            }),
          );
        }
        if (made.branchCreated)
          await request(`delete branch ${SMOKE_ATTACHMENTS_BRANCH}`, () =>
            host.octokit.request('DELETE /repos/{owner}/{repo}/git/refs/{ref}', { owner, repo, ref: `heads/${SMOKE_ATTACHMENTS_BRANCH}` }),
          );
        return `${made.files.length} file(s) deleted${made.branchCreated ? `, branch ${SMOKE_ATTACHMENTS_BRANCH} deleted` : ''}`;
      },
      true,
    );
  }
  if (made.labels.length > 0) {
    await step(
      'clean up: labels',
      async () => {
        for (const name of made.labels) await request(`delete label ${name}`, () => host.octokit.request('DELETE /repos/{owner}/{repo}/labels/{name}', { owner, repo, name }));
        return `${made.labels.length} label(s) this run created deleted`;
      },
      true,
    );
  }
}

/** The report as a plain table: step, pass/fail/skip, detail; and a last line with the counts. */
export function formatSmokeTable(report: SmokeReport): string {
  const width = Math.max(...report.steps.map((s) => s.step.length), 4);
  const lines = report.steps.map((s) => `${s.step.padEnd(width)}  ${s.outcome.toUpperCase().padEnd(6)}  ${s.detail}`);
  const count = (o: SmokeOutcome) => report.steps.filter((s) => s.outcome === o).length;
  return [`${'step'.padEnd(width)}  result  detail`, ...lines, '', `smoke test: ${count('pass')} steps passed, ${count('fail')} failed, ${count('skip')} skipped`].join('\n');
}
