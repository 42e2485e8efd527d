// The embedded host's GitHub App path (JWT-authenticated App routes, hourly installation tokens), locked
// conversations, and the contents of large files and deletions, as GitHub answers them.
import { createSign } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GitHostError } from '../../../src/git-host/index.ts';
import { INSTALLATION_TOKEN_TTL_MS } from '../../../src/local-host/index.ts';
import { createTestApp, startTestHost, TOKENS, type TestHost } from '../../helpers/local-host.ts';

const testApp = createTestApp();
const strangerApp = createTestApp({ id: 5151, slug: 'elsewhere-app', installationId: 88, account: 'someone-else' });
let t: TestHost;

beforeAll(async () => {
  t = await startTestHost({
    repositories: [
      { fullName: 'local/support', private: true },
      { fullName: 'local/public-desk', private: false },
    ],
    apps: [testApp.app, strangerApp.app],
  });
});
afterAll(() => t.stop());
afterEach(() => vi.useRealTimers());

/** A JWT as an App signs it (RS256), with claims overridden. */
function jwt(privateKey: string, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat: now - 30, exp: now + 540, iss: testApp.app.id, ...claims })}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey, 'base64url')}`;
}

async function asBearer(credential: string, method: string, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${t.local.url}${path}`, { method, headers: { authorization: `Bearer ${credential}`, accept: 'application/vnd.github+json' } });
  return { status: response.status, body: await response.json() };
}

const tokenRequests = () => t.local.requests.filter((r) => r.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(r.path));

describe('GitHub App authentication', () => {
  it("works with the client's App auth: the App's bot identity, an installation token, issues authored by the bot", async () => {
    const before = tokenRequests().length;
    const host = t.adapter({ auth: testApp.auth });
    expect(await host.botLogin()).toBe('helpdesk-app[bot]');
    const ticket = await host.createTicket({ title: 'Filed by the App', body: 'x', labels: ['status: new'], key: 'app-1' });
    expect(ticket.author).toMatchObject({ login: 'helpdesk-app[bot]', isBot: true });
    const raw = await t.raw(TOKENS.owner, 'GET', `/repos/local/support/issues/${ticket.number}`);
    expect(raw.body.user).toMatchObject({ login: 'helpdesk-app[bot]', type: 'Bot' });
    expect(tokenRequests().length - before).toBe(1);
    expect(tokenRequests().at(-1)?.path).toBe(`/app/installations/${testApp.auth.installationId}/access_tokens`);
  });

  it('answers GET /app and issues tokens that expire after an hour, to a JWT only', async () => {
    const app = await asBearer(jwt(testApp.privateKey), 'GET', '/app');
    expect(app).toMatchObject({ status: 200, body: { id: 4242, slug: 'helpdesk-app', permissions: { issues: 'write', contents: 'write', metadata: 'read' } } });
    const issued = await asBearer(jwt(testApp.privateKey), 'POST', '/app/installations/77/access_tokens');
    expect(issued.status).toBe(201);
    expect(issued.body.token).toMatch(/^ghs_[0-9a-f]{36}$/);
    expect(Date.parse(issued.body.expires_at) - Date.now()).toBeGreaterThan(INSTALLATION_TOKEN_TTL_MS - 5000);
    expect(Date.parse(issued.body.expires_at) - Date.now()).toBeLessThanOrEqual(INSTALLATION_TOKEN_TTL_MS);
    // The token works on the repository routes, and is no user: GET /user refuses it, as GitHub does.
    expect((await asBearer(issued.body.token, 'GET', '/repos/local/support')).status).toBe(200);
    expect(await asBearer(issued.body.token, 'GET', '/user')).toMatchObject({ status: 403, body: { message: 'Resource not accessible by integration' } });
  });

  it.each([
    ['signed with another key', () => jwt(strangerApp.privateKey), 'A JSON web token could not be decoded'],
    ['expired', () => jwt(testApp.privateKey, { iat: Math.floor(Date.now() / 1000) - 700, exp: Math.floor(Date.now() / 1000) - 100 }), "'Expiration time' claim ('exp') must be a numeric value"],
    ['valid for an hour', () => jwt(testApp.privateKey, { exp: Math.floor(Date.now() / 1000) + 3600 }), "'Expiration time' claim ('exp') is too far in the future"],
    ['issued in the future', () => jwt(testApp.privateKey, { iat: Math.floor(Date.now() / 1000) + 300 }), "'Issued at' claim ('iat') must be an Integer"],
    ['not a JWT but a token', () => TOKENS.bot, 'A JSON web token could not be decoded'],
  ])('refuses a JWT %s (401)', async (_name, credential, message) => {
    const answer = await asBearer(credential(), 'GET', '/app');
    expect(answer.status).toBe(401);
    expect(answer.body.message).toContain(message);
  });

  it("gives no token for another App's installation (404), and an installation reaches only its account's private repositories", async () => {
    expect((await asBearer(jwt(testApp.privateKey), 'POST', '/app/installations/88/access_tokens')).status).toBe(404);
    const elsewhere = await asBearer(jwt(strangerApp.privateKey, { iss: 5151 }), 'POST', '/app/installations/88/access_tokens');
    expect(elsewhere.status).toBe(201);
    expect((await asBearer(elsewhere.body.token, 'GET', '/repos/local/support')).status).toBe(404);
    expect((await asBearer(elsewhere.body.token, 'GET', '/repos/local/public-desk')).status).toBe(200);
  });

  it('refreshes an expired installation token: after an hour the old one is refused and the client gets a new one', async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    const host = t.adapter({ auth: testApp.auth });
    const ticket = await host.createTicket({ title: 'Before the hour', body: 'x', labels: [], key: 'app-refresh-1' });
    const issued = await asBearer(jwt(testApp.privateKey), 'POST', '/app/installations/77/access_tokens');
    expect((await asBearer(issued.body.token, 'GET', '/repos/local/support')).status).toBe(200);
    const before = tokenRequests().length;

    vi.setSystemTime(Date.now() + INSTALLATION_TOKEN_TTL_MS + 60_000);
    expect(await asBearer(issued.body.token, 'GET', '/repos/local/support')).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
    // The client's token cache lasts 59 minutes: it asks for a new token and carries on.
    const read = await host.getTicket(ticket.number, { fresh: true });
    expect(read?.title).toBe('Before the hour');
    expect(await host.addComment(ticket.number, { body: 'after the hour', key: 'app-refresh-2' })).toMatchObject({ author: { login: 'helpdesk-app[bot]' } });
    expect(tokenRequests().length - before).toBe(1);
  });
});

describe('locked conversations', () => {
  it('locks and unlocks with push access (204), with GitHub reasons only, and shows `locked` on the issue', async () => {
    const { body: issue } = await t.raw(TOKENS.bot, 'POST', '/repos/local/support/issues', { title: 'Heated', body: 'x' });
    const path = `/repos/local/support/issues/${issue.number}`;
    expect((await t.raw(TOKENS.anna, 'PUT', `${path}/lock`, { lock_reason: 'angry' })).status).toBe(422);
    expect((await t.raw('local-listed-reader', 'PUT', `${path}/lock`, { lock_reason: 'too heated' })).status).toBe(403);
    expect((await t.raw(TOKENS.anna, 'PUT', `${path}/lock`, { lock_reason: 'too heated' })).status).toBe(204);
    expect((await t.raw(TOKENS.anna, 'GET', path)).body).toMatchObject({ locked: true, active_lock_reason: 'too heated' });
    expect((await t.raw(TOKENS.anna, 'DELETE', `${path}/lock`)).status).toBe(204);
    expect((await t.raw(TOKENS.anna, 'GET', path)).body).toMatchObject({ locked: false, active_lock_reason: null });
  });

  it('lets collaborators comment on a locked issue and refuses everyone else 403, GitHub Apps included', async () => {
    const { body: issue } = await t.raw(TOKENS.bot, 'POST', '/repos/local/public-desk/issues', { title: 'Locked', body: 'x' });
    const comments = `/repos/local/public-desk/issues/${issue.number}/comments`;
    expect((await t.raw(TOKENS.outsider, 'POST', comments, { body: 'before the lock' })).status).toBe(201);
    await t.raw(TOKENS.anna, 'PUT', `/repos/local/public-desk/issues/${issue.number}/lock`, { lock_reason: 'resolved' });
    expect((await t.raw(TOKENS.bot, 'POST', comments, { body: 'the bot is a collaborator' })).status).toBe(201);
    expect((await t.raw(TOKENS.anna, 'POST', comments, { body: 'staff' })).status).toBe(201);
    for (const token of [TOKENS.outsider, 'local-listed-reader']) {
      expect(await t.raw(token, 'POST', comments, { body: 'let me in' })).toMatchObject({
        status: 403,
        body: { message: 'Unable to create comment because issue is locked.', documentation_url: 'https://docs.github.com/articles/locking-conversations/' },
      });
    }
    const app = await asBearer(jwt(testApp.privateKey), 'POST', '/app/installations/77/access_tokens');
    const byApp = await fetch(`${t.local.url}${comments}`, { method: 'POST', headers: { authorization: `token ${app.body.token}` }, body: JSON.stringify({ body: 'an App' }) });
    expect(byApp.status).toBe(403);
  });

  it("maps `locked` into the ticket, and the adapter turns the App's refused comment into a refusal of that message only", async () => {
    const token = t.adapter();
    const app = t.adapter({ auth: testApp.auth });
    const ticket = await token.createTicket({ title: 'Locked later', body: 'x', labels: [], key: 'locked-1' });
    expect((await token.getTicket(ticket.number, { fresh: true }))?.locked).toBe(false);
    await t.raw(TOKENS.anna, 'PUT', `/repos/local/support/issues/${ticket.number}/lock`, { lock_reason: 'off-topic' });
    expect((await token.getTicket(ticket.number, { fresh: true }))?.locked).toBe(true);
    expect((await token.addComment(ticket.number, { body: 'queued before the lock', key: 'locked-2' })).body).toBe('queued before the lock');
    const refused = await app.addComment(ticket.number, { body: 'queued before the lock', key: 'locked-3' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GitHostError);
    expect(refused).toMatchObject({ kind: 'refused', status: 403 });
    expect((refused as Error).message).toBe(
      `ticket #${ticket.number} is locked as off-topic: on a locked issue only collaborators may comment, and helpdesk-app[bot] is not one (a GitHub App never is). Unlock the issue to let the message through, then retry the entry (npm run outbox -- retry <id>)`,
    );
  });
});

describe('large files and deletions', () => {
  it('serves a file over 1 MB only to the object media type (without content), the bytes through the blob API', async () => {
    const host = t.adapter();
    const bytes = Buffer.alloc(1024 * 1024 + 10, 7);
    await host.uploadAttachment({ path: 'big/large.bin', content: bytes, message: 'large' });
    const plain = await t.raw(TOKENS.bot, 'GET', '/repos/local/support/contents/big/large.bin?ref=attachments');
    expect(plain).toMatchObject({ status: 403, body: { errors: [{ resource: 'Blob', field: 'data', code: 'too_large' }] } });
    const blobsBefore = t.local.requests.filter((r) => r.path.includes('/git/blobs/')).length;
    expect((await host.readAttachment('big/large.bin'))?.equals(bytes)).toBe(true);
    expect(t.local.requests.filter((r) => r.path.includes('/git/blobs/')).length).toBe(blobsBefore + 1);
  });

  it('deletes files (with their sha), branches and labels, and keeps them deleted after a restart', async () => {
    const host = t.adapter();
    const ref = await host.uploadAttachment({ path: 'gone/soon.txt', content: Buffer.from('bye'), message: 'soon gone' });
    const file = '/repos/local/support/contents/gone/soon.txt';
    expect((await t.raw(TOKENS.bot, 'DELETE', file, { message: 'delete', sha: 'f'.repeat(40), branch: 'attachments' })).status).toBe(409);
    const deleted = await t.raw(TOKENS.bot, 'DELETE', file, { message: 'delete', sha: ref.sha, branch: 'attachments' });
    expect(deleted).toMatchObject({ status: 200, body: { content: null, commit: { message: 'delete' } } });
    expect(await host.readAttachment('gone/soon.txt')).toBeUndefined();
    await t.raw(TOKENS.bot, 'POST', '/repos/local/support/git/refs', { ref: 'refs/heads/scratch', sha: (await t.raw(TOKENS.bot, 'GET', '/repos/local/support/git/ref/heads%2Fmain')).body.object.sha });
    expect((await t.raw(TOKENS.bot, 'DELETE', '/repos/local/support/git/refs/heads/main')).status).toBe(422);
    expect((await t.raw(TOKENS.bot, 'DELETE', '/repos/local/support/git/refs/heads/scratch')).status).toBe(204);
    await t.raw(TOKENS.bot, 'POST', '/repos/local/support/labels', { name: 'doomed', color: '000000' });
    const { body: labelled } = await t.raw(TOKENS.bot, 'POST', '/repos/local/support/issues', { title: 'Labelled', body: 'x', labels: ['doomed'] });
    expect((await t.raw(TOKENS.bot, 'DELETE', '/repos/local/support/labels/doomed')).status).toBe(204);
    expect((await t.raw(TOKENS.bot, 'GET', `/repos/local/support/issues/${labelled.number}`)).body.labels).toEqual([]);

    await t.local.close();
    const again = await startTestHost({ dataDir: t.dataDir, repositories: [{ fullName: 'local/support', private: true }], apps: [testApp.app] });
    t = {
      ...again,
      stop: async () => {
        await again.stop();
      },
    };
    expect((await t.raw(TOKENS.bot, 'GET', `${file}?ref=attachments`)).status).toBe(404);
    expect((await t.raw(TOKENS.bot, 'GET', '/repos/local/support/git/ref/heads%2Fscratch')).status).toBe(404);
    expect((await t.raw(TOKENS.bot, 'GET', '/repos/local/support/labels/doomed')).status).toBe(404);
    expect((await t.raw(TOKENS.bot, 'GET', '/repos/local/support/contents/big/large.bin?ref=attachments')).status).toBe(403);
  });
});
