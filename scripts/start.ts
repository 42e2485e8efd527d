// `npm start`: build the site, then serve it on http://127.0.0.1:4321 (HOST and PORT override).
import { spawn, spawnSync } from 'node:child_process';
import { ConfigError, loadConfig } from '../src/server/config.ts';
import { serverProcessEnv } from '../src/server/process-env.ts';
import { readSitePaths } from '../src/server/site-paths.ts';

const host = process.env['HOST'] ?? '127.0.0.1';
const port = process.env['PORT'] ?? '4321';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(readSitePaths().configFile);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

console.log('Building the site…');
const build = spawnSync('astro', ['build'], { stdio: ['ignore', 'inherit', 'inherit'], shell: false });
if (build.status !== 0) {
  console.error('The build failed; the messages above say which file and line to fix.');
  process.exit(build.status ?? 1);
}

const server = spawn(process.execPath, ['scripts/serve.ts', 'dist'], {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: serverProcessEnv({ ...process.env, HOST: host, PORT: port }),
});
const url = `http://${host}:${port}/`;

// Announce the URL once the server answers, so "open this" is never printed before it works.
for (let attempt = 0; attempt < 100; attempt++) {
  try {
    await fetch(url);
    if (config.features.tickets) {
      // Start the support desk now (Git host checks, outbox, embedded issue host) rather than on the first visitor.
      const desk = await fetch(`${url}tickets/new`);
      if (!desk.ok) console.error(`The support desk did not start (HTTP ${desk.status}); the messages above say why.`);
    }
    console.log(`\nHelp centre running at ${url}  (Ctrl-C to stop)`);
    console.log(
      config.gitHost.baseUrl
        ? `Tickets go to ${config.gitHost.repository} on ${config.gitHost.baseUrl}.\n`
        : 'Tickets go to the embedded local issue host (no gitHost.baseUrl in helpdesk.config.json).\n',
    );
    break;
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
