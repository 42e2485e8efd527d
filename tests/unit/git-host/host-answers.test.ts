// Every answer of the Git host classified by what the desk should do, over real HTTP against the embedded host,
// with the production client settings (retries, throttling, timeouts) and a fake clock for rate-limit holds.
import Bottleneck from 'bottleneck';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeLimiterSettings } from '../../../src/git-host/client.ts';
import { GitHostError, isTransient, needsOperator, type GitHost } from '../../../src/git-host/index.ts';
import type { FaultsInput } from '../../../src/local-host/index.ts';
import { PRODUCTION_TUNING, startTestHost, TEST_USERS, type TestHost } from '../../helpers/local-host.ts';

const READ_GRANT_TOKEN = 'local-read-grant-token';
let t: TestHost;
let host: GitHost;
let first: number;
let second: number;
let elsewhere: number;

beforeAll(async () => {
  t = await startTestHost({
    users: [...TEST_USERS, { login: 'read-grant-bot', token: READ_GRANT_TOKEN, association: 'COLLABORATOR', permission: 'write', tokenGrants: 'read' }],
    repositories: [
      { fullName: 'local/support', private: true },
      { fullName: 'local/other', private: true },
    ],
  });
  host = t.adapter();
  first = (await host.createTicket({ title: 'First', body: 'x', labels: [], key: 'answers-1' })).number;
  second = (await host.createTicket({ title: 'Second', body: 'y', labels: [], key: 'answers-2' })).number;
  elsewhere = (await t.adapter({ repository: 'local/other' }).createTicket({ title: 'Elsewhere', body: 'z', labels: [], key: 'answers-3' })).number;
});
afterEach(() => t.local.setFaults({}));
afterAll(() => t.stop());

/** Requests since a mark matching a method and path. */
function sent(mark: number, method: string, path: RegExp) {
  return t.local.requests.slice(mark).filter((r) => r.method === method && path.test(r.path));
}

/** A production-tuned adapter on a clock the test moves. */
function productionAdapter(options: { token?: string } = {}) {
  const clock = { now: Date.now() };
  const adapter = t.adapter({ ...PRODUCTION_TUNING, now: () => clock.now, ...options });
  return { adapter, clock };
}

describe.each<{ answer: string; faults: FaultsInput }>([
  { answer: '403 with retry-after: 60', faults: { secondaryRateLimit: { count: 1, status: 403, retryAfter: 60 } } },
  { answer: '403 without retry-after', faults: { secondaryRateLimit: { count: 1, status: 403, retryAfter: null } } },
  { answer: '429 with retry-after: 60', faults: { secondaryRateLimit: { count: 1, status: 429, retryAfter: 60 } } },
  { answer: '429 without retry-after', faults: { secondaryRateLimit: { count: 1, status: 429, retryAfter: null } } },
])('a secondary rate limit answered $answer', ({ faults }) => {
  it('comes back at once as rate-limited with a minute to wait; no write reaches the host until the minute is over', async () => {
    const { adapter, clock } = productionAdapter();
    t.local.setFaults({ ...faults, methods: ['POST'] });
    const mark = t.local.requests.length;
    const error = await adapter.addComment(second, { body: 'limited', key: `limited-${clock.now}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHostError);
    expect(error).toMatchObject({ kind: 'rate-limited', retryAfterMs: 60_000 });
    expect(sent(mark, 'POST', /comments$/)).toHaveLength(1);
    // Within the minute a write is held back by the client itself, without a request; reads go on.
    clock.now += 59_000;
    await expect(adapter.addComment(second, { body: 'too soon', key: `soon-${clock.now}` })).rejects.toMatchObject({ kind: 'rate-limited', retryAfterMs: 1_000 });
    expect(sent(mark, 'POST', /comments$/)).toHaveLength(1);
    expect((await adapter.getTicket(second, { fresh: true }))?.number).toBe(second);
    clock.now += 1_000;
    expect((await adapter.addComment(second, { body: 'after the wait', key: `after-${clock.now}` })).body).toBe('after the wait');
    expect(sent(mark, 'POST', /comments$/).map((r) => r.status)).toEqual([faults.secondaryRateLimit?.status, 201]);
  });
});

describe('the primary rate limit', () => {
  it('comes back as rate-limited until the reset, and holds reads and writes back until then', async () => {
    const { adapter, clock } = productionAdapter();
    t.local.setFaults({ primaryRateLimit: { count: 1, resetAfter: 3600 } });
    const mark = t.local.requests.length;
    const error = await adapter.getTicket(first, { fresh: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'rate-limited' });
    expect((error as GitHostError).retryAfterMs).toBeGreaterThan(3_590_000);
    await expect(adapter.getTicket(second, { fresh: true })).rejects.toMatchObject({ kind: 'rate-limited' });
    expect(t.local.requests.length - mark).toBe(1);
    clock.now += 3_602_000;
    expect((await adapter.getTicket(second, { fresh: true }))?.number).toBe(second);
  });
});

describe('request timeouts', () => {
  it('apply to each HTTP attempt, never to the rate-limit wait before a retry', async () => {
    const adapter = t.adapter({ ...PRODUCTION_TUNING, requestTimeoutMs: 500 });
    t.local.setFaults({ secondaryRateLimit: { count: 1, retryAfter: 1 }, methods: ['GET'] });
    const mark = t.local.requests.length;
    expect((await adapter.getTicket(first, { fresh: true }))?.number).toBe(first);
    expect(t.local.requests.slice(mark).filter((r) => r.fault === 'secondary-rate-limit')).toHaveLength(1);
  });
});

describe.each<{ refusal: string; token?: string; faults?: FaultsInput; kind: string; message?: RegExp }>([
  { refusal: 'credentials rejected (401)', token: 'local-wrong-token', kind: 'auth' },
  { refusal: 'SAML single sign-on not authorised (403, X-GitHub-SSO)', faults: { repositories: { 'local/support': { ssoRequired: true } } }, kind: 'operator', message: /single sign-on: http/ },
  { refusal: 'an archived repository (403)', faults: { repositories: { 'local/support': { archived: true } } }, kind: 'operator' },
  { refusal: 'a token granted read only (403)', token: READ_GRANT_TOKEN, kind: 'operator' },
  { refusal: 'issues turned off (410)', faults: { repositories: { 'local/support': { issuesDisabled: true } } }, kind: 'operator', message: /issues are turned off/ },
])('$refusal', ({ token, faults, kind, message }) => {
  it('waits for an operator: neither retried on its own nor a refusal of this one write', async () => {
    const adapter = t.adapter({ ...PRODUCTION_TUNING, ...(token ? { token } : {}) });
    if (faults) t.local.setFaults(faults);
    const error = (await adapter.createTicket({ title: 'refused', body: 'x', labels: [], key: `refused-${kind}-${Math.random()}` }).catch((e: unknown) => e)) as GitHostError;
    expect(error).toMatchObject({ kind });
    expect(needsOperator(error) && !isTransient(error)).toBe(true);
    if (message) expect(error.message).toMatch(message);
  });
});

describe('a missing repository', () => {
  it('is a set-up problem, not a removed ticket', async () => {
    const adapter = t.adapter({ ...PRODUCTION_TUNING, repository: 'local/nowhere' });
    await expect(adapter.getTicket(first)).rejects.toMatchObject({ kind: 'operator', message: expect.stringMatching(/local\/nowhere was not found/) });
    await expect(adapter.createTicket({ title: 'x', body: 'x', labels: [], key: 'nowhere' })).rejects.toMatchObject({ kind: 'operator' });
  });
});

describe('a deleted issue (410)', () => {
  it('is a removed ticket: read as none, a comment on it gone, left out of lists', async () => {
    t.local.setFaults({ deletedIssues: [first] });
    expect(await host.getTicket(first, { fresh: true })).toBeUndefined();
    await expect(host.addComment(first, { body: 'x', key: 'on-deleted' })).rejects.toMatchObject({ kind: 'gone', status: 410 });
    expect((await host.listTickets('all')).map((s) => s.number)).not.toContain(first);
  });
});

describe('a transferred issue (301)', () => {
  it('to another repository is a removed ticket, and the redirect is not followed', async () => {
    t.local.setFaults({ transferredIssues: [{ from: 'local/support', number: first, to: 'local/other', toNumber: elsewhere }] });
    const mark = t.local.requests.length;
    expect(await host.getTicket(first, { fresh: true })).toBeUndefined();
    await expect(host.addComment(first, { body: 'x', key: 'on-transferred' })).rejects.toMatchObject({ kind: 'gone', status: 301 });
    expect(t.local.requests.slice(mark).filter((r) => r.path.startsWith('/repositories/'))).toEqual([]);
  });

  it('within the same repository (its name changed) is followed for a read', async () => {
    t.local.setFaults({ transferredIssues: [{ from: 'local/support', number: first, to: 'local/support', toNumber: second }] });
    expect((await host.getTicket(first, { fresh: true }))?.title).toBe('Second');
  });
});

describe('a contents write that lost a race (409)', () => {
  it('is a conflict, retried later', async () => {
    t.local.setFaults({ contentsConflict: { count: 1 } });
    const error = (await host.uploadAttachment({ path: 'tickets/T-RACE/1/a.txt', content: Buffer.from('a'), message: 'race' }).catch((e: unknown) => e)) as GitHostError;
    expect(error).toMatchObject({ kind: 'conflict', status: 409 });
    expect(isTransient(error)).toBe(true);
    expect((await host.uploadAttachment({ path: 'tickets/T-RACE/1/a.txt', content: Buffer.from('a'), message: 'race' })).path).toBe('tickets/T-RACE/1/a.txt');
  });
});

describe("GitHub's pacing of content-creating requests", () => {
  it('keeps any minute at or under 80 writes and any hour at or under 500, a second apart', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const limiter = new Bottleneck(writeLimiterSettings());
      const at: number[] = [];
      // Writes wanted as fast as they come, for two hours.
      for (let i = 0; i < 1200; i += 1) void limiter.schedule(async () => void at.push(Date.now()));
      await vi.advanceTimersByTimeAsync(2 * 3_600_000);
      const most = (windowMs: number) => Math.max(...at.map((start) => at.filter((x) => x >= start && x < start + windowMs).length));
      expect(at.length).toBeGreaterThan(900);
      expect(most(60_000)).toBeLessThanOrEqual(80);
      expect(most(3_600_000)).toBeLessThanOrEqual(500);
      expect(Math.min(...at.slice(1).map((x, i) => x - (at[i] as number)))).toBeGreaterThanOrEqual(1000);
    } finally {
      vi.useRealTimers();
    }
  });
});
