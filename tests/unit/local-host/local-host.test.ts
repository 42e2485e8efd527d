import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Webhooks } from '@octokit/webhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { signPayload, startLocalHost } from '../../../src/local-host/index.ts';
import { startTestHost, tempDir, TOKENS, waitFor } from '../../helpers/local-host.ts';

const run = promisify(execFile);
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The changes in the host's git history, newest first: a batch commit ("N changes") lists its changes in its body, oldest first. */
async function commits(dir: string): Promise<string[]> {
  const log = (await run('git', ['-C', dir, 'log', '--format=%B%x00'])).stdout;
  return log
    .split('\0')
    .map((message) => message.trim())
    .filter(Boolean)
    .flatMap((message) => {
      const [subject = '', , ...changes] = message.split('\n');
      return /^\d+ changes$/.test(subject) ? changes.reverse() : [subject];
    });
}

describe('local host persistence', () => {
  it('survives a restart, every change in the git history, readable with git log', async () => {
    const { dir, remove } = await tempDir();
    cleanups.push(remove);
    const first = await startTestHost({ dataDir: dir });
    const adapter = first.adapter();
    const ticket = await adapter.createTicket({ title: 'Persist me', body: 'body', labels: ['status: new'], key: 'persist-1', customerEmail: 'p@example.com' });
    await adapter.addComment(ticket.number, { body: 'a comment', key: 'persist-2' });
    await adapter.uploadAttachment({ path: 'tickets/T/1/file.txt', content: Buffer.from('attached'), message: 'attach' });
    await adapter.setLabels(ticket.number, ['status: open']);
    await first.local.idle();
    const before = await commits(dir);
    expect(before.slice(0, 5)).toEqual(['issue: update #1', 'contents: attach', 'ref: create attachments', 'comment: on #1 by helpdesk-bot', 'issue: open #1 in local/support']);
    await first.stop(true);

    // Files written but not committed when a host stopped are committed at its next start.
    await writeFile(path.join(dir, 'left-over.txt'), 'written, not committed');
    await run('git', ['-C', dir, 'rm', '-q', '--cached', 'repos/local/support/issues/1.json']);
    const second = await startTestHost({ dataDir: dir });
    const again = second.adapter();
    const read = await again.getTicket(ticket.number);
    expect(read).toMatchObject({ title: 'Persist me', labels: ['status: open'], meta: { key: 'persist-1', customer: { email: 'p@example.com' } } });
    expect(read?.messages.map((m) => m.body)).toEqual(['a comment']);
    expect(String(await again.readAttachment('tickets/T/1/file.txt'))).toBe('attached');
    const next = await again.createTicket({ title: 'After restart', body: 'x', labels: [], key: 'persist-3' });
    expect(next.number).toBe(ticket.number + 1);
    expect((await again.addComment(next.number, { body: 'x', key: 'persist-4' })).id).toBeGreaterThan(read?.messages[0]?.id ?? Infinity);
    await second.local.idle();
    expect((await run('git', ['-C', dir, 'status', '--porcelain'])).stdout.trim()).toBe('');
    expect(await commits(dir)).toContain('changes written before the last stop');
    await second.stop(true);
  });

  it('refuses a second host on the same data folder while the first runs', async () => {
    const t = await startTestHost();
    cleanups.push(() => t.stop());
    await expect(startLocalHost({ dataDir: t.dataDir })).rejects.toThrow(/is in use by another process serving http:\/\/127\.0\.0\.1:\d+/);
  });
});

describe('concurrent writes', () => {
  it('keeps all of 50 concurrent comments from several users, each recorded in the git history', async () => {
    const t = await startTestHost();
    cleanups.push(() => t.stop());
    const issue = await t.raw(TOKENS.bot, 'POST', '/repos/local/support/issues', { title: 'Busy', body: 'x' });
    const tokens = [TOKENS.bot, TOKENS.anna, TOKENS.ben, TOKENS.owner];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => t.raw(tokens[i % tokens.length] as string, 'POST', `/repos/local/support/issues/${issue.body.number}/comments`, { body: `comment ${i}` })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(50);
    const thread = await t.adapter().getTicket(issue.body.number);
    expect(thread?.messages.map((m) => m.body).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `comment ${i}`).sort());
    await t.local.idle();
    expect((await commits(t.dataDir)).filter((c) => c.startsWith(`comment: on #${issue.body.number}`))).toHaveLength(50);
    // Written together: fewer git commits than changes.
    expect(Number((await run('git', ['-C', t.dataDir, 'rev-list', '--count', 'HEAD'])).stdout)).toBeLessThan(50);
  });
});

describe('users and permissions', () => {
  it("identifies users by token and applies GitHub's rules for labels and private repositories", async () => {
    const t = await startTestHost({
      repositories: [
        { fullName: 'local/support', private: true },
        { fullName: 'local/open', private: false },
      ],
    });
    cleanups.push(() => t.stop());
    expect((await t.raw(TOKENS.anna, 'GET', '/user')).body).toMatchObject({ login: 'support-anna' });
    expect((await t.raw('bad-token-000', 'GET', '/user')).status).toBe(401);
    expect((await t.raw(TOKENS.outsider, 'GET', '/repos/local/support')).status).toBe(404);
    expect((await t.raw(TOKENS.outsider, 'GET', '/repos/local/open')).body.permissions).toMatchObject({ push: false, pull: true });
    // Outsiders may open issues on public repositories, but their labels are silently dropped.
    const issue = await t.raw(TOKENS.outsider, 'POST', '/repos/local/open/issues', { title: 'hi', labels: ['status: urgent'] });
    expect(issue.status).toBe(201);
    expect(issue.body.labels).toEqual([]);
    expect(issue.body.author_association).toBe('NONE');
    expect((await t.raw(TOKENS.outsider, 'POST', '/repos/local/open/labels', { name: 'x', color: '000000' })).status).toBe(403);
  });
});

describe('webhooks', () => {
  it('sends signed issues and issue_comment events with delivery ids, in order', async () => {
    const received: Array<{ event: string; delivery: string; signature: string; body: string }> = [];
    const receiver = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          event: String(req.headers['x-github-event']),
          delivery: String(req.headers['x-github-delivery']),
          signature: String(req.headers['x-hub-signature-256']),
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => receiver.close(() => r())));
    const secret = 'webhook-secret-for-tests';
    const t = await startTestHost({ webhook: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, secret } });
    cleanups.push(() => t.stop());
    const adapter = t.adapter();
    const ticket = await adapter.createTicket({ title: 'Hook', body: 'x', labels: ['status: new'], key: 'hook-1' });
    await t.raw(TOKENS.anna, 'POST', `/repos/local/support/issues/${ticket.number}/comments`, { body: '/reply hi' });
    await adapter.updateTicket(ticket.number, { labels: ['status: waiting'], state: 'closed' });
    await waitFor(() => received.length >= 5);
    const payloads = received.map(
      (r) => JSON.parse(r.body) as { action: string; issue: { number: number }; comment?: { user: { login: string }; author_association: string }; label?: { name: string } },
    );
    expect(received.map((r, i) => `${r.event}.${payloads[i]?.action}`)).toEqual(['issues.opened', 'issue_comment.created', 'issues.closed', 'issues.labeled', 'issues.unlabeled']);
    expect(payloads[1]?.comment).toMatchObject({ user: { login: 'support-anna' }, author_association: 'MEMBER' });
    expect(payloads[3]?.label?.name).toBe('status: waiting');
    for (const r of received) {
      expect(await new Webhooks({ secret }).verify(r.body, r.signature)).toBe(true);
      expect(r.signature).toBe(signPayload(secret, r.body));
      expect(r.delivery).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(await new Webhooks({ secret: 'wrong-secret' }).verify(received[0]?.body ?? '', received[0]?.signature ?? '')).toBe(false);
    expect(new Set(received.map((r) => r.delivery)).size).toBe(received.length);
    expect(t.local.deliveries.every((d) => d.status === 204)).toBe(true);
  });
});
