import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/server/config.ts';

const minimal = { categories: [{ id: 'orders', title: { en: 'Orders' } }] };

function errorOf(input: unknown): string {
  try {
    parseConfig(typeof input === 'string' ? input : JSON.stringify(input), 'helpdesk.config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('accepts the shipped config file', () => {
    const config = parseConfig(readFileSync('helpdesk.config.json', 'utf8'));
    expect(config.features.knowledgebase).toBe(true);
    expect(config.categories.map((c) => c.id)).toContain('shipping');
  });

  it('fills defaults for everything optional', () => {
    const config = parseConfig(JSON.stringify(minimal));
    expect(config.features).toEqual({ knowledgebase: true, tickets: true, guests: true, ratings: true, customerPriority: false, customerClose: true, insights: true, chat: true });
    expect(config.ticketTypes).toEqual(['question', 'problem', 'complaint', 'order']);
    expect(config.limits.messageMax).toBeLessThan(65_536);
  });

  it.each([
    ['a misspelt key', { ...minimal, feautres: {} }, 'helpdesk.config.json: (top level): Unrecognized key: "feautres"'],
    ['a wrong type', { ...minimal, features: { tickets: 'yes' } }, 'helpdesk.config.json: features.tickets: Invalid input: expected boolean, received string (got "yes")'],
    ['a bad category id', { categories: [{ id: 'Big Orders', title: { en: 'x' } }] }, 'categories.0.id: use lowercase letters, digits and dashes'],
    ['a supporter with an unknown category', { ...minimal, supporters: [{ login: 'a', categories: ['shipping'] }] }, 'supporters.0.categories.0: unknown category "shipping"; valid choices: orders'],
    ['a bad repository', { ...minimal, gitHost: { repository: 'just-a-name' } }, 'gitHost.repository: write it as owner/name'],
    ['no categories', {}, 'categories: Invalid input: expected array'],
  ])('names the key for %s', (_kind, input, expected) => {
    expect(errorOf(input)).toContain(expected);
  });

  it.each([
    ['another scheme', 'ftp://help.example.com', 'siteUrl: must be an absolute http:// or https:// address, e.g. "https://help.example.com" (got "ftp://help.example.com")'],
    ['no scheme', 'help.example.com', 'siteUrl: must be an absolute http:// or https:// address'],
    ['a path', 'https://help.example.com/support', 'siteUrl: must be the site\'s origin only, e.g. "https://help.example.com": no path, query, #fragment or user name'],
    ['a query', 'https://help.example.com/?utm=mail', "siteUrl: must be the site's origin only"],
    ['a fragment', 'https://help.example.com#top', "siteUrl: must be the site's origin only"],
  ])('refuses a siteUrl with %s', (_kind, siteUrl, expected) => {
    expect(errorOf({ ...minimal, siteUrl })).toContain(`helpdesk.config.json: ${expected}`);
  });

  it('keeps only the origin of a siteUrl, and leaves it unset by default', () => {
    expect(parseConfig(JSON.stringify({ ...minimal, siteUrl: 'https://help.example.com/' })).siteUrl).toBe('https://help.example.com');
    expect(parseConfig(JSON.stringify(minimal)).siteUrl).toBeUndefined();
  });

  it('names a staff account whose hash is a plain password without repeating the password', () => {
    const message = errorOf({ ...minimal, staffAccounts: [{ login: 'anna', passwordHash: 'hunter2 is my password' }] });
    expect(message).toContain('staffAccounts.0.passwordHash: must be a hash written by `npm run staff:add`, not a plain password');
    expect(message).not.toContain('hunter2');
  });

  it('says where JSON syntax breaks and how to fix it', () => {
    expect(errorOf('{ "categories": [], }')).toMatch(/not valid JSON: .*trailing comma/);
  });
});
