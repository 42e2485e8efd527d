import path from 'node:path';
import { openGitHost } from './open-git-host.ts';
import { DEFAULT_MAIL_TEMPLATES } from '../mail/default-templates.ts';
import { openMailQueue } from '../mail/mail-queue.ts';
import { loadMailTemplates } from '../mail/render-template.ts';
import { createMailTransport } from '../mail/transport.ts';
import { openDatabase, type Database } from '../store/database.ts';
import { importWorkflowJournals } from '../store/import-workflow-journals.ts';
import { openOutbox } from '../outbox/index.ts';
import { createDesk } from '../desk/desk-service.ts';
import { openWorkflow } from '../workflow/index.ts';
import { startReadModelBuild } from '../workflow/read-model.ts';
import { loadConfig } from './config.ts';
import { watchConfigFile } from './config-reload.ts';
import { createLiveViews } from './live-views.ts';
import { createChat } from './chat.ts';
import { followTicketChanges } from './ticket-change-feed.ts';
import { followPresence } from './presence.ts';
import { staffDisplayName } from '../tickets/display.ts';
import { loadSavedReplies, savedRepliesDir } from '../staff/saved-replies.ts';
import { createCustomerAccess } from './customer-access.ts';
import { loadEnv } from './env.ts';
import { scriptedClock, systemClock } from './clock.ts';
import { createRateLimits, limitsFromConfig } from './rate-limits.ts';
import type { Services } from './services.ts';
import { giveWayToForeground } from './foreground.ts';
import { loadServerSecrets } from './secrets.ts';
import { readSitePaths } from './site-paths.ts';
import { createUsedLinks } from './used-links.ts';
import { createRevokedSessions } from './revoked-sessions.ts';
import { createStaffAccess } from './staff-access.ts';
import { createStaffOAuth } from './staff-oauth.ts';
import { createSiteUrlCheck, listeningOrigin, resolveSiteUrl, siteUrlWarnings } from './site-url.ts';
import { createWorkspace, staffAttachmentUrl } from '../staff/workspace.ts';
import { createConversations } from '../staff/conversations.ts';
import { addressVerifiedAt } from '../store/verified-addresses.ts';
import { createStoredMetadataMemory } from '../store/verified-metadata.ts';
import { deriveKey } from '../tickets/access-token.ts';
import { createInsights } from '../insights/insights.ts';
import { articleRefs } from './knowledgebase.ts';
import { anonymousClientKey } from './insights-requests.ts';
import { createPrivacyService } from './privacy.ts';

function staffFileUrl(site: string, path: string): string | undefined {
  const page = staffAttachmentUrl(path);
  return page && `${site}${page}`;
}

export interface RunningServices extends Services {
  /** The one state store every service uses; closed last. */
  database: Database;
  close(): Promise<void>;
}

/** Builds every service from the config file and the environment: the one place that wires them. */
export async function createServices(): Promise<RunningServices> {
  const env = loadEnv();
  const { configFile, contentDir } = readSitePaths();
  const config = loadConfig(configFile);
  // Every link in mail starts here; checked now, and against how browsers arrive (checkRequestOrigin).
  const siteUrl = resolveSiteUrl(config, env);
  for (const warning of siteUrlWarnings(siteUrl, env, configFile)) console.warn(warning);
  // The real clock, unless a test scripts it (an environment variable only the test's server process is started with).
  const clock = env.HELPDESK_TEST_CLOCK_FILE ? scriptedClock(env.HELPDESK_TEST_CLOCK_FILE) : systemClock;
  if (env.HELPDESK_TEST_CLOCK_FILE) console.warn(`helpdesk: the clock is scripted by HELPDESK_TEST_CLOCK_FILE (${env.HELPDESK_TEST_CLOCK_FILE}): for tests only, never in production`);
  const database = await openDatabase({ dataDir: env.DATA_DIR, databaseUrl: env.DATABASE_URL });
  // Kept in the store, so every instance on one PostgreSQL signs, seals and verifies alike.
  const secrets = await loadServerSecrets(database, env.DATA_DIR, env);
  const secret = secrets.session;
  // An installation from before the store: its workflow journal, mail queue and used links move in once.
  await importWorkflowJournals(database, env.DATA_DIR);
  const revokedSessions = createRevokedSessions(database);
  const metadataMemory = createStoredMetadataMemory(database);
  // Ticket reads stay cached until a webhook, the sweep or an own write says the issue changed (ticketCacheSeconds
  // at most); retries stay short (0.25 s, 1 s, 2.25 s) so a visitor hears of an outage in seconds, not minutes.
  const opened = await openGitHost({
    config,
    env: { ...env, SESSION_SECRET: secret },
    secrets,
    tuning: {
      cacheTtlMs: config.ticketCacheSeconds * 1000,
      retryBaseMs: 250,
      requestTimeoutMs: 10_000,
      // Staff working in the issue UI open a ticket's files from links in it, on the help centre's staff pages.
      attachmentLinks: { siteUrl: (path) => staffFileUrl(siteUrl.url, path) },
      // Each body's last verified metadata, for every ticket ever filed: in the store, not in this process's memory.
      metadataMemory,
    },
  });
  // The outbox journal of earlier releases (DATA_DIR/outbox) moves into the store once, then is renamed aside.
  // Customers first: delivery gives way to requests being answered (a little, per entry), so a burst is acknowledged fast.
  const outbox = await openOutbox({
    database,
    journalDir: path.join(env.DATA_DIR, 'outbox'),
    host: opened.host,
    retentionDays: env.OUTBOX_RETENTION_DAYS,
    giveWay: giveWayToForeground,
  });
  const heldBack = await outbox.paused();
  if (heldBack)
    console.warn(
      heldBack.kind === 'operator'
        ? `helpdesk: writes to the Git host are paused until the set-up is fixed (${heldBack.reason}); entries stay queued. After the fix: npm run outbox -- resume`
        : `helpdesk: writes to the Git host wait for its rate limit until ${new Date(heldBack.until).toISOString()}`,
    );
  outbox.start();
  const mail = createMailTransport({ from: config.mailFrom, smtpUrl: env.SMTP_URL, mailDir: path.join(env.DATA_DIR, 'mail') });
  const access = createCustomerAccess({
    secret,
    usedLinks: createUsedLinks(database),
    revokedSessions,
    addressVerifiedAt: (email) => addressVerifiedAt(database, opened.host.customerId(email)),
  });
  const mailQueue = openMailQueue({ database, transport: mail, giveWay: giveWayToForeground });
  mailQueue.start();
  const templates = loadMailTemplates(DEFAULT_MAIL_TEMPLATES, path.resolve(path.dirname(configFile), config.mailTemplatesDir));
  // The embedded host needs no setup: without WEBHOOK_SECRET it signs with a generated one.
  const webhookSecret = env.WEBHOOK_SECRET ?? (config.gitHost.baseUrl === undefined ? secrets.webhook : undefined);
  const workflow = openWorkflow({
    config,
    host: opened.host,
    mail: mailQueue,
    templates,
    signInUrl: (email, ref) => `${siteUrl.url}${access.signInPath(email, ref)}`,
    staffTicketUrl: (ticketNumber) => `${siteUrl.url}/staff/tickets/${ticketNumber}`,
    database,
    webhookSecret,
    now: clock.now,
  });
  // A scripted jump in time is what the next sweep would find: run it now, so tests need not wait for the interval.
  clock.onChange(() => void workflow.sweep().catch((error: unknown) => console.warn(`workflow: sweep failed (${(error as Error).message})`)));
  const webhookUrl = `${listeningOrigin(env)}/api/webhooks/git-host`;
  if (opened.localHost && webhookSecret) opened.localHost.setWebhook({ url: webhookUrl, secret: webhookSecret });
  else if (config.gitHost.baseUrl === undefined)
    console.warn(
      `helpdesk: the embedded issue host runs in another process; point its webhooks at ${webhookUrl} so staff changes are processed at once (the sweep catches up every ${config.sweepIntervalSeconds} s)`,
    );
  if (!webhookSecret) console.warn('helpdesk: WEBHOOK_SECRET is not set: webhooks are refused and staff changes wait for the reconciliation sweep. Set it to the secret of the repository webhook.');
  workflow.start();
  // The read model the queue, statistics, "My tickets" and the card read: built from the Git host once, in the
  // background (pages answer from what is built meanwhile); later starts find it done and read nothing.
  const readModel = startReadModelBuild({ database, host: opened.host, kindsOf: workflow.kindsOf });
  const desk = createDesk({
    config,
    host: opened.host,
    outbox,
    mail: mailQueue,
    signInPath: (email, landOn) => access.signInPath(email, landOn),
    siteUrl: siteUrl.url,
    kindsOf: workflow.kindsOf,
    onRated: workflow.ticketChanged,
    onVerified: workflow.ticketChanged,
    database,
    draftKeyMacKey: deriveKey(secret, 'draft-key'),
  });
  console.info(
    `helpdesk: tickets on ${opened.localHost ? `the embedded local issue host at ${opened.localHost.url}` : (config.gitHost.baseUrl ?? 'the embedded local issue host another process runs')} (${config.gitHost.repository}); mail to ${mail.description}, its links to ${siteUrl.url}`,
  );
  // Staff accounts and supporters follow the file; removing an account or changing its password counts at once.
  // Who is present follows the staff pages' settings in the store, for the supporters the file names.
  const presence = await followPresence({ database, config });
  const configReload = watchConfigFile({ file: configFile, config, onReload: presence.apply });
  const changeFeed = followTicketChanges({ database });
  const rateLimits = createRateLimits(database, limitsFromConfig(config.abuse));
  return {
    config,
    refreshConfig: configReload.check,
    presence,
    liveViews: createLiveViews({ database, feed: changeFeed, nameOf: (login) => staffDisplayName(config, login) }),
    // Read on each use: a few small files, and an edited reply is offered at once.
    savedReplies: () => loadSavedReplies(savedRepliesDir(contentDir)),
    desk,
    access,
    rateLimits,
    chat: createChat({ config, desk, access, rateLimits, feed: changeFeed, database, customerId: (email) => opened.host.customerId(email) }),
    staffAccess: createStaffAccess({ secret, config, revokedSessions }),
    staffOAuth: createStaffOAuth({ config, siteUrl: siteUrl.url, clientId: env.GITHUB_OAUTH_CLIENT_ID, clientSecret: env.GITHUB_OAUTH_CLIENT_SECRET, host: opened.host }),
    conversations: createConversations({ host: opened.host, database, onChanged: workflow.ticketChanged, open: (input) => desk.openConversation(input), messageMax: config.limits.messageMax }),
    workspace: createWorkspace({ config, host: opened.host, kindsOf: workflow.kindsOf, database, onChanged: workflow.ticketChanged, now: clock.now }),
    privacy: createPrivacyService({ config, host: opened.host, database, dataDir: env.DATA_DIR, onRemoved: workflow.ticketChanged }),
    siteUrl: siteUrl.url,
    checkRequestOrigin: createSiteUrlCheck(siteUrl, configFile),
    workflow,
    insights: createInsights({ database, config, articles: articleRefs, host: opened.host, hostHasIssuePages: config.gitHost.baseUrl !== undefined }),
    anonymousClient: anonymousClientKey(secret),
    durable: () => database.durable(),
    deliveryStatus: async () => ({ pause: await outbox.paused(), ...(await outbox.counts()) }),
    database,
    async close() {
      clock.close();
      configReload.close();
      presence.close();
      changeFeed.close();
      await readModel.stop();
      await workflow.close();
      await mailQueue.close();
      await outbox.close();
      await metadataMemory.flushed();
      await opened.close();
      await database.close();
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
