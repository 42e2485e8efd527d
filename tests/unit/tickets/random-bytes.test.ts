import { describe, expect, it } from 'vitest';
import { pooledRandomBytes } from '../../../src/tickets/random-bytes.ts';

describe('pooled random bytes', () => {
  it('hand out the size asked for, never the same bytes twice, across refills of the pool', () => {
    const seen = new Set<string>();
    // 2,000 × 12 bytes runs through the 4 KiB pool several times.
    for (let i = 0; i < 2000; i += 1) {
      const bytes = pooledRandomBytes(12);
      expect(bytes).toHaveLength(12);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(2000);
    expect(pooledRandomBytes(10_000)).toHaveLength(10_000);
  });

  it('give each caller its own copy: changing one changes nothing handed out later', () => {
    const first = pooledRandomBytes(16);
    first.fill(0);
    const next = pooledRandomBytes(16);
    expect(next.equals(Buffer.alloc(16))).toBe(false);
  });

  it('look uniform: every byte value turns up about equally often', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4000; i += 1) for (const byte of pooledRandomBytes(64)) counts[byte] = (counts[byte] as number) + 1;
    // 256,000 bytes: 1,000 expected per value; a generator stuck on part of the range would leave values far off.
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });
});
