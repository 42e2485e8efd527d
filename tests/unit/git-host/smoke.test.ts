// `npm run smoke:github` against the embedded host: the whole walk passes with a token and with a GitHub App, leaves
// nothing behind but a closed, locked issue, refuses a repository with issues it did not make, and fails (naming the
// fix) on a set-up the desk could not work with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSmokeTable, runSmoke, SMOKE_ATTACHMENTS_BRANCH, SMOKE_TITLE_PREFIX, type SmokeOptions } from '../../../src/git-host/smoke.ts';
import { ticketLabels } from '../../../src/tickets/labels.ts';
import { createTestApp, startTestHost, TOKENS, type TestHost } from '../../helpers/local-host.ts';

const labels = ticketLabels({ ticketTypes: ['question', 'problem'], categories: [{ id: 'orders', title: { en: 'Orders' }, description: {} }] });
const testApp = createTestApp();
let t: TestHost;

beforeAll(async () => {
  t = await startTestHost({
    repositories: [
      { fullName: 'local/smoke', private: true },
      { fullName: 'local/busy', private: true },
      { fullName: 'local/archived', private: true },
    ],
    apps: [testApp.app],
  });
});
afterAll(() => t.stop());

const run = (options: Partial<SmokeOptions> = {}) =>
  runSmoke({
    baseUrl: t.local.url,
    auth: { kind: 'token', token: TOKENS.bot },
    repository: 'local/smoke',
    labels,
    tuning: { intervalsMs: { write: 0, notification: 0 }, retryBaseMs: 10 },
    ...options,
  });

const STEPS = [
  'credentials',
  'throw-away repository',
  'capability (start-up checks)',
  'labels',
  'ticket',
  'comment',
  'reactions',
  'attachment (inline)',
  'attachment (blob API)',
  'conditional read (ETag)',
  'rate-limit headers',
  'assign',
  'close',
  'reopen',
  'lock',
  'comment on the locked issue',
  'missing issue (404)',
  'clean up: ticket',
  'clean up: attachments',
  'clean up: labels',
];

describe('npm run smoke:github on the embedded host', () => {
  describe.each([
    ['a token', () => ({ kind: 'token', token: TOKENS.bot }) as const, 'helpdesk-bot'],
    ['a GitHub App', () => testApp.auth, 'helpdesk-app[bot]'],
  ])('with %s', (_name, auth, bot) => {
    it('passes every step and leaves only a closed, locked issue behind', async () => {
      const report = await run({ auth: auth() });
      expect(report.steps.filter((s) => s.outcome === 'fail')).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.steps.map((s) => s.step)).toEqual(STEPS);
      const byName = Object.fromEntries(report.steps.map((s) => [s.step, s]));
      expect(byName.credentials?.detail).toContain(bot);
      if (bot === 'helpdesk-bot') {
        expect(byName['comment on the locked issue']?.detail).toMatch(/^accepted: helpdesk-bot is a collaborator/);
      } else {
        // GitHub lets no App comment on a locked issue; the adapter reports it as a refusal of that message only.
        expect(byName['comment on the locked issue']?.detail).toMatch(/^refused \(403\)/);
        expect(byName.assign).toMatchObject({ outcome: 'skip' });
      }
      const table = formatSmokeTable(report);
      expect(table.split('\n')[0]).toMatch(/^step\s+result\s+detail$/);
      expect(table).toMatch(/\nsmoke test: \d+ steps passed, 0 failed, \d skipped$/);

      const issues = (await t.raw(TOKENS.owner, 'GET', '/repos/local/smoke/issues?state=all&per_page=100')).body as Array<Record<string, any>>;
      const last = issues[0];
      expect(last).toMatchObject({ state: 'closed', state_reason: 'not_planned', locked: true, active_lock_reason: 'resolved', user: { login: bot } });
      expect(last?.title.startsWith(SMOKE_TITLE_PREFIX)).toBe(true);
      expect((await t.raw(TOKENS.owner, 'GET', `/repos/local/smoke/git/ref/heads%2F${SMOKE_ATTACHMENTS_BRANCH}`)).status).toBe(404);
      expect((await t.raw(TOKENS.owner, 'GET', '/repos/local/smoke/labels')).body).toEqual([]);
    });
  });

  it('refuses a repository with issues it did not make, writing nothing, unless --force', async () => {
    await t.raw(TOKENS.anna, 'POST', '/repos/local/busy/issues', { title: 'A real customer problem', body: 'x' });
    const refused = await run({ repository: 'local/busy' });
    expect(refused.ok).toBe(false);
    expect(refused.steps.map((s) => [s.step, s.outcome])).toEqual([
      ['credentials', 'pass'],
      ['throw-away repository', 'fail'],
    ]);
    expect(refused.steps[1]?.detail).toBe('local/busy has 1 issue the smoke test did not make (#1): run the smoke test on a throw-away repository, or pass --force to run it here anyway');
    expect((await t.raw(TOKENS.owner, 'GET', '/repos/local/busy/labels')).body).toEqual([]);

    const forced = await run({ repository: 'local/busy', force: true });
    expect(forced.ok).toBe(true);
    expect(forced.steps[1]?.detail).toMatch(/1 issue the smoke test did not make \(#1\); running anyway \(--force\)/);
  });

  it('fails on a set-up the desk cannot work with, naming the fix, and cleans up what it made', async () => {
    t.local.setFaults({ repositories: { 'local/archived': { archived: true } } });
    try {
      const report = await run({ repository: 'local/archived' });
      expect(report.ok).toBe(false);
      const failed = report.steps.find((s) => s.outcome === 'fail');
      expect(failed?.step).toBe('capability (start-up checks)');
      expect(failed?.detail).toMatch(/local\/archived is archived.*Unarchive it/);
      // Nothing after the failed step ran; nothing was made, so nothing is cleaned up.
      expect(report.steps.map((s) => s.step)).toEqual(['credentials', 'throw-away repository', 'capability (start-up checks)']);
      expect(formatSmokeTable(report)).toMatch(/capability \(start-up checks\)\s+FAIL\s+/);
    } finally {
      t.local.setFaults({});
    }
  });
});
