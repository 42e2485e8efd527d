// Staff identity: a login is staff only if the Git host says it has write access to the ticket repository
// (the collaborator permission endpoint), never because of the `author_association` a comment shows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHostError, type GitHost } from '../../../src/git-host/index.ts';
import { startTestHost, TOKENS, type TestHost } from '../../helpers/local-host.ts';

let t: TestHost;

beforeAll(async () => {
  t = await startTestHost({
    repositories: [
      { fullName: 'local/support', private: true },
      { fullName: 'local/public-desk', private: false },
    ],
  });
});
afterAll(() => t.stop());

const PERMISSION = /\/collaborators\/[^/]+\/permission$/;
const permissionRequests = () => t.local.requests.filter((r) => PERMISSION.test(r.path)).length;

function setPermission(login: string, permission: 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'): void {
  const user = t.local.users.find((u) => u.login === login);
  if (!user) throw new Error(`no local user ${login}`);
  user.permission = permission;
}

describe('hasWriteAccess', () => {
  let host: GitHost;
  beforeAll(() => {
    host = t.adapter();
  });

  it('is true for users with write access, whatever association their comments show', async () => {
    expect(await host.hasWriteAccess('support-anna')).toBe(true);
    expect(await host.hasWriteAccess('local')).toBe(true);
    // Commented as CONTRIBUTOR (private organisation membership) but has write access.
    const ticket = await host.createTicket({ title: 'Association', body: 'x', labels: [], key: 'staff-assoc' });
    const res = await t.raw('local-private-member', 'POST', `/repos/local/support/issues/${ticket.number}/comments`, { body: 'on it' });
    expect(res.body.author_association).toBe('CONTRIBUTOR');
    expect((await host.getTicket(ticket.number, { fresh: true }))?.messages[0]?.author).toEqual({ login: 'private-member', association: 'CONTRIBUTOR', isBot: false });
    expect(await host.hasWriteAccess('private-member')).toBe(true);
  });

  it('is false for readers, outsiders, unknown logins and the bot itself', async () => {
    expect(await host.hasWriteAccess('listed-reader')).toBe(false);
    expect(await host.hasWriteAccess('random-visitor')).toBe(false);
    expect(await host.hasWriteAccess('no-such-user-anywhere')).toBe(false);
    expect(await host.hasWriteAccess('helpdesk-bot')).toBe(false);
    expect(await host.hasWriteAccess('HelpDesk-Bot')).toBe(false);
  });

  it('decides by role: maintain is staff, triage is not', async () => {
    const h = t.adapter();
    setPermission('support-lead', 'maintain');
    setPermission('it-oncall', 'triage');
    try {
      expect(await h.hasWriteAccess('support-lead')).toBe(true);
      expect(await h.hasWriteAccess('it-oncall')).toBe(false);
    } finally {
      setPermission('support-lead', 'write');
      setPermission('it-oncall', 'write');
    }
  });

  it('answers a second call within the TTL from memory, case-insensitively', async () => {
    const h = t.adapter();
    await h.botLogin();
    const before = t.local.requests.length;
    expect(await h.hasWriteAccess('support-ben')).toBe(true);
    expect(await h.hasWriteAccess('random-visitor')).toBe(false);
    expect(t.local.requests.length).toBe(before + 2);
    expect(await h.hasWriteAccess('support-ben')).toBe(true);
    expect(await h.hasWriteAccess('Support-Ben')).toBe(true);
    expect(await h.hasWriteAccess('random-visitor')).toBe(false);
    expect(t.local.requests.length).toBe(before + 2);
  });

  it('shares one request between concurrent lookups of a login', async () => {
    const h = t.adapter();
    await h.botLogin();
    const before = permissionRequests();
    const answers = await Promise.all([h.hasWriteAccess('support-anna'), h.hasWriteAccess('SUPPORT-ANNA'), h.hasWriteAccess('support-anna')]);
    expect(answers).toEqual([true, true, true]);
    expect(permissionRequests()).toBe(before + 1);
  });

  it('sees a changed permission after forgetPermission (one login, or all)', async () => {
    const h = t.adapter();
    expect(await h.hasWriteAccess('support-ben')).toBe(true);
    expect(await h.hasWriteAccess('listed-reader')).toBe(false);
    setPermission('support-ben', 'read');
    setPermission('listed-reader', 'write');
    try {
      // Cached until forgotten.
      expect(await h.hasWriteAccess('support-ben')).toBe(true);
      h.forgetPermission('Support-Ben');
      expect(await h.hasWriteAccess('support-ben')).toBe(false);
      expect(await h.hasWriteAccess('listed-reader')).toBe(false);
      h.forgetPermission();
      expect(await h.hasWriteAccess('listed-reader')).toBe(true);
    } finally {
      setPermission('support-ben', 'write');
      setPermission('listed-reader', 'read');
    }
  });

  it('throws when the host fails, and caches nothing', async () => {
    const h = t.adapter();
    await h.botLogin();
    t.local.setFaults({ serverError: { rate: 1, status: 502 } });
    try {
      await expect(h.hasWriteAccess('support-anna')).rejects.toBeInstanceOf(GitHostError);
    } finally {
      t.local.setFaults({});
    }
    const before = permissionRequests();
    expect(await h.hasWriteAccess('support-anna')).toBe(true);
    expect(permissionRequests()).toBe(before + 1);
  });

  it('throws when the bot may not read permissions (403), rather than guessing', async () => {
    const reader = t.adapter({ token: 'local-listed-reader' });
    // The bot needs push access: a set-up for an operator to fix, not a refusal of this one request.
    await expect(reader.hasWriteAccess('support-anna')).rejects.toMatchObject({ kind: 'operator', status: 403 });
  });

  it('keeps permissionOf answering the base permission', async () => {
    expect(await host.permissionOf('local')).toBe('admin');
    expect(await host.permissionOf('private-member')).toBe('write');
    expect(await host.permissionOf('listed-reader')).toBe('read');
    expect(await host.permissionOf('random-visitor')).toBe('none');
    expect(await host.permissionOf('no-such-user-anywhere')).toBeUndefined();
  });
});

describe('GET /repos/{owner}/{repo}/collaborators/{username}/permission on the local host', () => {
  const url = (login: string, repo = 'local/support') => `/repos/${repo}/collaborators/${login}/permission`;

  it('answers 200 with permission, role_name and the user', async () => {
    const res = await t.raw(TOKENS.bot, 'GET', url('private-member'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      permission: 'write',
      role_name: 'write',
      user: { login: 'private-member', type: 'User', role_name: 'write', permissions: { admin: false, maintain: false, push: true, triage: true, pull: true } },
    });
    expect((await t.raw(TOKENS.bot, 'GET', url('LOCAL'))).body).toMatchObject({ permission: 'admin', role_name: 'admin', user: { login: 'local' } });
    expect((await t.raw(TOKENS.bot, 'GET', url('random-visitor'))).body).toMatchObject({ permission: 'none', role_name: 'none' });
    // Anyone reads a public repository.
    expect((await t.raw(TOKENS.bot, 'GET', url('random-visitor', 'local/public-desk'))).body).toMatchObject({ permission: 'read', role_name: 'read' });
  });

  it('maps maintain to write and triage to read in permission, keeping the role in role_name', async () => {
    setPermission('support-lead', 'maintain');
    setPermission('it-oncall', 'triage');
    try {
      expect((await t.raw(TOKENS.bot, 'GET', url('support-lead'))).body).toMatchObject({ permission: 'write', role_name: 'maintain' });
      expect((await t.raw(TOKENS.bot, 'GET', url('it-oncall'))).body).toMatchObject({ permission: 'read', role_name: 'triage' });
    } finally {
      setPermission('support-lead', 'write');
      setPermission('it-oncall', 'write');
    }
  });

  it('answers 404 for an unknown login', async () => {
    const res = await t.raw(TOKENS.bot, 'GET', url('no-such-user-anywhere'));
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('Not Found');
  });

  it('answers 403 to a caller without push access, 401 without credentials on a public repository', async () => {
    const reader = await t.raw('local-listed-reader', 'GET', url('support-anna'));
    expect(reader.status).toBe(403);
    expect(reader.body.message).toMatch(/push access/);
    expect((await t.raw(TOKENS.outsider, 'GET', url('support-anna', 'local/public-desk'))).status).toBe(403);
    expect((await fetch(`${t.local.url}${url('support-anna', 'local/public-desk')}`)).status).toBe(401);
    // A private repository is invisible without read access.
    expect((await t.raw(TOKENS.outsider, 'GET', url('support-anna'))).status).toBe(404);
  });
});
