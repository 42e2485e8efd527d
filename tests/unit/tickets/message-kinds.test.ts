import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstSightKind, isVisibleToCustomer, kindsOf, type KindContext, type MessageKind, type SeenMessage } from '../../../src/tickets/message-kinds.ts';

const staff = { login: 'support-anna', isBot: false };
const outsider = { login: 'random-visitor', isBot: false };
const rules = (repliesPublicByDefault: boolean) => ({ repliesPublicByDefault });

function context(publicByDefault: boolean): KindContext & { asked: string[] } {
  const kinds = new Map<number, MessageKind>();
  const asked: string[] = [];
  return {
    asked,
    rules: rules(publicByDefault),
    registry: {
      getAll: async (ids) => new Map(ids.flatMap((id) => (kinds.has(id) ? [[id, kinds.get(id)!] as const] : []))),
      rememberAll: async (entries) => {
        for (const [id, kind] of entries) if (!kinds.has(id)) kinds.set(id, kind);
        return new Map(entries.map(([id]) => [id, kinds.get(id)!] as const));
      },
    },
    hasWriteAccess: async (login) => {
      asked.push(login);
      return login === staff.login;
    },
  };
}

const body = fc.oneof(
  fc.string({ maxLength: 20 }).map((s) => `/reply ${s}`),
  fc.string({ maxLength: 20 }).map((s) => `/reply-draft ${s}`),
  fc.string({ maxLength: 20 }).map((s) => `/internal ${s}`),
  fc.string({ maxLength: 20 }).map((s) => `/escalate ${s}`),
  fc.string({ maxLength: 20 }).map((s) => `note ${s}`),
  fc.constant(''),
  fc.string({ maxLength: 20 }),
);

/** A staff or outsider comment: its first body, later edits, and whether its "created" webhook arrived. */
const comment = fc.record({ byStaff: fc.boolean(), first: body, edits: fc.array(body, { maxLength: 3 }), webhookArrived: fc.boolean(), viewedBetween: fc.boolean() });

describe('message kinds are fixed at first sight, by whichever view sees a message first', () => {
  it('a message that was not public when written never becomes visible to the customer, whatever its edits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(comment, { minLength: 1, maxLength: 8 }), fc.boolean(), async (thread, publicByDefault) => {
        const ctx = context(publicByDefault);
        const created = '2026-01-01T10:00:00Z';
        const messages = thread.map((c, i) => {
          const original: SeenMessage = { id: i + 1, author: c.byStaff ? staff : outsider, body: c.first, meta: undefined, createdAt: created, updatedAt: created };
          const edited = c.edits.length === 0 ? original : { ...original, body: c.edits.at(-1)!, updatedAt: '2026-01-01T11:00:00Z' };
          return { c, original, edited, wasPublic: firstSightKind(original, ctx.rules, c.byStaff) === 'staff-reply' };
        });
        // Some views see the original (the created webhook); others only the edited text (a later page view).
        for (const m of messages) if (m.c.webhookArrived) await kindsOf([m.edited], ctx, new Map([[m.original.id, m.original]]));
        for (const m of messages) if (m.c.viewedBetween) await kindsOf([m.edited], ctx);
        const kinds = await kindsOf(
          messages.map((m) => m.edited),
          ctx,
        );
        for (const m of messages) {
          if (!m.wasPublic) expect(isVisibleToCustomer(kinds.get(m.original.id)!)).toBe(false);
          // Asking again gives the same answer: one decision for every view.
          expect((await kindsOf([m.edited], ctx)).get(m.original.id)).toBe(kinds.get(m.original.id));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('asks the Git host about write access once per unseen message and never about the bot', async () => {
    const ctx = context(false);
    const at = '2026-01-01T10:00:00Z';
    const thread: SeenMessage[] = [
      { id: 1, author: staff, body: '/reply hi', meta: undefined, createdAt: at, updatedAt: at },
      { id: 2, author: { login: 'helpdesk-bot', isBot: true }, body: 'x', meta: { customer: { id: 'c' } }, createdAt: at, updatedAt: at },
    ];
    expect([...(await kindsOf(thread, ctx)).values()]).toEqual(['staff-reply', 'customer']);
    await kindsOf(thread, ctx);
    expect(ctx.asked).toEqual(['support-anna']);
  });

  it('an /escalate command is an internal note even when replies are public by default', () => {
    const m: SeenMessage = { id: 1, author: staff, body: '/escalate customer threatens to sue', meta: undefined, createdAt: 'x', updatedAt: 'x' };
    expect(firstSightKind(m, rules(true), true)).toBe('internal-note');
  });

  it('an unedited /reply is a public reply; one already edited when first seen counts as a note', () => {
    const m: SeenMessage = { id: 1, author: staff, body: '/reply Here you go', meta: undefined, createdAt: '2026-01-01T10:00:00Z', updatedAt: '2026-01-01T10:00:00Z' };
    expect(firstSightKind(m, rules(false), true)).toBe('staff-reply');
    expect(firstSightKind({ ...m, updatedAt: '2026-01-01T10:05:00Z' }, rules(false), true)).toBe('internal-note');
  });
});
