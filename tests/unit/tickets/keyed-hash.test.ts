import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256 } from '../../../src/tickets/keyed-hash.ts';

describe('hmacSha256 with a prepared key', () => {
  it('gives the MAC of the raw key, call after call, and another for another key of the same bytes length', () => {
    const key = randomBytes(32);
    const other = randomBytes(32);
    for (const message of ['customer@example.com', '', 'ü'.repeat(1000)]) {
      const expected = createHmac('sha256', key).update(message).digest('hex');
      expect(hmacSha256(key).update(message).digest('hex')).toBe(expected);
      expect(hmacSha256(key).update(message).digest('hex')).toBe(expected);
      expect(hmacSha256(other).update(message).digest('hex')).not.toBe(expected);
    }
  });
});
