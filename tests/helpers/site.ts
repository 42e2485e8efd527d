import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
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

/** Builds the site with `astro build` into a folder of its own; returns the exit status and output. */
export function buildSite(options: BuildOptions = {}): BuildResult {
  // Inside the project: the server bundle imports packages from node_modules by name.
  mkdirSync('tmp', { recursive: true });
  const outDir = options.outDir ?? mkdtempSync(path.resolve('tmp', 'build-'));
  const result = spawnSync('npx', ['astro', 'build', '--outDir', outDir], { env: siteEnv(options), encoding: 'utf8', timeout: 300_000 });
  // Astro colours its log in CI; tests read plain text.
  const output = stripVTControlCharacters(`${result.stdout}\n${result.stderr}`);
  return { status: result.status ?? 1, output, outDir };
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
