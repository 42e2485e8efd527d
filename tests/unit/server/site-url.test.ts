import { describe, expect, it } from 'vitest';
import { createSiteUrlCheck, listeningOrigin, resolveSiteUrl, siteUrlWarnings, type SiteUrl } from '../../../src/server/site-url.ts';

const FILE = 'helpdesk.config.json';

describe('resolveSiteUrl', () => {
  it.each([
    ['unset', undefined],
    ['still the former default', 'http://localhost:4321'],
  ])('uses where the server listens when siteUrl is %s', (_case, siteUrl) => {
    expect(resolveSiteUrl({ siteUrl }, { HOST: '127.0.0.1', PORT: 8080 })).toEqual({ url: 'http://127.0.0.1:8080', source: 'listening' });
  });

  it('keeps a siteUrl the config file sets', () => {
    expect(resolveSiteUrl({ siteUrl: 'https://help.example.com' }, { HOST: '127.0.0.1', PORT: 8080 })).toEqual({ url: 'https://help.example.com', source: 'config' });
  });

  it.each([
    [{ HOST: undefined }, 'http://localhost:4321'],
    [{ HOST: '0.0.0.0', PORT: 3000 }, 'http://127.0.0.1:3000'],
    [{ HOST: '::', PORT: 3000 }, 'http://[::1]:3000'],
    [{ HOST: 'fe80::1', PORT: 3000 }, 'http://[fe80::1]:3000'],
    [{ HOST: 'help.internal', PORT: 80 }, 'http://help.internal:80'],
  ])('names where the server listens for %o', (env, expected) => {
    expect(listeningOrigin(env)).toBe(expected);
  });
});

describe('siteUrlWarnings at start-up', () => {
  it('says that links to the listening address open only on this machine when the server listens on every interface', () => {
    const [warning, ...more] = siteUrlWarnings(resolveSiteUrl({}, { HOST: '0.0.0.0', PORT: 4321 }), { HOST: '0.0.0.0', PORT: 4321 }, FILE);
    expect(more).toEqual([]);
    expect(warning).toContain('siteUrl in helpdesk.config.json is unset (or still http://localhost:4321)');
    expect(warning).toContain('http://127.0.0.1:4321, which opens only on this machine');
    expect(warning).toContain('Set "siteUrl" in helpdesk.config.json');
  });

  it('names a loopback siteUrl on another port than the server', () => {
    const warnings = siteUrlWarnings(resolveSiteUrl({ siteUrl: 'http://localhost:3000' }, { HOST: '127.0.0.1', PORT: 4321 }), { HOST: '127.0.0.1', PORT: 4321 }, FILE);
    expect(warnings).toEqual([
      'helpdesk: mail links use http://localhost:3000 (siteUrl in helpdesk.config.json), but this server listens on http://127.0.0.1:4321: unless a proxy on this machine forwards one to the other, those links lead nowhere. Set "siteUrl" in helpdesk.config.json to the address visitors use, or remove it to use where the server listens.',
    ]);
  });

  it.each([
    ['a public siteUrl (a proxy may stand in front)', { siteUrl: 'https://help.example.com' }, { HOST: '127.0.0.1', PORT: 4321 }],
    ['a loopback siteUrl on the port the server listens on', { siteUrl: 'http://127.0.0.1:4321' }, { HOST: 'localhost', PORT: 4321 }],
    ['a loopback siteUrl while the server listens everywhere on that port', { siteUrl: 'http://localhost:8080' }, { HOST: '0.0.0.0', PORT: 8080 }],
    ['the listening address of a loopback server', {}, { HOST: '127.0.0.1', PORT: 4321 }],
  ])('says nothing about %s', (_case, config, env) => {
    expect(siteUrlWarnings(resolveSiteUrl(config, env), env, FILE)).toEqual([]);
  });
});

describe('createSiteUrlCheck: how browsers arrive', () => {
  const siteUrl: SiteUrl = { url: 'http://127.0.0.1:4321', source: 'listening' };
  const request = (url: string, headers: Record<string, string>) => new Request(url, { method: 'POST', headers });
  const checked = (site: SiteUrl, ...requests: Request[]) => {
    const warnings: string[] = [];
    const check = createSiteUrlCheck(site, FILE, { warn: (message: string) => warnings.push(message) });
    for (const r of requests) check(r);
    return warnings;
  };

  it('warns once, naming the key and the address browsers use, when they reach the site elsewhere', () => {
    const arrived = request('http://help.example.com/tickets/new', { origin: 'https://help.example.com' });
    expect(checked(siteUrl, arrived, arrived)).toEqual([
      'helpdesk: a browser reached this site at https://help.example.com, but siteUrl in helpdesk.config.json is unset (or still http://localhost:4321), so mail links use where this server listens, http://127.0.0.1:4321: whoever opens those links lands elsewhere. If https://help.example.com is the site\'s public address, set "siteUrl": "https://help.example.com" in helpdesk.config.json and restart.',
    ]);
  });

  it('reads the Referer when there is no Origin', () => {
    const [warning] = checked({ url: 'https://help.example.com', source: 'config' }, new Request('http://support.example.org/tickets', { headers: { referer: 'http://support.example.org/' } }));
    expect(warning).toContain('a browser reached this site at http://support.example.org, but mail links use https://help.example.com (siteUrl in helpdesk.config.json)');
  });

  it.each([
    ['the address mail links use', request('http://127.0.0.1:4321/tickets/new', { origin: 'http://127.0.0.1:4321' })],
    ['another loopback name for it', request('http://localhost:4321/tickets/new', { origin: 'http://localhost:4321' })],
    ['a cross-site page', request('http://127.0.0.1:4321/tickets/new', { origin: 'https://evil.example' })],
    ['a proxy that rewrites Host', request('http://127.0.0.1:4321/tickets/new', { origin: 'https://help.example.com' })],
    ['a request without Origin or Referer', request('http://help.example.com/tickets/new', {})],
    ['an opaque Origin', request('http://help.example.com/tickets/new', { origin: 'null' })],
  ])('stays quiet for %s', (_case, r) => {
    expect(checked(siteUrl, r)).toEqual([]);
  });
});
