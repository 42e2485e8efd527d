// Creates or updates the ticket labels (and the attachments branch) on the configured repository:
// `npm run setup:labels [-- --config <file>]`. Idempotent: a second run changes nothing.
import { parseArgs } from 'node:util';
import { GitHostError, GitHostStartupError, syncLabels } from '../src/git-host/index.ts';
import { openGitHost } from '../src/server/open-git-host.ts';
import { ConfigError, loadConfig } from '../src/server/config.ts';
import { EnvError, loadEnv } from '../src/server/env.ts';
import { ticketLabels } from '../src/tickets/labels.ts';

const { values } = parseArgs({ options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('usage: npm run setup:labels [-- --config <file>]   (creates or updates the ticket labels and the attachments branch; idempotent)');
  process.exit(0);
}

try {
  const config = loadConfig(values.config);
  const opened = await openGitHost({ config, env: loadEnv(), ignore: ['public-repository-clear-emails'] });
  try {
    const where = config.gitHost.baseUrl ?? `the local issue host (${opened.host.octokit.request.endpoint.DEFAULTS.baseUrl})`;
    // Start-up already synced them (its proof that the identity may write); sync here only if it did not run.
    const report = opened.report.labels ?? (await syncLabels(opened.host, ticketLabels(config)));
    await opened.host.ensureAttachmentBranch();
    console.log(`labels on ${config.gitHost.repository} at ${where}: ${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged`);
    for (const name of report.created) console.log(`  created  ${name}`);
    for (const name of report.updated) console.log(`  updated  ${name}`);
    console.log(`attachments branch "${config.gitHost.attachments.branch}" is ready`);
  } finally {
    await opened.close();
  }
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof EnvError || error instanceof GitHostStartupError || error instanceof GitHostError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
