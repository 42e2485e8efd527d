import { describe, expect, it } from 'vitest';
import { deliveryNotices } from '../../../src/staff/delivery-notice.ts';

const now = Date.UTC(2026, 11, 6, 12);

describe('what staff pages say about writes on their way to the Git host', () => {
  it('says nothing while delivery is normal, or once a rate limit has run out', () => {
    expect(deliveryNotices({ pause: undefined, queued: 40, poisoned: 0 }, now)).toEqual([]);
    expect(deliveryNotices({ pause: { kind: 'rate-limited', reason: 'x', until: now - 1 }, queued: 3, poisoned: 0 }, now)).toEqual([]);
  });

  it('names a rate limit with how long it holds and how much waits', () => {
    const [notice] = deliveryNotices({ pause: { kind: 'rate-limited', reason: 'x', until: now + 61_000 }, queued: 1, poisoned: 0 }, now);
    expect(notice).toEqual({ tone: 'info', text: "The Git host's rate limit holds changes back for about 2 minutes: 1 change waits, sent then, in order." });
  });

  it('names a refused set-up with the host’s reason and the fix, and refused entries with how to see them', () => {
    const notices = deliveryNotices({ pause: { kind: 'operator', reason: 'the repository is archived', until: now + 30_000 }, queued: 1200, poisoned: 2 }, now);
    expect(notices.map((n) => n.tone)).toEqual(['warning', 'warning']);
    expect(notices[0]?.text).toContain('(the repository is archived)');
    expect(notices[0]?.text).toContain('1,200 changes wait and none is lost');
    expect(notices[0]?.text).toContain('in about a minute');
    expect(notices[1]?.text).toContain('refused 2 changes for good');
    expect(notices[1]?.text).toContain('npm run outbox -- list');
  });
});
