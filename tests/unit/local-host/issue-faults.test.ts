// The embedded host's less friendly GitHub answers, switched through its faults: deleted and transferred issues,
// secondary limits without `retry-after`, and contents writes that lose a race.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, TOKENS, type TestHost } from '../../helpers/local-host.ts';

let t: TestHost;
let first: number;
let second: number;

beforeAll(async () => {
  t = await startTestHost({
    repositories: [
      { fullName: 'local/support', private: true },
      { fullName: 'local/other', private: true },
    ],
  });
  first = (await t.raw(TOKENS.bot, 'POST', '/repos/local/support/issues', { title: 'first', body: 'x' })).body.number;
  second = (await t.raw(TOKENS.bot, 'POST', '/repos/local/support/issues', { title: 'second', body: 'y' })).body.number;
  await t.raw(TOKENS.bot, 'POST', '/repos/local/other/issues', { title: 'elsewhere', body: 'z' });
});
afterEach(() => t.local.setFaults({}));
afterAll(() => t.stop());

const listed = async () => (await t.raw(TOKENS.bot, 'GET', '/repos/local/support/issues?state=all')).body.map((i: { number: number }) => i.number);

describe('deleted issues', () => {
  it('answer 410 for the issue and what hangs off it, and are left out of lists', async () => {
    t.local.setFaults({ deletedIssues: [first] });
    const issue = await t.raw(TOKENS.bot, 'GET', `/repos/local/support/issues/${first}`);
    expect(issue.status).toBe(410);
    expect(issue.body.message).toBe('This issue was deleted');
    expect((await t.raw(TOKENS.bot, 'POST', `/repos/local/support/issues/${first}/comments`, { body: 'hello?' })).status).toBe(410);
    expect(await listed()).toEqual([second]);
    t.local.setFaults({});
    expect((await t.raw(TOKENS.bot, 'GET', `/repos/local/support/issues/${first}`)).status).toBe(200);
  });
});

describe('transferred issues', () => {
  it('answer 301 to the issue in its new repository, by repository id, which the host serves', async () => {
    t.local.setFaults({ transferredIssues: [{ from: 'local/support', number: first, to: 'local/other', toNumber: 1 }] });
    const response = await fetch(`${t.local.url}/repos/local/support/issues/${first}`, { headers: { authorization: `token ${TOKENS.bot}` }, redirect: 'manual' });
    expect(response.status).toBe(301);
    const other = (await t.raw(TOKENS.bot, 'GET', '/repos/local/other')).body.id;
    const location = response.headers.get('location') ?? '';
    expect(location).toBe(`${t.local.url}/repositories/${other}/issues/1`);
    const moved = await t.raw(TOKENS.bot, 'GET', new URL(location).pathname);
    expect(moved.body).toMatchObject({ number: 1, title: 'elsewhere' });
    expect(await listed()).toEqual([second]);
  });
});

describe('secondary rate limits', () => {
  it.each([
    { retryAfter: 60, header: '60' },
    { retryAfter: null, header: null },
  ])('answer with retry-after $header when told', async ({ retryAfter, header }) => {
    t.local.setFaults({ secondaryRateLimit: { count: 1, retryAfter } });
    const limited = await t.raw(TOKENS.bot, 'GET', `/repos/local/support/issues/${second}`);
    expect(limited.status).toBe(403);
    expect(limited.body.message).toMatch(/secondary rate limit/);
    expect(limited.headers.get('retry-after')).toBe(header);
  });
});

describe('contents writes that lose a race', () => {
  const put = (path: string) => t.raw(TOKENS.bot, 'PUT', `/repos/local/support/contents/${path}`, { message: 'race', content: Buffer.from(path).toString('base64') });

  it('answer 409 when switched for a count', async () => {
    t.local.setFaults({ contentsConflict: { count: 1 } });
    const lost = await put('race/a.txt');
    expect(lost.status).toBe(409);
    expect(lost.body.message).toMatch(/^is at [0-9a-f]{40} but expected [0-9a-f]{40}$/);
    expect((await put('race/a.txt')).status).toBe(201);
  });

  it('answer 409 to a write that arrives while another is in progress, when concurrent', async () => {
    t.local.setFaults({ contentsConflict: { concurrent: true }, latencyMs: 300, methods: ['PUT'] });
    const answers = await Promise.all([put('race/b.txt'), put('race/c.txt')]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    // One after the other, both go through.
    expect((await put('race/d.txt')).status).toBe(201);
    expect((await put('race/e.txt')).status).toBe(201);
  });
});
