import { randomUUID } from 'node:crypto';
import type { components } from '@octokit/openapi-types';
import type { Faults, RepositorySwitches } from './faults.ts';
import type { RepoRecord } from './records.ts';
import type { LocalUser } from './users.ts';

type FullRepository = components['schemas']['full-repository'];

/** An answer in the shape the API routes give (structural, so this module needs nothing from api.ts). */
interface Refusal {
  status: number;
  body: { message: string; documentation_url: string; status: string };
  headers?: Record<string, string>;
}

function refusal(status: number, message: string, docs: string, headers?: Record<string, string>): Refusal {
  return { status, body: { message, documentation_url: docs, status: String(status) }, ...(headers ? { headers } : {}) };
}

const isWrite = (method: string) => method !== 'GET' && method !== 'HEAD';

/** The switches in force for a repository, if any (matched case-insensitively, as GitHub matches names). */
export function switchesFor(faults: Faults | undefined, repo: RepoRecord): RepositorySwitches | undefined {
  const name = `${repo.owner}/${repo.name}`.toLowerCase();
  return Object.entries(faults?.repositories ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
}

/** The repository as its switches present it: visibility, `has_issues`, `archived`, and the name after a rename. */
export function presentRepository(json: FullRepository, switches: RepositorySwitches | undefined): FullRepository {
  if (!switches) return json;
  const presented: FullRepository = { ...json };
  if (switches.visibility) {
    presented.visibility = switches.visibility;
    // GitHub reports internal repositories as private: only `visibility` tells them apart.
    presented.private = switches.visibility !== 'public';
  }
  if (switches.issuesDisabled) presented.has_issues = false;
  if (switches.archived) presented.archived = true;
  if (switches.fullName) {
    presented.full_name = switches.fullName;
    presented.name = switches.fullName.split('/')[1] as string;
  }
  return presented;
}

/**
 * What GitHub answers instead of serving a request, for a repository's switches and the caller's token: SAML
 * single sign-on not authorised (403 with `X-GitHub-SSO`), a fine-grained token granted read only (403 on
 * writes), issues disabled (410 on issue routes), archived (403 on writes). Undefined: serve it.
 */
export function refusalFor(input: { switches: RepositorySwitches | undefined; user: LocalUser | undefined; method: string; route: string[]; repo: RepoRecord; webUrl: string }): Refusal | undefined {
  const { switches, user, method, route, repo } = input;
  if (switches?.ssoRequired && user) {
    // https://docs.github.com/rest/authentication/authenticating-to-the-rest-api#personal-access-tokens-and-saml-sso
    const url = `${input.webUrl}/orgs/${repo.owner}/sso?authorization_request=${randomUUID()}`;
    return refusal(
      403,
      'Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.',
      'https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/',
      { 'x-github-sso': `required; url=${url}` },
    );
  }
  if (user?.tokenGrants === 'read' && isWrite(method)) {
    return refusal(403, 'Resource not accessible by personal access token', 'https://docs.github.com/rest/authentication/permissions-required-for-fine-grained-personal-access-tokens');
  }
  if (switches?.issuesDisabled && route[0] === 'issues') return refusal(410, 'Issues are disabled for this repo', 'https://docs.github.com/rest/issues/issues');
  if (switches?.archived && isWrite(method)) return refusal(403, 'Repository was archived so is read-only.', 'https://docs.github.com/rest');
  return undefined;
}

/** Whether bodies this user writes are stored as GitHub's web UI stores them (CRLF line breaks). */
export function usesWebUiLineEndings(faults: Faults | undefined, user: LocalUser | undefined): boolean {
  const setting = faults?.webUiLineEndings;
  if (!setting || !user) return false;
  return !setting.logins || setting.logins.some((login) => login.toLowerCase() === user.login.toLowerCase());
}

/** A request body whose `body` text has CRLF line breaks (other fields untouched). */
export function withCrlfBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const text = (body as { body?: unknown }).body;
  return typeof text === 'string' ? { ...body, body: text.replace(/\r?\n/g, '\r\n') } : body;
}
