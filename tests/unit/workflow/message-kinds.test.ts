import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyMessage, isVisibleToCustomer, type MessageKind } from '../../../src/tickets/thread.ts';
import { firstSightKind, kindOf, type SeenMessage } from '../../../src/workflow/message-kinds.ts';

const staff = { login: 'support-anna', association: 'MEMBER', isBot: false };
const outsider = { login: 'random-visitor', association: 'NONE', isBot: false };
const rules = (repliesPublicByDefault: boolean) => ({ repliesPublicByDefault, supporters: [] });

function registry() {
  const kinds = new Map<number, MessageKind>();
  return { get: (id: number) => kinds.get(id), remember: (id: number, kind: MessageKind) => (kinds.has(id) ? kinds.get(id)! : (kinds.set(id, kind), kind)) };
}

const body = fc.oneof(
  fc.string({ maxLength: 20 }).map((s) => `/reply ${s}`),
  fc.string({ maxLength: 20 }).map((s) => `/internal ${s}`),
  fc.string({ maxLength: 20 }).map((s) => `/escalate ${s}`),
  fc.string({ maxLength: 20 }).map((s) => `note ${s}`),
  fc.string({ maxLength: 20 }),
);

/** A staff or outsider comment: its first body, later edits, and whether its "created" webhook arrived. */
const comment = fc.record({ byStaff: fc.boolean(), first: body, edits: fc.array(body, { maxLength: 3 }), webhookArrived: fc.boolean(), deskLooksBetween: fc.boolean() });

describe('message kinds are fixed at first sight', () => {
  it('an internal note never becomes visible to the customer, whatever its edits and whoever sees it first', () => {
    fc.assert(
      fc.property(fc.array(comment, { minLength: 1, maxLength: 8 }), fc.boolean(), (thread, publicByDefault) => {
        const r = registry();
        const rulesNow = rules(publicByDefault);
        const created = '2026-01-01T10:00:00Z';
        const messages = thread.map((c, i) => {
          const original: SeenMessage = { id: i + 1, author: c.byStaff ? staff : outsider, body: c.first, meta: undefined, createdAt: created, updatedAt: created };
          // The created webhook carries the original body; a dropped one leaves the sweep to find the edited comment.
          if (c.webhookArrived) r.remember(original.id, firstSightKind(original, rulesNow));
          const edited = c.edits.length === 0 ? original : { ...original, body: c.edits.at(-1)!, updatedAt: '2026-01-01T11:00:00Z' };
          if (c.deskLooksBetween) expect(isVisibleToCustomer(kindOf(edited, r, rulesNow)) && classifyMessage(original, rulesNow) === 'internal-note').toBe(false);
          return { original, edited };
        });
        for (const m of messages) r.remember(m.edited.id, firstSightKind(m.edited, rulesNow));
        for (const m of messages) {
          const wasNote = classifyMessage(m.original, rulesNow) !== 'staff-reply';
          if (wasNote) expect(isVisibleToCustomer(kindOf(m.edited, r, rulesNow))).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('an /escalate command is an internal note even when replies are public by default', () => {
    const m: SeenMessage = { id: 1, author: staff, body: '/escalate customer threatens to sue', meta: undefined, createdAt: 'x', updatedAt: 'x' };
    expect(firstSightKind(m, rules(true))).toBe('internal-note');
  });

  it('an unedited /reply is a public reply; one already edited when first seen counts as a note', () => {
    const m: SeenMessage = { id: 1, author: staff, body: '/reply Here you go', meta: undefined, createdAt: '2026-01-01T10:00:00Z', updatedAt: '2026-01-01T10:00:00Z' };
    expect(firstSightKind(m, rules(false))).toBe('staff-reply');
    expect(firstSightKind({ ...m, updatedAt: '2026-01-01T10:05:00Z' }, rules(false))).toBe('internal-note');
  });
});
