import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';

export interface BuildOptions {
  /** Config file for the build. @default "helpdesk.config.json" */
  configFile?: string;
  /** Article folder. @default "content/articles" */
  contentDir?: string;
  /** Output folder. @default a new temporary folder */
  outDir?: string;
}

export interface BuildResult {
  status: number;
  output: string;
  outDir: string;
}

function siteEnv(options: BuildOptions): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HELPDESK_CONFIG: path.resolve(options.configFile ?? 'helpdesk.config.json'),
    HELPDESK_CONTENT: path.resolve(options.contentDir ?? 'content/articles'),
  };
}

/**
 * Builds the site with `astro build`; returns the exit status and output. With `outDir` the build always goes
 * there. Without it, it goes to a folder of its own, or, during a test run with the shared build cache
 * (tests/helpers/build-cache.ts, BUILD_CACHE_ENV), to a build shared by every caller in the run whose build-time
 * inputs are the same: callers must treat `outDir` as read-only and serve it with their own config file.
 */
export function buildSite(options: BuildOptions = {}): BuildResult {
  const cacheDir = process.env[BUILD_CACHE_ENV];
  if (options.outDir === undefined && cacheDir) return sharedBuild(cacheDir, options);
  // Inside the project: the server bundle imports packages from node_modules by name.
  mkdirSync('tmp', { recursive: true });
  return runBuild(options, options.outDir ?? mkdtempSync(path.resolve('tmp', 'build-')));
}

function runBuild(options: BuildOptions, outDir: string): BuildResult {
  const result = spawnSync('npx', ['astro', 'build', '--outDir', outDir], { env: siteEnv(options), encoding: 'utf8', timeout: 300_000 });
  // Astro colours its log in CI; tests read plain text.
  const output = stripVTControlCharacters(`${result.stdout}\n${result.stderr}`);
  return { status: result.status ?? 1, output, outDir };
}

/** Set (by tests/helpers/build-cache.ts, a Vitest globalSetup) to a folder inside the project for this run's shared builds. */
export const BUILD_CACHE_ENV = 'HELPDESK_TEST_BUILD_CACHE';

/**
 * Config keys only the server reads, at request time, from the config file it is started with (serveSite's
 * `configFile`): prerendered pages, the search index and the service worker never see them, so builds that
 * differ only in these are the same build. A key that a prerendered page or an integration reads must not be here.
 */
export const RUNTIME_ONLY_CONFIG_KEYS = [
  'siteUrl',
  'staffAccounts',
  'abuse',
  'supporters',
  'assignment',
  'escalationChain',
  'sweepIntervalSeconds',
  'ticketCacheSeconds',
  'mailTemplatesDir',
  'responseTargets',
] as const;

/** JSON with object keys sorted, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile())
    .sort();
}

/** A key for everything a build reads besides the project's source: the config minus runtime-only keys, and the content (articles and synonyms). */
function buildKey(options: BuildOptions): string {
  const env = siteEnv(options);
  const configFile = env['HELPDESK_CONFIG']!;
  const contentDir = env['HELPDESK_CONTENT']!;
  const hash = createHash('sha256');
  // A missing or broken config file fails the build; its text is key enough.
  const configText = existsSync(configFile) ? readFileSync(configFile, 'utf8') : '';
  let config: unknown;
  try {
    config = JSON.parse(configText);
  } catch {
    config = configText;
  }
  if (config !== null && typeof config === 'object' && !Array.isArray(config)) {
    config = Object.fromEntries(Object.entries(config).filter(([key]) => !(RUNTIME_ONLY_CONFIG_KEYS as readonly string[]).includes(key)));
  }
  hash.update(`config ${canonicalJson(config)}\n`);
  // The folder too, not only what is in it: the build names its source files in messages and source maps.
  hash.update(`content ${contentDir}\n`);
  const synonyms = path.join(contentDir, '..', 'synonyms.yml');
  for (const file of [...(existsSync(contentDir) ? filesBelow(contentDir) : []), ...(existsSync(synonyms) ? [synonyms] : [])]) {
    hash.update(`${file}\n`).update(readFileSync(file)).update('\n');
  }
  return hash.digest('hex').slice(0, 16);
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The run's one build for these inputs, shared across test files (each runs in a process of its own): the first
 * caller builds while holding a lock folder, the others wait for its result. Synchronous like the build itself.
 */
function sharedBuild(cacheDir: string, options: BuildOptions): BuildResult {
  const key = buildKey(options);
  const outDir = path.join(cacheDir, key);
  const resultFile = path.join(cacheDir, `${key}.json`);
  const lock = path.join(cacheDir, `${key}.lock`);
  const deadline = Date.now() + 600_000;
  for (;;) {
    if (existsSync(resultFile)) {
      const { status, output } = JSON.parse(readFileSync(resultFile, 'utf8')) as { status: number; output: string };
      return { status, output, outDir };
    }
    try {
      mkdirSync(lock);
    } catch {
      // Another process builds these inputs; take over only if it died without a result.
      let owner = 0;
      try {
        owner = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {
        // Just created: its pid is not written yet.
      }
      if (owner > 0 && !alive(owner) && !existsSync(resultFile)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`waited 10 minutes for the shared build ${outDir} (lock ${lock})`);
      else sleep(250);
      continue;
    }
    try {
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      rmSync(outDir, { recursive: true, force: true });
      const result = runBuild(options, outDir);
      // Written whole, then renamed: a waiting process never reads half a result.
      writeFileSync(`${resultFile}.tmp`, JSON.stringify({ status: result.status, output: result.output }));
      renameSync(`${resultFile}.tmp`, resultFile);
      return result;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
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

export interface RunningSite {
  url: string;
  /** The server process, e.g. to read its memory from /proc/<pid>/status. */
  pid: number;
  /** Everything the server printed so far (its log). */
  output(): string;
  stop(): Promise<void>;
}

/** Serves a build with the site's server (scripts/serve.ts) on a free loopback port; resolves once it answers. */
export async function serveSite(outDir: string, options: BuildOptions = {}, extraEnv: Record<string, string> = {}): Promise<RunningSite> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.resolve('scripts/serve.ts'), outDir], {
    env: { ...siteEnv(options), HOST: '127.0.0.1', PORT: String(port), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`site server exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(url);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`site server did not answer within 30 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    pid: child.pid!,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

let shared: Promise<{ site: RunningSite; outDir: string; dataDir: string }> | undefined;

/** One build of the sample site and one server (with its own data folder) for all browser journeys in a run. */
export function startBuiltSite(): Promise<{ site: RunningSite; outDir: string; dataDir: string }> {
  shared ??= (async () => {
    const build = buildSite();
    if (build.status !== 0) throw new Error(`build failed:\n${build.output}`);
    const dataDir = mkdtempSync(path.resolve('tmp', 'data-'));
    return { site: await serveSite(build.outDir, {}, { DATA_DIR: dataDir }), outDir: build.outDir, dataDir };
  })();
  return shared;
}
