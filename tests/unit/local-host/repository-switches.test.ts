import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, TEST_ADMIN_TOKEN, TEST_USERS, TOKENS, type TestHost } from '../../helpers/local-host.ts';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost({
    users: [
      ...TEST_USERS,
      { login: 'fine-grained', token: 'token-fine-grained-read', permission: 'write', tokenGrants: 'read' },
      { login: 'expiring', token: 'token-expiring', permission: 'write', tokenExpiresAt: '2030-01-31T12:34:56.789Z' },
    ],
  });
});
afterAll(() => t.stop());
afterEach(() => t.local.setFaults({}));

const repo = () => t.raw(TOKENS.bot, 'GET', '/repos/local/support');
const openIssue = (token: string = TOKENS.bot) => t.raw(token, 'POST', '/repos/local/support/issues', { title: 'Hello', body: 'line one\nline two' });

describe('repository switches of the embedded host', () => {
  it('presents issues turned off: has_issues false, and 410 on issue routes', async () => {
    t.local.setFaults({ repositories: { 'local/support': { issuesDisabled: true } } });
    expect((await repo()).body.has_issues).toBe(false);
    const create = await openIssue();
    expect([create.status, create.body.message]).toEqual([410, 'Issues are disabled for this repo']);
    expect((await t.raw(TOKENS.bot, 'GET', '/repos/local/support/issues')).status).toBe(410);
    expect((await t.raw(TOKENS.bot, 'GET', '/repos/local/support/labels')).status).toBe(200);
  });

  it('presents an archived repository: archived true, reads served, writes refused with 403', async () => {
    t.local.setFaults({ repositories: { 'local/support': { archived: true } } });
    expect((await repo()).body.archived).toBe(true);
    const create = await openIssue();
    expect([create.status, create.body.message]).toEqual([403, 'Repository was archived so is read-only.']);
    expect((await t.raw(TOKENS.bot, 'GET', '/repos/local/support/issues')).status).toBe(200);
  });

  it('refuses every request with X-GitHub-SSO while single sign-on is not authorized', async () => {
    t.local.setFaults({ repositories: { 'local/support': { ssoRequired: true } } });
    const answer = await repo();
    expect(answer.status).toBe(403);
    expect(answer.headers.get('x-github-sso')).toMatch(/^required; url=http:\/\/127\.0\.0\.1:\d+\/_web\/orgs\/local\/sso\?authorization_request=[\w-]+$/);
    expect((await t.raw(TOKENS.bot, 'GET', '/user')).status).toBe(200);
  });

  it('answers for a renamed repository under its new name, and as internal', async () => {
    t.local.setFaults({ repositories: { 'Local/Support': { fullName: 'acme/help-desk', visibility: 'internal' } } });
    expect((await repo()).body).toMatchObject({ full_name: 'acme/help-desk', name: 'help-desk', private: true, visibility: 'internal' });
    t.local.setFaults({});
    expect((await repo()).body).toMatchObject({ full_name: 'local/support', private: true, visibility: 'private' });
  });

  it('takes the switches over PUT /_admin/faults, refusing a typo', async () => {
    const put = (body: unknown) => fetch(`${t.local.url}/_admin/faults`, { method: 'PUT', headers: { authorization: `token ${TEST_ADMIN_TOKEN}` }, body: JSON.stringify(body) });
    expect((await put({ repositories: { 'local/support': { archived: true } }, webUiLineEndings: { logins: ['support-anna'] } })).status).toBe(200);
    expect((await repo()).body.archived).toBe(true);
    expect((await put({ repositories: { 'local/support': { archive: true } } })).status).toBe(422);
  });
});

describe('tokens of the embedded host', () => {
  it('refuses writes of a fine-grained token granted read only, while reporting its user role', async () => {
    const reported = await t.raw('token-fine-grained-read', 'GET', '/repos/local/support');
    expect(reported.body.permissions).toMatchObject({ push: true });
    const create = await openIssue('token-fine-grained-read');
    expect([create.status, create.body.message]).toEqual([403, 'Resource not accessible by personal access token']);
  });

  it("sends an expiring token's end on every answer, as GitHub formats it", async () => {
    const answer = await t.raw('token-expiring', 'GET', '/repos/local/support');
    expect(answer.headers.get('github-authentication-token-expiration')).toBe('2030-01-31 12:34:56 UTC');
    expect((await repo()).headers.get('github-authentication-token-expiration')).toBeNull();
  });
});

describe('bodies written in the web UI', () => {
  it('are stored with CRLF for the logins named, as typed for everyone else', async () => {
    t.local.setFaults({ webUiLineEndings: { logins: ['support-anna'] } });
    expect((await openIssue(TOKENS.anna)).body.body).toBe('line one\r\nline two');
    const byBot = await openIssue();
    expect(byBot.body.body).toBe('line one\nline two');
    const comment = await t.raw(TOKENS.anna, 'POST', `/repos/local/support/issues/${byBot.body.number}/comments`, { body: 'a\nb' });
    expect(comment.body.body).toBe('a\r\nb');
  });
});

describe("GitHub's 50-character label limit", () => {
  const long = `category: ${'x'.repeat(41)}`;

  it('refuses a longer label name with 422, on creation, renaming and on an issue', async () => {
    expect(long).toHaveLength(51);
    const create = await t.raw(TOKENS.bot, 'POST', '/repos/local/support/labels', { name: long, color: 'ededed' });
    expect(create.status).toBe(422);
    expect(create.body.errors).toEqual([expect.objectContaining({ resource: 'Label', field: 'name', code: 'custom' })]);
    expect((await t.raw(TOKENS.bot, 'POST', '/repos/local/support/labels', { name: long.slice(0, 50), color: 'ededed' })).status).toBe(201);
    expect((await t.raw(TOKENS.bot, 'PATCH', `/repos/local/support/labels/${encodeURIComponent(long.slice(0, 50))}`, { new_name: long })).status).toBe(422);
    expect((await t.raw(TOKENS.bot, 'POST', '/repos/local/support/issues', { title: 'x', labels: [long] })).status).toBe(422);
    const issue = await openIssue();
    expect((await t.raw(TOKENS.bot, 'PATCH', `/repos/local/support/issues/${issue.body.number}`, { labels: [{ name: long }] })).status).toBe(422);
  });

  it('takes a label update that changes nothing without a new commit', async () => {
    await t.raw(TOKENS.bot, 'POST', '/repos/local/support/labels', { name: 'same', color: 'aabbcc', description: 'd' });
    const commits = async () => {
      await t.local.idle();
      return (await promisify(execFile)('git', ['-C', t.dataDir, 'rev-list', '--count', 'HEAD'])).stdout.trim();
    };
    const before = await commits();
    const update = await t.raw(TOKENS.bot, 'PATCH', '/repos/local/support/labels/same', { name: 'same', color: '#AABBCC', description: 'd' });
    expect([update.status, update.body.color]).toEqual([200, 'aabbcc']);
    expect(await commits()).toBe(before);
    await t.raw(TOKENS.bot, 'PATCH', '/repos/local/support/labels/same', { color: '000000' });
    expect(Number(await commits())).toBe(Number(before) + 1);
  });
});
