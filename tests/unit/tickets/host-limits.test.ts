import { describe, expect, it } from 'vitest';
import { DeskError } from '../../../src/tickets/errors.ts';
import { assertFitsHost, hostOverflow, metadataRoom } from '../../../src/tickets/host-limits.ts';
import { deriveMetadataKey, formatMetadataBlock } from '../../../src/tickets/metadata.ts';
import { neutralizeCustomerText } from '../../../src/tickets/neutralize.ts';
import { GITHUB_BODY_LIMIT } from '../../../src/tickets/ticket-form.ts';

describe('the final body must fit the Git host', () => {
  it('reserves room for the largest metadata block a customer message can carry', () => {
    const key = deriveMetadataKey('a test secret of enough length');
    const longest = formatMetadataBlock(
      {
        kind: 'ticket',
        key: '123e4567-e89b-12d3-a456-426614174000',
        ref: 'T-ABCDEFGH',
        customer: { id: 'c-0123456789abcdef', sealedEmail: `v1.${'A'.repeat(376)}` },
        attachments: Array.from({ length: 3 }, (_, i) => `tickets/T-ABCDEFGH/123e4567-e89b-12d3-a456-42661417400${i}/${'n'.repeat(100)}`),
        order: 'N'.repeat(40),
        customerName: '\u{1F600}'.repeat(50),
        draftKey: 'd'.repeat(64),
        unverifiedSince: '2026-05-01T10:00:00.000Z',
      },
      key,
    );
    expect(longest.length + 1).toBeLessThanOrEqual(metadataRoom(3));
  });

  it('refuses a message that neutralising lengthens past the limit, with a message on the message field', () => {
    // 50,000 characters, under the form's 60,000; every tag, mention and reference grows when neutralised.
    const text = '<b> @a #1 '.repeat(5_000);
    const body = `**Customer reply** (c-1)\n\n---\n\n${neutralizeCustomerText(text)}`;
    expect(body.length).toBeGreaterThan(text.length + 10_000);
    expect(hostOverflow(body, 0)).toBeGreaterThan(0);
    try {
      assertFitsHost(body, 0);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DeskError);
      expect((error as DeskError).code).toBe('invalid_input');
      expect((error as DeskError).fields?.['message']).toMatch(
        /^Your message is too long once formatted for our ticket system \([\d,]+ characters over\)\. Shorten it or attach the text as a file\.$/,
      );
    }
  });

  it('accepts the longest plain message the form allows, with three attachments', () => {
    const header = 'h'.repeat(1_000);
    expect(() => assertFitsHost(`${header}${'x'.repeat(60_000)}`, 3)).not.toThrow();
    expect(hostOverflow('x'.repeat(GITHUB_BODY_LIMIT - metadataRoom(0)), 0)).toBe(0);
    expect(hostOverflow('x'.repeat(GITHUB_BODY_LIMIT - metadataRoom(0) + 1), 0)).toBe(1);
  });
});
