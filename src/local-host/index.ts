import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { handleApi, handleGraphql, type ApiResponse, type HostEvent } from './api.ts';
import { appliesTo, fires, FaultsSchema, type Faults, type FaultsInput } from './faults.ts';
import { Store, type LocalRepository } from './store.ts';
import { generateToken, loadLocalHostCredentials, TOKENS_FILE } from './credentials.ts';
import { parseUsers, type LocalUser, type LocalUserInput } from './users.ts';
import { usesWebUiLineEndings, withCrlfBody } from './repository-switches.ts';
import { WebhookSender, type Delivery, type WebhookTarget } from './webhooks.ts';
import { byRepositoryName, contentsConflictAnswer, contentsWriteTarget, removedIssueAnswer } from './issue-faults.ts';
import { LocalApps, type LocalAppInput } from './apps.ts';

export { DEFAULT_ACCOUNTS, LOCAL_BOT_LOGIN, PUBLISHED_TOKENS, type LocalAccount, type LocalUser, type LocalUserInput } from './users.ts';
export { botToken, generateToken, loadLocalHostCredentials, maskToken, TOKENS_FILE, type LocalHostCredentials } from './credentials.ts';
export type { FaultsInput, Faults } from './faults.ts';
export type { Delivery, WebhookTarget } from './webhooks.ts';
export type { LocalRepository } from './store.ts';
export { INSTALLATION_TOKEN_TTL_MS, type LocalAppInput } from './apps.ts';
export { signPayload } from './webhooks.ts';

export interface LocalHostOptions {
  /** Folder of the host's git repository (created if missing). */
  dataDir: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on. @default "127.0.0.1" */
  host?: string;
  /** Where to send `issues` / `issue_comment` webhooks. */
  webhook?: WebhookTarget;
  /** Fault injection switches; change them later with `setFaults`. */
  faults?: FaultsInput;
  /**
   * Token table. Default: `tokens.json` in the data folder, generated on first start (a random token per
   * default account, mode 0600) and reused after; published default tokens of earlier releases are replaced.
   * Tests pass their own table.
   */
  users?: LocalUserInput[];
  /** Token for the admin endpoints (`/_admin/*`). Default: the token file's; with explicit `users`, a random one for this run. */
  adminToken?: string;
  /** Repositories served. @default [{ fullName: "local/support", private: true }] */
  repositories?: LocalRepository[];
  /** Requests per hour per token before primary rate limiting. @default 5000 */
  rateLimit?: number;
  /**
   * GitHub Apps: the host accepts their JWTs (RS256, checked against `publicKey`) on `GET /app` and
   * `POST /app/installations/{id}/access_tokens`, and the installation tokens it issues there for an hour. @default []
   */
  apps?: LocalAppInput[];
}

/** One answered request, for tests to inspect. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number | 'reset';
  user: string | undefined;
  /** Which injected fault answered it, if any. */
  fault?: string;
  at: number;
}

export interface LocalHost {
  /** Base URL for Octokit's `baseUrl`. */
  url: string;
  dataDir: string;
  users: LocalUser[];
  /** The token the admin endpoints (`/_admin/*`) require, as `Authorization: token …`. */
  adminToken: string;
  /** Every request answered, in order. */
  requests: RequestLogEntry[];
  /** Every webhook delivery attempted. */
  deliveries: Delivery[];
  /** Replaces the fault switches (validated). */
  setFaults(faults: FaultsInput): void;
  /** The fault switches now in force (counters count down as faults fire). */
  faults(): Faults;
  setWebhook(target: WebhookTarget | undefined): void;
  /** Waits until queued writes are committed and webhooks attempted. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const LOCK_FILE = 'local-host.json';

/** The URL of a local host already running on this data folder (a live process holds its lock), if any. */
export function findRunningLocalHost(dataDir: string): string | undefined {
  const lock = join(dataDir, LOCK_FILE);
  if (!existsSync(lock)) return undefined;
  try {
    const { pid, url } = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number; url: string };
    process.kill(pid, 0);
    return url;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function loadCredentials(options: LocalHostOptions): { users: LocalUser[]; adminToken: string } {
  if (options.users) return { users: parseUsers(options.users), adminToken: options.adminToken ?? generateToken('local-admin') };
  const credentials = loadLocalHostCredentials(options.dataDir);
  for (const login of credentials.replaced) console.warn(`local-host: replaced the published default token of ${login} in ${credentials.file} with a generated one`);
  return { users: credentials.users, adminToken: options.adminToken ?? credentials.adminToken };
}

/** The token of an `Authorization: token …` (or `Bearer …`) header. */
function tokenOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  return auth ? auth.replace(/^(token|bearer)\s+/i, '') : undefined;
}

function sameToken(a: string, b: string): boolean {
  const digest = (x: string) => createHash('sha256').update(x).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Starts the embedded GitHub-compatible issue host: the subset of GitHub's REST API the adapter uses,
 * persisted to a git repository under `dataDir` (one commit per change).
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const running = findRunningLocalHost(options.dataDir);
  if (running) throw new Error(`the local host data folder ${options.dataDir} is in use by another process serving ${running}; connect to that URL or stop it first`);
  await mkdir(options.dataDir, { recursive: true });
  const store = await Store.open(options.dataDir, options.repositories ?? [{ fullName: 'local/support', private: true }]);
  await writeFile(join(options.dataDir, '.git', 'info', 'exclude'), `${LOCK_FILE}\n${TOKENS_FILE}\n*.tmp\n`);
  const { users, adminToken } = loadCredentials(options);
  const webhooks = new WebhookSender(options.webhook);
  let faults: Faults = FaultsSchema.parse(options.faults ?? {});
  const requests: RequestLogEntry[] = [];
  const rateLimit = options.rateLimit ?? 5000;
  const usage = new Map<string, { used: number; reset: number }>();
  /** Contents writes in progress, by repository (for `contentsConflict.concurrent`). */
  const contentsWrites = new Map<string, number>();
  const served = () => (options.repositories ?? [{ fullName: 'local/support' }]).map((r) => r.fullName);
  const repoIdOf = (fullName: string) => store.get(...(fullName.split('/') as [string, string]))?.repo.id;
  const repoNameOf = (id: number) => served().find((name) => repoIdOf(name) === id);
  let urls = { api: '', web: '' };

  const emit = (e: HostEvent) => webhooks.send(e.event, e.payload);
  const apps = new LocalApps(options.apps ?? []);
  // Authors the API shows: the token table's users and the Apps' bots.
  const knownUsers = [...users, ...apps.botUsers()];

  function rateHeaders(key: string, limit: number, count: boolean): Record<string, string> {
    const nowSec = Math.floor(Date.now() / 1000);
    let entry = usage.get(key);
    if (!entry || entry.reset <= nowSec) {
      entry = { used: 0, reset: nowSec + 3600 };
      usage.set(key, entry);
    }
    if (count) entry.used += 1;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(limit - entry.used, 0)),
      'x-ratelimit-used': String(entry.used),
      'x-ratelimit-reset': String(entry.reset),
      'x-ratelimit-resource': 'core',
    };
  }

  function send(res: ServerResponse, response: ApiResponse, headers: Record<string, string>): void {
    const body = response.body === undefined ? '' : JSON.stringify(response.body);
    res.writeHead(response.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': randomUUID(),
      ...headers,
      ...response.headers,
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', urls.api);
    const text = await readBody(req);
    const log = (status: RequestLogEntry['status'], user: string | undefined, fault?: string) =>
      requests.push({ method, path: url.pathname + url.search, status, user, at: Date.now(), ...(fault ? { fault } : {}) });

    if (url.pathname === '/_admin' || url.pathname.startsWith('/_admin/')) {
      // Admin endpoints (fault switches) answer only to the admin token, not to any user's.
      const given = tokenOf(req);
      if (given === undefined || given === '') return send(res, { status: 401, body: { message: 'Requires authentication: the admin token (tokens.json, "admin")', status: '401' } }, {});
      if (!sameToken(given, adminToken)) {
        const known = users.some((u) => sameToken(given, u.token));
        return send(res, known ? { status: 403, body: { message: 'Requires the admin token', status: '403' } } : { status: 401, body: { message: 'Bad credentials', status: '401' } }, {});
      }
      if (url.pathname !== '/_admin/faults') return send(res, { status: 404, body: { message: 'Not Found' } }, {});
      if (method === 'PUT') {
        const parsed = FaultsSchema.safeParse(text ? JSON.parse(text) : {});
        if (!parsed.success) return send(res, { status: 422, body: { message: parsed.error.message } }, {});
        faults = parsed.data;
      }
      return send(res, { status: 200, body: faults }, {});
    }

    const token = tokenOf(req);
    const installation = token ? apps.userFor(token) : undefined;
    const user = token ? (users.find((u) => u.token === token) ?? (typeof installation === 'object' ? installation : undefined)) : undefined;
    const rateKey = user ? `user:${user.login}` : `ip:${req.socket.remoteAddress ?? ''}`;
    const limit = user ? rateLimit : 60;
    const scopeHeaders: Record<string, string> = user?.scopes ? { 'x-oauth-scopes': user.scopes.join(', '), 'x-accepted-oauth-scopes': 'repo' } : {};
    // GitHub sends an expiring token's end on every answer, as `2021-10-07 19:07:53 UTC`.
    if (user?.tokenExpiresAt) scopeHeaders['github-authentication-token-expiration'] = `${new Date(user.tokenExpiresAt).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

    const faulty = appliesTo(faults, method);
    const latencyMs = faulty ? (faults.latencyMs ?? 0) : 0;
    if (faulty && !faults.connectionReset?.afterApply && fires(faults.connectionReset)) {
      log('reset', user?.login, 'connection-reset');
      req.socket.destroy();
      return;
    }
    if (faulty && fires(faults.secondaryRateLimit)) {
      const retryAfter = faults.secondaryRateLimit?.retryAfter === undefined ? 1 : faults.secondaryRateLimit.retryAfter;
      const status = faults.secondaryRateLimit?.status ?? 403;
      log(status, user?.login, 'secondary-rate-limit');
      return send(
        res,
        {
          status,
          body: {
            message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
            status: String(status),
          },
        },
        { ...rateHeaders(rateKey, limit, false), ...(retryAfter === null ? {} : { 'retry-after': String(retryAfter) }) },
      );
    }
    if (faulty && fires(faults.primaryRateLimit)) {
      const reset = Math.floor(Date.now() / 1000) + (faults.primaryRateLimit?.resetAfter ?? 1);
      log(403, user?.login, 'primary-rate-limit');
      return send(
        res,
        {
          status: 403,
          body: { message: `API rate limit exceeded for user ID ${user?.id ?? 0}.`, documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api', status: '403' },
        },
        { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-used': String(limit), 'x-ratelimit-reset': String(reset), 'x-ratelimit-resource': 'core' },
      );
    }
    const serverError = faulty && fires(faults.serverError);
    if (serverError && !faults.serverError?.afterApply) {
      const status = faults.serverError?.status ?? 502;
      log(status, user?.login, 'server-error');
      return send(res, { status, body: { message: 'Server Error' } }, {});
    }
    const resetAfter = faulty && faults.connectionReset?.afterApply === true && fires(faults.connectionReset);

    // GitHub App routes answer to the App's JWT only (https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app).
    const route = url.pathname.split('/').filter(Boolean);
    if (route[0] === 'app') {
      const jwt = token !== undefined && LocalApps.isJwt(token) ? apps.verifyJwt(token) : undefined;
      const appAnswer: ApiResponse =
        jwt === undefined
          ? { status: 401, body: { message: 'A JSON web token could not be decoded', documentation_url: 'https://docs.github.com/rest', status: '401' } }
          : !('app' in jwt)
            ? jwt
            : method === 'GET' && route.length === 1
              ? { status: 200, body: apps.appJson(urls, jwt.app) }
              : method === 'POST' && route.length === 4 && route[1] === 'installations' && /^\d+$/.test(route[2] ?? '') && route[3] === 'access_tokens'
                ? apps.createToken(jwt.app, Number(route[2]))
                : { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } };
      const app = jwt && 'app' in jwt ? jwt.app : undefined;
      return answer(req, res, appAnswer, {}, app ? `app:${app.id}` : rateKey, app ? rateLimit : limit, app?.bot.login);
    }

    if (token && !user) {
      log(401, undefined);
      return send(res, { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } }, rateHeaders(rateKey, limit, true));
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      log(400, user?.login);
      return send(res, { status: 400, body: { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/rest' } }, {});
    }
    if (url.pathname === '/graphql' && method === 'POST')
      return answer(req, res, await handleGraphql({ store, urls, users: knownUsers, emit, faults }, { body, user }), { ...scopeHeaders }, rateKey, limit, user?.login);
    const segments = byRepositoryName(
      url.pathname
        .split('/')
        .filter(Boolean)
        .map((s) => decodeURIComponent(s)),
      repoNameOf,
    );
    const removed = removedIssueAnswer(faults, segments, repoIdOf, urls.api);
    if (removed) {
      log(removed.status, user?.login, removed.status === 410 ? 'deleted-issue' : 'transferred-issue');
      return send(res, removed, rateHeaders(rateKey, limit, true));
    }
    const contentsTarget = contentsWriteTarget(method, segments);
    if (contentsTarget !== undefined) {
      const conflict = faults.contentsConflict;
      if ((conflict?.concurrent && (contentsWrites.get(contentsTarget) ?? 0) > 0) || fires(conflict)) {
        log(409, user?.login, 'contents-conflict');
        return send(res, contentsConflictAnswer(), rateHeaders(rateKey, limit, true));
      }
      contentsWrites.set(contentsTarget, (contentsWrites.get(contentsTarget) ?? 0) + 1);
      res.once('close', () => contentsWrites.set(contentsTarget, (contentsWrites.get(contentsTarget) ?? 1) - 1));
    }
    if (usesWebUiLineEndings(faults, user)) body = withCrlfBody(body);
    const response = await handleApi({ store, urls, users: knownUsers, emit, faults }, { method, segments, query: url.searchParams, body, user, url, accept: req.headers.accept });

    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs).unref());
    if (response.wrote && serverError) {
      const status = faults.serverError?.status ?? 502;
      log(status, user?.login, 'server-error-after-apply');
      return send(res, { status, body: { message: 'Server Error' } }, {});
    }
    if (response.wrote && resetAfter) {
      log('reset', user?.login, 'connection-reset-after-apply');
      req.socket.destroy();
      return;
    }
    answer(req, res, response, { ...scopeHeaders }, rateKey, limit, user?.login);
  }

  /** Sends an answer; a GET's carries an ETag, and a matching If-None-Match gets 304, costing no rate limit, as on GitHub. */
  function answer(req: IncomingMessage, res: ServerResponse, response: ApiResponse, headers: Record<string, string>, rateKey: string, limit: number, login: string | undefined): void {
    const method = req.method ?? 'GET';
    const log = (status: number) => requests.push({ method, path: req.url ?? '/', status, user: login, at: Date.now() });
    if (method === 'GET' && response.status === 200) {
      const etag = `W/"${createHash('sha256')
        .update(JSON.stringify(response.body))
        .update(response.headers?.link ?? '')
        .digest('hex')}"`;
      headers.etag = etag;
      headers['cache-control'] = 'private, max-age=60, s-maxage=60';
      headers.vary = 'Accept, Authorization, Cookie, X-GitHub-OTP';
      if (req.headers['if-none-match'] === etag) {
        log(304);
        res.writeHead(304, { ...headers, ...rateHeaders(rateKey, limit, false) });
        res.end();
        return;
      }
    }
    log(response.status);
    send(res, response, { ...headers, ...rateHeaders(rateKey, limit, true) });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('local-host: request failed', err);
      if (!res.headersSent) send(res, { status: 500, body: { message: 'Server Error' } }, {});
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  urls = { api: `http://${host}:${address.port}`, web: `http://${host}:${address.port}/_web` };
  await writeFile(join(options.dataDir, LOCK_FILE), JSON.stringify({ pid: process.pid, url: urls.api }));

  return {
    url: urls.api,
    dataDir: options.dataDir,
    users,
    adminToken,
    requests,
    deliveries: webhooks.deliveries,
    setFaults(next) {
      faults = FaultsSchema.parse(next);
    },
    faults: () => faults,
    setWebhook(target) {
      webhooks.target = target;
    },
    async idle() {
      await store.flush();
      await webhooks.idle();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.flush();
      await webhooks.idle();
      await rm(join(options.dataDir, LOCK_FILE), { force: true });
    },
  };
}
