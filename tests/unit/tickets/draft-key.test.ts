import { describe, expect, it } from 'vitest';
import { deriveKey } from '../../../src/tickets/access-token.ts';
import { DRAFT_KEY_TTL_MS, draftKeyCutoff, draftKeyDigest } from '../../../src/tickets/draft-key.ts';

const key = deriveKey('draft-key-test-secret-0123456789abcdef', 'draft-key');
const guest = (email: string) => ({ email, signedIn: false });
const DRAFT = 'draft-0123456789abcdef';

describe('draft key digests', () => {
  it('are the same for the same key and submitter, the address compared as normalised', () => {
    expect(draftKeyDigest(DRAFT, guest('alice@example.com'), key)).toBe(draftKeyDigest(DRAFT, guest('  Alice@Example.COM '), key));
  });

  it('hold neither the key nor the address, and have one shape', () => {
    const digest = draftKeyDigest(DRAFT, guest('alice@example.com'), key);
    expect(digest).toMatch(/^d1:[\w-]{43}$/);
    expect(digest).not.toContain(DRAFT);
    expect(digest).not.toContain('alice');
  });

  it.each([
    ['another address', DRAFT, guest('mallory@example.com'), key],
    ['a signed-in submitter', DRAFT, { email: 'alice@example.com', signedIn: true }, key],
    ['another draft key', 'draft-0123456789abcdeg', guest('alice@example.com'), key],
    ['another server secret', DRAFT, guest('alice@example.com'), deriveKey('another-secret-0123456789abcdef', 'draft-key')],
    ['a key for another purpose', DRAFT, guest('alice@example.com'), deriveKey('draft-key-test-secret-0123456789abcdef', 'session')],
  ])('differ with %s', (_, draft, submitter, macKey) => {
    expect(draftKeyDigest(draft, submitter, macKey)).not.toBe(draftKeyDigest(DRAFT, guest('alice@example.com'), key));
  });

  it('never equal a clear key of an earlier release', () => {
    // Clear keys are what the form accepts: [\w-]{8,64}; a digest has a colon.
    expect(/^[\w-]{8,64}$/.test(draftKeyDigest(DRAFT, guest('alice@example.com'), key))).toBe(false);
  });

  it('refuse a key that is not 32 bytes from the server secret', () => {
    expect(() => draftKeyDigest(DRAFT, guest('alice@example.com'), Buffer.from('short'))).toThrow('draftKeyDigest: the key must be 32 bytes derived from the server secret');
    expect(() => draftKeyDigest(DRAFT, guest('alice@example.com'), 'secret' as never)).toThrow(TypeError);
  });
});

describe('the draft key window', () => {
  it('starts a day before now', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(DRAFT_KEY_TTL_MS).toBe(86_400_000);
    expect(draftKeyCutoff(now)).toBe(Date.parse('2026-02-28T12:00:00Z'));
  });
});
