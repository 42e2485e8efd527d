// GitHub's own recorded REST traffic (@octokit/fixtures, recorded against api.github.com) replayed through the
// adapter: a loopback server answers each request with the recorded answer for the same method, path and query (the
// recorded query's parameters must be among those sent), so the adapter's client, mapping and error classification
// meet real GitHub bodies and headers. Only scenarios of calls the adapter makes: issues, pagination, labels,
// a contents write, repository reads (with a redirect), locking, and a refusal. (`get-content` is left out: it was
// recorded with the raw media type, the adapter asks for the object one.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHost, GitHostError, syncLabels, type GitHost } from '../../../src/git-host/index.ts';
import { toGitHostError } from '../../../src/git-host/errors.ts';
import { TEST_METADATA_SECRET } from '../../helpers/local-host.ts';

interface Recorded {
  method: string;
  path: string;
  status: number;
  response: unknown;
  headers: Record<string, string | number>;
  reqheaders: Record<string, string>;
}

/** The media type's format (`raw`, `object`, …; `json` for the default): a recorded answer fits only a request for the same. */
const formatOf = (accept: string | undefined) => /application\/vnd\.github(?:\.v3)?\.(\w+)/.exec(accept ?? '')?.[1] ?? 'json';

// The package's own `get` (its default export) reads a scenario's normalized fixture.
// @ts-expect-error: @octokit/fixtures ships no type declarations; the shape used is declared by the cast.
const { default: fixtures } = (await import('@octokit/fixtures')) as { default: { get(scenario: string): Recorded[] } };

interface Replay {
  url: string;
  /** Recorded answers not asked for. */
  unused(): string[];
  /** Requests that matched no recorded answer. */
  unmatched: string[];
  close(): Promise<void>;
}

/**
 * Serves a recorded scenario. `aliases` maps a path prefix GitHub also serves a repository under (`/repositories/<id>`,
 * which pagination links and redirects use) to `/repos/<owner>/<name>`, as GitHub treats them alike.
 */
async function replay(scenario: string, aliases: Record<string, string> = {}): Promise<Replay> {
  const records = fixtures.get(`api.github.com/${scenario}`).map((r) => ({ ...r, used: false }));
  const unmatched: string[] = [];
  const canonical = (path: string) => Object.entries(aliases).reduce((p, [from, to]) => (p === from || p.startsWith(`${from}/`) ? to + p.slice(from.length) : p), path);
  let origin = '';
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const sent = new URL(req.url ?? '/', origin);
      const record = records.find((r) => {
        if (r.used || r.method.toUpperCase() !== req.method || formatOf(r.reqheaders.accept) !== formatOf(req.headers.accept)) return false;
        const recorded = new URL(r.path, origin);
        if (canonical(decodeURIComponent(recorded.pathname)) !== canonical(decodeURIComponent(sent.pathname))) return false;
        return [...recorded.searchParams].every(([key, value]) => sent.searchParams.get(key) === value);
      });
      if (!record) {
        unmatched.push(`${req.method} ${req.url}`);
        res.writeHead(501, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'not recorded' }));
        return;
      }
      record.used = true;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(record.headers)) {
        if (name === 'content-length' || name === 'connection') continue;
        // Links and redirects point at api.github.com: here, at the replay server.
        headers[name] = String(value).replaceAll('https://api.github.com', origin);
      }
      const body = record.response === '' || record.response === undefined ? '' : JSON.stringify(record.response);
      res.writeHead(record.status, headers).end(record.status === 204 || record.status === 304 ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    unused: () => records.filter((r) => !r.used).map((r) => `${r.method.toUpperCase()} ${r.path}`),
    unmatched,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let current: Replay | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function adapterOn(scenario: string, repository: string, aliases?: Record<string, string>, extra: Partial<Parameters<typeof createGitHost>[0]> = {}): Promise<{ host: GitHost; replay: Replay }> {
  current = await replay(scenario, aliases);
  const host = createGitHost({
    baseUrl: current.url,
    auth: { kind: 'token', token: '0000000000000000000000000000000000000001' },
    repository,
    // The recordings were made by this user: the adapter does not ask who it is (GET /user is not recorded).
    botLogin: 'octokit-fixture-user-a',
    intervalsMs: { write: 0, notification: 0 },
    retryBaseMs: 10,
    metadataSecret: TEST_METADATA_SECRET,
    log: { warn: () => {}, info: () => {} },
    ...extra,
  });
  return { host, replay: current };
}

describe("GitHub's recorded REST traffic through the adapter", () => {
  it('paginate-issues: five pages of real issues map to tickets, the Link header gives the last page', async () => {
    const { host, replay: r } = await adapterOn('paginate-issues', 'octokit-fixture-org/paginate-issues', { '/repositories/1000': '/repos/octokit-fixture-org/paginate-issues' });
    const pages = [];
    for (let page = 1; page <= 5; page++) pages.push(await host.listTicketPage(page, 3));
    expect(pages.map((p) => p.lastPage)).toEqual([5, 5, 5, 5, 5]);
    const tickets = pages.flatMap((p) => p.tickets);
    expect(tickets.map((t) => t.number)).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    for (const ticket of tickets) {
      // Opened by the recording user, the adapter's identity here; without a signed block they carry no metadata.
      expect(ticket).toMatchObject({ state: 'open', meta: undefined, locked: false, author: { login: 'octokit-fixture-user-a', isBot: true } });
      expect(ticket.htmlUrl).toBe(`https://github.com/octokit-fixture-org/paginate-issues/issues/${ticket.number}`);
      expect(Date.parse(ticket.createdAt)).not.toBeNaN();
    }
    expect(r.unmatched).toEqual([]);
    expect(r.unused()).toEqual([]);
  });

  it('add-labels-to-issue: a real create answer maps to a ticket summary', async () => {
    const { host, replay: r } = await adapterOn('add-labels-to-issue', 'octokit-fixture-org/add-labels-to-issue');
    const ticket = await host.createTicket({ title: 'Issue without a label', body: 'x', labels: [], key: 'fixture-1' });
    expect(ticket).toMatchObject({ number: 1, title: 'Issue without a label', state: 'open', labels: [], assignees: [], closedAt: null, author: { login: 'octokit-fixture-user-a', isBot: true } });
    expect(r.unmatched).toEqual([]);
  });

  it('labels: the label sync reads the recorded labels and creates the missing one', async () => {
    const { host, replay: r } = await adapterOn('labels', 'octokit-fixture-org/labels');
    const report = await syncLabels(host, [{ name: 'test-label', color: '663399', description: '' }]);
    expect(report).toEqual({ created: ['test-label'], updated: [], unchanged: [] });
    expect(r.unmatched).toEqual([]);
  });

  it("errors: GitHub's 422 with its `errors` detail is a refusal naming the field", async () => {
    const { host, replay: r } = await adapterOn('errors', 'octokit-fixture-org/errors');
    const error = await host.octokit
      .request('POST /repos/{owner}/{repo}/labels', { owner: 'octokit-fixture-org', repo: 'errors', name: 'foo', color: 'invalid' })
      .catch((e: unknown) => toGitHostError(e, { write: true, what: 'create label foo' }));
    expect(error).toBeInstanceOf(GitHostError);
    expect(error).toMatchObject({ kind: 'refused', status: 422, message: 'create label foo: the Git host answered 422: Validation Failed (color invalid)' });
    expect(r.unmatched).toEqual([]);
  });

  it('create-file: an attachment written through the contents API gives back its blob sha', async () => {
    const { host, replay: r } = await adapterOn('create-file', 'octokit-fixture-org/create-file');
    const ref = await host.uploadAttachment({ path: 'test.txt', content: Buffer.from('Test content'), message: 'create test.txt' });
    expect(ref).toEqual({ path: 'test.txt', sha: expect.stringMatching(/^[0-9a-f]{40}$/), size: 12 });
    expect(r.unmatched).toEqual([]);
    expect(r.unused()).toEqual([]);
  });

  it('get-repository and rename-repository: visibility read, a renamed repository followed by its redirect', async () => {
    const { host, replay: r } = await adapterOn('get-repository', 'octokit-fixture-org/hello-world');
    expect(await host.isPrivate()).toBe(false);
    expect(r.unmatched).toEqual([]);
    await r.close();
    const renamed = await adapterOn('rename-repository', 'octokit-fixture-org/rename-repository');
    // GET /repos/<old name> answers 301 to /repositories/<id>: a repository read follows it (only issue reads do not).
    expect(await renamed.host.isPrivate()).toBe(false);
    expect(renamed.replay.unmatched).toEqual([]);
    expect(renamed.replay.unused().filter((u) => u.startsWith('GET'))).toEqual([]);
  });

  it('lock-issue: the lock and unlock the smoke test sends are answered 204', async () => {
    const { host, replay: r } = await adapterOn('lock-issue', 'octokit-fixture-org/lock-issue');
    const lock = await host.octokit.request('PUT /repos/{owner}/{repo}/issues/{issue_number}/lock', { owner: 'octokit-fixture-org', repo: 'lock-issue', issue_number: 1 });
    const unlock = await host.octokit.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/lock', { owner: 'octokit-fixture-org', repo: 'lock-issue', issue_number: 1 });
    expect([lock.status, unlock.status]).toEqual([204, 204]);
    expect(r.unmatched).toEqual([]);
    expect(r.unused()).toEqual([]);
  });
});
