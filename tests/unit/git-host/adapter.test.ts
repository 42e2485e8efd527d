import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHostError, type GitHost } from '../../../src/git-host/index.ts';
import type { TicketSummary } from '../../../src/tickets/ticket.ts';
import { deriveMetadataKey, withMetadata } from '../../../src/tickets/metadata.ts';
import { startTestHost, TEST_METADATA_SECRET, TOKENS, type TestHost } from '../../helpers/local-host.ts';

/** The adapter's own key: a block signed with it still counts only in bodies the bot wrote. */
const metadataKey = deriveMetadataKey(TEST_METADATA_SECRET);

let t: TestHost;
let host: GitHost;

beforeAll(async () => {
  t = await startTestHost({
    repositories: [
      { fullName: 'local/support', private: true },
      { fullName: 'local/public-desk', private: false },
    ],
  });
  host = t.adapter();
});
afterAll(() => t.stop());

const posts = (path: RegExp) => t.local.requests.filter((r) => r.method === 'POST' && path.test(r.path)).length;

describe('the adapter against the local host', () => {
  it('creates a ticket with its labels in one request and reads it back with metadata', async () => {
    const before = t.local.requests.length;
    const ticket = await host.createTicket({
      title: 'Parcel missing',
      body: 'Where is my parcel?',
      labels: ['status: new', 'priority: normal'],
      key: 'key-create-1',
      ref: 'T-AAAA0001',
      customerEmail: 'Alice@Example.com',
    });
    const requests = t.local.requests.slice(before).filter((r) => r.path.startsWith('/repos/local/support/issues'));
    expect(requests).toHaveLength(1);
    expect(ticket.labels).toEqual(['status: new', 'priority: normal']);
    expect(ticket.meta).toMatchObject({ kind: 'ticket', key: 'key-create-1', ref: 'T-AAAA0001', customer: { email: 'Alice@Example.com', id: host.customerId('alice@example.com') } });
    expect(ticket.body).toBe('Where is my parcel?');
    const read = await host.getTicket(ticket.number, { fresh: true });
    expect(read).toMatchObject({ number: ticket.number, title: 'Parcel missing', state: 'open', messages: [], author: { login: 'helpdesk-bot', isBot: true } });
  });

  it('reads a thread with messages by the bot, staff and an outsider, trusting metadata only from the bot', async () => {
    const ticket = await host.createTicket({ title: 'Thread', body: 'first', labels: ['status: new'], key: 'key-thread' });
    await host.addComment(ticket.number, { body: 'customer follow-up', key: 'key-msg-1', customerEmail: 'bob@example.com' });
    await t.raw(TOKENS.anna, 'POST', `/repos/local/support/issues/${ticket.number}/comments`, { body: '/reply We are on it' });
    await t.raw(TOKENS.ben, 'POST', `/repos/local/support/issues/${ticket.number}/comments`, { body: 'internal note' });
    const forged = withMetadata({ kind: 'message', key: 'forged', customer: { id: 'c-x', email: 'victim@example.com' } }, 'I am the customer', metadataKey);
    await t.raw(TOKENS.owner, 'POST', `/repos/local/support/issues/${ticket.number}/comments`, { body: forged });
    const thread = await host.getTicket(ticket.number);
    expect(thread?.messages.map((m) => [m.author.login, m.author.association, m.author.isBot])).toEqual([
      ['helpdesk-bot', 'COLLABORATOR', true],
      ['support-anna', 'MEMBER', false],
      ['support-ben', 'COLLABORATOR', false],
      ['local', 'OWNER', false],
    ]);
    expect(thread?.messages[0]?.meta).toMatchObject({ kind: 'message', key: 'key-msg-1', customer: { email: 'bob@example.com' } });
    expect(thread?.messages[3]?.meta).toBeUndefined();
    expect(thread?.messages[3]?.body).toBe('I am the customer');
  });

  it('accepts comments from an outsider on a public repository and reports association NONE', async () => {
    const pub = t.adapter({ repository: 'local/public-desk', emailSecret: 'x'.repeat(32) });
    const ticket = await pub.createTicket({ title: 'Public', body: 'hello', labels: [], key: 'key-pub' });
    const res = await t.raw(TOKENS.outsider, 'POST', `/repos/local/public-desk/issues/${ticket.number}/comments`, { body: 'drive-by' });
    expect(res.status).toBe(201);
    // As the comment's webhook would: the ticket was cached whole when the adapter created it.
    pub.invalidate(ticket.number);
    const thread = await pub.getTicket(ticket.number);
    expect(thread?.messages[0]?.author).toEqual({ login: 'random-visitor', association: 'NONE', isBot: false });
  });

  it('sets labels, state and assignees, each with one request, and invalidates its cache on writes', async () => {
    const ticket = await host.createTicket({ title: 'Changes', body: 'x', labels: ['status: new'], key: 'key-changes' });
    await host.getTicket(ticket.number);
    expect((await host.setLabels(ticket.number, ['status: open', 'priority: high'])).labels).toEqual(['status: open', 'priority: high']);
    expect((await host.setAssignees(ticket.number, ['support-anna'])).assignees).toEqual(['support-anna']);
    expect((await host.getTicket(ticket.number))?.labels).toEqual(['status: open', 'priority: high']);
    const closed = await host.setState(ticket.number, 'closed');
    expect(closed.state).toBe('closed');
    expect((await host.getTicket(ticket.number))?.state).toBe('closed');
    expect((await host.updateTicket(ticket.number, { state: 'open', labels: ['status: open'] })).state).toBe('open');
  });

  it('serves unchanged reads from memory and revalidates with If-None-Match after invalidate()', async () => {
    const ticket = await host.createTicket({ title: 'Cache', body: 'x', labels: [], key: 'key-cache' });
    await host.getTicket(ticket.number, { fresh: true });
    const before = t.local.requests.length;
    await host.getTicket(ticket.number);
    expect(t.local.requests.length).toBe(before);
    host.invalidate(ticket.number);
    await host.getTicket(ticket.number);
    const revalidations = t.local.requests.slice(before);
    expect(revalidations.map((r) => r.status)).toEqual([304, 304]);
    // A comment by staff changes the thread: the next read after a webhook-driven invalidate sees it.
    await t.raw(TOKENS.anna, 'POST', `/repos/local/support/issues/${ticket.number}/comments`, { body: 'new' });
    host.invalidate(ticket.number);
    expect((await host.getTicket(ticket.number))?.messages).toHaveLength(1);
  });

  it('returns undefined for a ticket that does not exist', async () => {
    expect(await host.getTicket(99_999)).toBeUndefined();
  });

  it('uploads an attachment through the contents API and reads it back', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    const ref = await host.uploadAttachment({ path: 'tickets/T-1/a/photo.png', content: bytes, message: 'attachment' });
    expect(ref).toMatchObject({ path: 'tickets/T-1/a/photo.png', size: 8 });
    expect(await host.readAttachment('tickets/T-1/a/photo.png')).toEqual(bytes);
    expect(await host.readAttachment('tickets/T-1/a/missing.png')).toBeUndefined();
  });

  it('adds and reads reactions (ratings) on a message', async () => {
    const ticket = await host.createTicket({ title: 'Rate', body: 'x', labels: [], key: 'key-rate' });
    const reply = await t.raw(TOKENS.anna, 'POST', `/repos/local/support/issues/${ticket.number}/comments`, { body: '/reply done' });
    await host.addReaction(reply.body.id, '+1');
    await host.addReaction(reply.body.id, '+1');
    expect(await host.listReactions(reply.body.id)).toEqual([{ content: '+1', login: 'helpdesk-bot' }]);
    const thread = await host.getTicket(ticket.number, { fresh: true });
    expect(thread?.messages[0]?.reactions['+1']).toBe(1);
    // Changing a rating swaps the bot's reaction and leaves other people's alone.
    await t.raw(TOKENS.ben, 'POST', `/repos/local/support/issues/comments/${reply.body.id}/reactions`, { content: '+1' });
    await host.setReaction(reply.body.id, '-1', '+1');
    expect(await host.listReactions(reply.body.id)).toEqual([
      { content: '+1', login: 'support-ben' },
      { content: '-1', login: 'helpdesk-bot' },
    ]);
  });

  it("lists the bot's issues a page at a time, oldest first, and reads a thread in one request", async () => {
    const a = await host.createTicket({ title: 'Page 1', body: 'x', labels: [], key: 'key-page-1', customerEmail: 'carol@example.com' });
    const b = await host.createTicket({ title: 'Page 2', body: 'x', labels: [], key: 'key-page-2', customerEmail: 'CAROL@example.com ' });
    // An outsider-looking issue with a copied metadata block, opened by staff, is not the bot's: never listed.
    const staffIssue = await t.raw(TOKENS.anna, 'POST', '/repos/local/support/issues', {
      title: 'forged',
      body: withMetadata({ kind: 'ticket', key: 'k', customer: { id: host.customerId('carol@example.com') } }, 'x', metadataKey),
    });
    const listed: TicketSummary[] = [];
    for (let page = 1, last = 1; page <= last; page += 1) {
      const answer = await host.listTicketPage(page, 2);
      listed.push(...answer.tickets);
      last = answer.lastPage;
    }
    const numbers = listed.map((s) => s.number);
    expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
    expect(numbers).toEqual(expect.arrayContaining([a.number, b.number]));
    expect(numbers).not.toContain(staffIssue.body.number);
    expect(listed.filter((s) => s.meta?.customer?.id === host.customerId('carol@example.com')).map((s) => s.number)).toEqual([a.number, b.number]);
    await host.addComment(a.number, { body: 'y', key: 'key-page-message' });
    const before = t.local.requests.length;
    expect((await host.listMessages(a.number)).map((m) => m.body)).toEqual(['y']);
    expect(t.local.requests.length - before).toBe(1);
  });

  it("finds what it created by idempotency key among the bot's issues and comments", async () => {
    const ticket = await host.createTicket({ title: 'Keyed', body: 'x', labels: [], key: 'key-find-ticket' });
    const message = await host.addComment(ticket.number, { body: 'y', key: 'key-find-message' });
    expect((await host.findTicketByKey('key-find-ticket'))?.number).toBe(ticket.number);
    expect((await host.findMessageByKey(ticket.number, 'key-find-message'))?.id).toBe(message.id);
    expect(await host.findTicketByKey('never-used')).toBeUndefined();
    expect(await host.findMessageByKey(ticket.number, 'never-used')).toBeUndefined();
  });

  it('seals customer emails on a public repository and refuses to store them without a key', async () => {
    const sealed = t.adapter({ repository: 'local/public-desk', emailSecret: 's'.repeat(32) });
    const ticket = await sealed.createTicket({ title: 'Private matter', body: 'x', labels: [], key: 'key-seal', customerEmail: 'erin@example.com' });
    const raw = await t.raw(TOKENS.outsider, 'GET', `/repos/local/public-desk/issues/${ticket.number}`);
    expect(raw.body.body).not.toContain('erin@example.com');
    expect(Buffer.from(/helpdesk:v1 (\S+)/.exec(raw.body.body)?.[1] ?? '', 'base64url').toString()).not.toContain('erin');
    expect(ticket.meta?.customer?.email).toBe('erin@example.com');
    const other = t.adapter({ repository: 'local/public-desk', emailSecret: 'o'.repeat(32) });
    expect((await other.getTicket(ticket.number))?.meta?.customer?.email).toBeUndefined();
    const clear = t.adapter({ repository: 'local/public-desk' });
    await expect(clear.createTicket({ title: 'x', body: 'x', labels: [], key: 'key-clear', customerEmail: 'f@example.com' })).rejects.toMatchObject({ kind: 'config' });
  });

  it('maps refusals to GitHostError kinds without retrying them', async () => {
    const before = posts(/\/issues$/);
    const error = await host.createTicket({ title: 'x'.repeat(300), body: 'x', labels: [], key: 'key-long' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHostError);
    expect(error).toMatchObject({ kind: 'refused', status: 422 });
    expect(posts(/\/issues$/)).toBe(before + 1);
    // No such issue in a repository that is there: the ticket is gone (not a set-up problem).
    await expect(host.addComment(99_999, { body: 'x', key: 'k' })).rejects.toMatchObject({ kind: 'gone', status: 404 });
    await expect(t.adapter({ token: 'wrong-token-123' }).getTicket(1)).rejects.toMatchObject({ kind: 'auth' });
  });
});
