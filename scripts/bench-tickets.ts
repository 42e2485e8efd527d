// Support desk load test: ticket submission and ticket-page reads through the real site server, against the
// embedded issue host behind a proxy that enforces a secondary rate limit. Loopback only, bounded in time.
//   npm run bench:tickets                          load: accepted/s, p50/p99, API calls per 1,000 views, peak memory
//   npm run bench:tickets -- --burst 2000          + 2,000 submissions at once; all filed, none lost or duplicated
//   npm run bench:tickets -- --burst 2000 --crash 5    … while the server is killed with SIGKILL 5 times
//   npm run bench:tickets -- --instances 2 --burst 2000 --crash 5
//                                                  … on two server processes sharing one PostgreSQL (DATABASE_URL, or
//                                                  TEST_DATABASE_URL: a role that may create databases; a fresh
//                                                  database is made for the run), one of them killed; then a
//                                                  per-address limit across both, webhooks delivered to both, and
//                                                  every mail counted at a shared SMTP server
//   npm run bench:tickets -- --attachments 5000    5,000 tickets with a 1 MiB attachment each (--attachment-kib N): the
//                                                  server's memory after 500 and after all, and what the store keeps
//                                                  on disk once the Git host has the files
//   npm run bench:tickets -- --outage 300          + 300 tickets through 5xx, then connection resets, then recovery
//   npm run bench:tickets -- --history 20000       20,000 tickets of history on the embedded host: the read model's first
//                                                  build, p95 of the staff queue (every filter), statistics and "My tickets",
//                                                  Git host calls per view, and a restart that reads no history again
// Options: --seconds N (each load phase, default 10), --connections N (default 20), --limit MAX/SECONDS (the
// secondary limit during bursts, default 80/10: GitHub's 80 a minute at six times the speed), --drain-minutes N
// (how long a burst may take to reach the host, default 10); with --history: --samples N (timed requests per view,
// default 40), --restart-seconds N (page views after the restart, default 60). Prints a table; writes
// bench/tickets-latest.json (sections of earlier runs with other flags are kept). BENCH_KEEP=1 keeps the run's data
// folders under tmp/; BENCH_CPU_PROFILE=dir writes a CPU profile of each server process there;
// BENCH_HEAP_SNAPSHOTS=dir makes the attachments run write a heap snapshot of the server at each of its two points.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { customerIdFor, deriveEmailKeys } from '../src/git-host/email-seal.ts';
import type { CommentRecord, IssueRecord } from '../src/local-host/records.ts';
import { Store } from '../src/local-host/store.ts';
import { hashPassword } from '../src/staff/passwords.ts';
import { openDatabase } from '../src/store/database.ts';
import { labelName } from '../src/tickets/labels.ts';
import { deriveMetadataKey, withMetadata } from '../src/tickets/metadata.ts';
import { SiteClient } from '../tests/helpers/http-client.ts';
import { buildSite } from '../tests/helpers/site.ts';
import { type CapturedMail, sentAgainAfterAKill, startSmtp } from '../tests/helpers/smtp.ts';
import {
  ackFrom,
  BOT_LOGIN,
  auditHost,
  listHostTickets,
  outboxStats,
  multipartBody,
  multipartWithFiles,
  pollUntil,
  siteServer,
  startDeskHost,
  submitMany,
  submitTicket,
  ticketFields,
  waitForDelivery,
  writeStressConfig,
  type Ack,
  type Audit,
  type DeskHost,
  type SecondaryLimit,
  type SiteServer,
  type HeapFigures,
  type MemoryMap,
} from '../tests/reliability/desk-harness.ts';

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
  onResponse?: (status: number, body: string, context: unknown, headers: Record<string, string | string[]>) => void;
}
interface AutocannonResult {
  latency: { p50: number; p99: number; average: number };
  requests: { total: number; average: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (options: { url: string; connections: number; duration?: number; amount?: number; timeout?: number; requests: AutocannonRequest[] }) => Promise<AutocannonResult>;
// autocannon ships no type declarations.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values: args } = parseArgs({
  options: {
    burst: { type: 'string' },
    instances: { type: 'string' },
    attachments: { type: 'string' },
    'attachment-kib': { type: 'string', default: '1024' },
    crash: { type: 'string' },
    outage: { type: 'string' },
    history: { type: 'string' },
    samples: { type: 'string', default: '40' },
    'restart-seconds': { type: 'string', default: '60' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    limit: { type: 'string', default: '80/10' },
    'drain-minutes': { type: 'string', default: '10' },
    help: { type: 'boolean' },
  },
});
if (args.help) {
  console.log(
    readFileSync(new URL(import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('//'))
      .map((l) => l.slice(3))
      .join('\n'),
  );
  process.exit(0);
}
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const drainMs = Number(args['drain-minutes']) * 60_000;
const [limitMax, limitSeconds] = (args.limit ?? '80/10').split('/').map(Number) as [number, number];
const burstLimit: SecondaryLimit = { max: limitMax, windowMs: limitSeconds * 1000 };
const NO_LIMIT: SecondaryLimit = { max: 1_000_000, windowMs: 1000 };

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'bench-tickets-')));
const configFile = writeStressConfig(path.join(root, 'helpdesk.config.json'));
const results: Record<string, unknown> = {};
/** Broken promises (a ticket lost or doubled, a limit exceeded, a mail sent twice): the run exits with 1. */
const failures: string[] = [];
const rows: string[][] = [];
const cleanups: Array<() => Promise<void>> = [];
const command = `npm run bench:tickets${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${fmt(bytes / 1024 / 1024, 1)} MiB`);

async function desk(name: string, limit: SecondaryLimit, outDir: string): Promise<{ host: DeskHost; site: SiteServer; dataDir: string }> {
  const dataDir = path.join(root, name);
  const host = await startDeskHost(dataDir, { limit });
  const site = await siteServer({ outDir, configFile, dataDir });
  cleanups.push(async () => {
    await site.stop();
    await host.close();
  });
  await site.start();
  return { host, site, dataDir };
}

/** Ticket-page reads and submissions under load. */
async function loadTest(outDir: string): Promise<void> {
  console.log(`load: seeding tickets, then ${seconds} s of ticket-page views and ${seconds} s of submissions (${connections} connections)…`);
  const { host, site } = await desk('load', NO_LIMIT, outDir);
  // Pages of tickets already on the host: a queued ticket is read from the store and costs no API call.
  const seeded = await submitMany(site.url, 50, { concurrency: 10, deadline: Date.now() + 60_000 });
  await waitForDelivery(
    host.target,
    seeded.acks.map((a) => a.ref),
    120_000,
  );
  await host.local.idle();
  let views = 0;
  let viewErrors = 0;
  let pick = 0;
  const mark = host.local.requests.length;
  const readCpuFrom = site.cpuMs();
  const read = await autocannon({
    url: site.url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const ack = seeded.acks[pick++ % seeded.acks.length] as Ack;
          return { ...request, path: `/tickets/${ack.ref}`, headers: { cookie: ack.cookie } };
        },
        onResponse: (status) => {
          if (status === 200) views += 1;
          else viewErrors += 1;
        },
      },
    ],
  });
  const readCpuMs = cpuBetween(readCpuFrom, site.cpuMs());
  const calls = host.local.requests.slice(mark);
  const byPath = new Map<string, number>();
  for (const c of calls) byPath.set(`${c.method} ${c.path.replace(/\d+/g, 'N').replace(/\?.*/, '')}`, (byPath.get(`${c.method} ${c.path.replace(/\d+/g, 'N').replace(/\?.*/, '')}`) ?? 0) + 1);
  console.log('API calls during the views:', Object.fromEntries(byPath));
  const apiCalls = calls.length;
  const notModified = calls.filter((r) => r.status === 304).length;

  const accepted: string[] = [];
  let refused = 0;
  let n = 1_000_000;
  const writeCpuFrom = site.cpuMs();
  const write = await autocannon({
    url: site.url,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/tickets/new',
        setupRequest: (request) => {
          const { body, contentType } = multipartBody(ticketFields(n++));
          return { ...request, body, headers: { 'content-type': contentType, accept: 'application/json', origin: site.url } };
        },
        onResponse: (status, body, _context, headers) => {
          const setCookie = Object.entries(headers).find(([name]) => name.toLowerCase() === 'set-cookie')?.[1];
          const ack = status === 201 ? ackFrom(body, Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) : undefined;
          if (ack) accepted.push(ack.ref);
          else refused += 1;
        },
      },
    ],
  });
  const writeCpuMs = cpuBetween(writeCpuFrom, site.cpuMs());
  const peak = site.peakRss();
  results['load'] = {
    command,
    views: {
      total: views,
      errors: viewErrors,
      perSecond: views / read.duration,
      latencyMs: { p50: read.latency.p50, p99: read.latency.p99 },
      apiCalls,
      notModified,
      apiCallsPer1000Views: (apiCalls / Math.max(views, 1)) * 1000,
      serverCpuMsPerView: perItem(readCpuMs, views),
      distinctTickets: seeded.acks.length,
    },
    submissions: {
      accepted: accepted.length,
      refused,
      errors: write.errors + write.timeouts,
      perSecond: accepted.length / write.duration,
      serverCpuMsPerSubmission: perItem(writeCpuMs, accepted.length + refused),
      latencyMs: { p50: write.latency.p50, p99: write.latency.p99 },
    },
    peakRssBytes: peak,
  };
  rows.push([
    'ticket-page views',
    `${fmt(views / read.duration)}/s`,
    `${fmt(read.latency.p50)} / ${fmt(read.latency.p99)} ms`,
    `${fmt((apiCalls / Math.max(views, 1)) * 1000, 1)} API calls per 1,000 views (${fmt(apiCalls)} calls, ${fmt(notModified)} of them 304, for ${fmt(views)} views of ${seeded.acks.length} tickets); server CPU ${cpuFigure(readCpuMs, views)} per view`,
  ]);
  rows.push([
    'ticket submissions',
    `${fmt(accepted.length / write.duration)}/s accepted`,
    `${fmt(write.latency.p50)} / ${fmt(write.latency.p99)} ms`,
    `${fmt(accepted.length)} accepted, ${refused} refused, ${write.errors + write.timeouts} errors; server CPU ${cpuFigure(writeCpuMs, accepted.length + refused)} per submission; peak server memory ${mib(peak)}`,
  ]);
}

/** CPU milliseconds the server spent between two readings, when both could be read (same process life). */
function cpuBetween(from: number | undefined, to: number | undefined): number | undefined {
  return from === undefined || to === undefined ? undefined : to - from;
}

/** Milliseconds of CPU per request, if measured. */
function perItem(cpuMs: number | undefined, count: number): number | undefined {
  return cpuMs === undefined || count === 0 ? undefined : cpuMs / count;
}

/**
 * The server's CPU per request, e.g. "1.32 ms": steadier than throughput on a shared machine, where the other
 * tenants' load moves requests per second and p99 from one run to the next while the work per request stays.
 */
function cpuFigure(cpuMs: number | undefined, count: number): string {
  const each = perItem(cpuMs, count);
  return each === undefined ? 'unmeasured' : `${each.toFixed(2)} ms`;
}

/** N submissions at once against the secondary limit, optionally killing the server `kills` times. */
async function burstTest(outDir: string, count: number, kills: number): Promise<void> {
  const name = kills > 0 ? 'crash' : 'burst';
  console.log(`${name}: ${count} submissions, limit ${burstLimit.max} writes per ${burstLimit.windowMs / 1000} s${kills > 0 ? `, ${kills} × SIGKILL` : ''}…`);
  const { host, site, dataDir } = await desk(name, burstLimit, outDir);
  const started = Date.now();
  const acks: Ack[] = [];
  const burst = submitMany(site.url, count, { concurrency: connections, deadline: started + 5 * 60_000, onAck: (a) => acks.push(a) });
  burst.catch(() => undefined);
  let inFlightAtKill = 0;
  for (let k = 0; k < kills; k += 1) {
    // A random moment within the burst, measured in acknowledgements (and so in time).
    const after = Math.min(count - 1, acks.length + 1 + Math.floor(Math.random() * (count / (kills + 1))));
    while (acks.length < after && Date.now() - started < 5 * 60_000) await new Promise((resolve) => setTimeout(resolve, 10));
    await site.kill();
    inFlightAtKill += (await outboxStats(dataDir)).inFlight;
    await site.start();
  }
  const result = await burst;
  const acceptedMs = Date.now() - started;
  const audit = await deliveredOrAudit(
    host.target,
    result.acks.map((a) => a.ref),
  );
  const drainedMs = Date.now() - started;
  const hostCreates = host.local.requests.filter((r) => r.method === 'POST' && /\/issues$/.test(r.path) && r.status === 201).length;
  const peak = site.peakRss();
  results[name] = {
    command,
    submissions: count,
    accepted: result.acks.length,
    refused: result.refused,
    resentAfterNetworkError: result.networkErrors,
    acceptedWithinMs: acceptedMs,
    allOnHostWithinMs: audit.lost.length === 0 ? drainedMs : undefined,
    limit: burstLimit,
    limitedByProxy: host.proxy.limited,
    issueCreatesOnHost: hostCreates,
    lost: audit.lost.length,
    duplicates: audit.duplicates.length,
    issues: audit.issues,
    ...(kills > 0 ? { kills, createsInFlightAtKills: inFlightAtKill } : {}),
    peakRssBytes: peak,
  };
  rows.push([
    kills > 0 ? `burst of ${fmt(count)} with ${kills} × kill -9` : `burst of ${fmt(count)}`,
    `${fmt(result.acks.length)} accepted in ${fmt(acceptedMs / 1000, 1)} s`,
    audit.lost.length === 0 ? `all on host after ${fmt(drainedMs / 1000, 1)} s` : `${audit.lost.length} NOT on host`,
    `${audit.lost.length} lost, ${audit.duplicates.length} duplicates, ${fmt(host.proxy.limited)} answers 403 (limit)${kills > 0 ? `, ${inFlightAtKill} creates in flight at the kills` : ''}; peak server memory ${mib(peak)}`,
  ]);
}

/** Waits until every acknowledged ticket is on the host; past the drain time, the audit of what is there. */
function deliveredOrAudit(target: DeskHost['target'], refs: string[]): Promise<Audit> {
  return waitForDelivery(target, refs, drainMs).catch(async (error: Error) => {
    console.error(error.message);
    return auditHost(target, refs);
  });
}

/** A fresh PostgreSQL database on the server of DATABASE_URL (or TEST_DATABASE_URL), dropped at the end of the run. */
async function freshPostgres(): Promise<string> {
  const server = process.env['DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'];
  if (!server)
    throw new Error(
      '--instances shares one PostgreSQL between the server processes: set DATABASE_URL=postgres://user:password@127.0.0.1:5432/postgres (a role that may create databases; the run makes its own database and drops it)',
    );
  const name = `helpdesk_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  });
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** One delivery as the fan-out saw it: its id and event, a digest of its body, and each instance's outcome. */
interface FannedDelivery {
  id: string;
  event: string;
  bodyHash: string;
  /** Each instance's answer: its outcome (accepted, ignored, duplicate), or the HTTP status / "down". */
  outcomes: string[];
}

/** A webhook receiver that hands every delivery, unchanged, to every instance at once, and keeps their answers. */
async function fanOutWebhooks(targets: () => readonly string[]): Promise<{ url: string; deliveries: FannedDelivery[]; close(): Promise<void> }> {
  const deliveries: FannedDelivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name === 'content-type' || name.startsWith('x-'))) as Record<string, string>;
      void Promise.all(
        targets().map(async (url) => {
          const answer = await fetch(`${url}/api/webhooks/git-host`, { method: 'POST', headers, body }).catch(() => undefined);
          if (!answer) return 'down';
          const outcome = (await answer.json().catch(() => ({}))) as { status?: string };
          return outcome.status ?? String(answer.status);
        }),
      ).then((outcomes) => {
        deliveries.push({ id: headers['x-github-delivery'] ?? '', event: headers['x-github-event'] ?? '', bodyHash: createHash('sha256').update(body).digest('hex'), outcomes });
        res.writeHead(outcomes.includes('accepted') ? 202 : 200).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * How often each delivery was processed, over every instance: once when exactly one instance handled it
 * (accepted or deliberately ignored) — or when none did because its body is byte for byte that of a delivery
 * handled before (the workflow drops a replayed body, whatever its id: nothing in it is new).
 */
function deliveriesProcessed(deliveries: readonly FannedDelivery[]): { once: number; twice: number; never: FannedDelivery[] } {
  const handled = (d: FannedDelivery) => d.outcomes.filter((o) => o === 'accepted' || o === 'ignored').length;
  const seen = new Set<string>();
  let once = 0;
  let twice = 0;
  const never: FannedDelivery[] = [];
  for (const d of deliveries) {
    const n = handled(d);
    if (n === 1 || (n === 0 && seen.has(d.bodyHash) && d.outcomes.every((o) => o === 'duplicate'))) once += 1;
    else if (n > 1) twice += 1;
    else never.push(d);
    if (n > 0) seen.add(d.bodyHash);
  }
  return { once, twice, never };
}

/**
 * Several server processes on one PostgreSQL: a burst split between them while instance 1 is killed `kills`
 * times (a resend goes to the other, as a load balancer would send it), then a per-address limit of
 * `PER_EMAIL` tickets an hour tried from both, webhooks delivered to both, and every mail counted.
 */
async function instancesTest(outDir: string, count: number, kills: number, instances: number): Promise<void> {
  const PER_EMAIL = 5;
  const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';
  console.log(`instances: ${instances} server processes on one PostgreSQL, ${count} submissions, ${kills} × SIGKILL of instance 1…`);
  const databaseUrl = await freshPostgres();
  // One SMTP listener per process life (each instance, and instance 1 again after each kill), one list of mails:
  // each copy of a mail says which process sent it.
  const mails: CapturedMail[] = [];
  const smtpFor = async (via: string) => {
    const smtp = await startSmtp({ mails, via });
    cleanups.push(() => smtp.close());
    return smtp.url;
  };
  const lifeOfVictim = (life: number) => `instance-1 (run ${life + 1})`;
  const sites: SiteServer[] = [];
  const fanOut = await fanOutWebhooks(() => sites.map((s) => s.url));
  cleanups.push(() => fanOut.close());
  const base = path.join(root, 'instances');
  const host = await startDeskHost(base, { limit: burstLimit, webhook: { url: fanOut.url, secret: WEBHOOK_SECRET } });
  cleanups.push(() => host.close());
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as { abuse: Record<string, number> };
  const instancesConfig = path.join(root, 'instances.config.json');
  writeFileSync(instancesConfig, JSON.stringify({ ...config, abuse: { ...config.abuse, ticketsPerEmailPerHour: PER_EMAIL } }, null, 2));
  for (let i = 0; i < instances; i += 1) {
    // Each instance has its own data folder: with PostgreSQL nothing in it is shared state. The embedded host's
    // address and tokens are copied in, as an operator gives each instance the same GITHUB_TOKEN.
    const dataDir = path.join(root, `instance-${i + 1}`);
    cpSync(path.join(base, 'local-host'), path.join(dataDir, 'local-host'), { recursive: true });
    const site = await siteServer({
      outDir,
      configFile: instancesConfig,
      dataDir,
      env: { DATABASE_URL: databaseUrl, SMTP_URL: await smtpFor(i === 0 ? lifeOfVictim(0) : `instance-${i + 1}`), WEBHOOK_SECRET },
    });
    cleanups.push(() => site.stop());
    await site.start();
    sites.push(site);
  }
  const urls = sites.map((s) => s.url);
  const victim = sites[0]!;

  // 1. The burst, instance 1 killed now and then.
  const started = Date.now();
  const acks: Ack[] = [];
  const burst = submitMany(urls, count, { concurrency: connections, deadline: started + 5 * 60_000, onAck: (a) => acks.push(a) });
  burst.catch(() => undefined);
  let inFlightAtKill = 0;
  // When each killed process life was seen dead: a mail it sent and did not record may be sent again after that.
  const ended = new Map<string, number>();
  for (let k = 0; k < kills; k += 1) {
    const after = Math.min(count - 1, acks.length + 1 + Math.floor(Math.random() * (count / (kills + 1))));
    while (acks.length < after && Date.now() - started < 5 * 60_000) await new Promise((resolve) => setTimeout(resolve, 10));
    await victim.kill();
    ended.set(lifeOfVictim(k), Date.now());
    inFlightAtKill += (await outboxStats(root, databaseUrl)).inFlight;
    await victim.start({ SMTP_URL: await smtpFor(lifeOfVictim(k + 1)) });
  }
  const result = await burst;
  const acceptedMs = Date.now() - started;
  const refs = result.acks.map((a) => a.ref);
  const audit = await deliveredOrAudit(host.target, refs);
  const drainedMs = Date.now() - started;
  console.log(`instances: burst: ${result.acks.length} accepted, ${audit.lost.length} lost, ${audit.duplicates.length} duplicates`);

  // 2. One address, many tries, spread over both instances: the limit holds for the pair.
  const limitTries = PER_EMAIL * 4;
  const limited = await Promise.all(
    Array.from({ length: limitTries }, (_, i) => submitTicket(urls[i % urls.length]!, { ...ticketFields(900_000 + i), email: 'one-address@example.com' }).catch(() => undefined)),
  );
  const acceptedForOneAddress = limited.filter(Boolean).length;
  console.log(`instances: one address, ${limitTries} tries over ${instances} instances: ${acceptedForOneAddress} accepted (limit ${PER_EMAIL} an hour)`);

  // 3. Staff replies on the host; each webhook reaches every instance; each should be processed once.
  const issues = (await listHostTickets(host.target)).filter((t) => t.meta?.kind === 'ticket').slice(0, 20);
  const staffToken = host.local.users.find((u) => u.login === 'support-anna')?.token ?? '';
  const hooksBefore = fanOut.deliveries.length;
  for (const issue of issues) {
    const answer = await fetch(`${host.local.url}/repos/local/support/issues/${issue.number}/comments`, {
      method: 'POST',
      headers: { authorization: `token ${staffToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: `/reply Thanks for waiting: your parcel is on its way (${issue.number}).` }),
    });
    if (answer.status !== 201) throw new Error(`a staff reply on the host answered ${answer.status}`);
  }
  await host.local.idle();
  await pollUntil('every webhook handed to every instance', async () => (fanOut.deliveries.length - hooksBefore >= issues.length ? true : undefined), 60_000);
  // The staff replies' deliveries (and the workflow's own changes they cause), then all of the run's.
  const hooks = fanOut.deliveries.slice(hooksBefore);
  const { once: processedOnce, twice: processedTwice, never: notProcessed } = deliveriesProcessed(hooks);
  const whole = deliveriesProcessed(fanOut.deliveries);

  // 4. Mail: every ticket's confirmation and every reply notice, each sent once.
  const expected = new Set([...refs.map((ref) => `ticket-created:${ref}`)]);
  const mailsIn = async () => {
    const database = await openDatabase({ dataDir: root, databaseUrl });
    try {
      const rows = await database.db.selectFrom('mail_queue').select(['status', 'lease_until']).execute();
      return { queued: rows.filter((r) => r.status !== 'sent').length, leased: rows.filter((r) => r.status !== 'sent' && (r.lease_until ?? 0) > Date.now()).length };
    } finally {
      await database.close();
    }
  };
  // Mails a killed instance had leased wait for their lease to run out (minutes); the rest are sent now.
  const { queued: mailsWaiting } = await pollUntil(
    'the mail queue sent or leased',
    async () => {
      const mails = await mailsIn();
      return mails.queued === mails.leased ? mails : undefined;
    },
    120_000,
    500,
  );
  const events = new Map<string, CapturedMail[]>();
  for (const mail of mails) events.set(mail.event, [...(events.get(mail.event) ?? []), mail]);
  const repeatedMails = [...events].filter(([, copies]) => copies.length > 1);
  const since = (at: number) => `${fmt((at - started) / 1000, 1)} s`;
  const mailsTwice = repeatedMails
    .filter(([, copies]) => !sentAgainAfterAKill(copies, ended))
    .map(([event, copies]) => `${event} ×${copies.length} (${copies.map((c) => `${c.via} at ${since(c.at)}`).join(', ')}; kills seen at ${[...ended.values()].map(since).join(', ') || 'none'})`);
  // What the instances said about mail, to tell a slow or failed send from a lease that ran out.
  if (mailsTwice.length > 0)
    for (const [i, site] of sites.entries())
      for (const line of site
        .output()
        .split('\n')
        .filter((l) => l.includes('mail')))
        console.log(`instance-${i + 1}: ${line}`);
  const mailsTwiceAtAKill = repeatedMails.length - mailsTwice.length;
  const confirmationsMissing = [...expected].filter((event) => !events.has(event)).length;
  const replyNotices = [...events.keys()].filter((event) => !event.startsWith('ticket-created:') && !event.startsWith('sign-in')).length;

  if (audit.lost.length > 0 || audit.duplicates.length > 0) failures.push(`instances: ${audit.lost.length} tickets lost, ${audit.duplicates.length} duplicated`);
  if (acceptedForOneAddress !== PER_EMAIL) failures.push(`instances: ${acceptedForOneAddress} tickets accepted for one address, limit ${PER_EMAIL}`);
  if (processedTwice > 0 || processedOnce !== hooks.length)
    failures.push(
      `instances: of ${hooks.length} webhooks, ${processedOnce} processed once, ${processedTwice} twice; by none: ${notProcessed.map((d) => `${d.event} ${d.id} [${d.outcomes.join(', ')}]`).join('; ') || 'none'}`,
    );
  if (mailsTwice.length > 0 || confirmationsMissing > mailsWaiting) failures.push(`instances: mails sent twice ${mailsTwice.join(', ') || 'none'}; ${confirmationsMissing} confirmations missing`);
  const peaks = sites.map((s) => s.peakRss());
  results['instances'] = {
    command,
    instances,
    database: 'PostgreSQL',
    submissions: count,
    accepted: result.acks.length,
    refused: result.refused,
    resentAfterNetworkError: result.networkErrors,
    acceptedWithinMs: acceptedMs,
    allOnHostWithinMs: audit.lost.length === 0 ? drainedMs : undefined,
    lost: audit.lost.length,
    duplicates: audit.duplicates.length,
    // Which refs, outbox keys or draft keys are on more than one issue, for whoever looks into it.
    duplicated: audit.duplicates.slice(0, 20),
    kills,
    createsInFlightAtKills: inFlightAtKill,
    limitPerAddress: { perHour: PER_EMAIL, tries: limitTries, accepted: acceptedForOneAddress, held: acceptedForOneAddress === PER_EMAIL },
    webhooks: {
      staffReplies: { deliveries: hooks.length, toEachOf: instances, processedOnce, processedTwice, notProcessed },
      whole: { deliveries: fanOut.deliveries.length, processedOnce: whole.once, processedTwice: whole.twice, notProcessed: whole.never.length },
    },
    mail: { sent: mails.length, sentTwice: mailsTwice, sentAgainAfterAKillInTheSendWindow: mailsTwiceAtAKill, confirmationsMissing, stillWaitingForALease: mailsWaiting, replyNotices },
    peakRssBytes: peaks,
  };
  rows.push([
    `${instances} instances on PostgreSQL, burst of ${fmt(count)}, ${kills} × kill -9`,
    `${fmt(result.acks.length)} accepted in ${fmt(acceptedMs / 1000, 1)} s`,
    audit.lost.length === 0 ? `all on host after ${fmt(drainedMs / 1000, 1)} s` : `${audit.lost.length} NOT on host`,
    `${audit.lost.length} lost, ${audit.duplicates.length} duplicates; one address: ${acceptedForOneAddress} of ${limitTries} accepted (limit ${PER_EMAIL}); ${hooks.length} staff-reply webhooks to each instance: ${processedOnce} processed once, ${processedTwice} twice (of all ${fanOut.deliveries.length}: ${whole.twice} twice, ${whole.never.length} by none); ${mails.length} mails (${replyNotices} reply notices), ${mailsTwice.length} sent twice (${mailsTwiceAtAKill} more sent again after a kill between send and record), ${confirmationsMissing} confirmations missing (${mailsWaiting} waiting for a dead instance's lease)`,
  ]);
}

/** Bytes of a SQLite store's files (database, WAL, shared memory) and how many of `marker` they still contain. */
function storeOnDisk(dataDir: string, marker: Buffer): { bytes: number; markers: number } {
  let bytes = 0;
  let markers = 0;
  for (const name of readdirSync(dataDir).filter((f) => f.startsWith('helpdesk.sqlite'))) {
    const content = readFileSync(path.join(dataDir, name));
    bytes += content.length;
    for (let at = content.indexOf(marker); at !== -1; at = content.indexOf(marker, at + 1)) markers += 1;
  }
  return { bytes, markers };
}

/**
 * Memory with attachments: `count` tickets with a `kib` KiB file each (random bytes behind a PDF header, a
 * marker in front), delivered to the host; the server's resident memory and the store on disk after a tenth of
 * them and after all, each measured once the outbox has delivered everything.
 */
async function attachmentsTest(outDir: string, count: number, kib: number): Promise<void> {
  const first = Math.max(1, Math.round(count / 10));
  console.log(`attachments: ${fmt(count)} tickets with a ${fmt(kib)} KiB file each (memory after ${fmt(first)} and after ${fmt(count)})…`);
  const { host, site, dataDir } = await desk('attachments', NO_LIMIT, outDir);
  const marker = Buffer.from('BENCH-ATTACHMENT-MARKER:');
  const concurrency = 4;
  const acks: string[] = [];
  let resent = 0;
  let next = 0;
  const submit = async (until: number) => {
    const worker = async () => {
      while (next < until) {
        const i = next++;
        const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n%'), marker, Buffer.from(`${i}\n`), randomBytes(kib * 1024 - 40)]);
        const { body, contentType } = multipartWithFiles(ticketFields(i), [{ field: 'attachments', name: `receipt-${i}.pdf`, type: 'application/pdf', bytes }]);
        let ack: Ack | undefined;
        // A submission cut off on the network is sent again with the same draft key, as the form does.
        for (let attempt = 1; !ack; attempt += 1) {
          try {
            const response = await fetch(`${site.url}/tickets/new`, {
              method: 'POST',
              body: new Uint8Array(body),
              headers: { 'content-type': contentType, accept: 'application/json', origin: site.url },
            });
            const text = await response.text();
            ack = response.status === 201 ? ackFrom(text, response.headers.getSetCookie()) : undefined;
            if (!ack) throw new Error(`submission ${i} answered ${response.status}: ${text.slice(0, 200)}`);
          } catch (error) {
            if (attempt >= 5 || !(error instanceof TypeError)) throw error;
            resent += 1;
          }
        }
        acks.push(ack.ref);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  const measure = async (label: string) => {
    // Delivered: no entry waiting and no attachment bytes left in the store; then the drainer's housekeeping.
    await pollUntil(
      `the outbox delivered ${label}`,
      async () => {
        const stats = await outboxStats(dataDir);
        return stats.blobs === 0 && (await openQueued(dataDir)) === 0 ? stats : undefined;
      },
      drainMs,
      500,
    );
    await pollUntil('the store giving freed space back', async () => (storeOnDisk(dataDir, marker).markers === 0 ? true : undefined), 30_000, 500).catch(() => undefined);
    const disk = storeOnDisk(dataDir, marker);
    const snapshot = await site.heapSnapshot();
    if (snapshot) console.log(`attachments: heap snapshot after ${label} (collected first, so the report below is what is live): ${snapshot}`);
    const heap = await site.heap();
    return {
      tickets: acks.length,
      rssBytes: site.rss(),
      heap,
      memoryMap: site.memoryMap(),
      storeBytes: disk.bytes,
      attachmentMarkersInStoreFiles: disk.markers,
      blobsInStore: (await outboxStats(dataDir)).blobs,
    };
  };
  const started = Date.now();
  await submit(first);
  console.log(`attachments: ${fmt(first)} accepted in ${fmt((Date.now() - started) / 1000, 1)} s`);
  const early = await measure(`the first ${first}`);
  const heapLine = (h: HeapFigures) => `JS heap ${mib(h.heapUsed)} used of ${mib(h.heapReserved)} reserved, external ${mib(h.external)}, outside the heap ${mib(h.rss - h.heapReserved - h.external)}`;
  console.log(`attachments: after ${fmt(first)}: ${heapLine(early.heap)}`);
  console.log(`attachments: after ${fmt(first)}: RSS ${mib(early.rssBytes)}, store ${mib(early.storeBytes)}, ${early.attachmentMarkersInStoreFiles} attachment markers in the store's files`);
  await submit(count);
  const late = await measure(`all ${count}`);
  const tookMs = Date.now() - started;
  const ratio = (late.rssBytes ?? 0) / Math.max(early.rssBytes ?? 1, 1);
  console.log(`attachments: after ${fmt(count)}: ${heapLine(late.heap)}`);
  if (early.memoryMap && late.memoryMap) console.log(`attachments: resident memory by mapping, after ${fmt(first)} → after ${fmt(count)}: ${memoryMapChange(early.memoryMap, late.memoryMap)}`);
  const onHost = (await listHostTickets(host.target)).filter((t) => t.meta?.kind === 'ticket').length;
  console.log(
    `attachments: after ${fmt(count)}: RSS ${mib(late.rssBytes)} (${fmt(ratio, 2)}× ), store ${mib(late.storeBytes)}, ${late.attachmentMarkersInStoreFiles} markers; ${onHost} tickets on the host`,
  );
  if (late.blobsInStore > 0 || late.attachmentMarkersInStoreFiles > 0 || onHost < count)
    failures.push(`attachments: ${late.blobsInStore} attachments still in the store, ${late.attachmentMarkersInStoreFiles} in its files, ${onHost} of ${count} tickets on the host`);
  results['attachments'] = {
    command,
    tickets: count,
    attachmentKiB: kib,
    uploadedBytes: count * kib * 1024,
    tookMs,
    resentAfterNetworkError: resent,
    ticketsOnHost: onHost,
    after: { [first]: early, [count]: late },
    rssRatio: ratio,
    goal: { rssRatioAtMost: 1.2, met: ratio <= 1.2 && late.blobsInStore === 0 && late.attachmentMarkersInStoreFiles === 0 },
    peakRssBytes: site.peakRss(),
  };
  rows.push([
    `${fmt(count)} tickets with a ${fmt(kib)} KiB file`,
    `${fmt(count / (tookMs / 1000), 1)} delivered/s`,
    `RSS ${mib(early.rssBytes)} after ${fmt(first)}, ${mib(late.rssBytes)} after ${fmt(count)} (${fmt(ratio, 2)}×)`,
    `store on disk ${mib(early.storeBytes)} → ${mib(late.storeBytes)}, attachment bytes left: ${late.blobsInStore} rows, ${late.attachmentMarkersInStoreFiles} in its files; peak server memory ${mib(site.peakRss())}`,
  ]);
}

/** "glibc main heap 20.1 → 25.3 MiB, …": each kind of mapping at two points, the largest files only. */
function memoryMapChange(before: MemoryMap, after: MemoryMap): string {
  const files = [...new Set([...Object.keys(before.files), ...Object.keys(after.files)])].sort((a, b) => (after.files[b] ?? 0) - (after.files[a] ?? 0)).slice(0, 4);
  return [
    ['glibc main heap', before.mainHeap, after.mainHeap],
    ['glibc arenas', before.arenas, after.arenas],
    ['V8 heap pages', before.v8Pages, after.v8Pages],
    ['other anonymous (large buffers, stacks)', before.otherAnonymous, after.otherAnonymous],
    ...files.map((name) => [name, before.files[name] ?? 0, after.files[name] ?? 0] as const),
  ]
    .map(([name, from, to]) => `${name} ${mib(from as number)} → ${mib(to as number)}`)
    .join(', ');
}

/** Entries of `dataDir`'s outbox not yet delivered. */
async function openQueued(dataDir: string): Promise<number> {
  const database = await openDatabase({ dataDir });
  try {
    return Number(
      (
        await database.db
          .selectFrom('outbox')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('status', '=', 'queued')
          .executeTakeFirstOrThrow()
      ).n,
    );
  } finally {
    await database.close();
  }
}

/** N tickets through an outage: 5xx answers for a while, then applied-then-failed writes and resets, then recovery. */
async function outageTest(outDir: string, count: number): Promise<void> {
  console.log(`outage: ${count} submissions through 5xx answers and connection resets…`);
  const { host, site } = await desk('outage', NO_LIMIT, outDir);
  const started = Date.now();
  const third = Math.ceil(count / 3);
  const faults = (f: RegExp) => host.local.requests.filter((r) => r.fault !== undefined && f.test(r.fault)).length;
  const before = await submitMany(site.url, third, { concurrency: connections, deadline: Date.now() + 120_000 });
  host.local.setFaults({ serverError: { rate: 1, status: 502 } });
  const during = await submitMany(site.url, third, { concurrency: connections, offset: third, deadline: Date.now() + 120_000 });
  const downUntil = Date.now() + 10_000;
  while (Date.now() < downUntil) await new Promise((resolve) => setTimeout(resolve, 100));
  host.local.setFaults({ methods: ['POST'], serverError: { rate: 0.3, afterApply: true }, connectionReset: { rate: 0.3, afterApply: true } });
  const flaky = await submitMany(site.url, count - 2 * third, { concurrency: connections, offset: 2 * third, deadline: Date.now() + 120_000 });
  const flakyUntil = Date.now() + 10_000;
  while (Date.now() < flakyUntil) await new Promise((resolve) => setTimeout(resolve, 100));
  host.local.setFaults({});
  const recovered = Date.now();
  const refs = [...before.acks, ...during.acks, ...flaky.acks].map((a) => a.ref);
  const audit = await waitForDelivery(host.target, refs, drainMs).catch(() => auditHost(host.target, refs));
  results['outage'] = {
    command,
    submissions: count,
    accepted: refs.length,
    serverErrors: faults(/^server-error$/),
    appliedThenFailed: faults(/after-apply/),
    resetsBeforeApply: faults(/^connection-reset$/),
    allOnHostMsAfterRecovery: audit.lost.length === 0 ? Date.now() - recovered : undefined,
    totalMs: Date.now() - started,
    lost: audit.lost.length,
    duplicates: audit.duplicates.length,
    issues: audit.issues,
  };
  rows.push([
    `outage with ${fmt(count)} tickets`,
    `${fmt(refs.length)} accepted`,
    audit.lost.length === 0 ? `all on host ${fmt((Date.now() - recovered) / 1000, 1)} s after recovery` : `${audit.lost.length} NOT on host`,
    `${audit.lost.length} lost, ${audit.duplicates.length} duplicates; ${faults(/^server-error$/)} × 502, ${faults(/after-apply/)} writes applied then failed`,
  ]);
}

/** The secret the site servers of these runs sign metadata and derive customer ids with (desk-harness.ts, siteServer). */
const SITE_SECRET = 'reliability-session-secret-0123456789abcdef';
const STAFF_PASSWORD = 'a long staff password for the bench';
const HISTORY_CUSTOMERS = 4000;

/** A deterministic random source: the same history every run. */
function seeded(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T };
}

/**
 * Writes `count` desk tickets of the past year straight into the embedded host's store (one commit), as the site
 * would have filed them: the bot's issues with signed metadata, customer messages, staff replies and notes, the
 * bot's rating reactions; open and closed, every status, category and priority, HISTORY_CUSTOMERS customers.
 */
async function seedHistory(hostDir: string, count: number): Promise<Map<string, number>> {
  const store = await Store.open(hostDir, [{ fullName: 'local/support', private: true }]);
  const state = store.get('local', 'support');
  if (!state) throw new Error('no local/support repository');
  const key = deriveMetadataKey(SITE_SECRET);
  const emailKeys = deriveEmailKeys(SITE_SECRET);
  const r = seeded(20_000);
  const end = Date.now() - 2 * 3_600_000;
  const start = end - 365 * 86_400_000;
  const stamp = (ms: number) => new Date(Math.min(ms, end)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const refChars = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const perCustomer = new Map<string, number>();
  await store.write(`bench: ${count} tickets of history`, (tx) => {
    const names = new Set<string>();
    for (let i = 0; i < count; i += 1) {
      const number = state.repo.nextIssue++;
      const created = start + Math.floor((i / count) * (end - start - 86_400_000));
      const email = `customer-${Math.floor(r.next() * HISTORY_CUSTOMERS)}@example.com`;
      const customer = { id: customerIdFor(email, emailKeys), email };
      perCustomer.set(email, (perCustomer.get(email) ?? 0) + 1);
      const ref = `T-${Array.from({ length: 8 }, (_, k) => refChars[(number >> (k * 5)) & 31]).join('')}`;
      const category = r.pick(['orders', 'shipping', 'returns', 'payments', 'account', 'troubleshooting']);
      const comments: CommentRecord[] = [];
      let at = created;
      for (let m = Math.floor(r.next() * 5); m > 0; m -= 1) {
        at += 60_000 + Math.floor(r.next() * 2 * 86_400_000);
        const kind = r.pick(['customer', 'reply', 'reply', 'note']);
        const id = tx.nextId();
        const when = stamp(at);
        if (kind === 'customer') {
          comments.push({
            id,
            issueNumber: number,
            body: withMetadata({ kind: 'message', key: `bench-message-${id}`, customer }, `**Customer reply** (${customer.id})\n\n---\n\nAny news?`, key),
            user: BOT_LOGIN,
            createdAt: when,
            updatedAt: when,
            reactions: [],
          });
        } else {
          const reactions = kind === 'reply' && r.next() < 0.3 ? [{ id: tx.nextId(), content: r.pick(['+1', '+1', '-1']), user: BOT_LOGIN, createdAt: when }] : [];
          comments.push({
            id,
            issueNumber: number,
            body: kind === 'reply' ? '/reply Thanks, we are on it.' : 'Checked with the warehouse.',
            user: r.pick(['support-anna', 'support-ben']),
            createdAt: when,
            updatedAt: when,
            reactions,
          });
        }
      }
      const recent = end - created < 30 * 86_400_000;
      const closed = r.next() < (recent ? 0.4 : 0.9);
      const closedAt = closed ? stamp(at + 3_600_000 + Math.floor(r.next() * 86_400_000)) : null;
      const status = closed ? 'closed' : r.pick(['new', 'open', 'open', 'reply-received', 'waiting', 'waiting', 'on-hold', 'escalated']);
      const labels = [
        labelName('status', status),
        labelName('priority', r.pick(['low', 'normal', 'normal', 'normal', 'high', 'urgent'])),
        labelName('type', r.pick(['question', 'problem', 'complaint', 'order'])),
        labelName('category', category),
      ];
      for (const name of labels) names.add(name);
      const assignees = status === 'new' ? [] : [r.pick(['support-anna', 'support-ben'])];
      const updated = [stamp(created), ...comments.map((c) => c.createdAt), ...(closedAt ? [closedAt] : [])].sort().at(-1) as string;
      const issue: IssueRecord = {
        id: tx.nextId(),
        number,
        title: `Order question ${number}`,
        body: withMetadata(
          { kind: 'ticket', key: `bench-ticket-${number}`, ref, customer, customerName: 'Bench Customer' },
          `**Customer:** Bench Customer (${customer.id}) · **Category:** ${category}\n\n---\n\nWhere is my parcel?`,
          key,
        ),
        user: BOT_LOGIN,
        state: closed ? 'closed' : 'open',
        stateReason: closed ? 'completed' : null,
        labels,
        assignees,
        createdAt: stamp(created),
        updatedAt: updated,
        closedAt,
        closedBy: closed ? 'support-anna' : null,
        comments,
      };
      state.issues.set(number, issue);
      tx.saveIssue(state, issue);
    }
    for (const name of names) if (!state.labels.some((l) => l.name === name)) state.labels.push({ id: tx.nextId(), name, color: 'ededed', description: null });
    tx.saveLabels(state);
    tx.saveRepo(state);
  });
  return perCustomer;
}

function percentileOf(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/** Requests the read model's first build makes: the oldest-first listing of the bot's issues, and thread reads. */
const readModelRequest = (path: string) => (/\/issues\?/.test(path) && /direction=asc/.test(path) && /creator=/.test(path)) || /\/issues\/\d+\/comments/.test(path);

/** Seeds `count` tickets of history, builds the read model, times the views, and restarts. */
async function historyTest(outDir: string, count: number): Promise<void> {
  const samples = Number(args.samples);
  const restartSeconds = Number(args['restart-seconds']);
  const dataDir = path.join(root, 'history');
  console.log(`history: seeding ${fmt(count)} tickets on the embedded host…`);
  let t = Date.now();
  const ticketsPerCustomer = await seedHistory(path.join(dataDir, 'host'), count);
  const seedMs = Date.now() - t;
  console.log(`history: seeded in ${fmt(seedMs / 1000, 1)} s; starting the site (the read model builds in the background)…`);
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  const historyConfig = path.join(root, 'history.config.json');
  writeFileSync(historyConfig, JSON.stringify({ ...config, staffAccounts: [{ login: 'support-anna', passwordHash: await hashPassword(STAFF_PASSWORD) }] }, null, 2));
  const host = await startDeskHost(dataDir, { limit: NO_LIMIT });
  const site = await siteServer({ outDir, configFile: historyConfig, dataDir, readyTimeoutMs: 120_000 });
  cleanups.push(async () => {
    await site.stop();
    await host.close();
  });
  const calls = () => host.local.requests.length;
  const buildMark = calls();
  t = Date.now();
  await site.start();
  const staff = new SiteClient(site.url);
  const signedIn = await staff.post('/staff/signin', { login: 'support-anna', password: STAFF_PASSWORD });
  if (signedIn.status !== 303) throw new Error(`staff sign-in answered ${signedIn.status}`);
  // While the first build runs, the queue answers from what is built and says so.
  const during = await (await staff.fetch('/staff')).text();
  const noticeWhileBuilding = /Still reading the tickets from the Git host/.test(during);
  const built = await pollUntil('the read model built', async () => /read model: built, (\d+) tickets in ([\d.]+) s/.exec(site.output()) ?? undefined, 60 * 60_000, 500);
  const buildWallMs = Date.now() - t;
  const buildCalls = calls() - buildMark;
  console.log(`history: read model built in ${fmt(buildWallMs / 1000, 1)} s (${built[1]} tickets, ${fmt(buildCalls)} Git host calls, notice while building: ${noticeWhileBuilding})`);
  for (const line of site
    .output()
    .split('\n')
    .filter((l) => l.includes('read model:')))
    console.log(`  ${line.trim()}`);
  await host.local.idle();

  // A customer of the history, signed in through the mailed link.
  const customerEmail = 'customer-7@example.com';
  const customerTickets = ticketsPerCustomer.get(customerEmail) ?? 0;
  const customer = new SiteClient(site.url);
  const asked = await customer.post('/tickets', { email: customerEmail });
  if (asked.status !== 200) throw new Error(`asking for a sign-in link answered ${asked.status}`);
  const link = await pollUntil(
    'the sign-in mail',
    async () => {
      const dir = path.join(dataDir, 'mail');
      for (const file of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')) : []) {
        const text = readFileSync(path.join(dir, file), 'utf8')
          .replace(/=\r?\n/g, '')
          .replace(/=3D/g, '=');
        if (text.includes(`To: ${customerEmail}`)) return /\/tickets\/access\?token=[\w.%-]+/.exec(text)?.[0];
      }
      return undefined;
    },
    30_000,
  );
  // The link's page asks to continue; its POST signs in (a GET alone uses nothing up).
  await customer.fetch(link);
  if (!customer.cookies.has('helpdesk_session')) await customer.post('/tickets/access', { token: new URL(link, site.url).searchParams.get('token') ?? '' });
  if (!customer.cookies.has('helpdesk_session')) throw new Error('the customer could not sign in with the mailed link');

  const views: Array<{ name: string; client: SiteClient; path: string; check: (html: string) => boolean }> = [];
  const queue = (name: string, query: string) => views.push({ name: `queue: ${name}`, client: staff, path: `/staff${query}`, check: (html) => /class="queue-filters"/.test(html) });
  queue('active (default)', '');
  queue('all', '?status=all');
  for (const status of ['new', 'open', 'reply-received', 'waiting', 'on-hold', 'escalated', 'closed']) queue(status, `?status=${status}`);
  queue('mine', '?assignee=me');
  queue('unassigned (pool)', '?assignee=pool');
  queue('a supporter', '?assignee=support-ben&status=all');
  queue('urgent', '?priority=urgent');
  queue('type problem', '?type=problem&status=all');
  queue('category shipping', '?category=shipping');
  queue('opened 90 to 120 days ago', `?status=all&from=${new Date(Date.now() - 120 * 86_400_000).toISOString().slice(0, 10)}&to=${new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10)}`);
  queue('recently updated', '?status=all&sort=updated');
  queue('newest', '?status=all&sort=created');
  queue('by priority', '?sort=priority');
  queue('all, 200 a page, last page', `?status=all&pageSize=200&page=${Math.ceil(count / 200)}`);
  views.push({ name: 'statistics (30 days)', client: staff, path: '/staff/stats', check: (html) => /Tickets opened and closed per day/.test(html) });
  views.push({ name: 'statistics CSV (30 days)', client: staff, path: '/staff/stats.csv', check: (text) => text.startsWith('"day"') });
  views.push({ name: 'My tickets', client: customer, path: '/tickets', check: (html) => (html.match(/<tr/g) ?? []).length - 1 === customerTickets });

  const measured: Record<string, { p50: number; p95: number; max: number; samples: number; hostCallsPerView: number }> = {};
  for (const view of views) {
    for (let i = 0; i < 3; i += 1) await (await view.client.fetch(view.path)).text();
    const mark = calls();
    const times: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      const began = performance.now();
      const response = await view.client.fetch(view.path);
      const body = await response.text();
      times.push(performance.now() - began);
      if (response.status !== 200 || !view.check(body)) throw new Error(`${view.name}: ${view.path} answered ${response.status} with an unexpected page:\n${body.slice(0, 2000)}`);
    }
    times.sort((a, b) => a - b);
    const figures = { p50: percentileOf(times, 0.5), p95: percentileOf(times, 0.95), max: times.at(-1) ?? 0, samples, hostCallsPerView: (calls() - mark) / samples };
    measured[view.name] = figures;
    console.log(`  ${view.name.padEnd(34)} p50 ${fmt(figures.p50, 1).padStart(6)} ms  p95 ${fmt(figures.p95, 1).padStart(6)} ms  ${figures.hostCallsPerView} Git host calls per view`);
  }

  // A restart: nothing of the history is read again; page views during the first minute.
  await site.stop();
  const restartMark = calls();
  const restarted = Date.now();
  await site.start();
  const startOutput = site.output().length;
  const restaff = new SiteClient(site.url);
  await restaff.post('/staff/signin', { login: 'support-anna', password: STAFF_PASSWORD });
  let restartViews = 0;
  let restartErrors = 0;
  const viewsMark = calls();
  while (Date.now() - restarted < restartSeconds * 1000) {
    for (const view of views) {
      const client = view.client === staff ? restaff : customer;
      const response = await client.fetch(view.path);
      await response.text();
      if (response.status === 200) restartViews += 1;
      else restartErrors += 1;
    }
  }
  const afterRestart = host.local.requests.slice(restartMark);
  const byPath: Record<string, number> = {};
  for (const c of afterRestart) {
    const key = `${c.method} ${c.path.replace(/\?.*/, '').replace(/\d+/g, 'N')}`;
    byPath[key] = (byPath[key] ?? 0) + 1;
  }
  const restart = {
    seconds: restartSeconds,
    pageViews: restartViews,
    pageErrors: restartErrors,
    hostCallsInTheFirstMinute: afterRestart.length,
    hostCallsDuringPageViews: calls() - viewsMark,
    readModelHostCalls: afterRestart.filter((c) => readModelRequest(c.path)).length,
    rebuildStarted: /read model: (building|continuing)/.test(site.output().slice(startOutput - 2000)),
    byPath,
  };
  console.log(
    `history: restart: ${restart.pageViews} page views in ${restartSeconds} s; ${restart.hostCallsInTheFirstMinute} Git host calls in all (${JSON.stringify(byPath)}), ${restart.readModelHostCalls} for the read model, ${restart.hostCallsDuringPageViews} during the page views`,
  );

  const p95s = Object.values(measured).map((m) => m.p95);
  const worst = Math.max(...p95s);
  const hostCalls = Math.max(...Object.values(measured).map((m) => m.hostCallsPerView));
  results['history'] = {
    command,
    tickets: count,
    customers: HISTORY_CUSTOMERS,
    seedMs,
    firstBuild: { wallMs: buildWallMs, loggedSeconds: Number(built[2]), tickets: Number(built[1]), hostCalls: buildCalls, noticeWhileBuilding },
    views: measured,
    worstP95Ms: worst,
    maxHostCallsPerView: hostCalls,
    restart,
    goal: { p95Ms: 200, hostCallsPerView: 0, met: worst <= 200 && hostCalls === 0 && restart.readModelHostCalls === 0 },
    peakRssBytes: site.peakRss(),
  };
  rows.push([
    `history of ${fmt(count)} tickets`,
    `first build ${fmt(buildWallMs / 1000, 1)} s`,
    `worst p95 ${fmt(worst, 1)} ms over ${views.length} views`,
    `${hostCalls} Git host calls per view; restart: ${restart.readModelHostCalls} read-model calls, ${restart.hostCallsDuringPageViews} during ${restart.pageViews} page views`,
  ]);
}

try {
  console.log('building the site…');
  const build = buildSite({ configFile });
  if (build.status !== 0) throw new Error(`build failed:\n${build.output}`);
  cleanups.push(async () => rmSync(build.outDir, { recursive: true, force: true }));
  const burst = args.burst ? Number(args.burst) : undefined;
  const kills = args.crash ? Number(args.crash) : 0;
  if (!burst && !args.outage && !args.history && !args.attachments) await loadTest(build.outDir);
  if (args.attachments) await attachmentsTest(build.outDir, Number(args.attachments), Number(args['attachment-kib']));
  const instances = args.instances ? Number(args.instances) : 1;
  if (burst && instances > 1) await instancesTest(build.outDir, burst, kills, instances);
  else if (burst) await burstTest(build.outDir, burst, kills);
  if (args.outage) await outageTest(build.outDir, Number(args.outage));
  if (args.history) await historyTest(build.outDir, Number(args.history));

  console.log(`\n| scenario | throughput | latency p50 / p99, or delivery | notes |\n|---|---|---|---|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  const file = path.resolve('bench', 'tickets-latest.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { results?: Record<string, unknown> }) : {};
  mkdirSync(path.dirname(file), { recursive: true });
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
  writeFileSync(
    file,
    `${JSON.stringify({ updated: new Date().toISOString(), machine, results: { ...previous.results, ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { ...(v as object), at: new Date().toISOString() }])) } }, null, 2)}\n`,
  );
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  if (failures.length > 0) {
    console.error(`\nFAILED:\n${failures.map((f) => `- ${f}`).join('\n')}`);
    process.exitCode = 1;
  }
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  if (!process.env['BENCH_KEEP']) rmSync(root, { recursive: true, force: true });
}
