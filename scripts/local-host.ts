// Runs the embedded GitHub-compatible issue host on its own: `npm run local-host [-- --port 4500 --data data/local-host]`.
// Point another process at it with gitHost.baseUrl, or let `npm start` find it through its lock file.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { maskToken, startLocalHost, TOKENS_FILE } from '../src/local-host/index.ts';
import { ConfigError, loadConfig } from '../src/server/config.ts';
import { EnvError, loadEnv } from '../src/server/env.ts';

const { values } = parseArgs({ options: { port: { type: 'string' }, data: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('usage: npm run local-host [-- --port <n>] [--data <dir>] [--config <file>]   (default port: LOCAL_HOST_PORT or a free one; data: DATA_DIR/local-host)');
  process.exit(0);
}

try {
  const env = loadEnv();
  const config = loadConfig(values.config);
  const { repository, attachments } = config.gitHost;
  const repositories = [...new Set([repository, attachments.repository ?? repository])].map((fullName) => ({ fullName, private: true }));
  const port = values.port !== undefined ? Number(values.port) : env.LOCAL_HOST_PORT;
  const dataDir = values.data ?? join(env.DATA_DIR, 'local-host');
  const host = await startLocalHost({ dataDir, repositories, ...(port !== undefined ? { port } : {}) });
  console.log(`local issue host serving ${repositories.map((r) => r.fullName).join(', ')} at ${host.url}`);
  console.log(`data: ${dataDir} (a git repository: \`git -C ${dataDir} log\`)`);
  // Tokens are generated for this installation; only their prefixes are printed, the file has them in full.
  console.log(`tokens (generated for this installation, read them from ${join(dataDir, TOKENS_FILE)}):`);
  for (const user of host.users) console.log(`  ${user.login.padEnd(16)} ${maskToken(user.token)}`);
  console.log(`  ${'admin (/_admin/*)'.padEnd(16)} ${maskToken(host.adminToken)}`);
  const stop = () => {
    void host.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof EnvError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
