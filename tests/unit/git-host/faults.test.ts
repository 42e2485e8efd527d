import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GitHost } from '../../../src/git-host/index.ts';
import { startTestHost, type TestHost } from '../../helpers/local-host.ts';

let t: TestHost;
let host: GitHost;
let ticketNumber: number;

beforeAll(async () => {
  t = await startTestHost();
  host = t.adapter();
  ticketNumber = (await host.createTicket({ title: 'Faults', body: 'x', labels: [], key: 'faults-base' })).number;
});
afterEach(() => t.local.setFaults({}));
afterAll(() => t.stop());

/** Requests to one path since a mark, to see what the client did. */
function since(mark: number, path: RegExp) {
  return t.local.requests.slice(mark).filter((r) => path.test(r.path));
}

describe.each([403, 429] as const)('secondary rate limit answered with %i and retry-after', (status) => {
  it('waits as told and retries a read', async () => {
    t.local.setFaults({ secondaryRateLimit: { count: 1, status, retryAfter: 1 } });
    const mark = t.local.requests.length;
    const ticket = await host.getTicket(ticketNumber, { fresh: true });
    expect(ticket?.number).toBe(ticketNumber);
    const issueRequests = since(mark, new RegExp(`/issues/${ticketNumber}$`));
    const limited = since(mark, /./).find((r) => r.fault === 'secondary-rate-limit');
    expect(limited).toBeDefined();
    const retried = issueRequests.concat(since(mark, /comments/)).filter((r) => r.status === 200 || r.status === 304);
    expect(retried.length).toBeGreaterThanOrEqual(2);
    // The retry of the limited request came no earlier than retry-after (1 s).
    const after = since(mark, /./).filter((r) => r.path === limited?.path && r !== limited);
    expect((after[0]?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('retries a write, which the host never applied', async () => {
    t.local.setFaults({ secondaryRateLimit: { count: 1, status, retryAfter: 1 }, methods: ['POST'] });
    const mark = t.local.requests.length;
    const message = await host.addComment(ticketNumber, { body: `after ${status}`, key: `faults-secondary-${status}` });
    expect(message.body).toBe(`after ${status}`);
    expect(since(mark, /comments$/).map((r) => r.status)).toEqual([status, 201]);
  });
});

describe('primary rate limit', () => {
  it('waits until x-ratelimit-reset and retries', async () => {
    t.local.setFaults({ primaryRateLimit: { count: 1, resetAfter: 1 } });
    const mark = t.local.requests.length;
    expect((await host.getTicket(ticketNumber, { fresh: true }))?.number).toBe(ticketNumber);
    const limited = since(mark, /./).find((r) => r.fault === 'primary-rate-limit');
    const retry = since(mark, /./).find((r) => r.path === limited?.path && r !== limited);
    expect(retry?.status).not.toBe(403);
    expect((retry?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('gives up with a rate-limited error when the wait is longer than allowed', async () => {
    const impatient = t.adapter({ maxRetryAfterSeconds: 0 });
    t.local.setFaults({ secondaryRateLimit: { count: 1, status: 429, retryAfter: 30 } });
    await expect(impatient.getTicket(ticketNumber, { fresh: true })).rejects.toMatchObject({ kind: 'rate-limited', retryAfterMs: 30_000 });
  });
});

describe('server errors', () => {
  it('retries an idempotent read after a 5xx', async () => {
    t.local.setFaults({ serverError: { count: 2, status: 502 }, methods: ['GET'] });
    const mark = t.local.requests.length;
    expect((await host.getTicket(ticketNumber, { fresh: true }))?.number).toBe(ticketNumber);
    expect(since(mark, /./).filter((r) => r.fault === 'server-error')).toHaveLength(2);
  });

  it('never retries a POST after a 5xx: the outcome is unknown and a retry could duplicate', async () => {
    t.local.setFaults({ serverError: { count: 1, status: 502, afterApply: true }, methods: ['POST'] });
    const mark = t.local.requests.length;
    await expect(host.createTicket({ title: 'maybe', body: 'x', labels: [], key: 'faults-unknown' })).rejects.toMatchObject({ kind: 'unknown-outcome', status: 502 });
    expect(since(mark, /\/issues$/).filter((r) => r.method === 'POST')).toHaveLength(1);
    // It was applied: the key finds it, which is how the outbox avoids a duplicate.
    expect(await host.findTicketByKey('faults-unknown')).toBeDefined();
  });

  it('retries a PATCH (idempotent) after a 5xx', async () => {
    t.local.setFaults({ serverError: { count: 1 }, methods: ['PATCH'] });
    expect((await host.setLabels(ticketNumber, ['status: open'])).labels).toEqual(['status: open']);
  });

  it('answers a share of requests with 5xx when a rate is set', async () => {
    t.local.setFaults({ serverError: { rate: 1 }, methods: ['GET'] });
    const impatient = t.adapter({ retryBaseMs: 1 });
    await expect(impatient.getTicket(ticketNumber, { fresh: true })).rejects.toMatchObject({ kind: 'unavailable' });
  });
});

describe('connection resets', () => {
  it('retries a read whose connection was reset', async () => {
    t.local.setFaults({ connectionReset: { count: 1 }, methods: ['GET'] });
    const mark = t.local.requests.length;
    expect((await host.getTicket(ticketNumber, { fresh: true }))?.number).toBe(ticketNumber);
    expect(since(mark, /./).some((r) => r.status === 'reset')).toBe(true);
  });

  it('reports a write whose connection was reset after applying it as unknown-outcome', async () => {
    t.local.setFaults({ connectionReset: { count: 1, afterApply: true }, methods: ['POST'] });
    await expect(host.addComment(ticketNumber, { body: 'lost answer', key: 'faults-reset' })).rejects.toMatchObject({ kind: 'unknown-outcome' });
    expect(await host.findMessageByKey(ticketNumber, 'faults-reset')).toBeDefined();
  });
});

describe('latency', () => {
  it('delays answers; a request timeout turns a slow write into unknown-outcome', async () => {
    t.local.setFaults({ latencyMs: 300, methods: ['POST'] });
    const hasty = t.adapter({ requestTimeoutMs: 100 });
    await expect(hasty.addComment(ticketNumber, { body: 'slow', key: 'faults-slow' })).rejects.toMatchObject({ kind: 'unknown-outcome' });
    const patient = t.adapter();
    expect((await patient.addComment(ticketNumber, { body: 'slow but fine', key: 'faults-slow-2' })).body).toBe('slow but fine');
  });

  it('can be switched through the admin endpoint', async () => {
    const headers = { authorization: `token ${t.local.adminToken}` };
    const res = await fetch(`${t.local.url}/_admin/faults`, { method: 'PUT', headers, body: JSON.stringify({ serverError: { count: 1, status: 503 } }) });
    expect(res.status).toBe(200);
    expect(t.local.faults().serverError?.count).toBe(1);
    const bad = await fetch(`${t.local.url}/_admin/faults`, { method: 'PUT', headers, body: JSON.stringify({ serverError: { rate: 3 } }) });
    expect(bad.status).toBe(422);
  });
});
