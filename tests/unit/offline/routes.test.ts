import { describe, expect, it } from 'vitest';
import { isCacheablePageUrl, isCacheableResponse, isPrivatePath } from '../../../src/offline/routes.ts';

describe('isPrivatePath', () => {
  it.each([
    '/staff',
    '/staff/signin',
    '/tickets',
    '/tickets/',
    '/tickets/new',
    '/tickets/T-42/files/a.png',
    '/api/tickets/T-1',
    '/api/suggest',
    '/Tickets/new',
    '//tickets/new',
    '/%74ickets/new',
    '/api',
  ])('%s is private', (path) => {
    expect(isPrivatePath(path)).toBe(true);
  });

  it.each(['/', '/articles/tickets-explained/', '/ticketsfaq/', '/apidocs/', '/de/categories/orders/', '/offline/', '/%E0%A4%A'])('%s is not', (path) => {
    expect(isPrivatePath(path)).toBe(false);
  });
});

describe('isCacheablePageUrl', () => {
  it.each([
    ['/articles/stuck-zipper/', '', true],
    ['/de/', '', true],
    ['/', '', true],
    ['/categories/orders/', '', true],
    ['/de/categories/orders/', '', true],
    ['/search', '?q=zipper', false],
    ['/staff/', '', false],
    ['/some-future-route/', '', false],
    ['/articles/x/comments/', '', false],
    ['/search', '', false],
    ['/articles/stuck-zipper/', '?utm_source=mail', false],
    ['/tickets/new', '', false],
  ])('%s%s: %s', (pathname, search, expected) => {
    expect(isCacheablePageUrl({ pathname, search })).toBe(expected);
  });
});

describe('isCacheableResponse', () => {
  it.each([
    [{ status: 200, type: 'basic', cacheControl: null }, true],
    [{ status: 200, type: 'basic', cacheControl: 'public, max-age=0' }, true],
    [{ status: 200, type: 'basic', cacheControl: 'private, no-store' }, false],
    [{ status: 200, type: 'basic', cacheControl: 'No-Store' }, false],
    [{ status: 200, type: 'basic', cacheControl: 'private' }, false],
    [{ status: 404, type: 'basic', cacheControl: null }, false],
    [{ status: 200, type: 'opaque', cacheControl: null }, false],
    [{ status: 200, type: 'cors', cacheControl: null }, false],
  ])('%o: %s', (response, expected) => {
    expect(isCacheableResponse(response)).toBe(expected);
  });
});
