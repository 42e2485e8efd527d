import { randomBytes } from 'node:crypto';

/** Bytes drawn from the system's generator at once: one call per this many bytes instead of one per id. */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * Cryptographically random bytes, as `crypto.randomBytes`, served from a pool refilled from it (as Node's own
 * `randomUUID` does): the generator call costs microseconds each, and a ticket's intake needs several ids.
 * Bytes handed out are wiped from the pool.
 */
export function pooledRandomBytes(size: number): Buffer {
  if (size > POOL_BYTES) return randomBytes(size);
  if (offset + size > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size);
  offset += size;
  return bytes;
}
