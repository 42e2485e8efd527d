import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCredentials, checkGitHost, GitHostStartupError } from '../../../src/git-host/index.ts';
import { openGitHost } from '../../../src/server/open-git-host.ts';
import { ConfigSchema } from '../../../src/config/config-schema.ts';
import { envToCredentials, parseEnv } from '../../../src/server/env.ts';
import { startTestHost, tempDir, TEST_USERS, type TestHost } from '../../helpers/local-host.ts';

let t: TestHost;

beforeAll(async () => {
  t = await startTestHost({
    repositories: [
      { fullName: 'local/support', private: true },
      { fullName: 'local/open-desk', private: false },
    ],
    users: [...TEST_USERS, { login: 'gist-only', token: 'token-gist-only', permission: 'write', scopes: ['gist'] }, { login: 'reader', token: 'token-reader', permission: 'read' }],
  });
});
afterAll(() => t.stop());

const check = (token: string, repository = 'local/support', emailSecretSet = true) => checkGitHost(t.adapter({ token, repository }), { baseUrl: t.local.url, authKind: 'token', emailSecretSet });

describe('start-up checks', () => {
  it('passes for a working set-up, warning only that the attachments branch is missing', async () => {
    const report = await check('local-bot-token');
    expect(report.ok).toBe(true);
    expect(report.botLogin).toBe('helpdesk-bot');
    expect(report.problems.map((p) => [p.code, p.severity])).toEqual([['attachments-branch-missing', 'warning']]);
  });

  it('names GITHUB_TOKEN when the host rejects it', async () => {
    const report = await check('revoked-token-1');
    expect(report.problems).toEqual([expect.objectContaining({ code: 'credentials-rejected' })]);
    expect(report.problems[0]?.message).toMatch(/^GITHUB_TOKEN was rejected by http:\/\/127\.0\.0\.1:\d+ \(401 Bad credentials\)\. Create a new token/);
  });

  it('names the missing scope of a classic token', async () => {
    const report = await check('token-gist-only');
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.message)).toContain(
      'GITHUB_TOKEN lacks the "repo" scope (it has: gist). Create a classic token with the "repo" scope, or a fine-grained token with Issues and Contents read and write on local/support.',
    );
  });

  it('says when the identity cannot write to the repository', async () => {
    const report = await check('token-reader');
    expect(report.problems.map((p) => p.code)).toContain('token-permission');
    expect(report.problems.find((p) => p.code === 'token-permission')?.message).toContain('reader cannot write to local/support');
  });

  it('says which repository was not found and which key to fix', async () => {
    const report = await check('local-bot-token', 'local/nope');
    expect(report.problems[0]?.message).toMatch(/^repository "local\/nope" was not found at .*Check gitHost\.repository in helpdesk\.config\.json/);
  });

  it('refuses a public repository while emails would be stored in clear text', async () => {
    const clear = await check('local-bot-token', 'local/open-desk', false);
    expect(clear.ok).toBe(false);
    expect(clear.problems.find((p) => p.code === 'public-repository-clear-emails')?.message).toBe(
      'repository "local/open-desk" is public, so customer emails would be stored in clear text in ticket metadata. Set EMAIL_ENCRYPTION_KEY or SESSION_SECRET (at least 32 characters) so they are sealed with AES-GCM, or make the repository private.',
    );
    expect((await check('local-bot-token', 'local/open-desk', true)).ok).toBe(true);
  });

  it('asks for a token when a Git host is configured without one', () => {
    expect(checkCredentials(undefined, { kind: 'none' })).toEqual([]);
    const [problem] = checkCredentials('https://api.github.com', envToCredentials(parseEnv({})));
    expect(problem?.message).toMatch(/^GITHUB_TOKEN is not set, but gitHost\.baseUrl is "https:\/\/api\.github\.com"\. Set GITHUB_TOKEN/);
  });

  it('opens the embedded local host when no Git host is configured, and reports problems as one error', async () => {
    const { dir, remove } = await tempDir();
    try {
      const config = ConfigSchema.parse({ categories: [{ id: 'orders', title: { en: 'Orders' } }] });
      const opened = await openGitHost({
        config,
        env: {
          DATA_DIR: dir,
          LOCAL_HOST_PORT: undefined,
          SESSION_SECRET: undefined,
          EMAIL_ENCRYPTION_KEY: undefined,
          GITHUB_TOKEN: undefined,
          GITHUB_APP_ID: undefined,
          GITHUB_APP_PRIVATE_KEY: undefined,
          GITHUB_APP_INSTALLATION_ID: undefined,
        },
      });
      expect(opened.localHost?.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
      expect(opened.report.repositoryPrivate).toBe(true);
      await opened.close();
      const github = ConfigSchema.parse({ categories: [{ id: 'orders', title: { en: 'Orders' } }], gitHost: { baseUrl: 'https://api.github.com', repository: 'acme/help' } });
      const error = await openGitHost({
        config: github,
        env: {
          DATA_DIR: dir,
          LOCAL_HOST_PORT: undefined,
          SESSION_SECRET: undefined,
          EMAIL_ENCRYPTION_KEY: undefined,
          GITHUB_TOKEN: undefined,
          GITHUB_APP_ID: undefined,
          GITHUB_APP_PRIVATE_KEY: undefined,
          GITHUB_APP_INSTALLATION_ID: undefined,
        },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitHostStartupError);
      expect((error as Error).message).toContain('GITHUB_TOKEN is not set');
    } finally {
      await remove();
    }
  });
});

describe('environment', () => {
  it('applies defaults and turns empty values into unset', () => {
    const env = parseEnv({ GITHUB_TOKEN: '', LOCAL_HOST_PORT: '4500' });
    expect(env).toMatchObject({ DATA_DIR: 'data', LOCAL_HOST_PORT: 4500 });
    expect(env.GITHUB_TOKEN).toBeUndefined();
    expect(envToCredentials(parseEnv({ GITHUB_TOKEN: 'ghp_x' }))).toEqual({ kind: 'token', token: 'ghp_x' });
  });

  it('names every bad variable and how to fix it', () => {
    expect(() => parseEnv({ SESSION_SECRET: 'short', LOCAL_HOST_PORT: 'eighty', GITHUB_APP_ID: '12' })).toThrowError(
      [
        'environment has 3 problem(s):',
        'SESSION_SECRET: must be at least 32 characters; generate one with `openssl rand -hex 32`',
        'LOCAL_HOST_PORT: must be a port number between 0 and 65535',
        'GITHUB_APP_PRIVATE_KEY: is missing; a GitHub App needs all three of GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID (missing: GITHUB_APP_PRIVATE_KEY, GITHUB_APP_INSTALLATION_ID)',
        'See .env.example for every variable.',
      ].join('\n'),
    );
  });

  it('refuses a token together with App credentials', () => {
    expect(() => parseEnv({ GITHUB_TOKEN: 't', GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: 'k', GITHUB_APP_INSTALLATION_ID: '2' })).toThrowError(
      /GITHUB_TOKEN: is set together with the GitHub App variables/,
    );
    expect(envToCredentials(parseEnv({ GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: 'a\\nb', GITHUB_APP_INSTALLATION_ID: '2' }))).toEqual({
      kind: 'app',
      appId: 1,
      privateKey: 'a\nb',
      installationId: 2,
    });
  });
});
