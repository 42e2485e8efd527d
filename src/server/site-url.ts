import type { Config } from '../config/config-schema.ts';
import type { Env } from './env.ts';

/**
 * What `siteUrl` defaulted to before an unset one meant "where the server listens". Config files copied from the
 * example still say it; taken literally it sends every mail link to port 4321 of the reader's own machine, so it
 * counts as unset.
 */
export const FORMER_DEFAULT_SITE_URL = 'http://localhost:4321';

/** The origin every link in mail starts with, and where it came from (for the log). */
export interface SiteUrl {
  /** An origin without a trailing slash, e.g. `https://help.example.com`. */
  url: string;
  /** `config`: the config file's `siteUrl`; `listening`: unset there, so where this server listens. */
  source: 'config' | 'listening';
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/**
 * Where this server listens, as a program on this machine reaches it: HOST and PORT, which the Node adapter
 * listens on. Taken from the environment, never from a request's Host header, which a client chooses.
 */
export function listeningOrigin(env: Pick<Env, 'HOST' | 'PORT'>): string {
  const host = !env.HOST || env.HOST === '0.0.0.0' ? (env.HOST ? '127.0.0.1' : 'localhost') : env.HOST === '::' ? '[::1]' : env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
  return `http://${host}:${env.PORT ?? 4321}`;
}

/** The links' origin: the config file's `siteUrl` when it says something, else where this server listens. */
export function resolveSiteUrl(config: Pick<Config, 'siteUrl'>, env: Pick<Env, 'HOST' | 'PORT'>): SiteUrl {
  if (config.siteUrl === undefined || config.siteUrl === FORMER_DEFAULT_SITE_URL) return { url: listeningOrigin(env), source: 'listening' };
  return { url: config.siteUrl, source: 'config' };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Whether two origins lead to the same site: equal, or both loopback on one port (localhost and 127.0.0.1 alike). */
function sameSite(a: string, b: string): boolean {
  if (a === b) return true;
  const x = new URL(a);
  const y = new URL(b);
  return x.protocol === y.protocol && x.port === y.port && isLoopback(x.hostname) && isLoopback(y.hostname);
}

/** How the log names the links' origin and where it came from. */
function describe(siteUrl: SiteUrl, configFile: string): string {
  return siteUrl.source === 'config'
    ? `mail links use ${siteUrl.url} (siteUrl in ${configFile})`
    : `siteUrl in ${configFile} is unset (or still ${FORMER_DEFAULT_SITE_URL}), so mail links use where this server listens, ${siteUrl.url}`;
}

/**
 * What start-up can tell is wrong with the links' origin without a visitor: links to this machine that only this
 * machine can open, or that name a port this server does not listen on. A remote `siteUrl` is never questioned
 * here: a proxy may well stand in front.
 */
export function siteUrlWarnings(siteUrl: SiteUrl, env: Pick<Env, 'HOST' | 'PORT'>, configFile: string): string[] {
  const listening = listeningOrigin(env);
  const everyInterface = env.HOST !== undefined && WILDCARD_HOSTS.has(env.HOST);
  if (siteUrl.source === 'listening')
    return everyInterface
      ? [
          `helpdesk: ${describe(siteUrl, configFile)}, which opens only on this machine although the server listens on every interface (HOST=${env.HOST}). Set "siteUrl" in ${configFile} to the address visitors use, e.g. "https://help.example.com".`,
        ]
      : [];
  const url = new URL(siteUrl.url);
  if (!isLoopback(url.hostname)) return [];
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const reachable = (everyInterface || isLoopback(new URL(listening).hostname)) && port === String(env.PORT ?? 4321);
  return reachable
    ? []
    : [
        `helpdesk: ${describe(siteUrl, configFile)}, but this server listens on ${listening}: unless a proxy on this machine forwards one to the other, those links lead nowhere. Set "siteUrl" in ${configFile} to the address visitors use, or remove it to use where the server listens.`,
      ];
}

function originOf(value: string | null): string | undefined {
  if (!value || !URL.canParse(value)) return undefined;
  return new URL(value).origin;
}

// Distinct origins warned about per process: enough that a forged request cannot hide the real one, few enough to never flood the log.
const MAX_WARNINGS = 5;

/**
 * Watches how browsers reach the site and warns (once per origin) when it is not where mail links point. Only a
 * request whose page origin (Origin, else Referer) names the host it was addressed to counts: that is a visitor on
 * the site itself. The scheme may differ, as behind a proxy that ends TLS and keeps Host; the page's is the one
 * visitors use. A cross-site page, a proxy that rewrites Host, a health check without either header: none says
 * where visitors are, so none warns.
 */
export function createSiteUrlCheck(siteUrl: SiteUrl, configFile: string, log: Pick<Console, 'warn'> = console): (request: Request) => void {
  const warned = new Set<string>();
  return (request) => {
    if (warned.size >= MAX_WARNINGS) return;
    const source = originOf(request.headers.get('origin')) ?? originOf(request.headers.get('referer'));
    if (source === undefined || warned.has(source) || new URL(source).host !== new URL(request.url).host || sameSite(source, siteUrl.url)) return;
    warned.add(source);
    log.warn(
      `helpdesk: a browser reached this site at ${source}, but ${describe(siteUrl, configFile)}: whoever opens those links lands elsewhere. If ${source} is the site's public address, set "siteUrl": "${source}" in ${configFile} and restart.`,
    );
  };
}
