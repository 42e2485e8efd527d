// A customer's data: `npm run customer -- export <email> [--out <file>]` writes one JSON archive of everything the desk
// holds on them (README, "A customer's data"); `npm run customer -- erase <email>` erases it and prints what changed.
// Both are written to the store's audit log as done by `cli:<your user name>`; `npm run customer -- audit` prints that log.
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { openGitHost } from '../src/server/open-git-host.ts';
import { loadServerSecrets } from '../src/server/secrets.ts';
import { loadConfig } from '../src/server/config.ts';
import { EnvError, loadEnv } from '../src/server/env.ts';
import { createPrivacyService } from '../src/server/privacy.ts';
import { readSitePaths } from '../src/server/site-paths.ts';
import { openDatabase } from '../src/store/database.ts';
import { auditLog } from '../src/store/privacy.ts';
import { DeskError } from '../src/tickets/errors.ts';

const usage = 'usage: npm run customer -- export <email> [--out <file>] | erase <email> | audit [--limit N]   (DATA_DIR and the config file as the server uses them)';
const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' }, limit: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
const [command, email] = positionals;
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const limit = values.limit === undefined ? 100 : Number(values.limit);
if (command === 'audit' ? email !== undefined || !Number.isInteger(limit) || limit < 1 : (command !== 'export' && command !== 'erase') || !email) {
  console.error(usage);
  process.exit(2);
}

if (command === 'audit') {
  // Who did what, when: actions and ticket numbers, never customer content.
  const env = loadEnv();
  const database = await openDatabase({ dataDir: env.DATA_DIR, databaseUrl: env.DATABASE_URL });
  try {
    const entries = await auditLog(database, limit);
    if (entries.length === 0) console.log('the audit log is empty');
    for (const e of entries) console.log(`${new Date(e.at).toISOString()}  ${e.actor}  ${e.action}  ${e.target}  ${e.detail}`);
  } finally {
    await database.close();
  }
  process.exit(0);
}

// export and erase name the person (checked above).
const address = email as string;

try {
  const config = loadConfig(readSitePaths().configFile);
  const env = loadEnv();
  const database = await openDatabase({ dataDir: env.DATA_DIR, databaseUrl: env.DATABASE_URL });
  try {
    const secrets = await loadServerSecrets(database, env.DATA_DIR, env);
    const opened = await openGitHost({ config, env: { ...env, SESSION_SECRET: secrets.session }, secrets });
    try {
      // The operator's own tool: no staff account is asked for (whoever runs it holds the data folder already).
      const privacy = createPrivacyService({ config, host: opened.host, database, dataDir: env.DATA_DIR, operator: true });
      const actor = `cli:${userInfo().username}`;
      if (command === 'export') {
        const archive = `${JSON.stringify(await privacy.exportCustomer(address, actor), null, 2)}\n`;
        if (values.out) {
          await writeFile(values.out, archive, { mode: 0o600 });
          console.error(`wrote ${values.out}`);
        } else {
          process.stdout.write(archive);
        }
      } else {
        const report = await privacy.eraseCustomer(address, actor);
        console.log(`erased ${address}:`);
        console.log(`  tickets: ${report.tickets.length === 0 ? 'none' : report.tickets.map((n) => `#${n}`).join(', ')}`);
        console.log(
          `  issues redacted: ${report.issuesRedacted}; comments redacted: ${report.messagesRedacted}${report.messagesNotRedacted ? `, NOT redacted (the host refused): ${report.messagesNotRedacted}` : ''}`,
        );
        console.log(`  attachments removed (the attachments branch rewritten): ${report.attachmentsRemoved}`);
        console.log(`  mail files removed: ${report.mailFilesRemoved}`);
        const rows = Object.entries(report.storeRows);
        console.log(`  store rows deleted: ${rows.length === 0 ? 'none' : rows.map(([table, n]) => `${table} ${n}`).join(', ')}`);
        console.log('  The Git host keeps issue edit history (on github.com): README, "A customer\'s data", says how to have it purged.');
      }
    } finally {
      await opened.close();
    }
  } finally {
    await database.close();
  }
} catch (error) {
  if (!(error instanceof EnvError || error instanceof DeskError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
