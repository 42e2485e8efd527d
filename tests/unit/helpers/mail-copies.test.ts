import { describe, expect, it } from 'vitest';
import { sentAgainAfterAKill } from '../../helpers/smtp.ts';

// The two-instance bench fails on a mail sent twice unless every earlier copy is the documented crash edge; a wrong
// attribution would either hide a real duplicate or fail the run on the edge it promises.
describe('which repeated mails are the crash edge', () => {
  const ended = new Map([
    ['instance-1 (run 1)', 10_000],
    ['instance-1 (run 2)', 50_000],
  ]);

  it('accepts a copy from a process life that was killed, sent again after its death', () => {
    expect(
      sentAgainAfterAKill(
        [
          { at: 9_000, via: 'instance-1 (run 1)' },
          { at: 75_000, via: 'instance-2' },
        ],
        ended,
      ),
    ).toBe(true);
  });

  it('accepts a copy stamped after the kill was seen (read late by a busy bench), if it came from the killed life', () => {
    expect(
      sentAgainAfterAKill(
        [
          { at: 10_050, via: 'instance-1 (run 1)' },
          { at: 72_000, via: 'instance-1 (run 3)' },
        ],
        ended,
      ),
    ).toBe(true);
  });

  it('accepts three copies when each earlier sender died before the next copy', () => {
    const copies = [
      { at: 71_000, via: 'instance-2' },
      { at: 9_000, via: 'instance-1 (run 1)' },
      { at: 49_000, via: 'instance-1 (run 2)' },
    ];
    expect(sentAgainAfterAKill(copies, ended)).toBe(true);
  });

  it('rejects a first copy from a process that was never killed', () => {
    expect(
      sentAgainAfterAKill(
        [
          { at: 9_000, via: 'instance-2' },
          { at: 75_000, via: 'instance-1 (run 2)' },
        ],
        ended,
      ),
    ).toBe(false);
  });

  it('rejects a second copy sent while the first sender was still alive', () => {
    expect(
      sentAgainAfterAKill(
        [
          { at: 8_000, via: 'instance-1 (run 1)' },
          { at: 9_500, via: 'instance-2' },
        ],
        ended,
      ),
    ).toBe(false);
  });

  it('rejects copies from a listener nobody named', () => {
    expect(sentAgainAfterAKill([{ at: 9_000 }, { at: 75_000 }], ended)).toBe(false);
  });
});
