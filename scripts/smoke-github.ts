// Before going live: walks a ticket's whole life on a throw-away repository through the desk's own adapter, cleans up,
// and prints a pass/fail table (exit 1 on any failure). See README, "Before going live: npm run smoke:github".
//   npm run smoke:github -- --repository <owner/name> [--base-url <url>] [--assignee <login>] [--force] [--keep] [--config <file>]
//   npm run smoke:github -- --local     (against a fresh embedded issue host: what CI runs)
// Credentials: GITHUB_TOKEN, or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY + GITHUB_APP_INSTALLATION_ID.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSmokeTable, runSmoke, type SmokeOptions } from '../src/git-host/smoke.ts';
import { botToken, startLocalHost, TOKENS_FILE } from '../src/local-host/index.ts';
import { ConfigError, loadConfig } from '../src/server/config.ts';
import { EnvError, envToCredentials, loadEnv } from '../src/server/env.ts';
import { ticketLabels } from '../src/tickets/labels.ts';

const usage = `usage: npm run smoke:github -- --repository <owner/name> [--base-url <url>] [--assignee <login>] [--force] [--keep] [--config <file>]
       npm run smoke:github -- --local
  --repository  a throw-away repository (private, like the real one, with a first commit); refused if it has issues
                the smoke test did not make, unless --force
  --base-url    REST API base URL (default: gitHost.baseUrl, else https://api.github.com)
  --assignee    a collaborator to assign (default: the token's user; a GitHub App cannot be assigned)
  --keep        leave the ticket open and the files in place
  --local       run against a fresh embedded issue host in a temporary folder (no credentials needed)
credentials: GITHUB_TOKEN, or GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID`;

const { values } = parseArgs({
  options: {
    repository: { type: 'string' },
    'base-url': { type: 'string' },
    assignee: { type: 'string' },
    force: { type: 'boolean' },
    keep: { type: 'boolean' },
    local: { type: 'boolean' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}

/** A mistake in the command line or environment: the message says what to fix. */
class UsageError extends Error {}

try {
  const config = loadConfig(values.config);
  const common = { labels: ticketLabels(config), supporters: config.supporters.map((s) => s.login), force: values.force, assignee: values.assignee, keep: values.keep };
  let run: SmokeOptions;
  let stop = async () => {};
  if (values.local) {
    const dataDir = await mkdtemp(join(tmpdir(), 'smoke-local-host-'));
    const repository = 'local/smoke';
    const local = await startLocalHost({ dataDir, repositories: [{ fullName: repository, private: true }] });
    stop = async () => {
      await local.close();
      await rm(dataDir, { recursive: true, force: true });
    };
    console.log(`embedded issue host at ${local.url}, repository ${repository}`);
    run = {
      ...common,
      baseUrl: local.url,
      auth: { kind: 'token', token: botToken({ users: local.users, file: join(dataDir, TOKENS_FILE) }) },
      repository,
      tuning: { intervalsMs: { write: 0, notification: 0 } },
    };
  } else {
    const repository = values.repository;
    if (!repository || !/^[\w.-]+\/[\w.-]+$/.test(repository))
      throw new UsageError(`--repository must name the throw-away repository as owner/name${repository ? ` (got "${repository}")` : ''}\n${usage}`);
    const credentials = envToCredentials(loadEnv());
    if (credentials.kind === 'none') throw new UsageError(`no credentials: set GITHUB_TOKEN, or the three GITHUB_APP_* variables\n${usage}`);
    const baseUrl = values['base-url'] ?? config.gitHost.baseUrl ?? 'https://api.github.com';
    console.log(`smoke test on ${repository} at ${baseUrl} (GitHub's pacing: about a write a second)`);
    run = { ...common, baseUrl, auth: credentials, repository };
  }
  try {
    const report = await runSmoke(run);
    console.log(formatSmokeTable(report));
    if (!report.ok) process.exitCode = 1;
  } finally {
    await stop();
  }
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof EnvError || error instanceof UsageError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
