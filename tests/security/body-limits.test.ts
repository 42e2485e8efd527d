// Request bodies are bounded while they are read (src/server/bounded-body.ts): 300 MB sent to every POST
// endpoint and form action, chunked (no Content-Length) or with a Content-Length that lies, by a client that
// goes on sending after the answer, is refused at the endpoint's limit, the server stops reading there, and
// its resident memory (the server runs in a process of its own; /proc/<pid>/status) grows by less than 20 MiB.
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config-schema.ts';
import { BODY_LIMITS, formBodyLimit, previewBodyLimit } from '../../src/server/bounded-body.ts';
import { hashPassword } from '../../src/staff/passwords.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { CHAT_BODY_LIMIT } from '../../src/server/chat.ts';

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'body-limits-')));
const configFile = path.join(root, 'helpdesk.config.json');
const STAFF_PASSWORD = 'body limits suite staff password';
const MiB = 1024 * 1024;
const ATTACK_BYTES = 300 * MiB;
/**
 * What the server may read besides the body up to its limit: the request head, the store's pages, the page it
 * answers with, and the chunks already on their way when it stops reading.
 */
const READ_SLACK = 2 * MiB;

let site: RunningSite;
let customer: SiteClient;
let staff: SiteClient;
let ticketPath: string;

/** The server process's memory in MiB (proc(5)): resident now (VmRSS) and at its peak since the last reset (VmHWM). */
function memoryMiB(): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${site.pid}/status`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { rss: kB('VmRSS') / 1024, peak: kB('VmHWM') / 1024 };
}

/** Bytes the server process has read so far, from sockets and files alike (rchar in /proc/<pid>/io, proc(5)). */
function bytesReadByServer(): number {
  return Number(/^rchar:\s+(\d+)$/m.exec(readFileSync(`/proc/${site.pid}/io`, 'utf8'))![1]);
}

/** Starts a new peak: VmHWM falls back to the current VmRSS (writing "5" to /proc/<pid>/clear_refs, proc(5)). */
function resetPeak(): void {
  writeFileSync(`/proc/${site.pid}/clear_refs`, '5');
}

/** `total` bytes of zeros, made on the fly one 1 MiB chunk at a time. */
function zeros(total: number): Readable {
  const chunk = Buffer.alloc(MiB);
  return Readable.from(
    (function* () {
      for (let made = 0; made < total; made += MiB) yield chunk;
    })(),
    { objectMode: false },
  );
}

interface Outcome {
  /** The status of the answer, or undefined when the connection closed without one. */
  status: number | undefined;
  /** The answer as far as it came (status line, headers, start of the body). */
  answer: string;
  /** Body bytes the connection took (written and drained) before the server closed it: what the server read, plus what the kernel buffers. */
  sentBytes: number;
  ms: number;
}

/**
 * Sends `total` zero bytes to `target` on a raw connection, chunked or under a declared Content-Length, the
 * way an attacker does: it keeps writing after the answer came, as long as the server takes the bytes, and
 * stops only when the connection is closed (or after 15 s without progress, which fails the checks).
 */
async function flood(target: string, options: { headers?: Record<string, string> | undefined; cookies?: SiteClient | undefined; contentLength?: number; total?: number }): Promise<Outcome> {
  const url = new URL(target, site.url);
  const started = Date.now();
  // Half-open allowed: the server's end of the conversation does not stop this side writing.
  const socket: Socket = connect({ port: Number(url.port), host: url.hostname, allowHalfOpen: true });
  await once(socket, 'connect');
  let answer = '';
  let sentBytes = 0;
  let closed = false;
  let onClosed!: () => void;
  const closing = new Promise<void>((resolve) => (onClosed = resolve));
  socket.on('data', (data: Buffer) => {
    answer += data.toString('latin1');
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closed = true;
    onClosed();
  });
  const cookies = options.cookies ? [...options.cookies.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  const headers: Record<string, string> = {
    Host: url.host,
    Origin: site.url,
    'Content-Type': 'multipart/form-data; boundary=----bounded',
    ...(cookies ? { Cookie: cookies } : {}),
    ...options.headers,
    ...(options.contentLength === undefined ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(options.contentLength) }),
  };
  socket.write(
    `POST ${url.pathname}${url.search} HTTP/1.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n`,
  );
  const stalled = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
  for await (const chunk of zeros(options.total ?? ATTACK_BYTES)) {
    if (closed || socket.destroyed) break;
    const framed = options.contentLength === undefined ? Buffer.concat([Buffer.from(`${(chunk as Buffer).length.toString(16)}\r\n`), chunk as Buffer, Buffer.from('\r\n')]) : (chunk as Buffer);
    // Counted once the connection took it: a server that stops reading leaves it waiting here until it closes.
    if (!socket.write(framed) && (await Promise.race([new Promise((resolve) => socket.once('drain', () => resolve('drained'))), closing, stalled])) !== 'drained') break;
    sentBytes += (chunk as Buffer).length;
    // Let the answer in between chunks: a fast reader on the other side would otherwise starve it.
    await nextTurn();
  }
  if (!closed && options.contentLength === undefined && !socket.destroyed) socket.write('0\r\n\r\n');
  await Promise.race([closing, stalled]);
  socket.destroy();
  const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
  return { status: status === undefined ? undefined : Number(status), answer: answer.slice(0, 600), sentBytes, ms: Date.now() - started };
}

const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
const limits = ConfigSchema.parse(config);

beforeAll(async () => {
  writeFileSync(
    configFile,
    JSON.stringify({
      ...config,
      staffAccounts: [{ login: 'support-anna', passwordHash: await hashPassword(STAFF_PASSWORD) }],
      abuse: { ticketsPerIpPerHour: 10_000, ticketsPerEmailPerHour: 10_000, linksPerEmailPer15Min: 10_000 },
    }),
  );
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: path.join(root, 'data') });
  // A ticket and its customer's session, and a staff session: the ticket and workspace forms read bodies only then.
  customer = new SiteClient(site.url);
  const opened = await customer.post('/tickets/new', {
    email: 'bodies@example.com',
    subject: 'Body limits',
    message: 'A ticket for the body limit checks.',
    type: 'question',
    category: 'orders',
    website: '',
  });
  expect(opened.status, await opened.clone().text()).toBe(303);
  ticketPath = opened.headers.get('location')!.split('?')[0]!;
  staff = new SiteClient(site.url);
  expect((await staff.post('/staff/signin', { login: 'support-anna', password: STAFF_PASSWORD })).status).toBe(303);
});
afterAll(() => site?.stop());

/** Every POST endpoint and form action under src/pages: what it answers a 300 MB body, and how much of it it reads at most. */
const targets: { name: string; path: () => string; client?: () => SiteClient; headers?: Record<string, string>; status: number; reads: number; signsOut?: boolean }[] = [
  // The ticket and reply forms take attachments: the largest body any form reads.
  { name: 'ticket form (uploads)', path: () => '/tickets/new', status: 413, reads: formBodyLimit(limits) },
  { name: 'ticket page actions (reply with uploads, close, rate)', path: () => ticketPath, client: () => customer, status: 413, reads: formBodyLimit(limits) },
  { name: 'My tickets sign-in form', path: () => '/tickets', status: 413, reads: BODY_LIMITS.signInForm },
  { name: 'sign-in link Continue', path: () => '/tickets/access', status: 413, reads: BODY_LIMITS.accessLink },
  { name: 'message preview (JSON API)', path: () => '/api/preview', headers: { 'Content-Type': 'text/plain; charset=utf-8' }, status: 413, reads: previewBodyLimit(limits) },
  // Signed (wrongly): read up to GitHub's 25 MB payload cap, then refused.
  {
    name: 'webhook, signed',
    path: () => '/api/webhooks/git-host',
    headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'issues', 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` },
    status: 413,
    reads: BODY_LIMITS.webhook,
  },
  // Unsigned: refused before a byte of the body is read.
  { name: 'webhook, unsigned', path: () => '/api/webhooks/git-host', headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'issues' }, status: 401, reads: 0 },
  { name: 'staff sign-in', path: () => '/staff/signin', status: 413, reads: BODY_LIMITS.staffSignIn },
  // Staff replies and notes take attachments too, within the customers' limits.
  { name: 'staff ticket actions (reply with uploads)', path: () => '/staff/tickets/1', client: () => staff, status: 413, reads: formBodyLimit(limits) },
  // The chat panel's JSON API, on a conversation of the customer's (any of their tickets takes a message).
  { name: 'chat: first message (JSON API)', path: () => '/api/chat', headers: { 'Content-Type': 'application/json' }, status: 413, reads: CHAT_BODY_LIMIT },
  {
    name: 'chat: a message (JSON API)',
    path: () => `/api/chat/${ticketPath.split('/').pop()}/messages`,
    client: () => customer,
    headers: { 'Content-Type': 'application/json' },
    status: 413,
    reads: CHAT_BODY_LIMIT,
  },
  { name: 'staff: viewing a ticket', path: () => '/staff/tickets/1/viewing', client: () => staff, status: 413, reads: BODY_LIMITS.staffAction },
  { name: 'staff chat page actions', path: () => '/staff/chat?c=1', client: () => staff, status: 413, reads: BODY_LIMITS.staffAction },
  // A customer page that does not exist reads no form at all.
  { name: 'staff: open a conversation, no such customer', path: () => '/staff/customers/c-unknown', client: () => staff, status: 404, reads: 0 },
  // These read no body at all: they answer, and the connection is closed with the upload unread.
  { name: 'customer sign-out', path: () => '/tickets/signout', status: 303, reads: 0, signsOut: true },
  { name: 'staff sign-out', path: () => '/staff/signout', client: () => staff, status: 303, reads: 0, signsOut: true },
];

/** How much the server's resident memory may grow while it refuses one 300 MB body (the issue's bound). */
const GROWTH_BOUND_MiB = 20;

describe('a 300 MB request body', () => {
  /** The server's resident memory when the first attack starts, and the highest peak seen since. */
  let baseline: number;
  let runPeak: number;
  const report: string[] = [];

  beforeAll(async () => {
    // Warm up: every route rendered once, so what follows measures bodies, not code loading.
    for (const target of targets)
      await ((!target.signsOut && target.client?.()) || new SiteClient(site.url)).fetch(target.path(), {
        method: 'POST',
        body: new URLSearchParams({ x: '1' }),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    resetPeak();
    baseline = memoryMiB().rss;
    runPeak = baseline;
  });
  afterAll(() => console.log([...report, `RSS at the start ${baseline.toFixed(1)} MiB, peak over the run ${runPeak.toFixed(1)} MiB (+${(runPeak - baseline).toFixed(1)})`].join('\n')));

  /** Runs one attack and measures the server during it: how much it read, and its peak resident memory from a fresh peak. */
  async function measured(attack: () => Promise<Outcome>): Promise<Outcome & { readBytes: number; growthMiB: number }> {
    resetPeak();
    const before = memoryMiB().rss;
    const readBefore = bytesReadByServer();
    const outcome = await attack();
    const readBytes = bytesReadByServer() - readBefore;
    const { peak } = memoryMiB();
    runPeak = Math.max(runPeak, peak);
    return { ...outcome, readBytes, growthMiB: peak - before };
  }

  it.each(targets)('$name: refused at its limit, chunked or under a lying Content-Length, the server growing by < 20 MiB', { timeout: 40_000 }, async (target) => {
    const chunked = await measured(() => flood(target.path(), { headers: target.headers, cookies: target.client?.() }));
    // A small Content-Length that lies: the server reads those bytes as the body and nothing more; the
    // rest cannot be a request, so the connection is closed.
    const lying = await measured(() => flood(target.path(), { headers: target.headers, cookies: target.client?.(), contentLength: 1_000 }));
    report.push(
      `${target.name.padEnd(54)} chunked ${chunked.status}: ${(chunked.sentBytes / MiB).toFixed(0).padStart(3)} MiB sent, ${(chunked.readBytes / MiB).toFixed(1).padStart(4)} MiB read, ${String(chunked.ms).padStart(5)} ms, peak RSS +${chunked.growthMiB.toFixed(1).padStart(4)} MiB; lying length ${lying.status ?? 'closed'}: ${(lying.readBytes / MiB).toFixed(1)} MiB read, +${lying.growthMiB.toFixed(1)} MiB`,
    );
    expect(chunked.status, `${target.name}, chunked: ${chunked.answer}`).toBe(target.status);
    // The server stopped reading at its limit, though the client went on sending after the answer.
    expect(chunked.readBytes, `${target.name}, chunked: bytes read`).toBeLessThan(target.reads + READ_SLACK);
    expect(chunked.growthMiB, `${target.name}, chunked: peak RSS growth`).toBeLessThan(GROWTH_BOUND_MiB);
    // The endpoint answers the 1,000 bytes it was told of (no 2xx, no 5xx), or Node cuts the connection
    // first when the bytes after them fail to parse as the next request; either way it stops reading.
    if (lying.status !== undefined) expect(lying.status, `${target.name}, lying length: ${lying.answer}`).toBeGreaterThanOrEqual(300);
    if (lying.status !== undefined) expect(lying.status, `${target.name}, lying length: ${lying.answer}`).toBeLessThan(500);
    expect(lying.readBytes, `${target.name}, lying length: bytes read`).toBeLessThan(target.reads + READ_SLACK);
    expect(lying.growthMiB, `${target.name}, lying length: peak RSS growth`).toBeLessThan(GROWTH_BOUND_MiB);
  });

  it('with an honest Content-Length over the largest limit is refused before the app runs', { timeout: 20_000 }, async () => {
    const declared = await measured(() => flood('/tickets/new', { contentLength: ATTACK_BYTES }));
    report.push(`declared 300 MB Content-Length: ${declared.status}: ${(declared.readBytes / MiB).toFixed(1)} MiB read, peak RSS +${declared.growthMiB.toFixed(1)} MiB`);
    expect(declared.status, declared.answer).toBe(413);
    expect(declared.readBytes).toBeLessThan(READ_SLACK);
    expect(declared.growthMiB).toBeLessThan(GROWTH_BOUND_MiB);
  });

  it('leaves the server within 20 MiB of where it started over the whole run, and working', async () => {
    // Each attack's memory is reused by the next: the peak of the whole run, not only of each attack, stays bounded.
    expect(runPeak - baseline, report.join('\n')).toBeLessThan(GROWTH_BOUND_MiB);
    expect((await fetch(`${site.url}/tickets/new`)).status).toBe(200);
  });
});
