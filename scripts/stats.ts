// Support statistics in the terminal: `npm run stats [-- --from YYYY-MM-DD --to YYYY-MM-DD] [--csv]`.
import { parseArgs } from 'node:util';
import { openGitHost } from '../src/server/open-git-host.ts';
import { loadServerSecrets } from '../src/server/secrets.ts';
import { loadConfig } from '../src/server/config.ts';
import { loadEnv } from '../src/server/env.ts';
import { readSitePaths } from '../src/server/site-paths.ts';
import { parseStatsRange } from '../src/staff/stats-range.ts';
import { statisticsToCsv } from '../src/staff/stats.ts';
import { createWorkspace } from '../src/staff/workspace.ts';
import { kindsOf } from '../src/tickets/message-kinds.ts';
import { openDatabase } from '../src/store/database.ts';
import { readModelBuild } from '../src/store/ticket-summaries.ts';
import { importWorkflowJournals } from '../src/store/import-workflow-journals.ts';
import { kindContext, WorkflowStore } from '../src/workflow/index.ts';

const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, csv: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('usage: npm run stats [-- --from YYYY-MM-DD --to YYYY-MM-DD] [--csv]   (support statistics from the configured Git host)');
  process.exit(0);
}
const config = loadConfig(readSitePaths().configFile);
const env = loadEnv();
const database = await openDatabase({ dataDir: env.DATA_DIR, databaseUrl: env.DATABASE_URL });
const secrets = await loadServerSecrets(database, env.DATA_DIR, env);
const opened = await openGitHost({ config, env: { ...env, SESSION_SECRET: secrets.session }, secrets });
try {
  const range = parseStatsRange(new URLSearchParams(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string')));
  // The kinds the server fixed when it first saw each message: the same store as the server's. A journal from
  // before the store is imported first, so the kinds it fixed stay the ones in force.
  const stats = await importWorkflowJournals(database, env.DATA_DIR)
    .then(async () => {
      // Statistics come from the read model the server keeps (it reads the Git host once, on its first start).
      const build = await readModelBuild(database);
      if (build?.state !== 'done')
        console.warn(
          `stats: the server has ${build ? `read ${build.done} of ${build.total ?? '?'} tickets` : 'not read the tickets'} from the Git host yet; these figures cover only those. Start the server (npm start) and let it finish.`,
        );
      const store = new WorkflowStore(database);
      return createWorkspace({ config, host: opened.host, kindsOf: (messages) => kindsOf(messages, kindContext({ config, host: opened.host, store })), database }).statistics(range);
    })
    .finally(() => database.close());
  if (values.csv) {
    process.stdout.write(statisticsToCsv(stats));
  } else {
    const hours = (h: number | undefined) => (h === undefined ? '—' : `${h.toFixed(1)} h`);
    console.log(`Support statistics ${range.from} … ${range.to} (${config.gitHost.repository})\n`);
    console.log(`opened ${stats.days.reduce((n, d) => n + d.opened, 0)}, closed ${stats.days.reduce((n, d) => n + d.closed, 0)}, open now ${stats.days.at(-1)?.backlog ?? 0}`);
    console.log(`first response: median ${hours(stats.firstResponse.median)}, p90 ${hours(stats.firstResponse.p90)} (${stats.firstResponse.count} answered)`);
    console.log(`time to close:  median ${hours(stats.timeToClose.median)}, p90 ${hours(stats.timeToClose.p90)} (${stats.timeToClose.count} closed)\n`);
    const table = (title: string, rows: object[]) => {
      console.log(title);
      if (rows.length === 0) console.log('  (none)\n');
      else console.table(rows);
    };
    table(
      'per day',
      stats.days.filter((d) => d.opened || d.closed).map((d) => ({ day: d.day, opened: d.opened, closed: d.closed, backlog: d.backlog })),
    );
    table(
      'status now',
      Object.entries(stats.statusNow).map(([status, tickets]) => ({ status, tickets })),
    );
    table(
      'supporters',
      stats.supporters.map((s) => ({ supporter: s.login, replies: s.replies, helpful: s.helpful, 'not helpful': s.notHelpful, 'open assigned': s.openAssigned })),
    );
    table(
      'customers',
      stats.customers.slice(0, 20).map((c) => ({ customer: c.customer, tickets: c.tickets, messages: c.messages, 'hours open': Math.round(c.hoursOpen) })),
    );
  }
} finally {
  await opened.close();
}
