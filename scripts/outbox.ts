// Inspects the durable outbox: `npm run outbox [-- list [--all] | retry <id> | export <id>]`.
// Safe while the server runs: the server picks up retries from the journal.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EnvError, loadEnv } from '../src/server/env.ts';
import { openOutbox, OutboxError } from '../src/outbox/index.ts';

const usage = 'usage: npm run outbox -- list [--all] | retry <id> | export <id>   [--dir <outbox folder>, default DATA_DIR/outbox]';
const { values, positionals } = parseArgs({ allowPositionals: true, options: { all: { type: 'boolean' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const [command = 'list', id] = positionals;

try {
  const outbox = await openOutbox({ dir: values.dir ?? join(loadEnv().DATA_DIR, 'outbox') });
  try {
    if (command === 'list') {
      const entries = outbox.list(values.all ? ['queued', 'poisoned', 'done'] : ['queued', 'poisoned']);
      for (const s of entries) {
        console.log(`${s.status.padEnd(8)} ${s.entry.id}  ${s.entry.op.kind.padEnd(16)} ${s.entry.ticket.padEnd(12)} attempts=${s.attempts}${s.lastError ? `  ${s.lastError}` : ''}`);
      }
      console.log(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`);
    } else if (command === 'retry' && id) {
      await outbox.retry(id);
      console.log(`entry ${id} queued again`);
    } else if (command === 'export' && id) {
      console.log(outbox.export(id));
    } else {
      console.error(usage);
      process.exitCode = 2;
    }
  } finally {
    await outbox.close();
  }
} catch (error) {
  if (!(error instanceof EnvError || error instanceof OutboxError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
