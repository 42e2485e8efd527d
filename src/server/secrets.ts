import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A server secret: the environment variable when set (SESSION_SECRET by default); otherwise one generated on
 * first start and kept in the data folder as `name`, so `npm start` needs no setup and links survive restarts.
 * Several instances must share the variable instead.
 */
export function serverSecret(dataDir: string, configured: string | undefined, name = 'session-secret'): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'secrets', name);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const secret = randomBytes(32).toString('hex');
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}
