import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openGitHost } from '../git-host/index.ts';
import { createMailTransport } from '../mail/transport.ts';
import { openOutbox } from '../outbox/index.ts';
import { createDesk } from '../tickets/desk-service.ts';
import { loadConfig } from './config.ts';
import { createCustomerAccess } from './customer-access.ts';
import { loadEnv } from './env.ts';
import { createRateLimits, limitsFromConfig } from './rate-limits.ts';
import type { Services } from './services.ts';
import { readSitePaths } from './site-paths.ts';
import { createUsedLinks } from './used-links.ts';
import { createStaffAccess } from './staff-access.ts';
import { createWorkspace } from '../staff/workspace.ts';

/**
 * The server secret: SESSION_SECRET when set; otherwise one generated on first start and kept in the
 * data folder, so `npm start` needs no setup and links survive restarts. Several instances must share
 * SESSION_SECRET instead.
 */
export function serverSecret(dataDir: string, configured: string | undefined): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'secrets', 'session-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const secret = randomBytes(32).toString('hex');
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}

export interface RunningServices extends Services {
  close(): Promise<void>;
}

/** Builds every service from the config file and the environment: the one place that wires them. */
export async function createServices(): Promise<RunningServices> {
  const env = loadEnv();
  const config = loadConfig(readSitePaths().configFile);
  const secret = serverSecret(env.DATA_DIR, env.SESSION_SECRET);
  // Reads are conditional (ETag), so a short memory cache keeps replies fresh at no rate-limit cost;
  // retries stay short (0.25 s, 1 s, 2.25 s) so a visitor hears of an outage in seconds, not minutes.
  const opened = await openGitHost({ config, env: { ...env, SESSION_SECRET: secret }, tuning: { cacheTtlMs: 5_000, retryBaseMs: 250, requestTimeoutMs: 10_000 } });
  const outbox = await openOutbox({ dir: path.join(env.DATA_DIR, 'outbox'), host: opened.host });
  outbox.start();
  const mail = createMailTransport({ from: config.mailFrom, smtpUrl: env.SMTP_URL, mailDir: path.join(env.DATA_DIR, 'mail') });
  const access = createCustomerAccess({ secret, usedLinks: createUsedLinks(path.join(env.DATA_DIR, 'used-links.jsonl')) });
  const desk = createDesk({ config, host: opened.host, outbox, mail, access, siteUrl: config.siteUrl });
  console.info(`helpdesk: tickets on ${opened.localHost ? `the embedded local issue host at ${opened.localHost.url}` : config.gitHost.baseUrl} (${config.gitHost.repository}); mail to ${mail.description}`);
  return {
    config,
    desk,
    access,
    rateLimits: createRateLimits(limitsFromConfig(config.abuse)),
    staffAccess: createStaffAccess({ secret, config }),
    workspace: createWorkspace({ config, host: opened.host }),
    siteUrl: config.siteUrl,
    async close() {
      await outbox.close();
      await opened.close();
    },
  };
}

let services: Promise<RunningServices> | undefined;

/** The process's services, built on first use; a failed start is retried on the next request. */
export function getServices(): Promise<RunningServices> {
  services ??= createServices().catch((error: unknown) => {
    services = undefined;
    throw error;
  });
  return services;
}
