import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../store/database.ts';
import { sharedSetting } from '../store/shared-settings.ts';

/** What every process serving one help desk must agree on, whichever of them answers a request. */
export interface ServerSecrets {
  /** Signs sessions, links, draft keys and metadata; seals customer emails unless EMAIL_ENCRYPTION_KEY is set. */
  session: string;
  /** Signs the embedded host's webhooks when WEBHOOK_SECRET is not set. */
  webhook: string;
  /** When this installation began signing metadata blocks (ms epoch): unsigned blocks from before are legacy. */
  metadataSignedSince: number | undefined;
}

/** Where releases before the shared store kept each value, in the data folder: carried over on first start. */
const DATA_DIR_FILES = { session: 'session-secret', webhook: 'webhook-secret', metadataSignedSince: 'metadata-signed-since' } as const;

function readDataDirFile(dataDir: string, name: string): string | undefined {
  try {
    return readFileSync(path.join(dataDir, 'secrets', name), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The server's secrets: an environment variable when set (SESSION_SECRET, WEBHOOK_SECRET); otherwise generated on
 * first start and kept in the state store, so `npm start` needs no setup, links survive restarts, and instances
 * sharing one PostgreSQL sign and seal alike (a resent form answered by another instance finds its ticket, a
 * session from one is valid on the other). An installation from before keeps the values of its data folder.
 */
export async function loadServerSecrets(database: Database, dataDir: string, configured: { SESSION_SECRET?: string | undefined; WEBHOOK_SECRET?: string | undefined }): Promise<ServerSecrets> {
  const kept = (key: keyof typeof DATA_DIR_FILES, initial: () => string) => sharedSetting(database, `server:${key}`, () => readDataDirFile(dataDir, DATA_DIR_FILES[key]) ?? initial());
  const random = () => randomBytes(32).toString('hex');
  const signedSince = await kept('metadataSignedSince', () => String(Date.now()));
  return {
    session: configured.SESSION_SECRET ?? (await kept('session', random)),
    webhook: configured.WEBHOOK_SECRET ?? (await kept('webhook', random)),
    metadataSignedSince: /^\d{1,15}$/.test(signedSince) ? Number(signedSince) : undefined,
  };
}
