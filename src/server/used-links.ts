import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Remembers the nonces of sign-in links already used, until they expire, so a link forwarded or
 * captured from a mailbox cannot be opened a second time. One JSON line per use, compacted on load.
 */
export interface UsedLinks {
  /** Records a nonce; false when it was already used. */
  use(nonce: string, expiresAt: number): boolean;
}

export function createUsedLinks(file: string, nowSeconds: () => number = () => Math.floor(Date.now() / 1000)): UsedLinks {
  const used = new Map<string, number>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const { nonce, exp } = JSON.parse(line) as { nonce: string; exp: number };
        if (exp > nowSeconds()) used.set(nonce, exp);
      } catch {
        // A line cut short by a crash: the link it named has not been recorded, nothing else is lost.
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, [...used].map(([nonce, exp]) => `${JSON.stringify({ nonce, exp })}\n`).join(''));
  return {
    use(nonce, expiresAt) {
      const known = used.get(nonce);
      if (known !== undefined && known > nowSeconds()) return false;
      used.set(nonce, expiresAt);
      appendFileSync(file, `${JSON.stringify({ nonce, exp: expiresAt })}\n`);
      return true;
    },
  };
}
