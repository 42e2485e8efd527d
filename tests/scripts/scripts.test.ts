// Smoke tests of every script in package.json, run the way people run them (`npm run <script> -- …`), each on
// a data folder of its own (DATA_DIR; the embedded issue host starts itself there) so nothing touches data/.
// Quick and independent, so they run side by side.
//
// Covered elsewhere (long-running):
//   build             tests/build/site-build.test.ts and every other buildSite() caller (`astro build`, the same command)
//   start             not run whole here (it builds into dist/ and serves on 4321): its build is `npm run build`
//                     (above) and its server is scripts/serve.ts, which every serveSite() caller starts
//   test              .ci/run (`npm test`), this file included
//   test:e2e          .ci/run (`npm run test:e2e`)
//   test:reliability  .ci/run (`npm run test:reliability`: tests/reliability/, kept out of `npm test` for its length)
//   test:postgres     .ci/run, after it starts PostgreSQL (`npm run test:postgres`: the store suite on PostgreSQL)
//   typecheck         .ci/run (`npm run typecheck`)
//   lint              .ci/run (`npm run lint`: biome check, then lint:imports)
//   lint:imports      .ci/run, through `npm run lint`
//   format            never run by tests: it rewrites files (`biome check --write`); lint runs the same checks read-only
//   bench:chat        .ci/run runs it bounded (`-- --messages 10`; it builds the site and drives Chromium); here: --help
//   bench:tickets     .ci/run runs it bounded (`-- --seconds 3 --connections 10`; it builds the site); here: --help
//   smoke:github      .ci/run runs the whole walk (`-- --local`), tests/unit/git-host/smoke.test.ts its module; here:
//                     --help and the refusals that need no host
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scripts = Object.keys((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

const COVERED_ELSEWHERE = ['build', 'start', 'test', 'test:e2e', 'test:reliability', 'test:postgres', 'typecheck', 'lint', 'lint:imports', 'format'];
/** Scripts that take arguments; each answers `-- --help` with its usage. */
const WITH_HELP = [
  'kb:check',
  'kb:search',
  'kb:insights',
  'staff:add',
  'stats',
  'setup:labels',
  'outbox',
  'customer',
  'local-host',
  'bench:search',
  'bench:tickets',
  'bench:chat',
  'mail:templates',
  'smoke:github',
];

/** For the runs that start an embedded host, a dev server or benchmark children: on a busy 2-core machine these take several times their usual 5–15 s. */
const SLOW = 90_000;

mkdirSync(path.join(root, 'tmp'), { recursive: true });
const work = mkdtempSync(path.join(root, 'tmp', 'scripts-'));
let folders = 0;
/** A new empty folder for one run's DATA_DIR. */
const freshDir = () => mkdtempSync(path.join(work, `${++folders}-`));
/** Stops of everything npmStart started: run again at the end, in case a test timed out before its own `finally`. */
const running = new Set<() => Promise<boolean>>();
afterAll(async () => {
  await Promise.all([...running].map((stop) => stop()));
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** What Vitest adds to the environment; `astro dev` with NODE_ENV=test answers every page with 404. */
const TEST_RUNNER_ENV = /^(VITEST\w*|TEST|NODE_ENV|BASE_URL|MODE|DEV|PROD|SSR|FORCE_TTY)$/;
/** A developer's own settings must not point a smoke run at a real host, port or folder. */
const SITE_ENV =
  /^(DATA_DIR|LOCAL_HOST_PORT|HELPDESK_\w+|GITHUB_\w+|SMTP_URL|SESSION_SECRET|WEBHOOK_SECRET|EMAIL_ENCRYPTION_KEY|DATABASE_URL|TEST_DATABASE_URL|STORE_ENGINE|OUTBOX_RETENTION_DAYS|HOST|PORT)$/;

/** The environment a person running `npm run` has, with a data folder of the run's own. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !TEST_RUNNER_ENV.test(name) && !SITE_ENV.test(name)));
  return { ...base, FORCE_COLOR: '0', DATA_DIR: freshDir(), ...env };
}

/** `npm run --silent <script> -- <args>`, to the end. */
function npmRun(script: string, args: string[] = [], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script, ...(args.length > 0 ? ['--', ...args] : [])], { cwd: root, env: childEnv(options.env ?? {}), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: stripVTControlCharacters(stdout), stderr: stripVTControlCharacters(stderr) }));
    child.stdin.end(options.input ?? '');
  });
}

const groupAlive = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Starts a long-running script in a process group of its own; resolves once `ready` matches its output.
 * `stop` sends SIGTERM to the group (npm and the process it started; npm does not pass signals on) and resolves
 * true when all of it ended within 10 s, false when it had to be killed.
 */
async function npmStart(script: string, args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<{ output: () => string; stop: () => Promise<boolean> }> {
  const child = spawn('npm', ['run', '--silent', script, ...(args.length > 0 ? ['--', ...args] : [])], { cwd: root, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const pid = child.pid!;
  const stop = async () => {
    // Once gone, never signal the group id again: the system may give it to another process.
    if (!running.delete(stop)) return true;
    if (groupAlive(pid)) process.kill(-pid, 'SIGTERM');
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      if (!groupAlive(pid)) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    process.kill(-pid, 'SIGKILL');
    return false;
  };
  running.add(stop);
  const deadline = Date.now() + 45_000;
  while (!ready.test(stripVTControlCharacters(output))) {
    if (child.exitCode !== null) throw new Error(`npm run ${script} exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`npm run ${script} was not ready within 45 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { output: () => stripVTControlCharacters(output), stop };
}

/** Astro runs one dev server per project (it refuses a second one): true when someone's is running here now. */
function devServerRunning(): boolean {
  try {
    const { pid } = JSON.parse(readFileSync(path.join(root, '.astro', 'dev.json'), 'utf8')) as { pid: number };
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: running, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('package.json scripts', () => {
  it('each has a smoke test here or is covered elsewhere', () => {
    const smoked = new Set([...WITH_HELP, 'dev']);
    const unchecked = scripts.filter((s) => !smoked.has(s) && !COVERED_ELSEWHERE.includes(s));
    expect(unchecked, 'give each a smoke test in this file, or add it to COVERED_ELSEWHERE and the comment at the top with where it runs').toEqual([]);
  });

  it.concurrent.each(WITH_HELP)('%s -- --help prints its usage', async (script) => {
    const run = await npmRun(script, ['--help']);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toContain(`npm run ${script}`);
  });

  it.concurrent('kb:check validates the sample articles and prints their count', async () => {
    const run = await npmRun('kb:check');
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^ok: [1-9]\d* article\(s\) in content\/articles, 0 error\(s\)/m);
  });

  it.concurrent('kb:search finds the headlamp article first', async () => {
    const run = await npmRun('kb:search', ['headlamp']);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout.split('\n')[0]).toMatch(/^ 1 {2}headlamp-not-turning-on .* Headlamp not turning on$/);
  });

  it.concurrent('stats prints the statistics of an empty embedded host', async () => {
    const run = await npmRun('stats');
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^Support statistics \d{4}-\d{2}-\d{2} … \d{4}-\d{2}-\d{2} \(local\/support\)$/m);
    expect(run.stdout).toContain('opened 0, closed 0, open now 0');
  });

  it.concurrent('setup:labels creates the labels on the embedded host, and a second run changes nothing', { timeout: SLOW }, async () => {
    const dataDir = freshDir();
    const first = await npmRun('setup:labels', [], { env: { DATA_DIR: dataDir } });
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/^labels on local\/support at the local issue host \(http:\/\/127\.0\.0\.1:\d+\): [1-9]\d* created, 0 updated, 0 unchanged$/m);
    expect(first.stdout).toContain('attachments branch "attachments" is ready');
    const second = await npmRun('setup:labels', [], { env: { DATA_DIR: dataDir } });
    expect(second, second.stderr).toMatchObject({ code: 0 });
    expect(second.stdout).toMatch(/: 0 created, 0 updated, [1-9]\d* unchanged$/m);
  });

  it.concurrent('smoke:github refuses to run without a repository or without credentials, saying what to set', async () => {
    const noRepository = await npmRun('smoke:github');
    expect(noRepository.code).toBe(1);
    expect(noRepository.stderr).toContain('--repository must name the throw-away repository as owner/name');
    const noCredentials = await npmRun('smoke:github', ['--repository', 'northwind/smoke']);
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.stderr).toContain('no credentials: set GITHUB_TOKEN, or the three GITHUB_APP_* variables');
  });

  it.concurrent('outbox -- list shows an empty outbox', async () => {
    const run = await npmRun('outbox', ['list']);
    expect(run, run.stderr).toMatchObject({ code: 0, stdout: '0 entries\n' });
  });

  it.concurrent('outbox refuses an unknown command with its usage', async () => {
    const run = await npmRun('outbox', ['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: npm run outbox -- status | list');
  });

  it.concurrent('staff:add writes a password hash to the config file, never the password', async () => {
    const configFile = path.join(freshDir(), 'helpdesk.config.json');
    copyFileSync(path.join(root, 'helpdesk.config.json'), configFile);
    const password = 'smoke test password';
    const run = await npmRun('staff:add', ['smoke-tester'], { env: { HELPDESK_CONFIG: configFile }, input: `${password}\n` });
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toContain(`added staff account smoke-tester in ${configFile}`);
    const written = readFileSync(configFile, 'utf8');
    expect(written).not.toContain(password);
    expect((JSON.parse(written) as { staffAccounts: unknown[] }).staffAccounts).toContainEqual({ login: 'smoke-tester', passwordHash: expect.stringMatching(/^scrypt\$/) });
  });

  it.concurrent('staff:add without a login prints its usage', async () => {
    const run = await npmRun('staff:add');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: npm run staff:add -- <login>');
  });

  it.concurrent('local-host serves the configured repository until stopped', async () => {
    const dataDir = freshDir();
    const host = await npmStart('local-host', [], /local issue host serving local\/support at (http:\/\/\S+)/, { DATA_DIR: dataDir });
    try {
      const url = /at (http:\/\/\S+)/.exec(host.output())![1]!;
      const {
        users: [user],
      } = JSON.parse(readFileSync(path.join(dataDir, 'local-host', 'tokens.json'), 'utf8')) as { users: { token: string }[] };
      // Generated for this installation, and printed only by prefix.
      for (let i = 0; i < 100 && !host.output().includes('admin (/_admin/*)'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(host.output()).toContain(`local-bot-…${user!.token.slice(-4)}`);
      expect(host.output()).not.toContain(user!.token);
      const response = await fetch(`${url}/repos/local/support`, { headers: { authorization: `token ${user!.token}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ full_name: 'local/support' });
    } finally {
      expect(await host.stop(), 'local-host ends on SIGTERM').toBe(true);
    }
  });

  it.concurrent('dev serves the home page', { timeout: SLOW }, async () => {
    expect(devServerRunning(), 'Astro runs one dev server per project: stop yours (npm run dev) before running this test').toBe(false);
    const port = await freePort();
    const dev = await npmStart('dev', ['--host', '127.0.0.1', '--port', String(port)], new RegExp(`127\\.0\\.0\\.1:${port}`));
    try {
      // The first requests may come while Vite still prepares the routes.
      let response = await fetch(`http://127.0.0.1:${port}/`);
      for (const deadline = Date.now() + 30_000; response.status !== 200 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        response = await fetch(`http://127.0.0.1:${port}/`);
      }
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/<title>[^<]*Help Centre/);
    } finally {
      await dev.stop();
    }
  });

  it.concurrent('bench:search runs its smallest benchmark: one engine on a small synthetic corpus', { timeout: SLOW }, async () => {
    const run = await npmRun('bench:search', ['--synthetic', '200', '--engine', 'this project']);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^\| synthetic 200 \| this project \|/m);
  });

  it.concurrent('mail:templates -- --check finds the inlined templates up to date', async () => {
    const run = await npmRun('mail:templates', ['--check']);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^up to date: \d+ template file\(s\)/);
  });
});
