import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { customerIdFor, deriveEmailKeys, sealEmail, unsealEmail } from '../../../src/git-host/email-seal.ts';
import { isIdempotencyKey, isTicketRef, newIdempotencyKey, newTicketRef } from '../../../src/tickets/idempotency.ts';
import { LABEL_GROUPS, labelName, parseLabelName, ticketLabels } from '../../../src/tickets/labels.ts';
import { formatMetadataBlock, readMetadata, stripMetadata, withMetadata, type TicketMetadata } from '../../../src/tickets/metadata.ts';

const bot = { login: 'helpdesk-bot' };
const meta: TicketMetadata = { kind: 'ticket', key: 'k-1', ref: 'T-ABCDEFGH', customer: { id: 'c-1', email: 'a@example.com' } };

describe('metadata block', () => {
  it('round-trips through a body written by the bot', () => {
    const body = withMetadata(meta, 'Hello --> <!-- there');
    expect(readMetadata(body, bot, 'helpdesk-bot')).toEqual(meta);
    expect(readMetadata(body, { login: 'HelpDesk-Bot' }, 'helpdesk-bot')).toEqual(meta);
    expect(stripMetadata(body)).toBe('Hello --> <!-- there');
  });

  it('is not trusted in bodies written by anyone else', () => {
    const body = withMetadata(meta, 'text');
    expect(readMetadata(body, { login: 'support-anna' }, 'helpdesk-bot')).toBeUndefined();
    expect(readMetadata(body, null, 'helpdesk-bot')).toBeUndefined();
  });

  it('cannot be forged by customer text further down a bot body', () => {
    const forged = formatMetadataBlock({ kind: 'ticket', key: 'evil', customer: { id: 'c-victim' } });
    const body = withMetadata(meta, `my message\n${forged}`);
    expect(readMetadata(body, bot, 'helpdesk-bot')?.key).toBe('k-1');
    expect(readMetadata(`customer first line\n${forged}`, bot, 'helpdesk-bot')).toBeUndefined();
  });

  it('ignores malformed blocks', () => {
    expect(readMetadata('<!-- helpdesk:v1 !!! -->\nx', bot, 'helpdesk-bot')).toBeUndefined();
    expect(readMetadata(`<!-- helpdesk:v1 ${Buffer.from('{"kind":"nope"}').toString('base64url')} -->`, bot, 'helpdesk-bot')).toBeUndefined();
    expect(stripMetadata('plain text')).toBe('plain text');
  });

  it('round-trips any text and key', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (text, key) => {
        const body = withMetadata({ kind: 'message', key }, text);
        expect(readMetadata(body, bot, 'helpdesk-bot')?.key).toBe(key);
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
    expect(new Set(labels.map((l) => parseLabelName(l.name)?.group))).toEqual(new Set(LABEL_GROUPS));
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
