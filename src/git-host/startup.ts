import { RequestError } from '@octokit/request-error';
import { GitHostError } from './errors.ts';
import type { GitHost } from './git-host.ts';

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
    | 'host-unreachable';
  severity: 'error' | 'warning';
  message: string;
}

export interface StartupReport {
  ok: boolean;
  problems: StartupProblem[];
  botLogin?: string;
  repositoryPrivate?: boolean;
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

interface RepoCheck {
  private: boolean;
  permissions?: { push?: boolean } | undefined;
}

async function readRepo(host: GitHost, fullName: string): Promise<RepoCheck | 'not-found'> {
  const [owner, repo] = fullName.split('/') as [string, string];
  try {
    const { data } = await host.octokit.request('GET /repos/{owner}/{repo}', { owner, repo });
    return { private: data.private, permissions: data.permissions };
  } catch (error) {
    if (error instanceof RequestError && error.status === 404) return 'not-found';
    throw error;
  }
}

/**
 * Checks the Git host at start-up: credentials accepted, classic token scopes, write access, the
 * repositories exist, and customer emails are not stored in clear text on a public repository.
 */
export async function checkGitHost(
  host: GitHost,
  options: { baseUrl: string | undefined; authKind: 'token' | 'app'; attachments?: { repository?: string | undefined; branch: string } | undefined; emailSecretSet: boolean },
): Promise<StartupReport> {
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
  const scopesHeader = options.authKind === 'token' ? (await host.octokit.request('GET /user')).headers['x-oauth-scopes'] : undefined;
  const scopes =
    scopesHeader === undefined
      ? undefined
      : scopesHeader
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const repo = await readRepo(host, host.repository);
  const scopeProblem = (isPrivate: boolean): StartupProblem => ({
    code: 'token-scope',
    severity: 'error',
    message: `GITHUB_TOKEN lacks the "${isPrivate ? 'repo' : 'public_repo'}" scope (it has: ${scopes && scopes.length > 0 ? scopes.join(', ') : 'none'}). Create a classic token with the "repo" scope, or a fine-grained token with Issues and Contents read and write on ${host.repository}.`,
  });
  if (repo === 'not-found') {
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
  if (scopes && !(scopes.includes('repo') || (!repo.private && scopes.includes('public_repo')))) problems.push(scopeProblem(repo.private));
  if (repo.permissions && repo.permissions.push !== true) {
    problems.push({
      code: 'token-permission',
      severity: 'error',
      message: `${botLogin} cannot write to ${host.repository} (no push permission). Add ${botLogin} as a collaborator with write access, or grant the token Issues and Contents read and write.`,
    });
  }
  if (!repo.private && !options.emailSecretSet) {
    problems.push({
      code: 'public-repository-clear-emails',
      severity: 'error',
      message: `repository "${host.repository}" is public, so customer emails would be stored in clear text in ticket metadata. Set EMAIL_ENCRYPTION_KEY or SESSION_SECRET (at least 32 characters) so they are sealed with AES-GCM, or make the repository private.`,
    });
  }
  const attachmentsRepo = options.attachments?.repository;
  if (attachmentsRepo && attachmentsRepo !== host.repository && (await readRepo(host, attachmentsRepo)) === 'not-found') {
    problems.push({
      code: 'attachments-repository-not-found',
      severity: 'error',
      message: `attachments repository "${attachmentsRepo}" was not found at ${where}. Check gitHost.attachments.repository in helpdesk.config.json, or remove it to store attachments in ${host.repository}.`,
    });
  } else {
    const [owner, name] = (attachmentsRepo ?? host.repository).split('/') as [string, string];
    const branch = options.attachments?.branch ?? 'attachments';
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
  return { ok: !problems.some((p) => p.severity === 'error'), problems, botLogin, repositoryPrivate: repo.private };
}
