import { createHash } from 'node:crypto';
import type { components } from '@octokit/openapi-types';
import type { BranchRecord, CommentRecord, FileRecord, IssueRecord, LabelRecord, ReactionRecord, RepoRecord } from './records.ts';
import type { LocalUser } from './users.ts';

type Schemas = components['schemas'];

/** Where the host lives: `api` is what clients use as base URL, `web` stands in for github.com pages. */
export interface HostUrls {
  api: string;
  web: string;
}

const EPOCH = '2024-01-01T00:00:00Z';

function nodeId(kind: string, id: number): string {
  return Buffer.from(`${kind}:${id}`).toString('base64url');
}

/** A user as GitHub embeds it in issues, comments and reactions (`simple-user`). */
export function toSimpleUser(urls: HostUrls, user: Pick<LocalUser, 'login' | 'id' | 'type'>): Schemas['simple-user'] {
  // An App's bot (`slug[bot]`) has its brackets escaped in URLs, and its page is the App's (`/apps/slug`), as on GitHub.
  const u = `${urls.api}/users/${encodeURIComponent(user.login)}`;
  const app = /^(.+)\[bot\]$/.exec(user.login)?.[1];
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId('User', user.id),
    avatar_url: `${urls.web}/avatars/${encodeURIComponent(user.login)}`,
    gravatar_id: '',
    url: u,
    html_url: app ? `${urls.web}/apps/${app}` : `${urls.web}/${user.login}`,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type: user.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** The authenticated user (`GET /user`, `private-user`). */
export function toPrivateUser(urls: HostUrls, user: LocalUser): Schemas['private-user'] {
  return {
    ...toSimpleUser(urls, user),
    user_view_type: 'private',
    name: user.login,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: EPOCH,
    updated_at: EPOCH,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: false,
  };
}

/**
 * `GET /repos/{owner}/{repo}/collaborators/{username}/permission` (`repository-collaborator-permission`).
 * As on GitHub, `permission` is the legacy base role (maintain → write, triage → read) and `role_name`
 * the precise one; a user with no access reads public repositories, so there they get `read`.
 */
export function toCollaboratorPermission(urls: HostUrls, user: Pick<LocalUser, 'login' | 'id' | 'type' | 'permission'>, privateRepo: boolean): Schemas['repository-collaborator-permission'] {
  const role = user.permission === 'none' && !privateRepo ? 'read' : user.permission;
  const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
  const at = (r: (typeof role)[]) => r.includes(role);
  return {
    permission,
    role_name: role,
    user: {
      ...toSimpleUser(urls, user),
      permissions: {
        admin: at(['admin']),
        maintain: at(['admin', 'maintain']),
        push: at(['admin', 'maintain', 'write']),
        triage: at(['admin', 'maintain', 'write', 'triage']),
        pull: role !== 'none',
      },
      role_name: role,
    },
  };
}

/** `GET /repos/{owner}/{repo}` (`full-repository`), with the caller's permissions. */
export function toFullRepository(
  urls: HostUrls,
  repo: RepoRecord,
  owner: Pick<LocalUser, 'login' | 'id' | 'type'>,
  permissions: Schemas['full-repository']['permissions'],
  openIssues: number,
): Schemas['full-repository'] {
  const full = `${repo.owner}/${repo.name}`;
  const u = `${urls.api}/repos/${full}`;
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: full,
    owner: toSimpleUser(urls, owner),
    private: repo.private,
    visibility: repo.private ? 'private' : 'public',
    html_url: `${urls.web}/${full}`,
    description: null,
    fork: false,
    url: u,
    archive_url: `${u}/{archive_format}{/ref}`,
    assignees_url: `${u}/assignees{/user}`,
    blobs_url: `${u}/git/blobs{/sha}`,
    branches_url: `${u}/branches{/branch}`,
    collaborators_url: `${u}/collaborators{/collaborator}`,
    comments_url: `${u}/comments{/number}`,
    commits_url: `${u}/commits{/sha}`,
    compare_url: `${u}/compare/{base}...{head}`,
    contents_url: `${u}/contents/{+path}`,
    contributors_url: `${u}/contributors`,
    deployments_url: `${u}/deployments`,
    downloads_url: `${u}/downloads`,
    events_url: `${u}/events`,
    forks_url: `${u}/forks`,
    git_commits_url: `${u}/git/commits{/sha}`,
    git_refs_url: `${u}/git/refs{/sha}`,
    git_tags_url: `${u}/git/tags{/sha}`,
    git_url: `git://localhost/${full}.git`,
    issue_comment_url: `${u}/issues/comments{/number}`,
    issue_events_url: `${u}/issues/events{/number}`,
    issues_url: `${u}/issues{/number}`,
    keys_url: `${u}/keys{/key_id}`,
    labels_url: `${u}/labels{/name}`,
    languages_url: `${u}/languages`,
    merges_url: `${u}/merges`,
    milestones_url: `${u}/milestones{/number}`,
    notifications_url: `${u}/notifications{?since,all,participating}`,
    pulls_url: `${u}/pulls{/number}`,
    releases_url: `${u}/releases{/id}`,
    ssh_url: `git@localhost:${full}.git`,
    stargazers_url: `${u}/stargazers`,
    statuses_url: `${u}/statuses/{sha}`,
    subscribers_url: `${u}/subscribers`,
    subscription_url: `${u}/subscription`,
    tags_url: `${u}/tags`,
    teams_url: `${u}/teams`,
    trees_url: `${u}/git/trees{/sha}`,
    clone_url: `${urls.web}/${full}.git`,
    mirror_url: null,
    hooks_url: `${u}/hooks`,
    svn_url: `${urls.web}/${full}`,
    homepage: null,
    language: null,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues_count: openIssues,
    open_issues: openIssues,
    has_issues: true,
    // Deprecated, but still sent, and required in webhook payloads' repositories.
    has_downloads: false,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_discussions: false,
    archived: false,
    disabled: false,
    license: null,
    pushed_at: repo.createdAt,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    network_count: 0,
    subscribers_count: 0,
    ...(permissions ? { permissions } : {}),
  };
}

export function toLabel(urls: HostUrls, repo: RepoRecord, label: LabelRecord): Schemas['label'] {
  return {
    id: label.id,
    node_id: nodeId('Label', label.id),
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    description: label.description,
    color: label.color,
    default: false,
  };
}

export function toReaction(urls: HostUrls, reaction: ReactionRecord, user: (login: string) => Pick<LocalUser, 'login' | 'id' | 'type'>): Schemas['reaction'] {
  return {
    id: reaction.id,
    node_id: nodeId('Reaction', reaction.id),
    user: toSimpleUser(urls, user(reaction.user)),
    content: reaction.content as Schemas['reaction']['content'],
    created_at: reaction.createdAt,
  };
}

function reactionRollup(url: string, reactions: ReactionRecord[]): Schemas['reaction-rollup'] {
  const count = (c: string) => reactions.filter((r) => r.content === c).length;
  return {
    url,
    total_count: reactions.length,
    '+1': count('+1'),
    '-1': count('-1'),
    laugh: count('laugh'),
    confused: count('confused'),
    heart: count('heart'),
    hooray: count('hooray'),
    eyes: count('eyes'),
    rocket: count('rocket'),
  };
}

/** Looks up a login for rendering; the author association comes from the token table. */
export type UserLookup = (login: string) => Pick<LocalUser, 'login' | 'id' | 'type' | 'association'>;

export function toIssue(urls: HostUrls, repo: RepoRecord, labels: LabelRecord[], issue: IssueRecord, user: UserLookup): Schemas['issue'] {
  const u = `${urls.api}/repos/${repo.owner}/${repo.name}/issues/${issue.number}`;
  const assignees = issue.assignees.map((a) => toSimpleUser(urls, user(a)));
  const author = user(issue.user);
  return {
    id: issue.id,
    node_id: nodeId('Issue', issue.id),
    url: u,
    repository_url: `${urls.api}/repos/${repo.owner}/${repo.name}`,
    labels_url: `${u}/labels{/name}`,
    comments_url: `${u}/comments`,
    events_url: `${u}/events`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/issues/${issue.number}`,
    timeline_url: `${u}/timeline`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: toSimpleUser(urls, author),
    labels: issue.labels.map((name) => {
      const label = labels.find((l) => l.name === name) ?? { id: 0, name, color: 'ededed', description: null };
      return toLabel(urls, repo, label);
    }),
    assignee: assignees[0] ?? null,
    assignees,
    milestone: null,
    locked: issue.locked ?? false,
    active_lock_reason: issue.locked ? (issue.lockReason ?? null) : null,
    comments: issue.comments.length,
    closed_at: issue.closedAt,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_by: issue.closedBy ? toSimpleUser(urls, user(issue.closedBy)) : null,
    author_association: author.association,
    reactions: reactionRollup(`${u}/reactions`, []),
  };
}

export function toComment(urls: HostUrls, repo: RepoRecord, comment: CommentRecord, user: UserLookup): Schemas['issue-comment'] {
  const u = `${urls.api}/repos/${repo.owner}/${repo.name}/issues/comments/${comment.id}`;
  const author = user(comment.user);
  return {
    id: comment.id,
    node_id: nodeId('IssueComment', comment.id),
    url: u,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/issues/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${urls.api}/repos/${repo.owner}/${repo.name}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: toSimpleUser(urls, author),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: author.association,
    // Which GitHub App made it on a user's behalf: none here (an App's own comments have its bot as `user`).
    performed_via_github_app: null,
    reactions: reactionRollup(`${u}/reactions`, comment.reactions),
  };
}

/** Git's blob id: sha1 of `blob <size>\0<content>`. */
export function gitBlobSha(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** A stable commit-like sha for a branch state. */
export function branchSha(files: Map<string, FileRecord>, parent: string): string {
  const hash = createHash('sha1').update(parent);
  for (const [path, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${path}\0${file.sha}\n`);
  return hash.digest('hex');
}

function contentLinks(urls: HostUrls, repo: RepoRecord, branch: string, path: string, sha: string) {
  const full = `${repo.owner}/${repo.name}`;
  const self = `${urls.api}/repos/${full}/contents/${path}?ref=${encodeURIComponent(branch)}`;
  const git = `${urls.api}/repos/${full}/git/blobs/${sha}`;
  const html = `${urls.web}/${full}/blob/${encodeURIComponent(branch)}/${path}`;
  return { self, git, html, download: `${urls.web}/raw/${full}/${encodeURIComponent(branch)}/${path}` };
}

/**
 * Largest file the contents API returns inline; a larger one (up to 100 MB) comes without content, for the blob API
 * (https://docs.github.com/rest/repos/contents#get-repository-content, "Notes": 1–100 MB).
 */
export const INLINE_CONTENT_MAX = 1024 * 1024;

/** A file as the contents API's `object` media type gives it: over INLINE_CONTENT_MAX, `content` is empty and `encoding` "none". */
export function toContentFile(urls: HostUrls, repo: RepoRecord, branch: string, path: string, file: FileRecord): Schemas['content-file'] {
  const links = contentLinks(urls, repo, branch, path, file.sha);
  const inline = file.content.length <= INLINE_CONTENT_MAX;
  return {
    type: 'file',
    encoding: inline ? 'base64' : 'none',
    size: file.content.length,
    name: path.split('/').pop() ?? path,
    path,
    content: inline ? file.content.toString('base64') : '',
    sha: file.sha,
    url: links.self,
    git_url: links.git,
    html_url: links.html,
    download_url: links.download,
    _links: { self: links.self, git: links.git, html: links.html },
  };
}

/** The answer to a contents write; `file` undefined for a deletion (`content: null`, as GitHub answers it). */
export function toFileCommit(urls: HostUrls, repo: RepoRecord, branch: string, path: string, file: FileRecord | undefined, commitSha: string, message: string, author: string): Schemas['file-commit'] {
  const full = `${repo.owner}/${repo.name}`;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const person = { name: author, email: `${author}@users.noreply.localhost`, date: now };
  const links = file ? contentLinks(urls, repo, branch, path, file.sha) : undefined;
  return {
    content: !(links && file)
      ? null
      : {
          name: path.split('/').pop() ?? path,
          path,
          sha: file.sha,
          size: file.content.length,
          url: links.self,
          html_url: links.html,
          git_url: links.git,
          download_url: links.download,
          type: 'file',
          _links: { self: links.self, git: links.git, html: links.html },
        },
    commit: {
      sha: commitSha,
      node_id: Buffer.from(`Commit:${commitSha}`).toString('base64url'),
      url: `${urls.api}/repos/${full}/git/commits/${commitSha}`,
      html_url: `${urls.web}/${full}/commit/${commitSha}`,
      author: person,
      committer: person,
      message,
      tree: { url: `${urls.api}/repos/${full}/git/trees/${commitSha}`, sha: commitSha },
      parents: [],
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    },
  };
}

/** `GET /repos/{owner}/{repo}/git/blobs/{sha}` (`blob`): base64 in lines of 60 characters, as GitHub sends it. */
export function toBlob(urls: HostUrls, repo: RepoRecord, file: FileRecord): Schemas['blob'] {
  const base64 = file.content.toString('base64');
  return {
    sha: file.sha,
    node_id: Buffer.from(`Blob:${file.sha}`).toString('base64url'),
    size: file.content.length,
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/git/blobs/${file.sha}`,
    content: `${base64.replace(/.{60}/g, '$&\n')}\n`,
    encoding: 'base64',
  };
}

export function toGitRef(urls: HostUrls, repo: RepoRecord, branch: BranchRecord): Schemas['git-ref'] {
  const full = `${repo.owner}/${repo.name}`;
  return {
    ref: `refs/heads/${branch.name}`,
    node_id: Buffer.from(`Ref:${full}:${branch.name}`).toString('base64url'),
    url: `${urls.api}/repos/${full}/git/refs/heads/${encodeURIComponent(branch.name)}`,
    object: { type: 'commit', sha: branch.sha, url: `${urls.api}/repos/${full}/git/commits/${branch.sha}` },
  };
}
