import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHost } from '../../../src/git-host/index.ts';
import { startTestHost, TOKENS, type TestHost } from '../../helpers/local-host.ts';

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

const rawBody = async (repo: string, n: number): Promise<string> => (await t.raw(TOKENS.owner, 'GET', `/repos/${repo}/issues/${n}`)).body.body;

describe('replacing the visible text of a ticket', () => {
  it('keeps the signed block exactly as written (a sealed email stays sealed) and changes only the text', async () => {
    const sealed = t.adapter({ repository: 'local/public-desk', emailSecret: 'k'.repeat(32) });
    const created = await sealed.createTicket({
      title: 'Sealed',
      body: 'NOTE\n\nheader\n\n---\n\ntext',
      labels: [],
      key: 'key-replace-1',
      customerEmail: 'erin@example.com',
      fields: { unverifiedSince: '2026-05-01T10:00:00.000Z' },
    });
    const before = await rawBody('local/public-desk', created.number);
    expect(await sealed.replaceTicketText(created.number, 'header\n\n---\n\ntext')).toBe(true);
    const after = await rawBody('local/public-desk', created.number);
    expect(after).toBe(`${before.split('\n', 1)[0]}\nheader\n\n---\n\ntext`);
    expect(after).not.toContain('erin@example.com');
    const read = await sealed.getTicket(created.number, { fresh: true });
    expect(read?.meta).toEqual(created.meta);
    expect(read?.body).toBe('header\n\n---\n\ntext');
  });

  it('writes nothing when the first line is not a block that verifies', async () => {
    const created = await host.createTicket({ title: 'Edited by staff', body: 'text', labels: [], key: 'key-replace-2' });
    const forged = '<!-- helpdesk:v2 e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA -->\ntext';
    await t.raw(TOKENS.anna, 'PATCH', `/repos/local/support/issues/${created.number}`, { body: forged });
    expect(await host.replaceTicketText(created.number, 'other text')).toBe(false);
    expect(await rawBody('local/support', created.number)).toBe(forged);
  });
});
