import { RequestError } from '@octokit/request-error';
import type { TicketLabel } from '../tickets/labels.ts';
import { GitHostError, toGitHostError } from './errors.ts';
import type { GitHost } from './git-host.ts';
import { syncLabels, type LabelSyncReport } from './labels.ts';
import { isPrivateRepository } from './mapping.ts';

/** How the server authenticates at the Git host, derived from the environment. */
export type GitHostCredentials = { kind: 'token'; token: string } | { kind: 'app'; appId: number; privateKey: string; installationId: number } | { kind: 'none' };

/** One thing wrong with the Git host set-up, with what to do about it. */
export interface StartupProblem {
  code:
    | 'credentials-missing'
    | 'credentials-rejected'
    | 'token-scope'
    | 'token-permission'
    | 'repository-not-found'
    | 'public-repository-clear-emails'
    | 'attachments-repository-not-found'
    | 'attachments-branch-missing'
    | 'host-unreachable'
    | 'sso-required'
    | 'repository-renamed'
    | 'issues-disabled'
    | 'repository-archived'
    | 'write-refused'
    | 'label-sync-failed'
    | 'public-attachments'
    | 'token-expiring'
    | 'bot-is-supporter';
  severity: 'error' | 'warning';
  message: string;
}

export interface StartupReport {
  ok: boolean;
  problems: StartupProblem[];
  botLogin?: string;
  /** Whether the ticket repository is private; an `internal` one is not (see isPrivateRepository). */
  repositoryPrivate?: boolean;
  /** What the start-up label sync did; absent when it did not run (an earlier problem made writing pointless). */
  labels?: LabelSyncReport;
}

/** A start-up check that failed; the message lists every problem and its fix. */
export class GitHostStartupError extends Error {
  override name = 'GitHostStartupError';
  readonly problems: StartupProblem[];
  constructor(problems: StartupProblem[]) {
    super(`the Git host is not usable:\n${problems.map((p) => `- ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Checks, before any adapter exists, that a configured Git host comes with credentials. */
export function checkCredentials(baseUrl: string | undefined, credentials: GitHostCredentials): StartupProblem[] {
  if (baseUrl === undefined || credentials.kind !== 'none') return [];
  return [
    {
      code: 'credentials-missing',
      severity: 'error',
      message: `GITHUB_TOKEN is not set, but gitHost.baseUrl is "${baseUrl}". Set GITHUB_TOKEN (classic token with the "repo" scope, or a fine-grained token with Issues and Contents read and write) or the three GITHUB_APP_* variables; or remove gitHost.baseUrl from helpdesk.config.json to use the embedded local issue host.`,
    },
  ];
}

/** What start-up checks of a repository: GitHub's answer to `GET /repos/{owner}/{repo}`, in the fields that matter. */
interface RepoCheck {
  fullName: string;
  private: boolean;
  visibility: string | undefined;
  hasIssues: boolean;
  archived: boolean;
  permissions?: { push?: boolean } | undefined;
}

type RepoRead = { found: RepoCheck } | 'not-found' | { ssoUrl: string | undefined };

/**
 * The `X-GitHub-SSO` header of a refusal, if any: `required; url=<where to authorise the token>` when the
 * organisation enforces SAML single sign-on and the token is not authorised for it.
 */
function ssoHeaderOf(error: unknown): string | undefined {
  const cause = error instanceof GitHostError ? error.cause : error;
  if (!(cause instanceof RequestError) || cause.status !== 403) return undefined;
  const value = cause.response?.headers['x-github-sso'];
  return value === undefined || value === null ? undefined : String(value);
}

async function readRepo(host: GitHost, fullName: string): Promise<RepoRead> {
  const [owner, repo] = fullName.split('/') as [string, string];
  try {
    const { data } = await host.octokit.request('GET /repos/{owner}/{repo}', { owner, repo });
    return {
      found: { fullName: data.full_name, private: data.private, visibility: data.visibility, hasIssues: data.has_issues, archived: data.archived, permissions: data.permissions },
    };
  } catch (error) {
    if (error instanceof RequestError && error.status === 404) return 'not-found';
    const sso = ssoHeaderOf(error);
    if (sso !== undefined) return { ssoUrl: /url=(\S+)/.exec(sso)?.[1] };
    throw error;
  }
}

/** GitHub's answer to a refused request, as `403: Resource not accessible by personal access token`. */
function hostAnswer(error: unknown): string {
  const cause = error instanceof GitHostError ? error.cause : error;
  if (!(cause instanceof RequestError)) return error instanceof Error ? error.message : String(error);
  const message = (cause.response?.data as { message?: unknown } | undefined)?.message;
  return `${cause.status}: ${typeof message === 'string' ? message : cause.message}`;
}

/** How far a repository that is not private can be read, for messages. */
function readableBy(repo: RepoCheck): string {
  return repo.visibility === 'internal' ? 'internal (every member of the enterprise can read it)' : 'public';
}

/** When the token expires, from GitHub's `github-authentication-token-expiration` header (`2021-10-07 19:07:53 UTC`). */
function tokenExpiry(header: string | number | undefined): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (UTC|[+-]\d{2}:?\d{2})$/.exec(String(header ?? '').trim());
  if (!match) return undefined;
  const zone = match[3] === 'UTC' ? 'Z' : (match[3] as string).replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const at = Date.parse(`${match[1]}T${match[2]}${zone}`);
  return Number.isNaN(at) ? undefined : at;
}

/** Warn this long before a token expires. */
const TOKEN_EXPIRY_WARNING_MS = 14 * 24 * 60 * 60 * 1000;

export interface StartupOptions {
  /** The configured API base URL; undefined for github.com. */
  baseUrl: string | undefined;
  authKind: 'token' | 'app';
  attachments?: { repository?: string | undefined; branch: string } | undefined;
  /** Whether a key to seal customer emails with is set (EMAIL_ENCRYPTION_KEY or SESSION_SECRET). */
  emailSecretSet: boolean;
  /**
   * The ticket labels. Start-up syncs them: the write that proves the identity may write, since the permissions a
   * repository reports are the user's role, not what a fine-grained token was granted.
   */
  labels: TicketLabel[];
  /** Logins of the configured supporters (`supporters[].login`). @default [] */
  supporters?: string[] | undefined;
  /** Whether customers may attach files (`attachments.maxCount` above 0). @default true */
  attachmentsEnabled?: boolean | undefined;
  /** The current time (ms epoch), for the token expiry warning. @default Date.now() */
  now?: number | undefined;
}

/**
 * Checks the Git host at start-up and proves what it can: credentials accepted, classic token scopes, the
 * repositories exist under their configured names, are reachable through SAML single sign-on, are not archived,
 * take issues, keep customer emails and files from readers they are not meant for; and, by syncing the ticket
 * labels (an idempotent write), that the identity may write. Warns of a token about to expire and of a bot login
 * that is also a supporter. Each problem names its fix.
 */
export async function checkGitHost(host: GitHost, options: StartupOptions): Promise<StartupReport> {
  const problems: StartupProblem[] = [];
  const where = options.baseUrl ?? 'https://api.github.com';
  const credential = options.authKind === 'token' ? 'GITHUB_TOKEN' : 'the GitHub App credentials (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_APP_INSTALLATION_ID)';
  let botLogin: string;
  try {
    botLogin = await host.botLogin();
  } catch (error) {
    if (error instanceof GitHostError && error.kind === 'auth') {
      problems.push({
        code: 'credentials-rejected',
        severity: 'error',
        message: `${credential} was rejected by ${where} (401 Bad credentials). Create a new token or key and set it again; tokens expire and can be revoked.`,
      });
    } else {
      problems.push({ code: 'host-unreachable', severity: 'error', message: `cannot reach the Git host at ${where}: ${(error as Error).message}. Check gitHost.baseUrl and the network.` });
    }
    return { ok: false, problems };
  }
  // Classic tokens list their scopes in X-OAuth-Scopes; fine-grained tokens and Apps send no such header.
  // Expiring tokens of either kind say when they expire on every answer.
  const userHeaders = options.authKind === 'token' ? (await host.octokit.request('GET /user')).headers : undefined;
  const scopesHeader = userHeaders?.['x-oauth-scopes'];
  const scopes =
    scopesHeader === undefined
      ? undefined
      : scopesHeader
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const expiresAt = tokenExpiry(userHeaders?.['github-authentication-token-expiration']);
  const now = options.now ?? Date.now();
  if (expiresAt !== undefined && expiresAt - now < TOKEN_EXPIRY_WARNING_MS) {
    const days = Math.max(Math.ceil((expiresAt - now) / 86_400_000), 0);
    problems.push({
      code: 'token-expiring',
      severity: 'warning',
      message: `GITHUB_TOKEN expires on ${new Date(expiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC (in ${days} day${days === 1 ? '' : 's'}); from then every request to ${where} fails. Create a new token with the same access and set GITHUB_TOKEN before then.`,
    });
  }
  if ((options.supporters ?? []).some((login) => login.toLowerCase() === botLogin.toLowerCase())) {
    problems.push({
      code: 'bot-is-supporter',
      severity: 'warning',
      message: `${botLogin}, the identity of ${credential}, is also listed under supporters in helpdesk.config.json: every comment ${botLogin} writes on the Git host is taken for the site's own, so that supporter's replies never count as staff replies. Give the site an identity of its own (a machine user's token or a GitHub App), or remove "${botLogin}" from supporters.`,
    });
  }
  const ssoProblem = (repository: string, url: string | undefined): StartupProblem => ({
    code: 'sso-required',
    severity: 'error',
    message: `${credential} is not authorized for the SAML single sign-on that ${repository.split('/')[0]} enforces, so ${where} refuses every request to ${repository} (403 with X-GitHub-SSO). Authorize the token for SSO: ${url ? `open ${url} while signed in, or ` : ''}on GitHub go to Settings → Developer settings → Personal access tokens, choose Configure SSO next to the token and Authorize ${repository.split('/')[0]}; then restart.`,
  });
  const read = await readRepo(host, host.repository);
  const scopeProblem = (isPrivate: boolean): StartupProblem => ({
    code: 'token-scope',
    severity: 'error',
    message: `GITHUB_TOKEN lacks the "${isPrivate ? 'repo' : 'public_repo'}" scope (it has: ${scopes && scopes.length > 0 ? scopes.join(', ') : 'none'}). Create a classic token with the "repo" scope, or a fine-grained token with Issues and Contents read and write on ${host.repository}.`,
  });
  if (read === 'not-found') {
    // Without the "repo" scope a private repository looks like it does not exist.
    if (scopes && !scopes.includes('repo')) problems.push(scopeProblem(true));
    else {
      problems.push({
        code: 'repository-not-found',
        severity: 'error',
        message: `repository "${host.repository}" was not found at ${where}, or ${botLogin} cannot see it. Check gitHost.repository in helpdesk.config.json, and give the ${options.authKind === 'token' ? 'token' : 'App installation'} access to that repository.`,
      });
    }
    return { ok: false, problems, botLogin };
  }
  if ('ssoUrl' in read) {
    problems.push(ssoProblem(host.repository, read.ssoUrl));
    return { ok: false, problems, botLogin };
  }
  const repo = read.found;
  if (scopes && !(scopes.includes('repo') || (!repo.private && scopes.includes('public_repo')))) problems.push(scopeProblem(repo.private));
  problems.push(...repositoryProblems(repo, host.repository, 'gitHost.repository', where));
  if (!repo.hasIssues) {
    problems.push({
      code: 'issues-disabled',
      severity: 'error',
      message: `issues are turned off on ${host.repository}, so every new ticket would be refused (410 Gone). Turn Issues on under the repository's Settings → General → Features, or point gitHost.repository in helpdesk.config.json at a repository with issues.`,
    });
  }
  if (repo.permissions && repo.permissions.push !== true) {
    problems.push({
      code: 'token-permission',
      severity: 'error',
      message: `${botLogin} cannot write to ${host.repository} (no push permission). Add ${botLogin} as a collaborator with write access, or grant the token Issues and Contents read and write.`,
    });
  }
  const repositoryPrivate = isPrivateRepository(repo);
  if (!repositoryPrivate && !options.emailSecretSet) {
    problems.push({
      code: 'public-repository-clear-emails',
      severity: 'error',
      message: `repository "${host.repository}" is ${readableBy(repo)}, so customer emails would be stored in clear text in ticket metadata. Set EMAIL_ENCRYPTION_KEY or SESSION_SECRET (at least 32 characters) so they are sealed with AES-GCM, or make the repository private.`,
    });
  }
  const attachmentsRepo = options.attachments?.repository;
  const branch = options.attachments?.branch ?? 'attachments';
  let attachmentsTarget: RepoCheck | undefined = repo;
  if (attachmentsRepo && attachmentsRepo.toLowerCase() !== host.repository.toLowerCase()) {
    const attachments = await readRepo(host, attachmentsRepo);
    attachmentsTarget = undefined;
    if (attachments === 'not-found') {
      problems.push({
        code: 'attachments-repository-not-found',
        severity: 'error',
        message: `attachments repository "${attachmentsRepo}" was not found at ${where}. Check gitHost.attachments.repository in helpdesk.config.json, or remove it to store attachments in ${host.repository}.`,
      });
    } else if ('ssoUrl' in attachments) {
      problems.push(ssoProblem(attachmentsRepo, attachments.ssoUrl));
    } else {
      attachmentsTarget = attachments.found;
      problems.push(...repositoryProblems(attachments.found, attachmentsRepo, 'gitHost.attachments.repository', where));
    }
  }
  if (attachmentsTarget && options.attachmentsEnabled !== false && !isPrivateRepository(attachmentsTarget)) {
    const separate = attachmentsTarget !== repo;
    problems.push({
      code: 'public-attachments',
      severity: 'error',
      message: separate
        ? `attachments repository "${attachmentsRepo}" is ${readableBy(attachmentsTarget)}, so the files customers attach would be readable there. Point gitHost.attachments.repository in helpdesk.config.json at a private repository, make ${attachmentsRepo} private, or set attachments.maxCount to 0 to turn attachments off.`
        : `repository "${host.repository}" is ${readableBy(repo)}, and attachments are stored in it (gitHost.attachments.repository ${attachmentsRepo ? 'names it too' : 'is not set'}), so the files customers attach would be readable there. Set gitHost.attachments.repository in helpdesk.config.json to a private repository (the "${branch}" branch is created there on the first upload), make ${host.repository} private, or set attachments.maxCount to 0 to turn attachments off.`,
    });
  }
  if (attachmentsTarget) {
    const [owner, name] = (attachmentsRepo ?? host.repository).split('/') as [string, string];
    try {
      await host.octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { owner, repo: name, ref: `heads/${branch}` });
    } catch (error) {
      if (!(error instanceof RequestError && error.status === 404)) throw error;
      problems.push({
        code: 'attachments-branch-missing',
        severity: 'warning',
        message: `attachments branch "${branch}" does not exist yet in ${attachmentsRepo ?? host.repository}; it is created on the first upload, or now by \`npm run setup:labels\`.`,
      });
    }
  }
  // A write proves what `permissions` cannot: with a fine-grained token it reports the user's role, not the token's
  // grants. Pointless (and refused) when a check above already says writing is impossible.
  const blocked: StartupProblem['code'][] = ['token-scope', 'token-permission', 'repository-archived', 'repository-renamed'];
  let labels: LabelSyncReport | undefined;
  if (!problems.some((p) => blocked.includes(p.code))) {
    const proved = await proveWrite(host, options.labels);
    if ('problem' in proved) {
      const sso = ssoHeaderOf(proved.problem.cause);
      if (sso !== undefined) problems.push(ssoProblem(host.repository, /url=(\S+)/.exec(sso)?.[1]));
      else {
        problems.push({
          code: proved.problem.refused ? 'write-refused' : 'label-sync-failed',
          severity: 'error',
          message: proved.problem.refused
            ? `${botLogin} may not write to ${host.repository} (${proved.problem.message})${repo.permissions?.push ? ', although the repository reports push access for it' : ''}. ${
                options.authKind === 'token'
                  ? `For a fine-grained token the repository reports its user's role, not what the token was granted: give the token Issues and Contents "Read and write" on ${host.repository}`
                  : `Give the GitHub App Issues and Contents "Read and write" and accept the new permissions on its installation for ${host.repository}`
              }, then restart.`
            : `the ticket labels could not be written to ${host.repository}: ${proved.problem.message}. Check ticketTypes and categories in helpdesk.config.json.`,
        });
      }
    } else labels = proved.labels;
  }
  return { ok: !problems.some((p) => p.severity === 'error'), problems, botLogin, repositoryPrivate, ...(labels ? { labels } : {}) };
}

/** What GitHub's answer for a repository says is wrong with it, whichever role it plays (`key` names its config key). */
function repositoryProblems(repo: RepoCheck, configured: string, key: string, where: string): StartupProblem[] {
  const problems: StartupProblem[] = [];
  // GitHub serves a renamed or transferred repository under its old name too (a redirect), but webhooks, links
  // and issue URLs carry the new one, so webhooks for the old name would be ignored. Names compare case-insensitively.
  if (repo.fullName.toLowerCase() !== configured.toLowerCase()) {
    problems.push({
      code: 'repository-renamed',
      severity: 'error',
      message: `${key} is "${configured}", but ${where} answers for it as "${repo.fullName}" (the repository was renamed or transferred). Set ${key} to "${repo.fullName}" in helpdesk.config.json.`,
    });
  }
  if (repo.archived) {
    problems.push({
      code: 'repository-archived',
      severity: 'error',
      message: `${repo.fullName} is archived, so it is read-only and every write to it would be refused (403). Unarchive it (Settings → General → Danger Zone → Unarchive this repository), or point ${key} in helpdesk.config.json at a repository that is not archived.`,
    });
  }
  return problems;
}

/**
 * Syncs the ticket labels; when that wrote nothing (every label already right), re-sends one label's own values,
 * a write that changes nothing. A refusal (403, or 404 for a token that may read but not write) or another
 * client error comes back as a problem; anything else (the host down) is thrown.
 */
async function proveWrite(host: GitHost, labels: TicketLabel[]): Promise<{ labels: LabelSyncReport } | { problem: { refused: boolean; message: string; cause: unknown } }> {
  const [owner, repo] = host.repository.split('/') as [string, string];
  try {
    const report = await syncLabels(host, labels);
    const label = labels[0];
    if (report.created.length === 0 && report.updated.length === 0 && label) {
      try {
        await host.octokit.request('PATCH /repos/{owner}/{repo}/labels/{name}', { owner, repo, name: label.name, color: label.color, description: label.description });
      } catch (error) {
        throw toGitHostError(error, { write: false, what: `write label "${label.name}"` });
      }
    }
    return { labels: report };
  } catch (error) {
    const status = error instanceof GitHostError ? error.status : undefined;
    if (!(error instanceof GitHostError) || error.kind === 'rate-limited' || status === undefined || status < 400 || status >= 500) throw error;
    return { problem: { refused: status === 403 || status === 404, message: `writing the ticket labels was refused (${hostAnswer(error)})`, cause: error } };
  }
}
