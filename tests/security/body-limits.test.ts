// Request bodies are bounded while they are read (src/server/bounded-body.ts): 300 MB sent to every POST
// endpoint and form action, chunked (no Content-Length) or with a Content-Length that lies, is refused at
// the endpoint's limit while the server's memory stays put.
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/staff/passwords.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'body-limits-')));
const configFile = path.join(root, 'helpdesk.config.json');
const STAFF_PASSWORD = 'body limits suite staff password';
const MiB = 1024 * 1024;
const ATTACK_BYTES = 300 * MiB;

let site: RunningSite;
let customer: SiteClient;
let staff: SiteClient;
let ticketPath: string;

/** The site server's resident memory, in MiB. */
function rssMiB(): number {
  const status = readFileSync(`/proc/${site.pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
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
  /** Body bytes written before the answer came or the connection closed. */
  sentBytes: number;
  ms: number;
}

/**
 * Sends `total` zero bytes to `target` on a raw connection, chunked or under a declared Content-Length,
 * and stops writing as soon as the server answers or closes the connection.
 */
async function flood(target: string, options: { headers?: Record<string, string> | undefined; cookies?: SiteClient | undefined; contentLength?: number; total?: number }): Promise<Outcome> {
  const url = new URL(target, site.url);
  const started = Date.now();
  const socket: Socket = connect(Number(url.port), url.hostname);
  await once(socket, 'connect');
  let answer = '';
  let sentBytes = 0;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  socket.on('data', (data: Buffer) => {
    answer += data.toString('latin1');
    if (answer.includes('\r\n\r\n')) stop();
  });
  socket.on('error', () => stop());
  socket.on('close', () => stop());
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
  let done = false;
  void stopped.then(() => (done = true));
  for await (const chunk of zeros(options.total ?? ATTACK_BYTES)) {
    if (done || socket.destroyed) break;
    const framed = options.contentLength === undefined ? Buffer.concat([Buffer.from(`${(chunk as Buffer).length.toString(16)}\r\n`), chunk as Buffer, Buffer.from('\r\n')]) : (chunk as Buffer);
    const flushed = socket.write(framed);
    sentBytes += (chunk as Buffer).length;
    if (!flushed) await Promise.race([once(socket, 'drain'), stopped]);
    // Let the answer in between chunks: a fast reader on the other side would otherwise starve it.
    await nextTurn();
  }
  if (!done && options.contentLength === undefined && !socket.destroyed) socket.write('0\r\n\r\n');
  await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  socket.destroy();
  const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
  return { status: status === undefined ? undefined : Number(status), answer: answer.slice(0, 600), sentBytes, ms: Date.now() - started };
}

beforeAll(async () => {
  const config = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
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

/** Every POST endpoint and form action under src/pages, with what it answers a 300 MB body. */
const targets: { name: string; path: () => string; client?: () => SiteClient; headers?: Record<string, string>; status: number; signsOut?: boolean }[] = [
  { name: 'ticket form', path: () => '/tickets/new', status: 413 },
  { name: 'ticket page actions (reply, close, rate)', path: () => ticketPath, client: () => customer, status: 413 },
  { name: 'My tickets sign-in form', path: () => '/tickets', status: 413 },
  { name: 'sign-in link Continue', path: () => '/tickets/access', status: 413 },
  { name: 'message preview', path: () => '/api/preview', headers: { 'Content-Type': 'text/plain; charset=utf-8' }, status: 413 },
  // Signed (wrongly): read up to GitHub's 25 MB payload cap, then refused.
  {
    name: 'webhook, signed',
    path: () => '/api/webhooks/git-host',
    headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'issues', 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` },
    status: 413,
  },
  // Unsigned: refused before a byte of the body is read.
  { name: 'webhook, unsigned', path: () => '/api/webhooks/git-host', headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'issues' }, status: 401 },
  { name: 'staff sign-in', path: () => '/staff/signin', status: 413 },
  { name: 'staff ticket actions', path: () => '/staff/tickets/1', client: () => staff, status: 413 },
  // These read no body at all: they answer, and the connection is closed with the upload unread.
  { name: 'customer sign-out', path: () => '/tickets/signout', status: 303, signsOut: true },
  { name: 'staff sign-out', path: () => '/staff/signout', client: () => staff, status: 303, signsOut: true },
];

describe('a 300 MB request body', () => {
  it('is refused at each endpoint’s limit, chunked or under a lying Content-Length, while the server’s memory stays put', { timeout: 60_000 }, async () => {
    // Warm up: every route rendered once, so what follows measures bodies, not code loading.
    for (const target of targets)
      await ((!target.signsOut && target.client?.()) || new SiteClient(site.url)).fetch(target.path(), {
        method: 'POST',
        body: new URLSearchParams({ x: '1' }),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    const baseline = rssMiB();
    const report: string[] = [];
    let peak = baseline;
    for (const target of targets) {
      const before = rssMiB();
      const chunked = await flood(target.path(), { headers: target.headers, cookies: target.client?.() });
      const afterChunked = rssMiB();
      // A small Content-Length that lies: the server reads those bytes as the body and nothing more; the
      // rest cannot be a request, so the connection is closed.
      const lying = await flood(target.path(), { headers: target.headers, cookies: target.client?.(), contentLength: 1_000 });
      const after = rssMiB();
      peak = Math.max(peak, afterChunked, after);
      report.push(
        `${target.name.padEnd(42)} chunked ${chunked.status} after ${(chunked.sentBytes / MiB).toFixed(0).padStart(3)} MiB sent, ${String(chunked.ms).padStart(5)} ms, RSS ${(afterChunked - before).toFixed(1).padStart(5)} MiB; lying length ${lying.status ?? 'closed'} after ${(lying.sentBytes / MiB).toFixed(0).padStart(3)} MiB, RSS ${(after - afterChunked).toFixed(1).padStart(5)} MiB`,
      );
      expect(chunked.status, `${target.name}, chunked: ${chunked.answer}`).toBe(target.status);
      // Refused long before the end: the server stopped reading at its limit (GitHub's 25 MB cap at most).
      expect(chunked.sentBytes, `${target.name}, chunked`).toBeLessThan(100 * MiB);
      // The endpoint answers the 1,000 bytes it was told of (no 2xx, no 5xx), or Node cuts the connection
      // first when the bytes after them fail to parse as the next request; either way it stops reading.
      if (lying.status !== undefined) expect(lying.status, `${target.name}, lying length: ${lying.answer}`).toBeGreaterThanOrEqual(300);
      if (lying.status !== undefined) expect(lying.status, `${target.name}, lying length: ${lying.answer}`).toBeLessThan(500);
      expect(lying.sentBytes, `${target.name}, lying length`).toBeLessThan(100 * MiB);
    }
    // An honest Content-Length over the largest limit is refused before the app runs.
    const declared = await flood('/tickets/new', { contentLength: ATTACK_BYTES });
    expect(declared.status, declared.answer).toBe(413);
    expect(declared.sentBytes).toBeLessThan(100 * MiB);
    const end = rssMiB();
    report.push(`declared 300 MB Content-Length: ${declared.status} after ${(declared.sentBytes / MiB).toFixed(0)} MiB sent`);
    // What was read up to the limits is garbage once refused, freed by V8's next collection: V8 collects when
    // about 64 MiB of such memory has piled up, or when the process goes quiet. So the peak is bounded by that
    // allowance, not by the body (before: +0.9 GB for one 300 MB body), and nothing is kept once it ran.
    const settleDeadline = Date.now() + 40_000;
    let settled = rssMiB();
    while (settled - baseline >= 20 && Date.now() < settleDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      settled = rssMiB();
    }
    report.push(
      `RSS baseline ${baseline.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB (+${(peak - baseline).toFixed(1)}), after the last request ${end.toFixed(1)} MiB (+${(end - baseline).toFixed(1)}), settled ${settled.toFixed(1)} MiB (+${(settled - baseline).toFixed(1)})`,
    );
    console.log(report.join('\n'));
    expect(peak - baseline, report.join('\n')).toBeLessThan(100);
    expect(settled - baseline, report.join('\n')).toBeLessThan(20);
    // And the site still works.
    expect((await fetch(`${site.url}/tickets/new`)).status).toBe(200);
  });
});
