import { describe, expect, it } from 'vitest';
import { ConfigSchema, LABEL_NAME_MAX } from '../../../src/config/config-schema.ts';
import { parseConfig } from '../../../src/server/config.ts';
import { ticketLabels } from '../../../src/tickets/labels.ts';

const category = (id: string, en = 'Orders') => ({ id, title: { en } });

describe('label names within GitHub’s 50 characters', () => {
  it('refuses a ticket type or category id whose label would be longer, naming the key and the longest allowed', () => {
    const type = 'a'.repeat(45);
    const id = 'b'.repeat(41);
    expect(() => parseConfig(JSON.stringify({ categories: [category('orders'), category(id)], ticketTypes: ['question', type] }))).toThrowError(
      [
        'helpdesk.config.json has 2 problem(s):',
        `helpdesk.config.json: ticketTypes.1: makes the label "type: ${type}" 51 characters long, and GitHub refuses label names over 50; shorten it to at most 44 characters (got "${type}")`,
        `helpdesk.config.json: categories.1.id: makes the label "category: ${id}" 51 characters long, and GitHub refuses label names over 50; shorten it to at most 40 characters (got "${id}")`,
      ].join('\n'),
    );
  });

  it('accepts names of exactly 50 characters, and every label then fits', () => {
    const config = ConfigSchema.parse({ categories: [category('c'.repeat(40))], ticketTypes: ['t'.repeat(44)] });
    expect(Math.max(...ticketLabels(config).map((l) => l.name.length))).toBe(LABEL_NAME_MAX);
  });

  it('cuts a long category title to GitHub’s 100-character label description', () => {
    const [label] = ticketLabels({ ticketTypes: [], categories: [{ ...category('long', 'Returns '.repeat(20)), description: {} }] }).filter((l) => l.name === 'category: long');
    expect(label?.description).toHaveLength(100);
    expect(label?.description).toMatch(/^Category: Returns Returns .*…$/);
  });
});
