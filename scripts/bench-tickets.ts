// Support desk load test: ticket submission and ticket-page reads through the real site server, against the
// embedded issue host behind a proxy that enforces a secondary rate limit. Loopback only, bounded in time.
//   npm run bench:tickets                          load: accepted/s, p50/p99, API calls per 1,000 views, peak memory
//   npm run bench:tickets -- --burst 2000          + 2,000 submissions at once; all filed, none lost or duplicated
//   npm run bench:tickets -- --burst 2000 --crash 5    … while the server is killed with SIGKILL 5 times
//   npm run bench:tickets -- --outage 300          + 300 tickets through 5xx, then connection resets, then recovery
// Options: --seconds N (each load phase, default 10), --connections N (default 20), --limit MAX/SECONDS (the
// secondary limit during bursts, default 80/10: GitHub's 80 a minute at six times the speed), --drain-minutes N
// (how long a burst may take to reach the host, default 10). Prints a table; writes bench/tickets-latest.json
// (sections of earlier runs with other flags are kept).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildSite } from '../tests/helpers/site.ts';
import {
  ackFrom,
  auditHost,
  journalStats,
  multipartBody,
  siteServer,
  startDeskHost,
  submitMany,
  ticketFields,
  waitForDelivery,
  writeStressConfig,
  type Ack,
  type DeskHost,
  type SecondaryLimit,
  type SiteServer,
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
    crash: { type: 'string' },
    outage: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    limit: { type: 'string', default: '80/10' },
    'drain-minutes': { type: 'string', default: '10' },
    help: { type: 'boolean' },
  },
});
if (args.help) {
  console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const drainMs = Number(args['drain-minutes']) * 60_000;
const [limitMax, limitSeconds] = (args.limit ?? '80/10').split('/').map(Number) as [number, number];
const burstLimit: SecondaryLimit = { max: limitMax, windowMs: limitSeconds * 1000 };
const NO_LIMIT: SecondaryLimit = { max: 1_000_000, windowMs: 1000 };

const root = path.resolve(mkdtempSync(path.join((mkdirSync('tmp', { recursive: true }), 'tmp'), 'bench-tickets-')));
const configFile = writeStressConfig(path.join(root, 'helpdesk.config.json'));
const results: Record<string, unknown> = {};
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
  // Pages of tickets already on the host: a queued ticket is read from the journal and costs no API call.
  const seeded = await submitMany(site.url, 50, { concurrency: 10, deadline: Date.now() + 60_000 });
  await waitForDelivery(host.target, seeded.acks.map((a) => a.ref), 120_000);
  await host.local.idle();
  let views = 0;
  let viewErrors = 0;
  let pick = 0;
  const mark = host.local.requests.length;
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
  const calls = host.local.requests.slice(mark);
  const byPath = new Map<string, number>();
  for (const c of calls) byPath.set(`${c.method} ${c.path.replace(/\d+/g, 'N').replace(/\?.*/, '')}`, (byPath.get(`${c.method} ${c.path.replace(/\d+/g, 'N').replace(/\?.*/, '')}`) ?? 0) + 1);
  console.log('API calls during the views:', Object.fromEntries(byPath));
  const apiCalls = calls.length;
  const notModified = calls.filter((r) => r.status === 304).length;

  const accepted: string[] = [];
  let refused = 0;
  let n = 1_000_000;
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
  const peak = site.peakRss();
  results['load'] = {
    command,
    views: { total: views, errors: viewErrors, perSecond: views / read.duration, latencyMs: { p50: read.latency.p50, p99: read.latency.p99 }, apiCalls, notModified, apiCallsPer1000Views: (apiCalls / Math.max(views, 1)) * 1000, distinctTickets: seeded.acks.length },
    submissions: { accepted: accepted.length, refused, errors: write.errors + write.timeouts, perSecond: accepted.length / write.duration, latencyMs: { p50: write.latency.p50, p99: write.latency.p99 } },
    peakRssBytes: peak,
  };
  rows.push(['ticket-page views', `${fmt(views / read.duration)}/s`, `${fmt(read.latency.p50)} / ${fmt(read.latency.p99)} ms`, `${fmt((apiCalls / Math.max(views, 1)) * 1000, 1)} API calls per 1,000 views (${fmt(apiCalls)} calls, ${fmt(notModified)} of them 304, for ${fmt(views)} views of ${seeded.acks.length} tickets)`]);
  rows.push(['ticket submissions', `${fmt(accepted.length / write.duration)}/s accepted`, `${fmt(write.latency.p50)} / ${fmt(write.latency.p99)} ms`, `${fmt(accepted.length)} accepted, ${refused} refused, ${write.errors + write.timeouts} errors; peak server memory ${mib(peak)}`]);
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
  let tornLines = 0;
  for (let k = 0; k < kills; k += 1) {
    // A random moment within the burst, measured in acknowledgements (and so in time).
    const after = Math.min(count - 1, acks.length + 1 + Math.floor(Math.random() * (count / (kills + 1))));
    while (acks.length < after && Date.now() - started < 5 * 60_000) await new Promise((resolve) => setTimeout(resolve, 10));
    await site.kill();
    const stats = journalStats(dataDir);
    inFlightAtKill += stats.inFlight;
    tornLines = stats.tornLines;
    await site.start();
  }
  const result = await burst;
  const acceptedMs = Date.now() - started;
  const audit = await waitForDelivery(host.target, result.acks.map((a) => a.ref), drainMs).catch(async (error: Error) => {
    console.error(error.message);
    return auditHost(host.target, result.acks.map((a) => a.ref));
  });
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
    ...(kills > 0 ? { kills, createsInFlightAtKills: inFlightAtKill, tornJournalLines: tornLines } : {}),
    peakRssBytes: peak,
  };
  rows.push([
    kills > 0 ? `burst of ${fmt(count)} with ${kills} × kill -9` : `burst of ${fmt(count)}`,
    `${fmt(result.acks.length)} accepted in ${fmt(acceptedMs / 1000, 1)} s`,
    audit.lost.length === 0 ? `all on host after ${fmt(drainedMs / 1000, 1)} s` : `${audit.lost.length} NOT on host`,
    `${audit.lost.length} lost, ${audit.duplicates.length} duplicates, ${fmt(host.proxy.limited)} answers 403 (limit)${kills > 0 ? `, ${inFlightAtKill} creates in flight at the kills` : ''}; peak server memory ${mib(peak)}`,
  ]);
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

try {
  console.log('building the site…');
  const build = buildSite({ configFile });
  if (build.status !== 0) throw new Error(`build failed:\n${build.output}`);
  cleanups.push(async () => rmSync(build.outDir, { recursive: true, force: true }));
  const burst = args.burst ? Number(args.burst) : undefined;
  const kills = args.crash ? Number(args.crash) : 0;
  if (!burst && !args.outage) await loadTest(build.outDir);
  if (burst) await burstTest(build.outDir, burst, kills);
  if (args.outage) await outageTest(build.outDir, Number(args.outage));

  console.log(`\n| scenario | throughput | latency p50 / p99, or delivery | notes |\n|---|---|---|---|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  const file = path.resolve('bench', 'tickets-latest.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { results?: Record<string, unknown> }) : {};
  mkdirSync(path.dirname(file), { recursive: true });
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
  writeFileSync(file, `${JSON.stringify({ updated: new Date().toISOString(), machine, results: { ...previous.results, ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { ...(v as object), at: new Date().toISOString() }])) } }, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
}
