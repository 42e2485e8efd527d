import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUrl, loginFromCode, OAuthError, webOriginFor, type OAuthClient } from '../../../src/git-host/oauth.ts';
import { issueWebUrl } from '../../../src/git-host/web-origin.ts';
import { issueWebUrl as staffIssueUrl } from '../../../src/staff/workspace.ts';

// github.com cannot be reached here: a stand-in on loopback answers the three OAuth and REST calls.
let server: Server;
let client: OAuthClient;
const seen: { path: string; auth: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization, body });
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/login/oauth/access_token') {
        const { code } = JSON.parse(body) as { code: string };
        res.end(JSON.stringify(code === 'good-code' ? { access_token: 'user-token', token_type: 'bearer' } : { error: 'bad_verification_code' }));
      } else if (req.url === '/api/v3/user') {
        res.statusCode = req.headers.authorization === 'Bearer user-token' ? 200 : 401;
        res.end(JSON.stringify({ login: 'octo-maintainer' }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  client = { clientId: 'client-1', clientSecret: 'secret-1', webOrigin: origin, apiBaseUrl: `${origin}/api/v3` };
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('staff sign-in with GitHub', () => {
  it('knows where GitHub and GitHub Enterprise Server serve the sign-in', () => {
    expect(webOriginFor('https://api.github.com')).toBe('https://github.com');
    expect(webOriginFor('https://git.example.com/api/v3')).toBe('https://git.example.com');
    const url = new URL(authorizeUrl(client, 'https://help.example.com/staff/oauth/callback', 'state-1'));
    expect(url.pathname).toBe('/login/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: 'client-1', redirect_uri: 'https://help.example.com/staff/oauth/callback', state: 'state-1', allow_signup: 'false' });
  });

  it('turns the code into the user login, using the user token only to ask who they are', async () => {
    expect(await loginFromCode(client, 'good-code', 'https://help.example.com/cb')).toBe('octo-maintainer');
    expect(seen.find((r) => r.path === '/login/oauth/access_token')?.body).toContain('"client_secret":"secret-1"');
    expect(seen.find((r) => r.path === '/api/v3/user')?.auth).toBe('Bearer user-token');
  });

  it('refuses a bad code with a message for the sign-in page', async () => {
    await expect(loginFromCode(client, 'stolen-code', 'https://help.example.com/cb')).rejects.toThrow(OAuthError);
  });
});

describe('web links from gitHost.baseUrl', () => {
  it.each([
    ['github.com', 'https://api.github.com', 'https://github.com'],
    ['github.com, trailing slash', 'https://api.github.com/', 'https://github.com'],
    ['GHE.com (data residency)', 'https://api.octocorp.ghe.com', 'https://octocorp.ghe.com'],
    ['GHE.com, upper case', 'https://API.Octocorp.GHE.com/', 'https://octocorp.ghe.com'],
    ['GitHub Enterprise Server', 'https://git.example.com/api/v3', 'https://git.example.com'],
    ['GitHub Enterprise Server on a port', 'https://git.example.com:8443/api/v3', 'https://git.example.com:8443'],
  ])('%s: %s → %s', (_name, apiBaseUrl, web) => {
    expect(webOriginFor(apiBaseUrl)).toBe(web);
    expect(issueWebUrl(apiBaseUrl, 'acme/support', 7)).toBe(`${web}/acme/support/issues/7`);
    expect(new URL(authorizeUrl({ ...client, webOrigin: webOriginFor(apiBaseUrl) }, 'https://help.example.com/cb', 's')).origin).toBe(web);
  });

  it('gives the staff pages the same issue links, and none for the embedded host', () => {
    expect(staffIssueUrl({ baseUrl: 'https://api.octocorp.ghe.com', repository: 'acme/support' }, 3)).toBe('https://octocorp.ghe.com/acme/support/issues/3');
    expect(staffIssueUrl({ baseUrl: 'https://git.example.com/api/v3', repository: 'acme/support' }, 3)).toBe('https://git.example.com/acme/support/issues/3');
    expect(staffIssueUrl({ baseUrl: undefined, repository: 'local/support' }, 3)).toBeUndefined();
  });
});
