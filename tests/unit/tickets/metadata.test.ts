import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { customerIdFor, deriveEmailKeys, sealEmail, unsealEmail } from '../../../src/git-host/email-seal.ts';
import { isIdempotencyKey, isTicketRef, newIdempotencyKey, newTicketRef } from '../../../src/tickets/idempotency.ts';
import { CHAT_LABEL, LABEL_GROUPS, labelName, parseLabelName, ticketLabels } from '../../../src/tickets/labels.ts';
import { deriveMetadataKey, formatMetadataBlock, readMetadata, stripMetadata, ticketLanguage, withMetadata, type TicketMetadata } from '../../../src/tickets/metadata.ts';

const bot = { login: 'helpdesk-bot' };
const mac = deriveMetadataKey('metadata-test-secret-0123456789abcdef');
const meta: TicketMetadata = { kind: 'ticket', key: 'k-1', ref: 'T-ABCDEFGH', customer: { id: 'c-1', email: 'a@example.com' } };

describe('metadata block', () => {
  it('keeps the language a ticket was filed in; a ticket without one is English (issue 16, item 8)', () => {
    const german: TicketMetadata = { ...meta, lang: 'de' };
    const read = readMetadata(withMetadata(german, 'Hallo', mac), bot, 'helpdesk-bot', mac);
    expect(read?.lang).toBe('de');
    expect(ticketLanguage(read)).toBe('de');
    expect(ticketLanguage(readMetadata(withMetadata(meta, 'Hello', mac), bot, 'helpdesk-bot', mac))).toBe('en');
    expect(ticketLanguage(undefined)).toBe('en');
  });

  it('round-trips through a body written by the bot', () => {
    const body = withMetadata(meta, 'Hello --> <!-- there', mac);
    expect(readMetadata(body, bot, 'helpdesk-bot', mac)).toEqual(meta);
    expect(readMetadata(body, { login: 'HelpDesk-Bot' }, 'helpdesk-bot', mac)).toEqual(meta);
    expect(stripMetadata(body)).toBe('Hello --> <!-- there');
  });

  it('is not trusted in bodies written by anyone else', () => {
    const body = withMetadata(meta, 'text', mac);
    expect(readMetadata(body, { login: 'support-anna' }, 'helpdesk-bot', mac)).toBeUndefined();
    expect(readMetadata(body, null, 'helpdesk-bot', mac)).toBeUndefined();
  });

  it('cannot be forged by customer text further down a bot body', () => {
    const forged = formatMetadataBlock({ kind: 'ticket', key: 'evil', customer: { id: 'c-victim' } }, mac);
    const body = withMetadata(meta, `my message\n${forged}`, mac);
    expect(readMetadata(body, bot, 'helpdesk-bot', mac)?.key).toBe('k-1');
    expect(readMetadata(`customer first line\n${forged}`, bot, 'helpdesk-bot', mac)).toBeUndefined();
  });

  it('ignores malformed blocks', () => {
    expect(readMetadata('<!-- helpdesk:v1 !!! -->\nx', bot, 'helpdesk-bot', mac)).toBeUndefined();
    expect(readMetadata(`<!-- helpdesk:v1 ${Buffer.from('{"kind":"nope"}').toString('base64url')} -->`, bot, 'helpdesk-bot', mac)).toBeUndefined();
    expect(stripMetadata('plain text')).toBe('plain text');
  });

  it('writes signed v2 blocks that only the same key reads back', () => {
    const body = withMetadata(meta, 'text', mac);
    expect(body.split('\n', 1)[0]).toMatch(/^<!-- helpdesk:v2 [A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43} -->$/);
    const reasons: string[] = [];
    expect(readMetadata(body, bot, 'helpdesk-bot', deriveMetadataKey('another-secret-0123456789abcdef'), (r) => reasons.push(r))).toBeUndefined();
    expect(reasons).toHaveLength(1);
    expect(readMetadata(body, bot, 'helpdesk-bot', deriveMetadataKey('metadata-test-secret-0123456789abcdef'))).toEqual(meta);
  });

  it('strips both block versions, signed or not, and nothing else', () => {
    const v1 = `<!-- helpdesk:v1 ${Buffer.from(JSON.stringify(meta)).toString('base64url')} -->`;
    expect(stripMetadata(`${v1}\nold body`)).toBe('old body');
    expect(stripMetadata(withMetadata(meta, 'new body', mac))).toBe('new body');
    expect(stripMetadata('<!-- helpdesk:v2 edited.by-hand -->\nbody')).toBe('body');
    expect(stripMetadata('<!-- a comment -->\nbody')).toBe('<!-- a comment -->\nbody');
    // An unsigned v1 block is not metadata unless the body predates signing.
    expect(readMetadata(`${v1}\nold body`, bot, 'helpdesk-bot', mac)).toBeUndefined();
    expect(readMetadata(`${v1}\nold body`, bot, 'helpdesk-bot', mac, undefined, { before: Date.parse('2026-01-01'), createdAt: '2025-12-31T00:00:00Z' })).toEqual(meta);
  });

  it('round-trips any text and key', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (text, key) => {
        const body = withMetadata({ kind: 'message', key }, text, mac);
        expect(readMetadata(body, bot, 'helpdesk-bot', mac)?.key).toBe(key);
        expect(stripMetadata(body)).toBe(text);
      }),
    );
  });
});

describe('labels', () => {
  const labels = ticketLabels({ ticketTypes: ['question', 'order'], categories: [{ id: 'shipping', title: { en: 'Shipping' }, description: {} }] });

  it('has one group per PRODUCT.md group with the documented colours', () => {
    const colour = (name: string) => labels.find((l) => l.name === name)?.color;
    expect(colour('status: new')).toBe(colour('status: reply-received'));
    expect(colour('status: new')).toBe('fbca04');
    expect(colour('status: escalated')).toBe('b60205');
    expect(colour('status: on-hold')).toBe('f28c28');
    expect(labels.map((l) => l.name)).toEqual(expect.arrayContaining(['type: question', 'type: order', 'category: shipping', 'priority: normal', 'status: closed']));
    // Every label belongs to a group, but the chat label: a conversation is a ticket of every group and a chat besides.
    expect(new Set(labels.filter((l) => l.name !== CHAT_LABEL).map((l) => parseLabelName(l.name)?.group))).toEqual(new Set(LABEL_GROUPS));
    expect(labels.filter((l) => parseLabelName(l.name) === undefined).map((l) => l.name)).toEqual([CHAT_LABEL]);
    for (const l of labels) {
      expect(l.color).toMatch(/^[0-9a-f]{6}$/);
      expect(l.description.length).toBeLessThanOrEqual(100);
    }
  });

  it('names and parses labels', () => {
    expect(labelName('status', 'waiting')).toBe('status: waiting');
    expect(parseLabelName('priority: urgent')).toEqual({ group: 'priority', value: 'urgent' });
    expect(parseLabelName('bug')).toBeUndefined();
  });
});

describe('idempotency keys and references', () => {
  it('are fresh and well-formed', () => {
    const refs = new Set(Array.from({ length: 200 }, newTicketRef));
    expect(refs.size).toBe(200);
    for (const ref of refs) expect(isTicketRef(ref)).toBe(true);
    expect(isIdempotencyKey(newIdempotencyKey())).toBe(true);
    expect(isTicketRef('T-ILOU0000')).toBe(false);
  });
});

describe('email sealing', () => {
  const keys = deriveEmailKeys('a-session-secret-of-at-least-32-chars!');

  it('seals with AES-GCM so only the same key opens it, and each seal differs', () => {
    const a = sealEmail('Alice@Example.com', keys);
    expect(a).not.toContain('alice');
    expect(a).not.toBe(sealEmail('alice@example.com', keys));
    expect(unsealEmail(a, keys)).toBe('alice@example.com');
    expect(unsealEmail(a, deriveEmailKeys('another-secret-of-at-least-32-chars!!'))).toBeUndefined();
    const tampered = `${a.slice(0, -2)}${a.endsWith('A') ? 'B' : 'A'}A`;
    expect(unsealEmail(tampered, keys)).toBeUndefined();
  });

  it('gives a stable keyed pseudonym per normalised email', () => {
    expect(customerIdFor(' Alice@example.COM', keys)).toBe(customerIdFor('alice@example.com', keys));
    expect(customerIdFor('alice@example.com', keys)).not.toBe(customerIdFor('alice@example.com', deriveEmailKeys('x'.repeat(32))));
    expect(customerIdFor('alice@example.com', keys)).toMatch(/^c-[0-9a-f]{16}$/);
  });
});
