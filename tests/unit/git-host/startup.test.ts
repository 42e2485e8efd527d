import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkCredentials, checkGitHost, GitHostStartupError, type StartupOptions } from '../../../src/git-host/index.ts';
import { startLocalHost, type FaultsInput, type LocalHost } from '../../../src/local-host/index.ts';
import { openGitHost } from '../../../src/server/open-git-host.ts';
import { ConfigSchema, type ConfigInput } from '../../../src/config/config-schema.ts';
import { envToCredentials, parseEnv } from '../../../src/server/env.ts';
import { ticketLabels } from '../../../src/tickets/labels.ts';
import { startTestHost, tempDir, TEST_USERS, type TestHost } from '../../helpers/local-host.ts';

let t: TestHost;
const DAY = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  t = await startTestHost({
    repositories: [
      { fullName: 'local/support', private: true },
      { fullName: 'local/open-desk', private: false },
    ],
    users: [
      ...TEST_USERS,
      { login: 'gist-only', token: 'token-gist-only', permission: 'write', scopes: ['gist'] },
      { login: 'reader', token: 'token-reader', permission: 'read' },
      // A fine-grained token of a user with the write role, granted only read on Issues and Contents.
      { login: 'fine-grained', token: 'token-fine-grained-read', permission: 'write', tokenGrants: 'read' },
      { login: 'expires-soon', token: 'token-expires-soon', permission: 'write', tokenExpiresAt: new Date(Date.now() + 3 * DAY).toISOString() },
      { login: 'expires-later', token: 'token-expires-later', permission: 'write', tokenExpiresAt: new Date(Date.now() + 30 * DAY).toISOString() },
    ],
  });
});
afterAll(() => t.stop());
afterEach(() => t.local.setFaults({}));

const labels = ticketLabels({ ticketTypes: ['question'], categories: [{ id: 'orders', title: { en: 'Orders' }, description: {} }] });
const check = (token: string, repository = 'local/support', emailSecretSet = true, more: Partial<StartupOptions> = {}) =>
  checkGitHost(t.adapter({ token, repository }), { baseUrl: t.local.url, authKind: 'token', emailSecretSet, labels, ...more });
/** The problems of a report as `code: message`, errors and warnings alike. */
const problemsOf = (report: { problems: Array<{ code: string; message: string }> }) => report.problems.map((p) => `${p.code}: ${p.message}`);

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
    const privateAttachments = { attachments: { repository: 'local/support', branch: 'attachments' } };
    const clear = await check('local-bot-token', 'local/open-desk', false, privateAttachments);
    expect(clear.ok).toBe(false);
    expect(clear.problems.find((p) => p.code === 'public-repository-clear-emails')?.message).toBe(
      'repository "local/open-desk" is public, so customer emails would be stored in clear text in ticket metadata. Set EMAIL_ENCRYPTION_KEY or SESSION_SECRET (at least 32 characters) so they are sealed with AES-GCM, or make the repository private.',
    );
    expect((await check('local-bot-token', 'local/open-desk', true, privateAttachments)).ok).toBe(true);
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

describe('start-up proves capability', () => {
  it('proves write access with a write that changes nothing once the labels are in place', async () => {
    await check('local-bot-token');
    const mark = t.local.requests.length;
    const report = await check('local-bot-token');
    expect(report.ok).toBe(true);
    expect(report.labels).toEqual({ created: [], updated: [], unchanged: labels.map((l) => l.name) });
    const writes = t.local.requests.slice(mark).filter((r) => r.method !== 'GET');
    expect(writes.map((r) => [r.method, decodeURIComponent(r.path), r.status])).toEqual([['PATCH', '/repos/local/support/labels/status: new', 200]]);
  });

  it('refuses a fine-grained token granted read only, though the repository reports push access for its user', async () => {
    const reported = await t.raw('token-fine-grained-read', 'GET', '/repos/local/support');
    expect(reported.body.permissions.push).toBe(true);
    const report = await check('token-fine-grained-read');
    expect(report.ok).toBe(false);
    expect(problemsOf(report)).toContain(
      `write-refused: fine-grained may not write to local/support (writing the ticket labels was refused (403: Resource not accessible by personal access token)), although the repository reports push access for it. For a fine-grained token the repository reports its user's role, not what the token was granted: give the token Issues and Contents "Read and write" on local/support, then restart.`,
    );
  });

  it('refuses a repository with issues turned off, naming the setting', async () => {
    t.local.setFaults({ repositories: { 'local/support': { issuesDisabled: true } } });
    const report = await check('local-bot-token');
    expect(report.ok).toBe(false);
    expect(problemsOf(report)).toContain(
      "issues-disabled: issues are turned off on local/support, so every new ticket would be refused (410 Gone). Turn Issues on under the repository's Settings → General → Features, or point gitHost.repository in helpdesk.config.json at a repository with issues.",
    );
  });

  it('refuses an archived repository without trying to write to it', async () => {
    t.local.setFaults({ repositories: { 'local/support': { archived: true } } });
    const mark = t.local.requests.length;
    const report = await check('local-bot-token');
    expect(problemsOf(report)).toContain(
      'repository-archived: local/support is archived, so it is read-only and every write to it would be refused (403). Unarchive it (Settings → General → Danger Zone → Unarchive this repository), or point gitHost.repository in helpdesk.config.json at a repository that is not archived.',
    );
    expect(report.labels).toBeUndefined();
    expect(t.local.requests.slice(mark).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('refuses when single sign-on blocks the token, naming where to authorize it', async () => {
    t.local.setFaults({ repositories: { 'local/support': { ssoRequired: true } } });
    const report = await check('local-bot-token');
    expect(report.ok).toBe(false);
    const [sso] = report.problems;
    expect(sso?.code).toBe('sso-required');
    expect(sso?.message).toMatch(
      /^GITHUB_TOKEN is not authorized for the SAML single sign-on that local enforces, so http:\/\/127\.0\.0\.1:\d+ refuses every request to local\/support \(403 with X-GitHub-SSO\)\. Authorize the token for SSO: open http:\/\/127\.0\.0\.1:\d+\/_web\/orgs\/local\/sso\?authorization_request=[\w-]+ while signed in, or on GitHub go to Settings → Developer settings → Personal access tokens, choose Configure SSO next to the token and Authorize local; then restart\.$/,
    );
  });

  it('refuses a renamed repository, giving the name to put in the config', async () => {
    t.local.setFaults({ repositories: { 'local/support': { fullName: 'acme/help-desk' } } });
    const report = await check('local-bot-token');
    expect(problemsOf(report)).toContainEqual(
      expect.stringMatching(
        /^repository-renamed: gitHost\.repository is "local\/support", but .* answers for it as "acme\/help-desk" \(the repository was renamed or transferred\)\. Set gitHost\.repository to "acme\/help-desk" in helpdesk\.config\.json\.$/,
      ),
    );
    // A difference in case only is the same repository.
    t.local.setFaults({ repositories: { 'local/support': { fullName: 'Local/Support' } } });
    expect((await check('local-bot-token')).problems.map((p) => p.code)).not.toContain('repository-renamed');
  });

  it('checks a separate attachments repository under its own key', async () => {
    t.local.setFaults({ repositories: { 'local/open-desk': { archived: true, visibility: 'private' } } });
    const report = await check('local-bot-token', 'local/support', true, { attachments: { repository: 'local/open-desk', branch: 'attachments' } });
    expect(problemsOf(report)).toContainEqual(expect.stringMatching(/^repository-archived: local\/open-desk is archived.* or point gitHost\.attachments\.repository in helpdesk\.config\.json at/));
  });

  it('treats an internal repository as public: emails must be sealed and attachments kept elsewhere', async () => {
    t.local.setFaults({ repositories: { 'local/support': { visibility: 'internal' } } });
    const report = await check('local-bot-token', 'local/support', false);
    expect(report.repositoryPrivate).toBe(false);
    expect(problemsOf(report)).toEqual(
      expect.arrayContaining([
        'public-repository-clear-emails: repository "local/support" is internal (every member of the enterprise can read it), so customer emails would be stored in clear text in ticket metadata. Set EMAIL_ENCRYPTION_KEY or SESSION_SECRET (at least 32 characters) so they are sealed with AES-GCM, or make the repository private.',
        'public-attachments: repository "local/support" is internal (every member of the enterprise can read it), and attachments are stored in it (gitHost.attachments.repository is not set), so the files customers attach would be readable there. Set gitHost.attachments.repository in helpdesk.config.json to a private repository (the "attachments" branch is created there on the first upload), make local/support private, or set attachments.maxCount to 0 to turn attachments off.',
      ]),
    );
    // The adapter seals the email there, as on a public repository.
    const secret = { emailSecret: 'an-email-sealing-secret-of-32-characters!' };
    const internal = await t.adapter(secret).createTicket({ title: 'Internal', body: 'x', labels: [], key: 'internal-1', customerEmail: 'c@example.com' });
    expect(internal.meta?.customer).toMatchObject({ email: 'c@example.com', sealedEmail: expect.stringMatching(/^v1\./) });
    t.local.setFaults({});
    const private_ = await t.adapter(secret).createTicket({ title: 'Private', body: 'x', labels: [], key: 'private-1', customerEmail: 'c@example.com' });
    expect(private_.meta?.customer?.sealedEmail).toBeUndefined();
  });

  it('refuses to store attachments in a public repository unless a private one is configured or attachments are off', async () => {
    const report = await check('local-bot-token', 'local/open-desk', true);
    expect(report.ok).toBe(false);
    expect(problemsOf(report)).toContainEqual(
      expect.stringMatching(/^public-attachments: repository "local\/open-desk" is public, .*Set gitHost\.attachments\.repository in helpdesk\.config\.json to a private repository/),
    );
    expect((await check('local-bot-token', 'local/open-desk', true, { attachmentsEnabled: false })).ok).toBe(true);
    const publicAttachments = await check('local-bot-token', 'local/support', true, { attachments: { repository: 'local/open-desk', branch: 'attachments' } });
    expect(problemsOf(publicAttachments)).toContainEqual(
      expect.stringMatching(/^public-attachments: attachments repository "local\/open-desk" is public, .*Point gitHost\.attachments\.repository in helpdesk\.config\.json at a private repository/),
    );
  });

  it('warns of a token that expires within 14 days, not of one that expires later', async () => {
    const soon = await check('token-expires-soon');
    expect(soon.ok).toBe(true);
    expect(problemsOf(soon)).toContainEqual(
      expect.stringMatching(
        /^token-expiring: GITHUB_TOKEN expires on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(in 3 days\); from then every request to .* fails\. Create a new token with the same access and set GITHUB_TOKEN before then\.$/,
      ),
    );
    expect(soon.problems.find((p) => p.code === 'token-expiring')?.severity).toBe('warning');
    expect((await check('token-expires-later')).problems.map((p) => p.code)).not.toContain('token-expiring');
  });

  it('warns when the bot login is also a supporter', async () => {
    const report = await check('local-bot-token', 'local/support', true, { supporters: ['support-anna', 'Helpdesk-Bot'] });
    expect(report.ok).toBe(true);
    expect(problemsOf(report)).toContainEqual(
      expect.stringMatching(/^bot-is-supporter: helpdesk-bot, the identity of GITHUB_TOKEN, is also listed under supporters .* or remove "helpdesk-bot" from supporters\.$/),
    );
    expect((await check('local-bot-token', 'local/support', true, { supporters: ['support-anna'] })).problems.map((p) => p.code)).not.toContain('bot-is-supporter');
  });
});

describe('openGitHost on the embedded host', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let running: LocalHost;
  beforeAll(async () => {
    ({ dir, remove } = await tempDir());
    // A host another process runs (`npm run local-host`): openGitHost connects to it with its generated bot token.
    running = await startLocalHost({ dataDir: join(dir, 'local-host'), repositories: [{ fullName: 'local/support', private: true }] });
  });
  afterAll(async () => {
    await running.close();
    await remove();
  });
  afterEach(() => running.setFaults({}));

  /** Opens the Git host as the site would; `sessionSecret: null` leaves SESSION_SECRET unset. */
  const open = (config: Partial<ConfigInput> = {}, sessionSecret: string | null = 'a-session-secret-of-at-least-32-characters') =>
    openGitHost({
      config: ConfigSchema.parse({ categories: [{ id: 'orders', title: { en: 'Orders' } }], ...config }),
      env: {
        DATA_DIR: dir,
        LOCAL_HOST_PORT: undefined,
        SESSION_SECRET: sessionSecret ?? undefined,
        EMAIL_ENCRYPTION_KEY: undefined,
        GITHUB_TOKEN: undefined,
        GITHUB_APP_ID: undefined,
        GITHUB_APP_PRIVATE_KEY: undefined,
        GITHUB_APP_INSTALLATION_ID: undefined,
      },
      tuning: { log: { warn: () => {}, info: () => {} } },
    });

  it('starts and syncs the labels when nothing is wrong', async () => {
    const opened = await open();
    expect(opened.localHost).toBeUndefined();
    expect(opened.report.labels?.created).toContain('category: orders');
    await opened.close();
  });

  it.each<[string, FaultsInput['repositories'], string | undefined, string]>([
    ['issues turned off', { 'local/support': { issuesDisabled: true } }, undefined, "Turn Issues on under the repository's Settings → General → Features"],
    ['archived', { 'local/support': { archived: true } }, undefined, 'Unarchive it (Settings → General → Danger Zone → Unarchive this repository)'],
    ['single sign-on not authorized', { 'local/support': { ssoRequired: true } }, undefined, 'Authorize the token for SSO: open '],
    ['renamed', { 'local/support': { fullName: 'acme/help-desk' } }, undefined, 'Set gitHost.repository to "acme/help-desk" in helpdesk.config.json.'],
    ['internal without an email key', { 'local/support': { visibility: 'internal' } }, 'no-secret', 'Set EMAIL_ENCRYPTION_KEY or SESSION_SECRET'],
  ])('refuses to start (%s), naming the fix', async (_name, repositories, secret, fix) => {
    running.setFaults({ repositories });
    const error = await open({}, secret === 'no-secret' ? null : 'a-session-secret-of-at-least-32-characters').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHostStartupError);
    expect((error as Error).message).toContain(fix);
  });

  it('logs the warnings of a start that goes ahead', async () => {
    const warnings: string[] = [];
    const opened = await openGitHost({
      config: ConfigSchema.parse({ categories: [{ id: 'orders', title: { en: 'Orders' } }], supporters: [{ login: 'helpdesk-bot' }] }),
      env: {
        DATA_DIR: dir,
        LOCAL_HOST_PORT: undefined,
        SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
        EMAIL_ENCRYPTION_KEY: undefined,
        GITHUB_TOKEN: undefined,
        GITHUB_APP_ID: undefined,
        GITHUB_APP_PRIVATE_KEY: undefined,
        GITHUB_APP_INSTALLATION_ID: undefined,
      },
      tuning: { log: { warn: (m: string) => warnings.push(m), info: () => {} } },
    });
    await opened.close();
    expect(warnings).toContainEqual(expect.stringMatching(/^git-host: helpdesk-bot, the identity of GITHUB_TOKEN, is also listed under supporters/));
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
