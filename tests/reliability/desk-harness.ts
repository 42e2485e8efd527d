// The support desk under stress: a real site server (a child process we can SIGKILL), the embedded issue host
// in this process, and a proxy in between that enforces a secondary rate limit on content-creating requests.
// Used by tests/reliability/*.test.ts (short forms) and scripts/bench-tickets.ts (full forms). Loopback only.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadLocalHostCredentials, startLocalHost, type FaultsInput, type LocalHost, type WebhookTarget } from '../../src/local-host/index.ts';
import { serverProcessEnv } from '../../src/server/process-env.ts';
import { openDatabase } from '../../src/store/database.ts';
import { deriveMetadataKey, readMetadata, type MetadataKey, type TicketMetadata } from '../../src/tickets/metadata.ts';

export const BOT_LOGIN = 'helpdesk-bot';
/** The SESSION_SECRET site servers of these runs get: it signs the metadata blocks audits verify. */
export const SITE_SESSION_SECRET = 'reliability-session-secret-0123456789abcdef';
const REPOSITORY = 'local/support';

/** An issue as the host stores it, with the bot's metadata block (undefined when not written by the bot). */
export interface HostTicket {
  number: number;
  title: string;
  meta: TicketMetadata | undefined;
}

/** Where audits read the issues, and the key that verifies their metadata (the site server's). */
export interface AuditTarget {
  url: string;
  /** A token that reads every issue (the repository owner's). */
  token: string;
  readonly key: MetadataKey;
}

/** Every issue on the host (all states, every page), read as the repository owner. */
export async function listHostTickets(target: AuditTarget): Promise<HostTicket[]> {
  const hostUrl = target.url;
  // By issue number: pages of a list that grows while it is read (tickets still being delivered) shift, so one
  // issue can come back on two pages — the same issue, not a ticket filed twice.
  const all = new Map<number, HostTicket>();
  for (let page = 1; ; page += 1) {
    const response = await fetch(`${hostUrl}/repos/${REPOSITORY}/issues?state=all&per_page=100&page=${page}`, { headers: { authorization: `token ${target.token}` } });
    if (!response.ok) throw new Error(`listing issues answered ${response.status}`);
    const issues = (await response.json()) as Array<{ number: number; title: string; body: string | null; user: { login: string } | null }>;
    for (const issue of issues) all.set(issue.number, { number: issue.number, title: issue.title, meta: readMetadata(issue.body, issue.user, BOT_LOGIN, target.key) });
    if (issues.length < 100) return [...all.values()];
  }
}

/** What an audit of the host against the acknowledged tickets found. */
export interface Audit {
  acknowledged: number;
  /** Acknowledged refs with no issue. */
  lost: string[];
  /** Refs, outbox keys or draft keys that appear on more than one issue. */
  duplicates: string[];
  /** Desk tickets on the host (acknowledged or not). */
  issues: number;
}

function repeated(values: Array<string | undefined>): string[] {
  const seen = new Map<string, number>();
  for (const v of values) if (v !== undefined) seen.set(v, (seen.get(v) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([v, n]) => `${v} ×${n}`);
}

/** Checks that every acknowledged ref exists exactly once and that no ref, key or draft key is on two issues. */
export async function auditHost(target: AuditTarget, acknowledged: Iterable<string>): Promise<Audit> {
  const tickets = (await listHostTickets(target)).filter((t) => t.meta?.kind === 'ticket');
  const refs = new Set(tickets.map((t) => t.meta?.ref));
  const acks = [...new Set(acknowledged)];
  const draftKey = (t: HostTicket) => t.meta?.draftKey;
  return {
    acknowledged: acks.length,
    lost: acks.filter((ref) => !refs.has(ref)),
    duplicates: [...repeated(tickets.map((t) => t.meta?.ref)), ...repeated(tickets.map((t) => t.meta?.key)), ...repeated(tickets.map(draftKey))],
    issues: tickets.length,
  };
}

/** A secondary rate limit as GitHub enforces it: at most `max` content-creating requests per `windowMs`, per token. */
export interface SecondaryLimit {
  max: number;
  windowMs: number;
  /** 403 (GitHub's usual answer) or 429. @default 403 */
  status?: 403 | 429;
}

export interface LimitingProxy {
  url: string;
  /** Requests the proxy answered with a secondary-rate-limit error. */
  limited: number;
  /** Requests forwarded, by method. */
  forwarded: Record<string, number>;
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of the issue host that answers content-creating requests (anything but GET/HEAD)
 * beyond the limit with GitHub's secondary-rate-limit answer and a `retry-after`, and forwards the rest.
 */
export async function startLimitingProxy(target: string, limit: SecondaryLimit): Promise<LimitingProxy> {
  const recent = new Map<string, number[]>();
  const state = { limited: 0, forwarded: {} as Record<string, number> };
  const targetUrl = new URL(target);
  const server: Server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD' && !req.url?.startsWith('/_admin')) {
      const who = req.headers.authorization ?? 'anonymous';
      const now = Date.now();
      const times = (recent.get(who) ?? []).filter((t) => t > now - limit.windowMs);
      recent.set(who, times);
      if (times.length >= limit.max) {
        state.limited += 1;
        const retryAfter = Math.max(1, Math.ceil(((times[0] as number) + limit.windowMs - now) / 1000));
        const status = limit.status ?? 403;
        req.resume();
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfter) });
        res.end(
          JSON.stringify({
            message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
            status: String(status),
          }),
        );
        return;
      }
      times.push(now);
    }
    state.forwarded[method] = (state.forwarded[method] ?? 0) + 1;
    const upstream = httpRequest({ host: targetUrl.hostname, port: targetUrl.port, method, path: req.url, headers: { ...req.headers, host: targetUrl.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    // The host reset the connection (an injected fault): reset ours too, so the client sees the same.
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get limited() {
      return state.limited;
    },
    forwarded: state.forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface DeskHost {
  local: LocalHost;
  proxy: LimitingProxy;
  /** The host's issues as the site server on this data folder signs them. */
  target: AuditTarget;
  close(): Promise<void>;
}

/**
 * Starts the issue host (its data in `dataDir/host`) behind a limiting proxy, and registers the proxy as the
 * embedded host of `dataDir` (the lock file the site reads), so a site server on `DATA_DIR=dataDir` uses it.
 */
export async function startDeskHost(dataDir: string, options: { limit: SecondaryLimit; faults?: FaultsInput; webhook?: WebhookTarget }): Promise<DeskHost> {
  // Tokens generated where the site reads them (`DATA_DIR/local-host/tokens.json`), given to the host in `dataDir/host`.
  const { users, adminToken } = loadLocalHostCredentials(path.join(dataDir, 'local-host'));
  const table = users.map(({ id: _id, ...user }) => user);
  const local = await startLocalHost({
    dataDir: path.join(dataDir, 'host'),
    users: table,
    adminToken,
    repositories: [{ fullName: REPOSITORY, private: true }],
    rateLimit: 1_000_000,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.webhook ? { webhook: options.webhook } : {}),
  });
  const proxy = await startLimitingProxy(local.url, options.limit);
  mkdirSync(path.join(dataDir, 'local-host'), { recursive: true });
  writeFileSync(path.join(dataDir, 'local-host', 'local-host.json'), JSON.stringify({ pid: process.pid, url: proxy.url }));
  return {
    local,
    proxy,
    target: {
      url: local.url,
      token: users.find((u) => u.login === 'local')!.token,
      // The site server gets SESSION_SECRET from `siteServer` (below), so nothing is generated in `dataDir/secrets`.
      key: deriveMetadataKey(SITE_SESSION_SECRET),
    },
    async close() {
      await proxy.close();
      await local.close();
    },
  };
}

/** A config file for stress runs: the project's config with the abuse limits raised and rare sweeps. */
export function writeStressConfig(file: string, base = 'helpdesk.config.json'): string {
  const config = JSON.parse(readFileSync(base, 'utf8')) as Record<string, unknown>;
  const big = 1_000_000;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...config, abuse: { ticketsPerIpPerHour: big, ticketsPerEmailPerHour: big, linksPerEmailPer15Min: big }, sweepIntervalSeconds: 3600 }, null, 2));
  return file;
}

/** The site's server as a child process that can be killed with SIGKILL and started again on the same port. */
export interface SiteServer {
  url: string;
  /** The running process's pid (changes on restart). */
  pid(): number | undefined;
  /** Everything the server printed (all runs). */
  output(): string;
  /** Starts (or restarts) the server; `env` adds to or overrides its environment for this run only. */
  start(env?: Record<string, string>): Promise<void>;
  /** SIGKILL: no chance to flush or clean up. */
  kill(): Promise<void>;
  /** Peak resident memory of the current process in bytes (Linux: VmHWM), if readable. */
  peakRss(): number | undefined;
  /** Resident memory of the current process now, in bytes (Linux: VmRSS), if readable. */
  rss(): number | undefined;
  /** Resident memory of the current process by kind of mapping (Linux: /proc/<pid>/smaps), in bytes, if readable. */
  memoryMap(): MemoryMap | undefined;
  /** CPU time the current process used so far (all its threads, user and system), in milliseconds, if readable. */
  cpuMs(): number | undefined;
  /** Where the memory goes: the V8 heap (used and reserved) and memory outside it, from a diagnostic report. */
  heap(): Promise<HeapFigures>;
  /**
   * With BENCH_HEAP_SNAPSHOTS=dir, writes a V8 heap snapshot there (a full collection first, so it shows what is
   * live; open it in Chrome's DevTools) and resolves to its path; otherwise resolves to undefined.
   */
  heapSnapshot(): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** A server's memory split by owner, in bytes (Node's diagnostic report, `javascriptHeap`). */
export interface HeapFigures {
  rss: number;
  heapUsed: number;
  heapReserved: number;
  external: number;
  malloced: number;
}

/**
 * Resident memory by kind of mapping: glibc's main heap (`[heap]`), its other arenas (anonymous 64 MiB
 * reservations), the V8 heap's pages (anonymous 256 KiB mappings at a multiple of their size), other anonymous
 * memory (large buffers, thread stacks), files mapped
 * (the node binary, libraries, SQLite's shared WAL index), and the rest.
 */
export interface MemoryMap {
  mainHeap: number;
  arenas: number;
  v8Pages: number;
  otherAnonymous: number;
  files: Record<string, number>;
}

/** 64 MiB: glibc's arenas other than the main one start at a multiple of their size (HEAP_MAX_SIZE on 64-bit Linux). */
const ARENA_BYTES = 64 * 1024 * 1024;

/** 256 KiB: the size and alignment of a V8 heap page (new, old, code and trusted spaces). */
const V8_PAGE_BYTES = 256 * 1024;

function procMemoryMap(pid: number | undefined): MemoryMap | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return undefined;
  }
  const map: MemoryMap = { mainHeap: 0, arenas: 0, v8Pages: 0, otherAnonymous: 0, files: {} };
  // Each mapping: a header line "start-end perms offset dev inode [path]", then "Key: value kB" lines.
  let start = 0;
  let size = 0;
  let name = '';
  for (const line of text.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      start = Number.parseInt(header[1] as string, 16);
      size = Number.parseInt(header[2] as string, 16) - start;
      name = header[3] ?? '';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (!rss) continue;
    const bytes = Number(rss[1]) * 1024;
    if (name === '[heap]') map.mainHeap += bytes;
    else if (name === '' && start % ARENA_BYTES === 0) map.arenas += bytes;
    else if (name === '' && size === V8_PAGE_BYTES && start % V8_PAGE_BYTES === 0) map.v8Pages += bytes;
    else if (name === '' || name.startsWith('[')) map.otherAnonymous += bytes;
    else map.files[path.basename(name)] = (map.files[path.basename(name)] ?? 0) + bytes;
  }
  return map;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/** The CPU time a process used (utime + stime from /proc/<pid>/stat) in milliseconds, if readable. */
function procCpuMs(pid: number | undefined): number | undefined {
  try {
    // The command name in parentheses may hold spaces; the fields after it are fixed: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / USER_HZ) * 1000;
  } catch {
    return undefined;
  }
}

/** A memory figure of a process from /proc (`VmHWM`, `VmRSS`) in bytes, if readable. */
function procMemory(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const kb = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Prepares (does not start) a site server for a build, a config file and a data folder. */
export async function siteServer(options: {
  outDir: string;
  configFile: string;
  dataDir: string;
  readyTimeoutMs?: number;
  /** More environment, e.g. DATABASE_URL, SMTP_URL, WEBHOOK_SECRET. */
  env?: Record<string, string>;
}): Promise<SiteServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  // A diagnostic report on SIGUSR2 tells heap from the rest of RSS without stopping the server.
  const reportDir = mkdtempSync(path.join(tmpdir(), 'desk-report-'));
  const snapshotDir = process.env['BENCH_HEAP_SNAPSHOTS'] ? path.resolve(process.env['BENCH_HEAP_SNAPSHOTS']) : undefined;
  if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
  // As `npm start` runs it (allocator settings included), so memory figures are those an operator gets.
  const env = serverProcessEnv({
    ...process.env,
    HELPDESK_CONFIG: path.resolve(options.configFile),
    HELPDESK_CONTENT: path.resolve('content/articles'),
    DATA_DIR: options.dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    SESSION_SECRET: SITE_SESSION_SECRET,
    ...options.env,
  });
  const server: SiteServer = {
    url,
    pid: () => child?.pid,
    output: () => output,
    async start(runEnv = {}) {
      // BENCH_CPU_PROFILE=dir writes a V8 CPU profile of each server run there (read it in Chrome's DevTools).
      const profile = process.env['BENCH_CPU_PROFILE'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env['BENCH_CPU_PROFILE'])}`] : [];
      const report = ['--report-on-signal', '--report-signal=SIGUSR2', `--report-directory=${reportDir}`];
      const snapshots = snapshotDir ? ['--heapsnapshot-signal=SIGUSR1', `--diagnostic-dir=${snapshotDir}`] : [];
      const proc = spawn(process.execPath, [...profile, ...report, ...snapshots, path.resolve('scripts/serve.ts'), options.outDir], { env: { ...env, ...runEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      exited = new Promise((resolve) => proc.once('exit', () => resolve()));
      proc.stdout?.on('data', (chunk) => (output += chunk));
      proc.stderr?.on('data', (chunk) => (output += chunk));
      const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
      // Ready once the desk answers: that also opens the outbox and starts its drainer.
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`site server exited with ${proc.exitCode}:\n${output.slice(-4000)}`);
        try {
          const response = await fetch(`${url}/tickets/new`);
          if (response.status === 200) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`site server did not answer within ${options.readyTimeoutMs ?? 30_000} ms:\n${output.slice(-4000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    peakRss: () => procMemory(child?.pid, 'VmHWM'),
    rss: () => procMemory(child?.pid, 'VmRSS'),
    cpuMs: () => procCpuMs(child?.pid),
    memoryMap: () => procMemoryMap(child?.pid),
    async heap() {
      const before = new Set(readdirSync(reportDir));
      child?.kill('SIGUSR2');
      const deadline = Date.now() + 30_000;
      for (;;) {
        const file = readdirSync(reportDir).find((name) => !before.has(name) && name.endsWith('.json'));
        if (file) {
          try {
            const { javascriptHeap: h, resourceUsage } = JSON.parse(readFileSync(path.join(reportDir, file), 'utf8'));
            rmSync(path.join(reportDir, file));
            return { rss: resourceUsage.rss, heapUsed: h.usedMemory, heapReserved: h.totalMemory, external: h.externalMemory, malloced: h.mallocedMemory };
          } catch {
            // still being written
          }
        }
        if (Date.now() > deadline) throw new Error('the server wrote no diagnostic report within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async heapSnapshot() {
      if (!snapshotDir) return undefined;
      const before = new Set(readdirSync(snapshotDir));
      child?.kill('SIGUSR1');
      // V8 writes the snapshot on the server's main thread: once the file stopped growing and the server answers
      // a request again, it is complete.
      const deadline = Date.now() + 120_000;
      let lastSize = -1;
      for (;;) {
        const file = readdirSync(snapshotDir).find((name) => !before.has(name) && name.endsWith('.heapsnapshot'));
        if (file) {
          const size = statSync(path.join(snapshotDir, file)).size;
          if (
            size > 0 &&
            size === lastSize &&
            (await fetch(`${url}/tickets/new`).then(
              (r) => r.ok,
              () => false,
            ))
          )
            return path.join(snapshotDir, file);
          lastSize = size;
        }
        if (Date.now() > deadline) throw new Error('the server wrote no heap snapshot within 120 s');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGUSR2');
        await new Promise((r) => setTimeout(r, 500));
        console.log(
          output
            .split('\n')
            .filter((l) => l.includes('SQLTIME'))
            .join('\n'),
        );
        if (process.env['GCLOG']) writeFileSync(process.env['GCLOG'], output);
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(reportDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** The ticket form's fields for submission `i`; `draftKey` makes a resubmission open the same ticket. */
export function ticketFields(i: number, draftKey: string = randomUUID()): Record<string, string> {
  return {
    email: `customer-${i}@example.com`,
    name: `Customer ${i}`,
    subject: `Stress ticket ${i}`,
    message: `Load test message number ${i}. My parcel did not arrive.`,
    type: 'problem',
    category: ['orders', 'shipping', 'returns', 'payments'][i % 4] as string,
    website: '',
    idempotencyKey: draftKey,
  };
}

/** A multipart body for the ticket form, as a browser sends it. */
export function multipartBody(fields: Record<string, string>): { body: string; contentType: string } {
  const boundary = `----stress${randomUUID().replace(/-/g, '')}`;
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  return { body: `${parts.join('')}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A multipart body with files as well, as bytes (files may be binary). */
export function multipartWithFiles(fields: Record<string, string>, files: Array<{ field: string; name: string; type: string; bytes: Uint8Array }>): { body: Buffer; contentType: string } {
  const { body, contentType } = multipartBody(fields);
  const boundary = contentType.slice(contentType.indexOf('boundary=') + 'boundary='.length);
  const head = body.slice(0, body.length - `--${boundary}--\r\n`.length);
  const parts = files.flatMap((f) => [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.name}"\r\nContent-Type: ${f.type}\r\n\r\n`),
    Buffer.from(f.bytes),
    Buffer.from('\r\n'),
  ]);
  return { body: Buffer.concat([Buffer.from(head), ...parts, Buffer.from(`--${boundary}--\r\n`)]), contentType };
}

/** An acknowledged submission: the ref and the session cookie that may read it. */
export interface Ack {
  ref: string;
  cookie: string;
}

/** Submits one ticket (JSON answer); the ack when the site answered 201, else undefined. Throws on network errors. */
export async function submitTicket(siteUrl: string, fields: Record<string, string>): Promise<Ack | undefined> {
  const { body, contentType } = multipartBody(fields);
  const response = await fetch(`${siteUrl}/tickets/new`, { method: 'POST', body, headers: { 'content-type': contentType, accept: 'application/json', origin: siteUrl }, redirect: 'manual' });
  const text = await response.text();
  if (response.status !== 201) return undefined;
  return ackFrom(text, response.headers.getSetCookie());
}

/** Reads the ref out of the `{ url }` answer and the session cookie out of Set-Cookie. */
export function ackFrom(body: string, setCookies: string[]): Ack | undefined {
  const url = (JSON.parse(body) as { url?: string }).url ?? '';
  const ref = /\/tickets\/(T-[A-Z0-9]+)/.exec(url)?.[1];
  if (!ref) return undefined;
  const cookie = setCookies.map((c) => c.split(';')[0]).join('; ');
  return { ref, cookie };
}

/**
 * Submits `count` tickets with `concurrency` clients. A submission that fails on the network (the server was
 * killed) is sent again with the same draft key until it is acknowledged or `deadline` passes, as the
 * offline-draft form does. With several server addresses, submissions take turns, and a resend goes to the
 * next address, as a load balancer would send it. Resolves with the acks, in completion order.
 */
export async function submitMany(
  siteUrls: string | readonly string[],
  count: number,
  options: { concurrency: number; offset?: number; deadline: number; onAck?: (ack: Ack) => void },
): Promise<{ acks: Ack[]; refused: number; networkErrors: number }> {
  const urls = typeof siteUrls === 'string' ? [siteUrls] : siteUrls;
  const acks: Ack[] = [];
  let next = 0;
  let refused = 0;
  let networkErrors = 0;
  const worker = async () => {
    while (next < count) {
      const i = (options.offset ?? 0) + next++;
      const fields = ticketFields(i);
      for (let attempt = 0; ; attempt += 1) {
        if (Date.now() > options.deadline) throw new Error(`submission ${i} not acknowledged before the deadline`);
        try {
          const ack = await submitTicket(urls[(i + attempt) % urls.length] as string, fields);
          if (ack) {
            acks.push(ack);
            options.onAck?.(ack);
          } else refused += 1;
          break;
        } catch {
          networkErrors += 1;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { acks, refused, networkErrors };
}

/** Polls `check` every `intervalMs` until it returns a value, or throws after `timeoutMs` saying what it waited for. */
export async function pollUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until every acknowledged ticket is on the host; resolves with the final audit. */
export function waitForDelivery(target: AuditTarget, acks: Iterable<string>, timeoutMs: number): Promise<Audit> {
  const refs = [...acks];
  return pollUntil(
    `all ${refs.length} acknowledged tickets on the host`,
    async () => {
      const audit = await auditHost(target, refs);
      return audit.lost.length === 0 ? audit : undefined;
    },
    timeoutMs,
    500,
  );
}

/** What the outbox in a data folder's store says about its entries. */
export interface OutboxStats {
  entries: number;
  /**
   * Entries with an attempt recorded and a lease still on them: read after a kill, the requests the process died
   * waiting for (an entry that failed before and was claimed again, not yet re-sent, counts too).
   */
  inFlight: number;
  /** Entries sent more than once. */
  retried: number;
  /** Attachment bytes still waiting in the store. */
  blobs: number;
}

/** Reads the outbox of `dataDir`'s store (or the PostgreSQL one) the way a support engineer would, without opening the outbox. */
export async function outboxStats(dataDir: string, databaseUrl?: string): Promise<OutboxStats> {
  const database = await openDatabase({ dataDir, databaseUrl });
  try {
    const { db } = database;
    const count = async (query: ReturnType<typeof db.selectFrom<'outbox'>>) => Number((await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return {
      entries: await count(db.selectFrom('outbox')),
      inFlight: await count(db.selectFrom('outbox').where('status', '=', 'queued').where('attempts', '>', 0).where('lease_owner', 'is not', null)),
      retried: await count(db.selectFrom('outbox').where('attempts', '>', 1)),
      blobs: Number(
        (
          await db
            .selectFrom('attachment_blobs')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    };
  } finally {
    await database.close();
  }
}
