// Adds or replaces a staff sign-in account: `npm run staff:add -- <login> [--admin]` (asks for the password,
// or reads it from standard input when piped). Writes only the scrypt hash to the config file; a running
// server takes the account up at once (it re-reads the file's staff accounts).
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../src/server/config.ts';
import { readSitePaths } from '../src/server/site-paths.ts';
import { hashPassword } from '../src/staff/passwords.ts';

const usage =
  'usage: npm run staff:add -- <login> [--admin]   (the Git host login the account acts as; asks for the password, or reads it from standard input; --admin may set other supporters present or away)';
const { values, positionals } = parseArgs({ allowPositionals: true, options: { help: { type: 'boolean', short: 'h' }, admin: { type: 'boolean' } } });
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const login = positionals[0];
if (!login) {
  console.error(usage);
  process.exit(2);
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').split('\n')[0]!.trim();
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Hide what is typed: the prompt is written once, keystrokes are not echoed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  process.stdout.write(`Password for ${login}: `);
  const password = await rl.question('');
  rl.close();
  process.stdout.write('\n');
  return password;
}

const file = readSitePaths().configFile;
try {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const config = parseConfig(JSON.stringify(raw), file);
  const password = await readPassword();
  if (password.length < 12) {
    console.error('The password needs at least 12 characters.');
    process.exit(1);
  }
  if (!config.supporters.some((s) => s.login.toLowerCase() === login.toLowerCase())) {
    console.warn(`note: ${login} is not listed under "supporters"; the account can sign in but gets no tickets routed to it.`);
  }
  const accounts = config.staffAccounts.filter((a) => a.login.toLowerCase() !== login.toLowerCase());
  const admin = values.admin === true || config.staffAccounts.some((a) => a.login.toLowerCase() === login.toLowerCase() && a.admin);
  raw['staffAccounts'] = [...accounts, { login, passwordHash: await hashPassword(password), ...(admin ? { admin: true } : {}) }];
  writeFileSync(file, `${JSON.stringify(raw, null, 2)}\n`);
  console.log(
    `${accounts.length === config.staffAccounts.length ? 'added' : 'replaced'} staff account ${login}${admin ? ' (admin)' : ''} in ${file}; a running server takes it up at once, no restart needed`,
  );
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
