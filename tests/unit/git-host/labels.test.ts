import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../src/config/config-schema.ts';
import { syncLabels } from '../../../src/git-host/index.ts';
import { openGitHost } from '../../../src/server/open-git-host.ts';
import { ticketLabels } from '../../../src/tickets/labels.ts';
import { startTestHost, tempDir, TOKENS, type TestHost } from '../../helpers/local-host.ts';

const run = promisify(execFile);
const config = { ticketTypes: ['question', 'problem'], categories: [{ id: 'orders', title: { en: 'Orders' }, description: {} }] };

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.stop());

describe('label setup', () => {
  it('creates the label set, then changes nothing and writes nothing on a second run', async () => {
    const host = t.adapter();
    const first = await syncLabels(host, ticketLabels(config));
    expect(first.created).toHaveLength(ticketLabels(config).length);
    const mark = t.local.requests.length;
    const second = await syncLabels(host, ticketLabels(config));
    expect(second).toEqual({ created: [], updated: [], unchanged: ticketLabels(config).map((l) => l.name) });
    expect(t.local.requests.slice(mark).filter((r) => r.method !== 'GET')).toEqual([]);
    const labels = await t.raw(TOKENS.bot, 'GET', '/repos/local/support/labels?per_page=100');
    expect(labels.body.find((l: { name: string }) => l.name === 'status: new')).toMatchObject({ color: 'fbca04', description: 'Unassigned, in the pool: staff must act' });
    expect(labels.body.find((l: { name: string }) => l.name === 'status: escalated')).toMatchObject({ color: 'b60205' });
  });

  it('repairs a label someone edited by hand, and leaves foreign labels alone', async () => {
    await t.raw(TOKENS.owner, 'PATCH', '/repos/local/support/labels/status:%20waiting', { color: '000000', description: 'changed' });
    await t.raw(TOKENS.owner, 'POST', '/repos/local/support/labels', { name: 'wontfix', color: 'ffffff' });
    const report = await syncLabels(t.adapter(), ticketLabels(config));
    expect(report.updated).toEqual(['status: waiting']);
    expect(report.created).toEqual([]);
    const waiting = await t.raw(TOKENS.bot, 'GET', '/repos/local/support/labels/status:%20waiting');
    expect(waiting.body).toMatchObject({ color: 'd9d9d9', description: 'Staff replied publicly; waiting on the customer' });
    expect((await t.raw(TOKENS.bot, 'GET', '/repos/local/support/labels/wontfix')).status).toBe(200);
  });

  it('runs as `npm run setup:labels` against the embedded local host, idempotently', async () => {
    const { dir, remove } = await tempDir();
    try {
      const configFile = join(dir, 'helpdesk.config.json');
      await writeFile(configFile, JSON.stringify({ categories: [{ id: 'orders', title: { en: 'Orders' } }] }));
      const env = { ...process.env, DATA_DIR: join(dir, 'data'), GITHUB_TOKEN: '', LOCAL_HOST_PORT: '' };
      const script = join(import.meta.dirname, '../../../scripts/setup-labels.ts');
      const first = await run(process.execPath, [script, '--config', configFile], { env });
      expect(first.stdout).toMatch(/labels on local\/support at the local issue host \(http:\/\/127\.0\.0\.1:\d+\): 17 created, 0 updated, 0 unchanged/);
      const second = await run(process.execPath, [script, '--config', configFile], { env });
      expect(second.stdout).toMatch(/: 0 created, 0 updated, 17 unchanged/);
      // One change per label and one for the branch, the second run none (the host may batch changes into one commit).
      const log = await run('git', ['-C', join(dir, 'data', 'local-host'), 'log', '--format=%B']);
      const changes = log.stdout.split('\n').filter((line) => /^(label|ref): /.test(line));
      // 7 statuses, 4 priorities, 4 types, 1 category and the chat label.
      expect(changes).toHaveLength(17 + 1);
    } finally {
      await remove();
    }
  });
});

describe('the embedded host on its first start (issue 16, item 10)', () => {
  it('has every ticket label with its colour and description, with no set-up command; a second start changes nothing', async () => {
    const { dir, remove } = await tempDir();
    const siteConfig = ConfigSchema.parse(config);
    const env = {
      DATA_DIR: join(dir, 'data'),
      LOCAL_HOST_PORT: undefined,
      SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
      EMAIL_ENCRYPTION_KEY: undefined,
      GITHUB_TOKEN: undefined,
      GITHUB_APP_ID: undefined,
      GITHUB_APP_PRIVATE_KEY: undefined,
      GITHUB_APP_INSTALLATION_ID: undefined,
    };
    const open = () => openGitHost({ config: siteConfig, env, tuning: { log: { warn: () => {}, info: () => {} } } });
    try {
      const first = await open();
      try {
        // This start ran the embedded host itself: nothing existed before it.
        expect(first.localHost).toBeDefined();
        const { data } = await first.host.octokit.request('GET /repos/{owner}/{repo}/labels', { owner: 'local', repo: 'support', per_page: 100 });
        const shown = (labels: readonly { name: string; color: string; description: string | null }[]) =>
          labels.map(({ name, color, description }) => ({ name, color, description })).sort((a, b) => a.name.localeCompare(b.name));
        expect(shown(data)).toEqual(shown(ticketLabels(siteConfig)));
      } finally {
        await first.close();
      }
      const second = await open();
      await second.close();
      expect(second.report.labels).toEqual({ created: [], updated: [], unchanged: ticketLabels(siteConfig).map((l) => l.name) });
    } finally {
      await remove();
    }
  });
});
