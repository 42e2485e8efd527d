import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../../src/server/http.ts';
import { DeskError } from '../../../src/tickets/errors.ts';
import { createRateLimits } from '../../../src/server/rate-limits.ts';
import { freshStore } from '../../helpers/store.ts';

let store: Awaited<ReturnType<typeof freshStore>>;
beforeEach(async () => {
  store = await freshStore();
});
afterEach(() => store.remove());

describe('rate limits', () => {
  it('allow the configured number per key, then refuse with a 429 that says when to try again', async () => {
    const limits = createRateLimits(store.database, { ticketPerIp: { points: 2, duration: 600 } });
    await limits.consume('ticketPerIp', '203.0.113.7');
    await limits.consume('ticketPerIp', '203.0.113.7');
    const refusal = await limits.consume('ticketPerIp', '203.0.113.7').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DeskError);
    expect(refusal).toMatchObject({ code: 'rate_limited' });
    expect(ERROR_STATUS[(refusal as DeskError).code]).toBe(429);
    expect((refusal as DeskError).message).toBe('Too many requests. Please try again in 10 minutes.');
    expect((refusal as DeskError).retryAfterSeconds).toBeGreaterThan(590);
  });

  it('count each key apart, and emails without regard to case', async () => {
    const limits = createRateLimits(store.database, { ticketPerEmail: { points: 1, duration: 60 } });
    await limits.consume('ticketPerEmail', 'zoe@example.com');
    await expect(limits.consume('ticketPerEmail', 'ZOE@example.com')).rejects.toThrow('try again in 1 minute');
    await expect(limits.consume('ticketPerEmail', 'sam@example.com')).resolves.toBeUndefined();
  });

  it('take a point of every limit named at once, and a refusal names the longest wait among those that ran out', async () => {
    const limits = createRateLimits(store.database, { ticketPerIp: { points: 3, duration: 60 }, ticketPerEmail: { points: 1, duration: 3600 } });
    await limits.consume('ticketPerIp', '203.0.113.9', 'ticketPerEmail', 'ann@example.com');
    // The address has room left, the email has none: refused for the hour, and the address's point is taken too.
    await expect(limits.consume('ticketPerIp', '203.0.113.9', 'ticketPerEmail', 'ann@example.com')).rejects.toThrow('try again in 60 minutes');
    await limits.consume('ticketPerIp', '203.0.113.9', 'ticketPerEmail', 'bob@example.com');
    const refusal = (await limits.consume('ticketPerIp', '203.0.113.9', 'ticketPerEmail', 'cy@example.com').catch((error: unknown) => error)) as DeskError;
    expect(refusal.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(refusal.message).toBe('Too many requests. Please try again in 1 minute.');
  });
});
