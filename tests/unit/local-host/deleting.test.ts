// Deleting issues (GraphQL `deleteIssue`) and rewriting a branch's history (the Git data API) on the local host,
// through the adapter as the desk uses them: nothing removed stays in the host's git repository, history included.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestHost, tempDir, TOKENS } from '../../helpers/local-host.ts';

const run = promisify(execFile);
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Every object in the host's git repository, reachable or not, as text. */
async function everyObject(dir: string): Promise<string> {
  const { stdout } = await run('git', ['-C', dir, 'cat-file', '--batch-all-objects', '--batch', '--unordered'], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function host() {
  const { dir, remove } = await tempDir();
  cleanups.push(remove);
  const started = await startTestHost({ dataDir: dir });
  cleanups.push(() => started.stop(true));
  return { dir, ...started };
}

describe('deleting an issue (GraphQL deleteIssue)', () => {
  it('deletes for an admin: 410 afterwards, and nothing of it left in the git history', async () => {
    const t = await host();
    const bot = t.adapter();
    const ticket = await bot.createTicket({ title: 'Delete me', body: 'secret-body-text-41', labels: [], key: 'del-1', customerEmail: 'gone@example.com' });
    await bot.addComment(ticket.number, { body: 'secret-comment-text-42', key: 'del-2' });
    await t.local.idle();
    expect(await everyObject(t.dir)).toContain('secret-comment-text-42');

    expect(await bot.deleteTicket(ticket.number)).toBe('not-permitted');
    expect((await bot.getTicket(ticket.number, { fresh: true }))?.title).toBe('Delete me');

    const owner = t.adapter({ token: TOKENS.owner });
    expect(await owner.deleteTicket(ticket.number)).toBe('deleted');
    const gone = await t.raw(TOKENS.owner, 'GET', `/repos/local/support/issues/${ticket.number}`);
    expect(gone.status).toBe(410);
    await t.local.idle();
    const objects = await everyObject(t.dir);
    for (const text of ['secret-body-text-41', 'secret-comment-text-42', 'gone@example.com', 'Delete me']) expect(objects).not.toContain(text);
  });

  it('answers FORBIDDEN as GitHub does to a user without admin rights', async () => {
    const t = await host();
    const ticket = await t.adapter().createTicket({ title: 'Stays', body: 'b', labels: [], key: 'stay-1' });
    const { body: issue } = await t.raw(TOKENS.bot, 'GET', `/repos/local/support/issues/${ticket.number}`);
    const answer = await t.raw(TOKENS.bot, 'POST', '/graphql', { query: 'mutation($id: ID!) { deleteIssue(input: { issueId: $id }) { clientMutationId } }', variables: { id: issue.node_id } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ data: { deleteIssue: null }, errors: [{ type: 'FORBIDDEN', path: ['deleteIssue'] }] });
  });
});

describe('rewriting the attachments branch (Git data API)', () => {
  it('removes files from the branch and from the host git history; the other files stay readable', async () => {
    const t = await host();
    const bot = t.adapter();
    await bot.uploadAttachment({ path: 'tickets/T-A/1/a.txt', content: Buffer.from('attachment-to-erase-77'), message: 'a' });
    await bot.uploadAttachment({ path: 'tickets/T-B/1/b.txt', content: Buffer.from('attachment-that-stays-78'), message: 'b' });
    expect((await bot.listAttachments('tickets/T-A')).map((f) => f.path)).toEqual(['tickets/T-A/1/a.txt']);
    await t.local.idle();
    expect(await everyObject(t.dir)).toContain('attachment-to-erase-77');

    expect(await bot.removeAttachments(['tickets/T-A/1/a.txt', 'tickets/T-C/none.txt'])).toEqual(['tickets/T-A/1/a.txt']);
    expect(await bot.readAttachment('tickets/T-A/1/a.txt')).toBeUndefined();
    expect(String(await bot.readAttachment('tickets/T-B/1/b.txt'))).toBe('attachment-that-stays-78');
    await t.local.idle();
    const objects = await everyObject(t.dir);
    expect(objects).not.toContain('attachment-to-erase-77');
    expect(objects).toContain('attachment-that-stays-78');
  });

  it('makes the attachments branch when there is none, so the rewrite (and the purge of the host history) still happens', async () => {
    const t = await host();
    const bot = t.adapter();
    const ticket = await bot.createTicket({ title: 'No files', body: 'text-before-redaction-99', labels: [], key: 'nofiles-1' });
    await bot.redactTicket(ticket.number, { title: '[removed]', text: 'removed' });
    expect(await bot.listAttachments('tickets/T-A')).toEqual([]);
    expect(await bot.removeAttachments(['tickets/T-A/1/a.txt'])).toEqual([]);
    expect((await t.raw(TOKENS.bot, 'GET', '/repos/local/support/git/ref/heads%2Fattachments')).status).toBe(200);
    await t.local.idle();
    expect(await everyObject(t.dir)).not.toContain('text-before-redaction-99');
    // Again, with nothing to remove and the same files: still a new commit, still a purge.
    const again = await bot.createTicket({ title: 'No files either', body: 'second-text-before-redaction-98', labels: [], key: 'nofiles-2' });
    await bot.redactTicket(again.number, { title: '[removed]', text: 'removed' });
    expect(await bot.removeAttachments([])).toEqual([]);
    await t.local.idle();
    expect(await everyObject(t.dir)).not.toContain('second-text-before-redaction-98');
  });

  it('leaves a note in a branch it empties', async () => {
    const t = await host();
    const bot = t.adapter();
    await bot.uploadAttachment({ path: 'tickets/T-A/1/only.txt', content: Buffer.from('only'), message: 'only' });
    expect(await bot.removeAttachments(['tickets/T-A/1/only.txt'])).toEqual(['tickets/T-A/1/only.txt']);
    const listed = await t.raw(TOKENS.bot, 'GET', '/repos/local/support/git/trees/attachments?recursive=1');
    expect(listed.body.tree.map((e: { path: string }) => e.path)).toEqual(['README.md']);
  });

  it('refuses a ref update that is not a fast forward unless forced', async () => {
    const t = await host();
    const bot = t.adapter();
    await bot.uploadAttachment({ path: 'x/one.txt', content: Buffer.from('one'), message: 'one' });
    const tree = await t.raw(TOKENS.bot, 'POST', '/repos/local/support/git/trees', { tree: [{ path: 'x/two.txt', mode: '100644', type: 'blob', content: 'two' }] });
    expect(tree.status).toBe(201);
    const commit = await t.raw(TOKENS.bot, 'POST', '/repos/local/support/git/commits', { message: 'orphan', tree: tree.body.sha, parents: [] });
    expect(commit.status).toBe(201);
    const refused = await t.raw(TOKENS.bot, 'PATCH', '/repos/local/support/git/refs/heads/attachments', { sha: commit.body.sha });
    expect(refused.status).toBe(422);
    const forced = await t.raw(TOKENS.bot, 'PATCH', '/repos/local/support/git/refs/heads/attachments', { sha: commit.body.sha, force: true });
    expect(forced.status).toBe(200);
    expect(forced.body.object.sha).toBe(commit.body.sha);
    const listed = await t.raw(TOKENS.bot, 'GET', '/repos/local/support/git/trees/attachments?recursive=1');
    expect(listed.body.tree.filter((e: { type: string }) => e.type === 'blob').map((e: { path: string }) => e.path)).toEqual(['x/two.txt']);
  });
});
