import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { botToken, findRunningLocalHost, loadLocalHostCredentials, startLocalHost, TOKENS_FILE, type LocalHost } from '../local-host/index.ts';
import type { Config } from '../config/config-schema.ts';
import { envToCredentials, type Env } from './env.ts';
import type { ServerSecrets } from './secrets.ts';
import { createGitHost, type GitHost, type GitHostOptions } from '../git-host/git-host.ts';
import { checkCredentials, checkGitHost, GitHostStartupError, type StartupProblem, type StartupReport } from '../git-host/startup.ts';
import { ticketLabels } from '../tickets/labels.ts';

export interface OpenedGitHost {
  host: GitHost;
  /** The embedded local issue host, when this process started it. */
  localHost: LocalHost | undefined;
  report: StartupReport;
  close(): Promise<void>;
}

/**
 * Wires the adapter for a composition root: GitHub (or GHES) when `gitHost.baseUrl` is set, otherwise the
 * embedded local issue host on `DATA_DIR/local-host` (reusing one another process already runs there), as
 * its bot account with the token generated for this installation in `DATA_DIR/local-host/tokens.json`.
 * Runs the start-up checks (which sync the ticket labels, proving the identity may write), logs their warnings,
 * and throws a GitHostStartupError listing every problem and its fix.
 */
export async function openGitHost(input: {
  config: Pick<Config, 'gitHost' | 'ticketTypes' | 'categories' | 'supporters' | 'attachments'>;
  env: Pick<Env, 'DATA_DIR' | 'LOCAL_HOST_PORT' | 'SESSION_SECRET' | 'EMAIL_ENCRYPTION_KEY' | 'GITHUB_TOKEN' | 'GITHUB_APP_ID' | 'GITHUB_APP_PRIVATE_KEY' | 'GITHUB_APP_INSTALLATION_ID'>;
  tuning?: Partial<Pick<GitHostOptions, 'intervalsMs' | 'log' | 'cacheTtlMs' | 'retryBaseMs' | 'requestTimeoutMs' | 'attachmentLinks' | 'metadataMemory'>>;
  /** Problems that do not matter to this caller (e.g. setup:labels stores no emails). */
  ignore?: StartupProblem['code'][];
  /** The server's secrets (loadServerSecrets), for callers that read or write ticket metadata. */
  secrets?: Pick<ServerSecrets, 'session' | 'metadataSignedSince'>;
}): Promise<OpenedGitHost> {
  const { gitHost } = input.config;
  const emailSecret = input.env.EMAIL_ENCRYPTION_KEY ?? input.env.SESSION_SECRET;
  // Metadata blocks are signed with a key derived from the server secret (the one the site uses).
  // A caller without them (label set-up) neither trusts nor writes metadata: a key of its own is enough.
  const metadata = {
    metadataSecret: input.secrets?.session ?? input.env.SESSION_SECRET ?? randomBytes(32).toString('hex'),
    legacyMetadataBefore: input.secrets?.metadataSignedSince,
  };
  let localHost: LocalHost | undefined;
  let options: GitHostOptions;
  if (gitHost.baseUrl === undefined) {
    const dataDir = join(input.env.DATA_DIR, 'local-host');
    let url = findRunningLocalHost(dataDir);
    let token: string;
    if (url) {
      // Another process runs it (`npm run local-host`): its token file is there already.
      token = botToken(loadLocalHostCredentials(dataDir, { create: false }));
    } else {
      const repositories = [...new Set([gitHost.repository, gitHost.attachments.repository ?? gitHost.repository])].map((fullName) => ({ fullName, private: true }));
      localHost = await startLocalHost({ dataDir, repositories, ...(input.env.LOCAL_HOST_PORT !== undefined ? { port: input.env.LOCAL_HOST_PORT } : {}) });
      url = localHost.url;
      try {
        token = botToken({ users: localHost.users, file: join(dataDir, TOKENS_FILE) });
      } catch (error) {
        await localHost.close();
        throw error;
      }
    }
    // The local host has no secondary limits worth pacing for.
    options = {
      baseUrl: url,
      auth: { kind: 'token', token },
      repository: gitHost.repository,
      attachments: gitHost.attachments,
      intervalsMs: { write: 0, notification: 0 },
      emailSecret,
      ...metadata,
      ...input.tuning,
    };
  } else {
    const credentials = envToCredentials(input.env as Env);
    const missing = checkCredentials(gitHost.baseUrl, credentials);
    if (missing.length > 0 || credentials.kind === 'none') throw new GitHostStartupError(missing);
    options = { baseUrl: gitHost.baseUrl, auth: credentials, repository: gitHost.repository, attachments: gitHost.attachments, emailSecret, ...metadata, ...input.tuning };
    // GitHub (and GHE) show the attachments branch in their web UI: the issue links there too.
    if (options.attachmentLinks) options.attachmentLinks = { ...options.attachmentLinks, web: true };
  }
  const host = createGitHost(options);
  const close = async () => {
    await localHost?.close();
  };
  let report: StartupReport;
  try {
    report = await checkGitHost(host, {
      baseUrl: options.baseUrl,
      authKind: options.auth.kind,
      attachments: gitHost.attachments,
      emailSecretSet: emailSecret !== undefined,
      labels: ticketLabels(input.config),
      supporters: input.config.supporters.map((s) => s.login),
      attachmentsEnabled: input.config.attachments.maxCount > 0,
    });
  } catch (error) {
    await close();
    throw error;
  }
  if (report.problems.some((p) => p.severity === 'error' && !input.ignore?.includes(p.code))) {
    await close();
    throw new GitHostStartupError(report.problems.filter((p) => p.severity === 'error'));
  }
  const log = input.tuning?.log ?? console;
  for (const problem of report.problems) if (problem.severity === 'warning') log.warn(`git-host: ${problem.message}`);
  return { host, localHost, report, close };
}
