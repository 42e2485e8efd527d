import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ACCOUNTS, LOCAL_BOT_LOGIN, parseUsers, PUBLISHED_TOKENS, type LocalUser } from './users.ts';

/** The token file in a host's data folder: `{ "admin": "<token>", "users": [{ "login", "token", … }] }`, mode 0600. */
export const TOKENS_FILE = 'tokens.json';

/** Who may use a local host: its users (by token) and the token of its admin endpoints (`/_admin/*`). */
export interface LocalHostCredentials {
  /** The token file they were read from. */
  file: string;
  users: LocalUser[];
  adminToken: string;
  /** Logins whose published default token was found in the file and replaced by a generated one. */
  replaced: string[];
}

/** Token prefixes say whose a token is (`local-bot-…`, `local-staff-anna-…`) when only a prefix is shown. */
function prefixFor(login: string): string {
  if (login === LOCAL_BOT_LOGIN) return 'local-bot';
  if (login === 'local') return 'local-owner';
  if (login.startsWith('support-')) return `local-staff-${login.slice('support-'.length)}`;
  return `local-${login.replace(/\[bot\]$/, '').toLowerCase()}`;
}

/** A new random token (160 bits) with a readable prefix. */
export function generateToken(prefix: string): string {
  return `${prefix}-${randomBytes(20).toString('hex')}`;
}

/** A token as it may be printed: its prefix and last four characters (`local-bot-…a1b2`), never the whole. */
export function maskToken(token: string): string {
  const generated = /^(.*-)[0-9a-f]{40}$/.exec(token);
  if (generated) return `${generated[1]}…${token.slice(-4)}`;
  return token.length >= 20 ? `…${token.slice(-4)}` : '…';
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

const serialize = (stored: StoredCredentials) => `${JSON.stringify(stored, null, 2)}\n`;

interface StoredCredentials {
  admin: string;
  users: unknown[];
}

function generated(): StoredCredentials {
  return { admin: generateToken('local-admin'), users: DEFAULT_ACCOUNTS.map(({ login, ...rest }) => ({ login, token: generateToken(prefixFor(login)), ...rest })) };
}

/** Creates the file only if there is none, complete or not at all (a reader never sees half a file). */
function createExclusive(file: string, text: string): boolean {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

function replaceAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}

/**
 * The credentials of the local host whose data folder is `dataDir`, from its token file. On first use
 * (`create`, the default) the file is written with a generated token for every default account and for
 * the admin endpoints. Published default tokens of earlier releases found in the file, or a missing admin
 * token, are replaced by generated ones and the file is rewritten; the file is kept at mode 0600.
 */
export function loadLocalHostCredentials(dataDir: string, { create = true }: { create?: boolean } = {}): LocalHostCredentials {
  const file = join(dataDir, TOKENS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    if (!create) throw new Error(`${file} does not exist: the local host on ${dataDir} was started with a token table of its own`);
    mkdirSync(dataDir, { recursive: true });
    const fresh = generated();
    // Another process may create it first: then its tokens stand.
    if (!createExclusive(file, serialize(fresh))) return loadLocalHostCredentials(dataDir, { create });
    return { file, users: parseUsers(fresh.users), adminToken: fresh.admin, replaced: [] };
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}); fix it, or delete it to have new tokens generated`);
  }
  // Earlier releases wrote a bare array of users (with the published tokens) and had no admin token.
  const legacy = Array.isArray(json);
  const object = (legacy ? { users: json } : json) as { admin?: unknown; users?: unknown };
  if (typeof object !== 'object' || object === null || !Array.isArray(object.users)) {
    throw new Error(`${file} must hold { "admin": "<token>", "users": [ … ] }; fix it, or delete it to have new tokens generated`);
  }
  const replaced: string[] = [];
  const users = object.users.map((user: unknown) => {
    const entry = user as { login?: unknown; token?: unknown };
    if (typeof entry !== 'object' || entry === null || typeof entry.token !== 'string' || !PUBLISHED_TOKENS.has(entry.token)) return user;
    const login = typeof entry.login === 'string' ? entry.login : 'user';
    replaced.push(login);
    return { ...entry, token: generateToken(prefixFor(login)) };
  });
  let parsed: LocalUser[];
  try {
    parsed = parseUsers(users);
  } catch (error) {
    throw new Error(`${file} has an invalid user table: ${(error as Error).message}`);
  }
  let admin = object.admin;
  const adminUsable = typeof admin === 'string' && admin.length >= 16 && !PUBLISHED_TOKENS.has(admin) && !parsed.some((u) => u.token === admin);
  if (!adminUsable) admin = generateToken('local-admin');
  if (legacy || replaced.length > 0 || !adminUsable) replaceAtomically(file, serialize({ ...object, admin: admin as string, users }));
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { file, users: parsed, adminToken: admin as string, replaced };
}

/** The token the site posts with on a local host (the default table's bot account). */
export function botToken(credentials: Pick<LocalHostCredentials, 'users' | 'file'>): string {
  const bot = credentials.users.find((u) => u.login === LOCAL_BOT_LOGIN);
  if (!bot) throw new Error(`${credentials.file} has no ${LOCAL_BOT_LOGIN} user: the site posts as that account on the embedded host; add it, or delete the file to have new tokens generated`);
  return bot.token;
}
