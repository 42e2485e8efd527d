import type { components } from '@octokit/openapi-types';
import type { BranchRecord, CommentRecord, FileRecord, IssueRecord, RepoState } from './records.ts';
import {
  branchSha,
  gitBlobSha,
  toCollaboratorPermission,
  toComment,
  toContentFile,
  toFileCommit,
  toFullRepository,
  toGitRef,
  toIssue,
  toLabel,
  toPrivateUser,
  toReaction,
  toSimpleUser,
  toBlob,
  INLINE_CONTENT_MAX,
  type HostUrls,
  type UserLookup,
} from './shapes.ts';
import { isSafeContentPath, now, type Store } from './store.ts';
import { hasPermission, type LocalUser } from './users.ts';
import type { Faults } from './faults.ts';
import { presentRepository, refusalFor, switchesFor } from './repository-switches.ts';
import { isHiddenIssue } from './issue-faults.ts';

type Schemas = components['schemas'];

/** A parsed request as the routes see it. */
export interface ApiRequest {
  method: string;
  /** Path segments after the base, URL-decoded. */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  user: LocalUser | undefined;
  /** The request URL as the client sent it (for `Link` headers). */
  url: URL;
  /** The `Accept` header: the contents API answers large files only to its `object` (or raw) media type. */
  accept?: string | undefined;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Whether the request changed state (for after-apply faults). */
  wrote?: boolean;
}

/** Events the server turns into webhooks once the change is written. */
export type HostEvent = { event: 'issues' | 'issue_comment'; payload: Record<string, unknown> & { action: string } };

export interface ApiContext {
  store: Store;
  urls: HostUrls;
  users: LocalUser[];
  emit(event: HostEvent): void;
  /** The switches in force (repository settings). */
  faults?: Faults | undefined;
}

const DOCS = 'https://docs.github.com/rest';

function error(status: number, message: string, extra: Record<string, unknown> = {}): ApiResponse {
  return { status, body: { message, documentation_url: DOCS, status: String(status), ...extra } };
}

function validation(message: string, resource: string, field: string, code = 'invalid'): ApiResponse {
  return { status: 422, body: { message: 'Validation Failed', errors: [{ resource, code, field, message }], documentation_url: DOCS, status: '422' } };
}

const notFound = () => error(404, 'Not Found');

/** GitHub refuses label names over 50 characters (422), whether a label is created, renamed, or set on an issue. */
const LABEL_NAME_MAX = 50;

function tooLongLabel(method: string, route: string[], body: unknown): ApiResponse | undefined {
  if (!isRecord(body)) return undefined;
  const names =
    method === 'POST' && route.length === 1 && route[0] === 'labels'
      ? [body.name]
      : method === 'PATCH' && route[0] === 'labels'
        ? [body.new_name]
        : route[0] === 'issues' && route.length <= 2 && Array.isArray(body.labels)
          ? body.labels.map((l) => (isRecord(l) ? l.name : l))
          : [];
  const long = names.find((n): n is string => typeof n === 'string' && n.length > LABEL_NAME_MAX);
  return long === undefined ? undefined : validation(`name is too long (maximum is ${LABEL_NAME_MAX} characters): "${long}"`, 'Label', 'name', 'custom');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Pages a list the way GitHub does: `per_page` (max 100, default 30), `page`, and a `Link` header. */
function paginate<T>(items: T[], req: ApiRequest): ApiResponse & { body: T[] } {
  const perPage = Math.min(Math.max(Number(req.query.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(req.query.get('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (p: number, rel: string) => {
    const u = new URL(req.url);
    u.searchParams.set('per_page', String(perPage));
    u.searchParams.set('page', String(p));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'));
  return { status: 200, body: items.slice((page - 1) * perPage, page * perPage), ...(links.length > 0 ? { headers: { link: links.join(', ') } } : {}) };
}

/**
 * Trees and commits made through the Git data API and not (yet) on a branch: in memory only, like the objects a
 * client uploads to GitHub before pointing a ref at them (GitHub collects them when nothing refers to them).
 */
interface GitObjects {
  trees: Map<string, { sha: string; files: Map<string, FileRecord> }>;
  commits: Map<string, { tree: string; parents: string[] }>;
}
const gitObjects = new WeakMap<RepoState, GitObjects>();
/** Objects kept per kind and repository (the oldest dropped first). */
const GIT_OBJECTS_KEPT = 200;

function gitObjectsOf(state: RepoState): GitObjects {
  let objects = gitObjects.get(state);
  if (!objects) {
    objects = { trees: new Map(), commits: new Map() };
    gitObjects.set(state, objects);
  }
  return objects;
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > GIT_OBJECTS_KEPT) map.delete(map.keys().next().value as string);
}

/** Answers one API request. */
export async function handleApi(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const { segments: s, method } = req;
  if (s[0] === 'user' && s.length === 1 && method === 'GET') {
    if (req.user?.account !== undefined) return error(403, 'Resource not accessible by integration');
    return req.user ? { status: 200, body: toPrivateUser(ctx.urls, req.user) } : error(401, 'Requires authentication');
  }
  if (s[0] !== 'repos' || s.length < 3) return notFound();
  const state = ctx.store.get(s[1] as string, s[2] as string);
  if (!state || !canRead(req.user, state)) return notFound();
  const rest = s.slice(3);
  const refused = refusalFor({ switches: switchesFor(ctx.faults, state.repo), user: req.user, method, route: rest, repo: state.repo, webUrl: ctx.urls.web });
  if (refused) return refused;
  const badLabel = tooLongLabel(method, rest, req.body);
  if (badLabel) return badLabel;
  const route = `${method} ${rest.map((seg, i) => (/^\d+$/.test(seg) && i > 0 ? ':n' : seg)).join('/')}`;
  const api = new RepoApi(ctx, state, req);
  switch (route) {
    case 'GET ':
      return api.getRepo();
    case 'GET labels':
      return paginate(
        state.labels.map((l) => toLabel(ctx.urls, state.repo, l)),
        req,
      );
    case 'POST labels':
      return api.createLabel();
    case 'GET issues':
      return api.listIssues();
    case 'POST issues':
      return api.createIssue();
    case 'GET issues/comments':
      return api.listRepoComments();
    case 'GET issues/:n':
      return api.withIssue(rest[1], (issue) => ({ status: 200, body: api.issueJson(issue) }));
    case 'PATCH issues/:n':
      return api.updateIssue(rest[1]);
    case 'GET issues/:n/comments':
      return api.withIssue(rest[1], (issue) =>
        paginate(
          api
            .filterSince(issue.comments)
            .filter((c) => api.isListed(c))
            .map((c) => api.commentJson(c)),
          req,
        ),
      );
    case 'POST issues/:n/comments':
      return api.createComment(rest[1]);
    case 'GET issues/comments/:n':
      return api.withComment(rest[2], (c) => ({ status: 200, body: api.commentJson(c) }));
    case 'PATCH issues/comments/:n':
      return api.updateComment(rest[2]);
    case 'GET issues/comments/:n/reactions':
      return api.withComment(rest[2], (c) =>
        paginate(
          c.reactions.filter((r) => !req.query.get('content') || r.content === req.query.get('content')).map((r) => toReaction(ctx.urls, r, api.user)),
          req,
        ),
      );
    case 'DELETE issues/comments/:n/reactions/:n':
      return api.deleteReaction(rest[2], rest[4]);
    case 'POST issues/comments/:n/reactions':
      return api.createReaction(rest[2]);
    case 'PUT issues/:n/lock':
      return api.lock(rest[1], true);
    case 'DELETE issues/:n/lock':
      return api.lock(rest[1], false);
    default:
  }
  if (rest[0] === 'labels' && rest.length === 2 && (method === 'PATCH' || method === 'GET' || method === 'DELETE')) return api.labelByName(rest[1] as string);
  if (method === 'GET' && rest[0] === 'collaborators' && rest.length === 3 && rest[2] === 'permission') return api.collaboratorPermission(rest[1] as string);
  if (rest[0] === 'contents' && rest.length >= 2) {
    const path = rest.slice(1).join('/');
    if (method === 'GET') return api.getContent(path);
    if (method === 'PUT') return api.putContent(path);
    if (method === 'DELETE') return api.deleteContent(path);
  }
  if (method === 'GET' && rest[0] === 'git' && rest[1] === 'blobs' && rest.length === 3) return api.getBlob(rest[2] as string);
  if (method === 'DELETE' && rest[0] === 'git' && rest[1] === 'refs' && rest.length >= 3) {
    const ref = rest.slice(2).join('/');
    return ref.startsWith('heads/') ? api.deleteRef(ref.slice('heads/'.length)) : validation('Reference does not exist', 'Reference', 'ref');
  }
  if (method === 'GET' && rest[0] === 'git' && rest[1] === 'ref' && rest.length >= 3) {
    // Octokit sends `heads/<branch>` as one encoded segment (`heads%2Fmain`); GitHub accepts both forms.
    const ref = rest.slice(2).join('/');
    return ref.startsWith('heads/') ? api.getRef(ref.slice('heads/'.length)) : notFound();
  }
  if (method === 'POST' && rest[0] === 'git' && rest[1] === 'refs' && rest.length === 2) return api.createRef();
  if (method === 'PATCH' && rest[0] === 'git' && rest[1] === 'refs' && rest.length >= 3) {
    const ref = rest.slice(2).join('/');
    return ref.startsWith('heads/') ? api.updateRef(ref.slice('heads/'.length)) : validation('Reference does not exist', 'Reference', 'ref');
  }
  if (method === 'GET' && rest[0] === 'git' && rest[1] === 'trees' && rest.length >= 3) return api.getTree(rest.slice(2).join('/'));
  if (method === 'POST' && rest[0] === 'git' && rest[1] === 'trees' && rest.length === 2) return api.createTree();
  if (method === 'POST' && rest[0] === 'git' && rest[1] === 'commits' && rest.length === 2) return api.createCommit();
  return notFound();
}

/**
 * The GraphQL endpoint (`POST /graphql`), for the one mutation the REST API lacks: `deleteIssue(input: { issueId })`.
 * As on GitHub, only repository admins may delete an issue; anyone else gets HTTP 200 with a `FORBIDDEN` error
 * (https://docs.github.com/graphql/reference/mutations#deleteissue). Other queries are answered with an error.
 */
export async function handleGraphql(ctx: ApiContext, req: Pick<ApiRequest, 'body' | 'user'>): Promise<ApiResponse> {
  const user = req.user;
  if (!user) return error(401, 'This endpoint requires you to be authenticated.');
  const body = req.body;
  const query = isRecord(body) && typeof body.query === 'string' ? body.query : '';
  const variables = isRecord(body) && isRecord(body.variables) ? body.variables : {};
  const match = /^\s*mutation\b[^{]*\{\s*deleteIssue\s*\(\s*input\s*:\s*\{\s*issueId\s*:\s*(?:\$(\w+)|"([^"]*)")\s*\}\s*\)/.exec(query);
  if (!match)
    return { status: 200, body: { errors: [{ message: 'The local host answers only the deleteIssue mutation: mutation($id: ID!) { deleteIssue(input: { issueId: $id }) { clientMutationId } }' }] } };
  const id = match[1] !== undefined ? variables[match[1]] : match[2];
  const decoded = typeof id === 'string' ? /^Issue:(\d+)$/.exec(Buffer.from(id, 'base64url').toString('utf8')) : null;
  const found = decoded ? [...ctx.store.repos.values()].flatMap((state) => [...state.issues.values()].filter((i) => i.id === Number(decoded[1])).map((issue) => ({ state, issue })))[0] : undefined;
  const notResolvable = {
    status: 200,
    body: { data: { deleteIssue: null }, errors: [{ type: 'NOT_FOUND', path: ['deleteIssue'], message: `Could not resolve to a node with the global id of '${String(id)}'` }] },
  };
  if (!found || !canRead(user, found.state)) return notResolvable;
  const { state, issue } = found;
  if (!hasPermission(user, 'admin') || !scopesAllow(user, state, true) || !installedOn(user, state)) {
    return {
      status: 200,
      body: { data: { deleteIssue: null }, errors: [{ type: 'FORBIDDEN', path: ['deleteIssue'], message: `${user.login} does not have the correct permissions to execute \`DeleteIssue\`` }] },
    };
  }
  const api = new RepoApi(ctx, state, { method: 'POST', segments: [], query: new URLSearchParams(), body, user, url: new URL(ctx.urls.api) });
  const payload = api.issueJson(issue);
  await ctx.store.write(`issue: delete #${issue.number} by ${user.login}`, (tx) => {
    state.issues.delete(issue.number);
    state.repo.deletedIssues = [...(state.repo.deletedIssues ?? []), issue.number];
    tx.deleteIssue(state, issue.number);
    tx.saveRepo(state);
  });
  // GitHub deletes it whole: nothing of it stays in the local host's git history either.
  await ctx.store.purgeHistory(`issue #${issue.number} deleted`);
  api.emitDeleted(payload);
  const full = `${state.repo.owner}/${state.repo.name}`;
  return { status: 200, body: { data: { deleteIssue: { clientMutationId: null, repository: { nameWithOwner: full } } } }, wrote: true };
}

function scopesAllow(user: LocalUser, state: RepoState, write: boolean): boolean {
  if (!user.scopes) return true;
  if (user.scopes.includes('repo')) return true;
  return !state.repo.private && (!write || user.scopes.includes('public_repo'));
}

/** An App installation reaches the repositories of the account it is installed on, no others. */
function installedOn(user: LocalUser, state: RepoState): boolean {
  return user.account === undefined || user.account.toLowerCase() === state.repo.owner.toLowerCase();
}

function canRead(user: LocalUser | undefined, state: RepoState): boolean {
  if (!state.repo.private) return true;
  return user !== undefined && hasPermission(user, 'read') && scopesAllow(user, state, false) && installedOn(user, state);
}

class RepoApi {
  private readonly ctx: ApiContext;
  private readonly state: RepoState;
  private readonly req: ApiRequest;

  constructor(ctx: ApiContext, state: RepoState, req: ApiRequest) {
    this.ctx = ctx;
    this.state = state;
    this.req = req;
  }

  readonly user: UserLookup = (login) => {
    const found = this.ctx.users.find((u) => u.login === login);
    const association = login === this.state.repo.owner ? 'OWNER' : (found?.association ?? 'NONE');
    return found ? { ...found, association } : { login, id: 1, type: 'User', association };
  };

  private get repoJson() {
    const permissions = this.req.user
      ? {
          admin: hasPermission(this.req.user, 'admin'),
          maintain: hasPermission(this.req.user, 'maintain'),
          push: hasPermission(this.req.user, 'write'),
          triage: hasPermission(this.req.user, 'triage'),
          pull: hasPermission(this.req.user, 'read') || !this.state.repo.private,
        }
      : undefined;
    const open = [...this.state.issues.values()].filter((i) => i.state === 'open').length;
    const owner = this.ctx.users.find((u) => u.login === this.state.repo.owner) ?? { login: this.state.repo.owner, id: 1, type: 'Organization' as const };
    return presentRepository(toFullRepository(this.ctx.urls, this.state.repo, owner, permissions, open), switchesFor(this.ctx.faults, this.state.repo));
  }

  private get sender() {
    return this.req.user ? { login: this.req.user.login, id: this.req.user.id, type: this.req.user.type } : undefined;
  }

  issueJson(issue: IssueRecord): Schemas['issue'] {
    return toIssue(this.ctx.urls, this.state.repo, this.state.labels, issue, this.user);
  }

  commentJson(comment: CommentRecord): Schemas['issue-comment'] {
    return toComment(this.ctx.urls, this.state.repo, comment, this.user);
  }

  /** The `issues` webhook of a deleted issue. */
  emitDeleted(issue: Schemas['issue']): void {
    this.emit('issues', 'deleted', { issue });
  }

  private emit(event: HostEvent['event'], action: string, extra: Record<string, unknown>): void {
    this.ctx.emit({ event, payload: { action, ...extra, repository: this.repoJson, sender: this.sender ? toSimpleUser(this.ctx.urls, this.sender) : null } });
  }

  /** Who may write: anyone who can read may open issues and comment; labels and assignees need triage. */
  private mayWrite(): ApiResponse | undefined {
    const user = this.req.user;
    if (!user) return error(401, 'Requires authentication');
    if (!scopesAllow(user, this.state, true)) return error(404, 'Not Found');
    if (!installedOn(user, this.state)) return error(403, 'Resource not accessible by integration');
    return undefined;
  }

  private isTriager(): boolean {
    return this.req.user !== undefined && hasPermission(this.req.user, 'triage') && scopesAllow(this.req.user, this.state, true) && installedOn(this.req.user, this.state);
  }

  /**
   * Who may still comment on a locked conversation: people with write access — collaborators, members with write, the
   * owner (https://docs.github.com/communities/moderating-comments-and-conversations/locking-conversations). A GitHub
   * App's bot is no collaborator, whatever its permissions: GitHub refuses it too.
   */
  private mayCommentWhenLocked(user: LocalUser): boolean {
    return user.type !== 'Bot' && hasPermission(user, 'write') && scopesAllow(user, this.state, true);
  }

  /** Locks (`PUT …/lock`, with an optional `lock_reason`) or unlocks (`DELETE …/lock`) a conversation: push access needed, 204. */
  lock(n: string | undefined, locking: boolean): ApiResponse | Promise<ApiResponse> {
    return this.withIssue(n, async (issue) => {
      const denied = this.mayWrite();
      if (denied) return denied;
      const user = this.req.user as LocalUser;
      if (!hasPermission(user, 'write') || !this.isTriager()) return error(403, 'Must have push access to repository');
      const body = this.req.body;
      const reason = isRecord(body) ? body.lock_reason : undefined;
      const reasons = ['off-topic', 'too heated', 'resolved', 'spam'];
      if (locking && reason !== undefined && (typeof reason !== 'string' || !reasons.includes(reason))) {
        return validation(`lock_reason must be one of ${reasons.join(', ')}`, 'Issue', 'lock_reason');
      }
      // Locking a locked issue (or unlocking an unlocked one) changes nothing and sends no webhook.
      if ((issue.locked ?? false) === locking) return { status: 204 };
      await this.ctx.store.write(`issue: ${locking ? 'lock' : 'unlock'} #${issue.number}`, (tx) => {
        issue.locked = locking;
        issue.lockReason = locking ? ((reason as string | undefined) ?? null) : null;
        issue.updatedAt = now();
        tx.saveIssue(this.state, issue);
      });
      this.emit('issues', locking ? 'locked' : 'unlocked', { issue: this.issueJson(issue) });
      return { status: 204, wrote: true };
    });
  }

  getRepo(): ApiResponse {
    return { status: 200, body: this.repoJson };
  }

  /**
   * A user's permission on the repository. As on GitHub, only callers with push access may ask (403
   * otherwise), and an unknown login is 404; logins match case-insensitively.
   */
  collaboratorPermission(login: string): ApiResponse {
    const caller = this.req.user;
    if (!caller) return error(401, 'Requires authentication');
    if (!hasPermission(caller, 'write') || !scopesAllow(caller, this.state, false)) return error(403, 'Must have push access to view repository collaborators.');
    const found = this.ctx.users.find((u) => u.login.toLowerCase() === login.toLowerCase());
    if (!found) return notFound();
    return { status: 200, body: toCollaboratorPermission(this.ctx.urls, found, this.state.repo.private) };
  }

  /** Whether lists show an issue or comment yet (the `listLagMs` switch holds back what is newer). */
  isListed(item: { createdAt: string }): boolean {
    const lag = this.ctx.faults?.listLagMs ?? 0;
    return lag === 0 || Date.parse(item.createdAt) <= Date.now() - lag;
  }

  filterSince<T extends { updatedAt: string }>(items: T[]): T[] {
    const since = this.req.query.get('since');
    if (!since) return items;
    const t = Date.parse(since);
    return Number.isNaN(t) ? items : items.filter((i) => Date.parse(i.updatedAt) >= t);
  }

  listIssues(): ApiResponse {
    const q = this.req.query;
    const state = q.get('state') ?? 'open';
    const creator = q.get('creator');
    const assignee = q.get('assignee');
    const labels = q.get('labels')?.split(',').filter(Boolean) ?? [];
    const sort = q.get('sort') ?? 'created';
    const direction = q.get('direction') ?? 'desc';
    let issues = [...this.state.issues.values()].filter(
      (i) =>
        (state === 'all' || i.state === state) &&
        (!creator || i.user.toLowerCase() === creator.toLowerCase()) &&
        (!assignee || (assignee === 'none' ? i.assignees.length === 0 : assignee === '*' ? i.assignees.length > 0 : i.assignees.includes(assignee))) &&
        labels.every((l) => i.labels.includes(l)),
    );
    // Deleted and transferred issues are gone from lists, as on GitHub.
    issues = this.filterSince(issues).filter((i) => !isHiddenIssue(this.ctx.faults, `${this.state.repo.owner}/${this.state.repo.name}`, i.number) && this.isListed(i));
    const key = (i: IssueRecord) => (sort === 'updated' ? Date.parse(i.updatedAt) * 1e6 + i.number : sort === 'comments' ? i.comments.length * 1e9 + i.number : i.number);
    issues.sort((a, b) => (direction === 'asc' ? key(a) - key(b) : key(b) - key(a)));
    return paginate(
      issues.map((i) => this.issueJson(i)),
      this.req,
    );
  }

  listRepoComments(): ApiResponse {
    const all = [...this.state.issues.values()].flatMap((i) => i.comments);
    const sort = this.req.query.get('sort');
    const direction = this.req.query.get('direction') ?? 'desc';
    all.sort((a, b) => a.id - b.id);
    if (sort === 'updated') all.sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || a.id - b.id);
    if (sort && direction === 'desc') all.reverse();
    return paginate(
      this.filterSince(all).map((c) => this.commentJson(c)),
      this.req,
    );
  }

  withIssue(n: string | undefined, fn: (issue: IssueRecord) => ApiResponse | Promise<ApiResponse>): ApiResponse | Promise<ApiResponse> {
    const issue = this.state.issues.get(Number(n));
    // A deleted issue is 410 on GitHub, not 404.
    if (!issue && this.state.repo.deletedIssues?.includes(Number(n))) return error(410, 'This issue was deleted');
    return issue ? fn(issue) : notFound();
  }

  withComment(id: string | undefined, fn: (c: CommentRecord) => ApiResponse | Promise<ApiResponse>): ApiResponse | Promise<ApiResponse> {
    for (const issue of this.state.issues.values()) {
      const found = issue.comments.find((c) => c.id === Number(id));
      if (found) return fn(found);
    }
    return notFound();
  }

  private checkBody(body: unknown, resource: string): ApiResponse | undefined {
    if (body !== undefined && body !== null && typeof body !== 'string') return validation('body must be a string', resource, 'body');
    if (typeof body === 'string' && body.length > 65536) return validation('body is too long (maximum is 65536 characters)', resource, 'body', 'custom');
    return undefined;
  }

  private ensureLabels(names: string[], tx: { nextId(): number }): boolean {
    let added = false;
    for (const name of names) {
      if (!this.state.labels.some((l) => l.name.toLowerCase() === name.toLowerCase())) {
        this.state.labels.push({ id: tx.nextId(), name, color: 'ededed', description: null });
        added = true;
      }
    }
    return added;
  }

  private canonicalLabels(names: string[]): string[] {
    return [...new Set(names.map((n) => this.state.labels.find((l) => l.name.toLowerCase() === n.toLowerCase())?.name ?? n))];
  }

  private checkAssignees(assignees: unknown): string[] | ApiResponse {
    if (!Array.isArray(assignees) || assignees.some((a) => typeof a !== 'string')) return validation('assignees must be a list of logins', 'Issue', 'assignees');
    for (const login of assignees as string[]) {
      const user = this.ctx.users.find((u) => u.login === login);
      if (!user || !hasPermission(user, 'triage')) return validation(`cannot assign ${login}: not a collaborator`, 'Issue', 'assignees');
    }
    return [...new Set(assignees as string[])];
  }

  async createIssue(): Promise<ApiResponse> {
    const denied = this.mayWrite();
    if (denied) return denied;
    const body = this.req.body;
    if (!isRecord(body)) return error(400, 'Problems parsing JSON');
    if (typeof body.title !== 'string' || body.title.trim() === '') return validation('title is missing', 'Issue', 'title', 'missing_field');
    if (body.title.length > 256) return validation('title is too long (maximum is 256 characters)', 'Issue', 'title', 'custom');
    const badBody = this.checkBody(body.body, 'Issue');
    if (badBody) return badBody;
    const triager = this.isTriager();
    // Only users with push access can set labels and assignees; GitHub silently drops them otherwise.
    const labels = triager && Array.isArray(body.labels) ? body.labels.map((l) => (isRecord(l) ? String(l.name) : String(l))) : [];
    let assignees: string[] = [];
    if (triager && body.assignees !== undefined) {
      const checked = this.checkAssignees(body.assignees);
      if (!Array.isArray(checked)) return checked;
      assignees = checked;
    }
    const user = this.req.user as LocalUser;
    const title = body.title;
    const text = typeof body.body === 'string' ? body.body : null;
    const issue = await this.ctx.store.write(`issue: open #${this.state.repo.nextIssue} in ${this.state.repo.owner}/${this.state.repo.name}`, (tx) => {
      if (this.ensureLabels(labels, tx)) tx.saveLabels(this.state);
      const created = now();
      const record: IssueRecord = {
        id: tx.nextId(),
        number: this.state.repo.nextIssue++,
        title,
        body: text,
        user: user.login,
        state: 'open',
        stateReason: null,
        labels: this.canonicalLabels(labels),
        assignees,
        createdAt: created,
        updatedAt: created,
        closedAt: null,
        closedBy: null,
        comments: [],
      };
      this.state.issues.set(record.number, record);
      tx.saveRepo(this.state);
      tx.saveIssue(this.state, record);
      return record;
    });
    this.emit('issues', 'opened', { issue: this.issueJson(issue) });
    return { status: 201, body: this.issueJson(issue), headers: { location: this.issueJson(issue).url }, wrote: true };
  }

  updateIssue(n: string | undefined): ApiResponse | Promise<ApiResponse> {
    return this.withIssue(n, async (issue) => {
      const denied = this.mayWrite();
      if (denied) return denied;
      const body = this.req.body;
      if (!isRecord(body)) return error(400, 'Problems parsing JSON');
      const triager = this.isTriager();
      const user = this.req.user as LocalUser;
      if (!triager && issue.user !== user.login) return error(403, 'Must have admin rights to Repository.');
      if (body.title !== undefined && (typeof body.title !== 'string' || body.title.trim() === '')) return validation('title is missing', 'Issue', 'title', 'missing_field');
      const badBody = this.checkBody(body.body, 'Issue');
      if (badBody) return badBody;
      if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed') return validation('state must be open or closed', 'Issue', 'state');
      let assignees: string[] | undefined;
      if (triager && body.assignees !== undefined) {
        const checked = this.checkAssignees(body.assignees);
        if (!Array.isArray(checked)) return checked;
        assignees = checked;
      }
      const labels = triager && Array.isArray(body.labels) ? body.labels.map((l) => (isRecord(l) ? String(l.name) : String(l))) : undefined;
      const events: Array<[string, Record<string, unknown>]> = [];
      await this.ctx.store.write(`issue: update #${issue.number}`, (tx) => {
        const before = { ...issue, labels: [...issue.labels], assignees: [...issue.assignees] };
        if (typeof body.title === 'string') issue.title = body.title;
        if (body.body !== undefined) issue.body = typeof body.body === 'string' ? body.body : null;
        if (labels) {
          if (this.ensureLabels(labels, tx)) tx.saveLabels(this.state);
          issue.labels = this.canonicalLabels(labels);
        }
        if (assignees) issue.assignees = assignees;
        if (body.state === 'closed' && issue.state === 'open') {
          issue.state = 'closed';
          // GitHub's reasons for closing an issue: completed (the default), not planned, a duplicate.
          issue.stateReason = body.state_reason === 'not_planned' || body.state_reason === 'duplicate' ? body.state_reason : 'completed';
          issue.closedAt = now();
          issue.closedBy = user.login;
          events.push(['closed', {}]);
        } else if (body.state === 'open' && issue.state === 'closed') {
          issue.state = 'open';
          issue.stateReason = 'reopened';
          issue.closedAt = null;
          issue.closedBy = null;
          events.push(['reopened', {}]);
        }
        if (issue.title !== before.title || issue.body !== before.body) events.unshift(['edited', { changes: {} }]);
        for (const l of issue.labels.filter((x) => !before.labels.includes(x))) events.push(['labeled', { label: { name: l } }]);
        for (const l of before.labels.filter((x) => !issue.labels.includes(x))) events.push(['unlabeled', { label: { name: l } }]);
        for (const a of issue.assignees.filter((x) => !before.assignees.includes(x))) events.push(['assigned', { assignee: toSimpleUser(this.ctx.urls, this.user(a)) }]);
        for (const a of before.assignees.filter((x) => !issue.assignees.includes(x))) events.push(['unassigned', { assignee: toSimpleUser(this.ctx.urls, this.user(a)) }]);
        if (events.length === 0) return;
        issue.updatedAt = now();
        tx.saveIssue(this.state, issue);
      });
      for (const [action, extra] of events) {
        const label = extra.label as { name: string } | undefined;
        const labelRecord = label && this.state.labels.find((l) => l.name === label.name);
        this.emit('issues', action, { issue: this.issueJson(issue), ...extra, ...(labelRecord ? { label: toLabel(this.ctx.urls, this.state.repo, labelRecord) } : {}) });
      }
      return { status: 200, body: this.issueJson(issue), wrote: events.length > 0 };
    });
  }

  createComment(n: string | undefined): ApiResponse | Promise<ApiResponse> {
    return this.withIssue(n, async (issue) => {
      const denied = this.mayWrite();
      if (denied) return denied;
      const body = this.req.body;
      if (!isRecord(body)) return error(400, 'Problems parsing JSON');
      if (typeof body.body !== 'string' || body.body === '') return validation('body is missing', 'IssueComment', 'body', 'missing_field');
      const badBody = this.checkBody(body.body, 'IssueComment');
      if (badBody) return badBody;
      const user = this.req.user as LocalUser;
      if (issue.locked && !this.mayCommentWhenLocked(user)) {
        return { status: 403, body: { message: 'Unable to create comment because issue is locked.', documentation_url: 'https://docs.github.com/articles/locking-conversations/', status: '403' } };
      }
      const text = body.body;
      const comment = await this.ctx.store.write(`comment: on #${issue.number} by ${user.login}`, (tx) => {
        const created = now();
        const record: CommentRecord = { id: tx.nextId(), issueNumber: issue.number, body: text, user: user.login, createdAt: created, updatedAt: created, reactions: [] };
        issue.comments.push(record);
        issue.updatedAt = created;
        tx.saveIssue(this.state, issue);
        return record;
      });
      this.emit('issue_comment', 'created', { issue: this.issueJson(issue), comment: this.commentJson(comment) });
      return { status: 201, body: this.commentJson(comment), headers: { location: this.commentJson(comment).url }, wrote: true };
    });
  }

  /** Edits a comment: its author, or anyone with write access, as on GitHub. */
  updateComment(id: string | undefined): ApiResponse | Promise<ApiResponse> {
    return this.withComment(id, async (comment) => {
      const denied = this.mayWrite();
      if (denied) return denied;
      const user = this.req.user as LocalUser;
      if (comment.user !== user.login && !hasPermission(user, 'write')) return error(403, 'Must have admin rights to Repository.');
      const body = this.req.body;
      if (!isRecord(body)) return error(400, 'Problems parsing JSON');
      if (typeof body.body !== 'string' || body.body === '') return validation('body is missing', 'IssueComment', 'body', 'missing_field');
      const badBody = this.checkBody(body.body, 'IssueComment');
      if (badBody) return badBody;
      const issue = this.state.issues.get(comment.issueNumber) as IssueRecord;
      const from = comment.body;
      const text = body.body;
      if (text === from) return { status: 200, body: this.commentJson(comment) };
      await this.ctx.store.write(`comment: edit ${comment.id} on #${issue.number} by ${user.login}`, (tx) => {
        comment.body = text;
        comment.updatedAt = now();
        tx.saveIssue(this.state, issue);
      });
      this.emit('issue_comment', 'edited', { issue: this.issueJson(issue), comment: this.commentJson(comment), changes: { body: { from } } });
      return { status: 200, body: this.commentJson(comment), wrote: true };
    });
  }

  createReaction(id: string | undefined): ApiResponse | Promise<ApiResponse> {
    return this.withComment(id, async (comment) => {
      const denied = this.mayWrite();
      if (denied) return denied;
      const body = this.req.body;
      const contents = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'];
      if (!isRecord(body) || typeof body.content !== 'string' || !contents.includes(body.content)) return validation(`content must be one of ${contents.join(', ')}`, 'Reaction', 'content');
      const user = this.req.user as LocalUser;
      const existing = comment.reactions.find((r) => r.user === user.login && r.content === body.content);
      // GitHub answers 200 with the existing reaction when the user already reacted with this content.
      if (existing) return { status: 200, body: toReaction(this.ctx.urls, existing, this.user) };
      const issue = this.state.issues.get(comment.issueNumber) as IssueRecord;
      const content = body.content;
      const reaction = await this.ctx.store.write(`reaction: ${content} on comment ${comment.id} by ${user.login}`, (tx) => {
        const record = { id: tx.nextId(), content, user: user.login, createdAt: now() };
        comment.reactions.push(record);
        tx.saveIssue(this.state, issue);
        return record;
      });
      return { status: 201, body: toReaction(this.ctx.urls, reaction, this.user), wrote: true };
    });
  }

  deleteReaction(commentId: string | undefined, reactionId: string | undefined): ApiResponse | Promise<ApiResponse> {
    return this.withComment(commentId, async (comment) => {
      const denied = this.mayWrite();
      if (denied) return denied;
      const reaction = comment.reactions.find((r) => r.id === Number(reactionId));
      if (!reaction) return notFound();
      const user = this.req.user as LocalUser;
      if (reaction.user !== user.login && !this.isTriager()) return error(403, 'Must have admin rights to Repository.');
      const issue = this.state.issues.get(comment.issueNumber) as IssueRecord;
      await this.ctx.store.write(`reaction: remove ${reaction.content} from comment ${comment.id}`, (tx) => {
        comment.reactions = comment.reactions.filter((r) => r !== reaction);
        tx.saveIssue(this.state, issue);
      });
      return { status: 204, wrote: true };
    });
  }

  async createLabel(): Promise<ApiResponse> {
    if (!this.isTriager() || !hasPermission(this.req.user as LocalUser, 'write')) return error(403, 'Must have push access to repository');
    const body = this.req.body;
    if (!isRecord(body) || typeof body.name !== 'string' || body.name.trim() === '') return validation('name is missing', 'Label', 'name', 'missing_field');
    const color = typeof body.color === 'string' ? body.color.replace(/^#/, '') : 'ededed';
    if (!/^[0-9a-fA-F]{6}$/.test(color)) return validation('color is invalid', 'Label', 'color');
    if (typeof body.description === 'string' && body.description.length > 100) return validation('description is too long (maximum is 100 characters)', 'Label', 'description', 'custom');
    const name = body.name;
    if (this.state.labels.some((l) => l.name.toLowerCase() === name.toLowerCase())) return validation('already_exists', 'Label', 'name', 'already_exists');
    const description = typeof body.description === 'string' ? body.description : null;
    const label = await this.ctx.store.write(`label: create "${name}"`, (tx) => {
      const record = { id: tx.nextId(), name, color: color.toLowerCase(), description };
      this.state.labels.push(record);
      tx.saveLabels(this.state);
      return record;
    });
    return { status: 201, body: toLabel(this.ctx.urls, this.state.repo, label), wrote: true };
  }

  async labelByName(name: string): Promise<ApiResponse> {
    const label = this.state.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
    if (!label) return notFound();
    if (this.req.method === 'GET') return { status: 200, body: toLabel(this.ctx.urls, this.state.repo, label) };
    if (!this.isTriager() || !hasPermission(this.req.user as LocalUser, 'write')) return error(403, 'Must have push access to repository');
    if (this.req.method === 'DELETE') {
      // Deleting a label takes it off every issue too, as on GitHub.
      await this.ctx.store.write(`label: delete "${label.name}"`, (tx) => {
        this.state.labels = this.state.labels.filter((l) => l !== label);
        for (const issue of this.state.issues.values()) {
          if (!issue.labels.includes(label.name)) continue;
          issue.labels = issue.labels.filter((l) => l !== label.name);
          tx.saveIssue(this.state, issue);
        }
        tx.saveLabels(this.state);
      });
      return { status: 204, wrote: true };
    }
    const body = this.req.body;
    if (!isRecord(body)) return error(400, 'Problems parsing JSON');
    if (body.color !== undefined && (typeof body.color !== 'string' || !/^#?[0-9a-fA-F]{6}$/.test(body.color))) return validation('color is invalid', 'Label', 'color');
    if (typeof body.description === 'string' && body.description.length > 100) return validation('description is too long (maximum is 100 characters)', 'Label', 'description', 'custom');
    const unchanged =
      (typeof body.new_name !== 'string' || body.new_name.trim() === '' || body.new_name === label.name) &&
      (typeof body.color !== 'string' || body.color.replace(/^#/, '').toLowerCase() === label.color) &&
      (body.description === undefined || (typeof body.description === 'string' ? body.description : null) === label.description);
    // Re-sending a label's own values changes nothing (start-up does it to prove write access): no commit.
    if (unchanged) return { status: 200, body: toLabel(this.ctx.urls, this.state.repo, label) };
    await this.ctx.store.write(`label: update "${label.name}"`, (tx) => {
      if (typeof body.new_name === 'string' && body.new_name.trim() !== '') {
        const newName = body.new_name;
        for (const issue of this.state.issues.values()) {
          if (!issue.labels.includes(label.name)) continue;
          issue.labels = issue.labels.map((l) => (l === label.name ? newName : l));
          tx.saveIssue(this.state, issue);
        }
        label.name = newName;
      }
      if (typeof body.color === 'string') label.color = body.color.replace(/^#/, '').toLowerCase();
      if (body.description !== undefined) label.description = typeof body.description === 'string' ? body.description : null;
      tx.saveLabels(this.state);
    });
    return { status: 200, body: toLabel(this.ctx.urls, this.state.repo, label), wrote: true };
  }

  private branch(name: string | null): BranchRecord | undefined {
    return this.state.branches.get(name ?? this.state.repo.defaultBranch);
  }

  getContent(path: string): ApiResponse {
    const ref = this.req.query.get('ref');
    const branch = this.branch(ref);
    if (!branch) return error(404, `No commit found for the ref ${ref ?? ''}`);
    const file = branch.files.get(path);
    if (!file) return notFound();
    // Over 1 MB only the `object` and raw media types are served (the object one without content); the default JSON
    // one is refused, pointing at the blob API.
    if (file.content.length > INLINE_CONTENT_MAX && !/\.(object|raw)\b/.test(this.req.accept ?? '')) {
      return {
        status: 403,
        body: {
          message: 'This API returns blobs up to 1 MB in size. The requested blob is too large to fetch via the API, but you can use the Git Data API to request blobs up to 100 MB in size.',
          errors: [{ resource: 'Blob', field: 'data', code: 'too_large' }],
          documentation_url: 'https://docs.github.com/rest/repos/contents#get-repository-content',
          status: '403',
        },
      };
    }
    return { status: 200, body: toContentFile(this.ctx.urls, this.state.repo, branch.name, path, file) };
  }

  /** A blob by its sha, from any branch (`GET …/git/blobs/{sha}`): up to 100 MB on GitHub. */
  getBlob(sha: string): ApiResponse {
    for (const branch of this.state.branches.values()) {
      for (const file of branch.files.values()) if (file.sha === sha) return { status: 200, body: toBlob(this.ctx.urls, this.state.repo, file) };
    }
    return notFound();
  }

  /** Deletes a file (`DELETE …/contents/{path}` with `message` and the file's `sha`): 200 with `content: null`. */
  async deleteContent(path: string): Promise<ApiResponse> {
    if (!this.isTriager() || !hasPermission(this.req.user as LocalUser, 'write')) return error(403, 'Resource not accessible by integration');
    const body = this.req.body;
    if (!isRecord(body)) return error(400, 'Problems parsing JSON');
    if (typeof body.message !== 'string' || body.message === '') return validation('message is missing', 'Commit', 'message', 'missing_field');
    if (typeof body.sha !== 'string') return validation('"sha" wasn\'t supplied.', 'Commit', 'sha', 'missing_field');
    const branchName = typeof body.branch === 'string' ? body.branch : null;
    const branch = this.branch(branchName);
    if (!branch) return error(404, `Branch ${branchName ?? ''} not found`);
    const existing = branch.files.get(path);
    if (!existing) return notFound();
    if (body.sha !== existing.sha) return error(409, `${path} does not match ${body.sha}`);
    const message = body.message;
    await this.ctx.store.write(`contents: ${message}`, (tx) => {
      branch.files.delete(path);
      branch.sha = branchSha(branch.files, branch.sha);
      tx.deleteFile(this.state, branch, path);
      tx.saveBranch(this.state, branch);
    });
    return { status: 200, body: toFileCommit(this.ctx.urls, this.state.repo, branch.name, path, undefined, branch.sha, message, (this.req.user as LocalUser).login), wrote: true };
  }

  /** Deletes a branch (`DELETE …/git/refs/heads/{name}`): 204; the default branch cannot go (422). */
  async deleteRef(name: string): Promise<ApiResponse> {
    if (!this.isTriager() || !hasPermission(this.req.user as LocalUser, 'write')) return error(403, 'Resource not accessible by integration');
    const branch = this.state.branches.get(name);
    if (!branch) return validation('Reference does not exist', 'Reference', 'ref');
    if (name === this.state.repo.defaultBranch) return validation('Cannot delete the default branch', 'Reference', 'ref');
    await this.ctx.store.write(`ref: delete ${name}`, (tx) => {
      this.state.branches.delete(name);
      tx.deleteBranch(this.state, branch);
    });
    return { status: 204, wrote: true };
  }

  async putContent(path: string): Promise<ApiResponse> {
    if (!this.isTriager() || !hasPermission(this.req.user as LocalUser, 'write')) return error(403, 'Resource not accessible by integration');
    const body = this.req.body;
    if (!isRecord(body)) return error(400, 'Problems parsing JSON');
    if (typeof body.message !== 'string' || body.message === '') return validation('message is missing', 'Commit', 'message', 'missing_field');
    if (typeof body.content !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(body.content)) return validation('content is not valid Base64', 'Commit', 'content');
    if (!isSafeContentPath(path)) return validation('path is invalid', 'Commit', 'path');
    const branchName = typeof body.branch === 'string' ? body.branch : null;
    const branch = this.branch(branchName);
    if (!branch) return error(404, `Branch ${branchName ?? ''} not found`);
    const existing = branch.files.get(path);
    if (existing && body.sha === undefined) return validation('"sha" wasn\'t supplied.', 'Commit', 'sha', 'missing_field');
    if (existing && body.sha !== existing.sha) return error(409, `${path} does not match ${String(body.sha)}`);
    if (!existing && body.sha !== undefined) return error(409, `${path} does not exist`);
    const content = Buffer.from(body.content, 'base64');
    const message = body.message;
    const user = this.req.user as LocalUser;
    const file = { sha: gitBlobSha(content), content };
    await this.ctx.store.write(`contents: ${message}`, (tx) => {
      branch.files.set(path, file);
      branch.sha = branchSha(branch.files, branch.sha);
      tx.saveFile(this.state, branch, path, file);
      tx.saveBranch(this.state, branch);
    });
    return { status: existing ? 200 : 201, body: toFileCommit(this.ctx.urls, this.state.repo, branch.name, path, file, branch.sha, message, user.login), wrote: true };
  }

  /** The files of a branch (by name or head sha) or of a tree made with `POST …/git/trees`. */
  private treeFiles(shaOrBranch: string): { sha: string; files: Map<string, FileRecord> } | undefined {
    const branch = this.state.branches.get(shaOrBranch) ?? [...this.state.branches.values()].find((b) => b.sha === shaOrBranch);
    if (branch) return { sha: branch.sha, files: branch.files };
    const objects = gitObjectsOf(this.state);
    const tree = objects.trees.get(shaOrBranch) ?? objects.trees.get(objects.commits.get(shaOrBranch)?.tree ?? '');
    return tree && { sha: tree.sha, files: tree.files };
  }

  /**
   * A tree (`GET …/git/trees/{tree_sha}`, where GitHub also takes a branch name): with `recursive`, every file and
   * folder under it, otherwise its top level. A branch's tree sha is its head's here (no separate tree objects).
   */
  getTree(shaOrBranch: string): ApiResponse {
    const found = this.treeFiles(shaOrBranch);
    if (!found) return notFound();
    const full = `${this.state.repo.owner}/${this.state.repo.name}`;
    const recursive = this.req.query.has('recursive');
    const folders = new Set<string>();
    const entries: Array<Record<string, unknown>> = [];
    for (const [path, file] of [...found.files].sort(([a], [b]) => a.localeCompare(b))) {
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i += 1) folders.add(parts.slice(0, i).join('/'));
      if (recursive || parts.length === 1) {
        entries.push({ path, mode: '100644', type: 'blob', sha: file.sha, size: file.content.length, url: `${this.ctx.urls.api}/repos/${full}/git/blobs/${file.sha}` });
      }
    }
    for (const folder of folders) {
      if (!recursive && folder.includes('/')) continue;
      const sha = branchSha(new Map([...found.files].filter(([p]) => p.startsWith(`${folder}/`))), folder);
      entries.push({ path: folder, mode: '040000', type: 'tree', sha, url: `${this.ctx.urls.api}/repos/${full}/git/trees/${sha}` });
    }
    entries.sort((a, b) => String(a.path).localeCompare(String(b.path)));
    return { status: 200, body: { sha: found.sha, url: `${this.ctx.urls.api}/repos/${full}/git/trees/${found.sha}`, tree: entries, truncated: false } };
  }

  /**
   * Creates a tree (`POST …/git/trees`): `tree` entries of blobs by `sha` (one the repository holds), by `content`, or
   * `sha: null` to leave a path out of `base_tree`. Folders (`type: tree`) are not taken: list files by full path.
   */
  createTree(): ApiResponse {
    if (!this.isTriager() || !hasPermission(this.req.user as LocalUser, 'write')) return error(403, 'Resource not accessible by integration');
    const body = this.req.body;
    if (!isRecord(body) || !Array.isArray(body.tree)) return validation('tree is missing', 'Tree', 'tree', 'missing_field');
    const base = typeof body.base_tree === 'string' ? this.treeFiles(body.base_tree) : undefined;
    if (typeof body.base_tree === 'string' && !base) return validation('base_tree is not a valid tree', 'Tree', 'base_tree');
    const files = new Map(base?.files ?? []);
    for (const entry of body.tree) {
      if (!isRecord(entry) || typeof entry.path !== 'string' || !isSafeContentPath(entry.path)) return validation('tree.path is invalid', 'Tree', 'tree.path');
      if (entry.type !== undefined && entry.type !== 'blob') return validation('only blobs are supported: list files by their full path', 'Tree', 'tree.type');
      if (entry.sha === null) {
        files.delete(entry.path);
      } else if (typeof entry.content === 'string') {
        const content = Buffer.from(entry.content, 'utf8');
        files.set(entry.path, { sha: gitBlobSha(content), content });
      } else if (typeof entry.sha === 'string') {
        const file = this.findBlob(entry.sha);
        if (!file) return validation(`tree.sha ${entry.sha} is not a valid blob`, 'Tree', 'tree.sha');
        files.set(entry.path, file);
      } else {
        return validation('tree.sha or tree.content is required', 'Tree', 'tree.sha', 'missing_field');
      }
    }
    const sha = branchSha(files, 'tree');
    remember(gitObjectsOf(this.state).trees, sha, { sha, files });
    return { ...this.getTree(sha), status: 201 };
  }

  /** Creates a commit (`POST …/git/commits`) of a tree made with `POST …/git/trees` (or a branch's), with its `parents`. */
  createCommit(): ApiResponse {
    if (!this.isTriager() || !hasPermission(this.req.user as LocalUser, 'write')) return error(403, 'Resource not accessible by integration');
    const body = this.req.body;
    if (!isRecord(body) || typeof body.message !== 'string' || typeof body.tree !== 'string') return validation('message and tree are required', 'Commit', 'tree', 'missing_field');
    const tree = this.treeFiles(body.tree);
    if (!tree) return validation('tree is not a valid tree', 'Commit', 'tree');
    const parents = Array.isArray(body.parents) ? body.parents.filter((p): p is string => typeof p === 'string') : [];
    const objects = gitObjectsOf(this.state);
    remember(objects.trees, tree.sha, tree);
    // A commit's sha covers its time too (author and committer dates on GitHub): the same tree committed again is a new commit.
    const sha = branchSha(tree.files, `commit\0${tree.sha}\0${parents.join(',')}\0${body.message}\0${process.hrtime.bigint()}`);
    remember(objects.commits, sha, { tree: tree.sha, parents });
    const full = `${this.state.repo.owner}/${this.state.repo.name}`;
    const login = (this.req.user as LocalUser).login;
    const person = { name: login, email: `${login}@users.noreply.localhost`, date: now() };
    return {
      status: 201,
      body: {
        sha,
        node_id: Buffer.from(`Commit:${sha}`).toString('base64url'),
        url: `${this.ctx.urls.api}/repos/${full}/git/commits/${sha}`,
        html_url: `${this.ctx.urls.web}/${full}/commit/${sha}`,
        author: person,
        committer: person,
        message: body.message,
        tree: { sha: tree.sha, url: `${this.ctx.urls.api}/repos/${full}/git/trees/${tree.sha}` },
        parents: parents.map((p) => ({ sha: p, url: `${this.ctx.urls.api}/repos/${full}/git/commits/${p}`, html_url: `${this.ctx.urls.web}/${full}/commit/${p}` })),
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
      },
    };
  }

  /**
   * Points a branch at a commit (`PATCH …/git/refs/heads/{name}` with `sha` and `force`). Without `force` the commit
   * must descend from the branch's head (422 otherwise). A forced update that drops the old head rewrites the branch's
   * history: the files it removes leave the local host's git history too (`Store.purgeHistory`).
   */
  async updateRef(name: string): Promise<ApiResponse> {
    if (!this.isTriager() || !hasPermission(this.req.user as LocalUser, 'write')) return error(403, 'Resource not accessible by integration');
    const branch = this.state.branches.get(name);
    if (!branch) return validation('Reference does not exist', 'Reference', 'ref');
    const body = this.req.body;
    if (!isRecord(body) || typeof body.sha !== 'string') return validation('sha is required', 'Reference', 'sha', 'missing_field');
    const sha = body.sha;
    if (sha === branch.sha) return { status: 200, body: toGitRef(this.ctx.urls, this.state.repo, branch) };
    const commit = gitObjectsOf(this.state).commits.get(sha);
    const target = commit ? this.treeFiles(commit.tree) : undefined;
    if (!commit || !target) return validation('Object does not exist', 'Reference', 'sha');
    const fastForward = commit.parents.includes(branch.sha);
    if (!fastForward && body.force !== true) return validation('Update is not a fast forward', 'Reference', 'sha', 'custom');
    const files = new Map(target.files);
    await this.ctx.store.write(`ref: ${fastForward ? 'update' : 'force-update'} ${name} to ${sha.slice(0, 7)}`, (tx) => {
      for (const path of branch.files.keys()) if (!files.has(path)) tx.deleteFile(this.state, branch, path);
      const before = branch.files;
      branch.files = new Map();
      for (const [path, file] of files) {
        // Bytes read before the write replaces them: a record may read from this branch's folder.
        const record = before.get(path)?.sha === file.sha ? (before.get(path) as FileRecord) : { sha: file.sha, content: Buffer.from(file.content) };
        branch.files.set(path, record);
        if (record !== before.get(path)) tx.saveFile(this.state, branch, path, record);
      }
      branch.sha = sha;
      tx.saveBranch(this.state, branch);
    });
    if (!fastForward) await this.ctx.store.purgeHistory(`${name} forced to ${sha.slice(0, 7)}`);
    return { status: 200, body: toGitRef(this.ctx.urls, this.state.repo, branch), wrote: true };
  }

  private findBlob(sha: string): FileRecord | undefined {
    for (const branch of this.state.branches.values()) for (const file of branch.files.values()) if (file.sha === sha) return file;
    for (const tree of gitObjectsOf(this.state).trees.values()) for (const file of tree.files.values()) if (file.sha === sha) return file;
    return undefined;
  }

  getRef(name: string): ApiResponse {
    const branch = this.state.branches.get(name);
    return branch ? { status: 200, body: toGitRef(this.ctx.urls, this.state.repo, branch) } : notFound();
  }

  async createRef(): Promise<ApiResponse> {
    if (!this.isTriager() || !hasPermission(this.req.user as LocalUser, 'write')) return error(403, 'Resource not accessible by integration');
    const body = this.req.body;
    if (!isRecord(body) || typeof body.ref !== 'string' || typeof body.sha !== 'string') return validation('ref and sha are required', 'Reference', 'ref', 'missing_field');
    const match = /^refs\/heads\/(.+)$/.exec(body.ref);
    if (!match) return validation('Reference name must start with refs/heads/', 'Reference', 'ref');
    const name = match[1] as string;
    if (this.state.branches.has(name)) return validation('Reference already exists', 'Reference', 'ref', 'already_exists');
    const sha = body.sha;
    const source = [...this.state.branches.values()].find((b) => b.sha === sha);
    if (!source) return validation('Object does not exist', 'Reference', 'sha');
    const branch = await this.ctx.store.write(`ref: create ${name}`, (tx) => {
      // Records of its own: each reads its bytes from its branch's folder, so deleting one branch leaves the other whole.
      const record: BranchRecord = { name, sha: source.sha, files: new Map([...source.files].map(([path, file]) => [path, { sha: file.sha, content: file.content }])) };
      this.state.branches.set(name, record);
      tx.saveBranch(this.state, record);
      for (const [path, file] of record.files) tx.saveFile(this.state, record, path, file);
      return record;
    });
    return { status: 201, body: toGitRef(this.ctx.urls, this.state.repo, branch), wrote: true };
  }
}
