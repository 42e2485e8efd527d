import { describe, expect, it } from 'vitest';
import { describeMergeRefusal, mergedInto, mergeRefusal, parseMergeCommand } from '../../../src/tickets/merge.ts';
import type { TicketMessage } from '../../../src/tickets/ticket.ts';

const note = (meta: TicketMessage['meta'], isBot = true) => ({ author: { login: isBot ? 'helpdesk-bot' : 'someone', isBot }, meta }) as TicketMessage;

describe('merging', () => {
  it('reads /merge commands on the first line only, with an optional # and "anyway"', () => {
    expect(parseMergeCommand('/merge #12')).toEqual({ into: 12, anyway: false });
    expect(parseMergeCommand('  /MERGE 7 anyway\nsame printer, other account')).toEqual({ into: 7, anyway: true });
    expect(parseMergeCommand('please /merge #12')).toBeUndefined();
    expect(parseMergeCommand('/merge #twelve')).toBeUndefined();
    expect(parseMergeCommand('/merged #12')).toBeUndefined();
    expect(parseMergeCommand('/merge #12 now')).toBeUndefined();
  });

  it('follows the latest merge note written by the bot, never one written by someone else', () => {
    expect(mergedInto({ messages: [note({ kind: 'message', key: 'a', role: 'merge-note', mergedInto: 4 }), note({ kind: 'message', key: 'b', role: 'merge-note', mergedInto: 9 })] })).toBe(9);
    expect(mergedInto({ messages: [note({ kind: 'message', key: 'a', mergedInto: 4 }, false)] })).toBeUndefined();
    expect(mergedInto({ messages: [] })).toBeUndefined();
  });

  it('merges two open tickets of the desk of one customer; another customer only when confirmed', () => {
    const duplicate = { number: 3, messages: [], customerId: 'c1' };
    const target = (changes: Partial<{ number: number; state: 'open' | 'closed'; customerId: string | undefined; isDeskTicket: boolean }> = {}) => ({
      number: 8,
      state: 'open' as const,
      customerId: 'c1',
      isDeskTicket: true,
      ...changes,
    });
    expect(mergeRefusal(duplicate, target(), false)).toBeUndefined();
    expect(mergeRefusal(duplicate, target({ customerId: 'c2' }), false)).toBe('other-customer');
    expect(mergeRefusal(duplicate, target({ customerId: 'c2' }), true)).toBeUndefined();
    expect(mergeRefusal({ ...duplicate, customerId: undefined }, target({ customerId: undefined }), false)).toBe('other-customer');
    expect(mergeRefusal(duplicate, target({ state: 'closed' }), true)).toBe('target-closed');
    expect(mergeRefusal(duplicate, target({ number: 3 }), true)).toBe('same-ticket');
    expect(mergeRefusal(duplicate, target({ isDeskTicket: false }), true)).toBe('not-a-ticket');
    expect(mergeRefusal(duplicate, undefined, true)).toBe('not-a-ticket');
    expect(mergeRefusal({ ...duplicate, messages: [note({ kind: 'message', key: 'm', role: 'merge-note', mergedInto: 5 })] }, target(), false)).toBe('already-merged');
    expect(describeMergeRefusal('other-customer', 8)).toContain('`/merge #8 anyway`');
  });
});
