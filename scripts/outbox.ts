// Inspects the durable outbox in the state store: `npm run outbox [-- status | list [--all] | retry <id> | export <id> | resume]`.
// The store is SQLite in DATA_DIR, or PostgreSQL when DATABASE_URL is set. Safe while servers run: they pick
// retries up from the store. An outbox journal of an earlier release (DATA_DIR/outbox) is imported first.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EnvError, loadEnv } from '../src/server/env.ts';
import { openDatabase } from '../src/store/database.ts';
import { openOutbox, OutboxError } from '../src/outbox/index.ts';

const usage = 'usage: npm run outbox -- status | list [--all] | retry <id> | export <id> | resume   [--data-dir <folder>, default DATA_DIR; DATABASE_URL selects PostgreSQL]';
const { values, positionals } = parseArgs({ allowPositionals: true, options: { all: { type: 'boolean' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const [command = 'list', id] = positionals;

try {
  const env = loadEnv();
  const dataDir = values['data-dir'] ?? env.DATA_DIR;
  const database = await openDatabase({ dataDir, databaseUrl: env.DATABASE_URL });
  try {
    const outbox = await openOutbox({ database, journalDir: join(dataDir, 'outbox'), log: { info: (m: string) => console.error(m), warn: (m: string) => console.error(m) } });
    // Writes held back for everyone (a rate limit, or a refusal only an operator can fix) come first, whatever the command.
    const pause = await outbox.paused();
    if (pause) {
      const until = new Date(pause.until).toISOString();
      console.log(
        pause.kind === 'operator'
          ? `writes PAUSED since ${new Date(pause.since).toISOString()}, waiting for an operator (entries stay queued; the next is tried at ${until}; after fixing it: npm run outbox -- resume): ${pause.reason}`
          : `writes paused by the Git host's rate limit until ${until}: ${pause.reason}`,
      );
    }
    if (command === 'status') {
      const { queued, poisoned } = await outbox.counts();
      console.log(`${pause ? '' : 'writes flowing; '}${queued} queued, ${poisoned} poisoned`);
    } else if (command === 'resume') {
      console.log((await outbox.resume()) ? 'writes resumed' : 'writes were not paused');
    } else if (command === 'list') {
      const entries = await outbox.list(values.all ? ['queued', 'poisoned', 'done'] : ['queued', 'poisoned']);
      for (const s of entries) {
        console.log(
          `${s.status.padEnd(8)} ${s.entry.id}  ${s.entry.kind.padEnd(16)} ${s.entry.ticket.padEnd(12)} attempts=${s.attempts}${s.result?.number !== undefined ? `  #${s.result.number}` : ''}${s.lastError ? `  ${s.lastError}` : ''}`,
        );
      }
      console.log(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`);
    } else if (command === 'retry' && id) {
      await outbox.retry(id);
      console.log(`entry ${id} queued again`);
    } else if (command === 'export' && id) {
      console.log(await outbox.export(id));
    } else {
      console.error(usage);
      process.exitCode = 2;
    }
    await outbox.close();
  } finally {
    await database.close();
  }
} catch (error) {
  if (!(error instanceof EnvError || error instanceof OutboxError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
