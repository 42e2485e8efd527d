// The workflow's shared state in the store, on the engine this run tests (SQLite by default, PostgreSQL with
// STORE_ENGINE=postgres): what two server processes on one store may do at once. Each "instance" is its own
// openDatabase connection (its own pool on PostgreSQL, its own SQLite connection to the same file).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAIL_TEMPLATES } from '../../src/mail/default-templates.ts';
import { claimMails, openMailQueue, type MailQueue } from '../../src/mail/mail-queue.ts';
import { loadMailTemplates } from '../../src/mail/render-template.ts';
import { createMailTransport, type MailTransport } from '../../src/mail/transport.ts';
import { createCustomerAccess } from '../../src/server/customer-access.ts';
import { createRateLimits } from '../../src/server/rate-limits.ts';
import { createRevokedSessions } from '../../src/server/revoked-sessions.ts';
import { createUsedLinks } from '../../src/server/used-links.ts';
import type { Database } from '../../src/store/database.ts';
import { importWorkflowJournals } from '../../src/store/import-workflow-journals.ts';
import { HEADER_END } from '../../src/tickets/thread.ts';
import { DeskError } from '../../src/tickets/errors.ts';
import { kindsOf, type MessageKind, type SeenMessage } from '../../src/tickets/message-kinds.ts';
import { openWorkflow, type DeliveryOutcome, type WebhookDelivery, type Workflow } from '../../src/workflow/index.ts';
import { nextInRotation, type RoutingPool } from '../../src/workflow/routing.ts';
import { DELIVERIES_KEPT_MS, kindRegistry, WorkflowStore } from '../../src/workflow/store.ts';
import { EXTRA_USERS, startSmtp, testConfig } from '../api/workflow-harness.ts';
import { startTestHost } from '../helpers/local-host.ts';
import { freshStore, STORE_ENGINE } from '../helpers/store.ts';
import { waitFor } from '../helpers/wait.ts';

let store: Awaited<ReturnType<typeof freshStore>>;
/** The two instances: two connections to one store. */
let a: Database;
let b: Database;

beforeEach(async () => {
  store = await freshStore();
  a = store.database;
  b = await store.open();
});
afterEach(async () => {
  await b.close().catch(() => {});
  await store.remove();
});

const quiet = { warn: () => {}, info: () => {} };
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);
/** Runs the calls interleaved: every promise is started before any is awaited. */
const together = <T>(calls: Array<() => Promise<T>>) => Promise.all(calls.map((call) => call()));

describe(`the workflow's state on ${STORE_ENGINE}`, () => {
  it('message kinds: the first writer wins when two instances classify the same messages at once', async () => {
    const ra = kindRegistry(a);
    const rb = kindRegistry(b);
    const ids = range(120, 1000);
    const answers = await together([
      ...ids.map((id) => () => ra.rememberAll([[id, 'customer']])),
      ...ids.map((id) => () => rb.rememberAll([[id, 'internal-note']])),
      () => ra.rememberAll(ids.map((id) => [id, 'system'] as const)),
    ]);
    const stored = await ra.getAll(ids);
    expect(stored.size).toBe(ids.length);
    // Every caller was told the kind in force, whoever wrote it: one decision per message.
    for (const answer of answers) for (const [id, kind] of answer) expect(kind).toBe(stored.get(id));
    expect(await rb.getAll(ids)).toEqual(stored);
    // Once fixed, a kind never changes.
    const again = await rb.rememberAll(ids.map((id) => [id, 'outsider'] as const));
    expect(again).toEqual(stored);
  });

  it('message kinds: kindsOf on two instances gives one answer per message, asked once per view', async () => {
    const at = '2026-01-01T10:00:00Z';
    const thread: SeenMessage[] = range(30).map((id) => ({ id, author: { login: 'support-anna', isBot: false }, body: id % 2 ? '/reply hi' : 'note', meta: undefined, createdAt: at, updatedAt: at }));
    // One view sees the first bodies (a webhook); the other only the edited text, where every message is a /reply.
    const edited = thread.map((m) => ({ ...m, body: '/reply edited', updatedAt: '2026-01-01T11:00:00Z' }));
    const ctx = (database: Database) => ({ registry: kindRegistry(database), rules: { repliesPublicByDefault: false }, hasWriteAccess: async () => true });
    const [one, two] = await together([() => kindsOf(edited, ctx(a), new Map(thread.map((m) => [m.id, m]))), () => kindsOf(edited, ctx(b))]);
    expect(one).toEqual(two);
    expect((await kindsOf(edited, ctx(a))).size).toBe(30);
  });

  it('webhook deliveries: of two instances remembering the same deliveries at once, exactly one is first', async () => {
    const sa = new WorkflowStore(a);
    const sb = new WorkflowStore(b);
    const ids = range(60).map((i) => `delivery-${i}`);
    const firsts = await together([...ids.map((id) => () => sa.rememberDelivery(id, `hash-${id}`)), ...ids.map((id) => () => sb.rememberDelivery(id, `hash-${id}`))]);
    expect(firsts.filter(Boolean)).toHaveLength(ids.length);
    // A replay under a fresh id is caught by its body hash; a fresh body under a used id by its id.
    expect(await sb.rememberDelivery('fresh-id', 'hash-delivery-1')).toBe(false);
    expect(await sa.rememberDelivery('delivery-2', 'fresh-hash')).toBe(false);
    expect(await sa.rememberDelivery('delivery-new', 'hash-new')).toBe(true);
  });

  it('webhook deliveries: older than 30 days are pruned', async () => {
    const s = new WorkflowStore(a);
    const now = Date.now();
    await s.rememberDelivery('old', 'old-hash', now - DELIVERIES_KEPT_MS - 60_000);
    await s.rememberDelivery('recent', 'recent-hash', now - DELIVERIES_KEPT_MS + 60_000);
    expect(await s.pruneDeliveries(now)).toBe(1);
    expect(await s.rememberDelivery('old', 'old-hash')).toBe(true);
    expect(await s.rememberDelivery('recent', 'other')).toBe(false);
  });

  it('round-robin: two instances routing at once never assign the same supporter twice in a row', async () => {
    const pool: RoutingPool = { key: 'category:orders', logins: ['anna', 'ben', 'carla'] };
    const sa = new WorkflowStore(a);
    const sb = new WorkflowStore(b);
    const calls = 30;
    const routed = await together(range(2 * calls).map((i) => () => (i % 2 ? sa : sb).nextRoute(pool)));
    const results = routed.map((r) => r!);
    // Each choice is the rule's next after what it replaced…
    for (const r of results) expect(r.login).toBe(nextInRotation(pool, r.previous));
    // …and no two choices replaced the same pointer: the choices form one chain from the empty rotation.
    const final = (await sa.lastRouted(pool.key))!;
    const replaced = results.map((r) => r.previous ?? '(none)').sort();
    const chain = ['(none)', ...results.map((r) => r.login)];
    chain.splice(chain.lastIndexOf(final), 1);
    expect(replaced).toEqual(chain.sort());
    for (const login of pool.logins) expect(results.filter((r) => r.login === login)).toHaveLength((2 * calls) / 3);
  });

  it('used sign-in links: a link opens once, even opened on two instances at once', async () => {
    const ua = createUsedLinks(a);
    const ub = createUsedLinks(b);
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const uses = await together(range(20).map((i) => () => (i % 2 ? ua : ub).use('nonce-abc', exp)));
    expect(uses.filter(Boolean)).toHaveLength(1);
    expect(await ub.use('nonce-other', exp)).toBe(true);
    // Expired entries are forgotten (their links are refused by the signature check anyway).
    const later = createUsedLinks(a, () => exp + 1);
    expect(await later.use('nonce-late', exp + 3600)).toBe(true);
    expect(await a.db.selectFrom('used_links').select('id').orderBy('id').execute()).toEqual([{ id: 'nonce-late' }]);
  });

  it('sessions: a session signed out on one instance is refused on the other', async () => {
    const secret = 'a-test-secret-of-at-least-32-characters!';
    const on = (database: Database) =>
      createCustomerAccess({ secret, usedLinks: createUsedLinks(database), revokedSessions: createRevokedSessions(database), addressVerifiedAt: async () => undefined });
    const [ia, ib] = [on(a), on(b)];
    const link = new URL(ia.signInPath('zoe@example.com'), 'https://x').searchParams.get('token')!;
    const [first, second] = await Promise.allSettled([ia.redeem(link), ib.redeem(link)]);
    const opened = [first, second].filter((r) => r.status === 'fulfilled');
    expect(opened).toHaveLength(1);
    expect([first, second].find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'link_used' } });
    const token = (opened[0] as PromiseFulfilledResult<{ sessionToken: string }>).value.sessionToken;
    expect(await ib.readSession(token)).toEqual({ email: 'zoe@example.com' });
    await ia.signOut(token);
    expect(await ib.readSession(token)).toBeUndefined();
    expect(await ia.readSession(token)).toBeUndefined();
  });

  it('abuse limits: a limit of N per key holds across two instances (N, not 2N)', async () => {
    const la = createRateLimits(a, { ticketPerIp: { points: 7, duration: 600 } });
    const lb = createRateLimits(b, { ticketPerIp: { points: 7, duration: 600 } });
    const outcomes = await Promise.allSettled(range(40).map((i) => (i % 2 ? la : lb).consume('ticketPerIp', '203.0.113.9')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(7);
    const refusal = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refusal.reason).toBeInstanceOf(DeskError);
    expect(refusal.reason).toMatchObject({ code: 'rate_limited', message: 'Too many requests. Please try again in 10 minutes.' });
    // Another key has its own window.
    await expect(lb.consume('ticketPerIp', '203.0.113.10')).resolves.toBeUndefined();
  });

  it('abuse limits: a window that ran out starts again at one', async () => {
    const la = createRateLimits(a, { ticketPerEmail: { points: 1, duration: 60 } });
    await la.consume('ticketPerEmail', 'zoe@example.com');
    await expect(la.consume('ticketPerEmail', 'Zoe@Example.com')).rejects.toThrow('try again in 1 minute');
    // The window began more than 60 s ago.
    await a.db
      .updateTable('limits')
      .set({ window_start: Date.now() - 61_000 })
      .execute();
    await expect(createRateLimits(b, { ticketPerEmail: { points: 1, duration: 60 } }).consume('ticketPerEmail', 'zoe@example.com')).resolves.toBeUndefined();
    expect(await a.db.selectFrom('limits').select('count').execute()).toEqual([{ count: 1 }]);
  });

  it('abuse limits: counted with relaxed durability, every other write still synced to disk before it is answered', async () => {
    // The durability level as the engine reports it: SQLite's synchronous (1 = NORMAL: its commits never wait for the
    // disk, the store syncs the WAL off the event loop before anyone is answered — tests/unit/store/wal-sync.test.ts),
    // PostgreSQL's synchronous_commit.
    const level = async (db: Database['db']) =>
      a.engine === 'sqlite'
        ? String((await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]?.synchronous)
        : (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(db)).rows[0]?.synchronous_commit;
    const full = a.engine === 'sqlite' ? '1' : 'on';
    expect(await level(a.db)).toBe(full);
    const inside = await a.relaxed(async (db) => {
      await db.insertInto('limits').values({ key: 'probe', window_start: 1, count: 1 }).execute();
      return level(db);
    });
    expect(inside).toBe(a.engine === 'sqlite' ? '1' : 'off');
    // Back to full durability for whatever runs next, and the relaxed write is there.
    expect(await level(a.db)).toBe(full);
    await a.durable();
    expect(await b.db.selectFrom('limits').select('count').where('key', '=', 'probe').execute()).toEqual([{ count: 1 }]);
    // Relaxed work that fails leaves the level restored too.
    await expect(a.relaxed(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await level(a.db)).toBe(full);
  });
});

describe(`the mail queue shared by two instances on ${STORE_ENGINE}`, () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let transport: MailTransport;
  const queues: MailQueue[] = [];
  beforeEach(async () => {
    smtp = await startSmtp();
    transport = createMailTransport({ from: 'Help <help@example.com>', smtpUrl: smtp.url, mailDir: path.join(store.dataDir, 'mail') });
  });
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close();
    await smtp.close();
  });
  const queue = (database: Database, options: { leaseMs?: number; batchSize?: number } = {}) => {
    const q = openMailQueue({ database, transport, retryBaseMs: 20, maxRetryMs: 100, log: quiet, ...options });
    queues.push(q);
    return q;
  };

  it('each mail is sent once with two workers on two instances, however often both enqueue it', async () => {
    const qa = queue(a, { batchSize: 3 });
    const qb = queue(b, { batchSize: 3 });
    qa.start();
    qb.start();
    const keys = range(24).map((i) => `staff-reply:1:${i}`);
    const fresh = await together(
      keys.flatMap((key) => [() => qa.enqueue(key, { to: 'zoe@example.com', subject: key, text: 'hi' }), () => qb.enqueue(key, { to: 'zoe@example.com', subject: key, text: 'hi' })]),
    );
    expect(fresh.filter(Boolean)).toHaveLength(keys.length);
    await waitFor('every mail sent', () => smtp.mails.length >= keys.length || undefined);
    // Every send has been answered once both are idle: a second copy would be in by now.
    await Promise.all([qa.idle(), qb.idle()]);
    expect(smtp.mails.map((m) => m.event).sort()).toEqual([...keys].sort());
    for (const key of keys) expect(await qb.mail(key)).toMatchObject({ status: 'sent' });
  });

  it('two workers claiming at once get disjoint mails', async () => {
    const qa = queue(a);
    for (const i of range(12)) await qa.enqueue(`k${i}`, { to: 'x@example.com', subject: 's', text: 't' });
    const [ca, cb] = await together([() => claimMails(a, 'worker-a', { leaseMs: 60_000, limit: 8 }), () => claimMails(b, 'worker-b', { leaseMs: 60_000, limit: 8 })]);
    const keys = [...ca!, ...cb!].map((m) => m.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(12);
  });

  it("a crashed worker's lease runs out and another instance sends the mail, once", async () => {
    const qa = queue(a);
    await qa.enqueue('new-ticket:9', { to: 'anna@example.com', subject: 'New ticket', text: 'hi' });
    // Instance A claims the mail and dies before sending it (its lease: 2 s).
    const claimed = await claimMails(a, 'crashed-worker', { leaseMs: 2000, limit: 10 });
    expect(claimed.map((m) => m.key)).toEqual(['new-ticket:9']);
    const qb = queue(b);
    // While A's lease lives, a pass of B's worker leaves the mail alone.
    await qb.drain();
    expect(smtp.mails).toHaveLength(0);
    qb.start();
    await waitFor('the mail sent by the other instance', () => smtp.mails.length === 1 || undefined, 15_000);
    await qb.idle();
    expect(smtp.mails.map((m) => m.event)).toEqual(['new-ticket:9']);
    expect(await qb.mail('new-ticket:9')).toMatchObject({ status: 'sent' });
  });
});

describe(`a mail worker slow to send, on ${STORE_ENGINE}`, () => {
  it('keeps its claim however long the send takes: another instance never sends the mail meanwhile', async () => {
    const s = await freshStore();
    const b = await s.open();
    const sentBy: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: MailTransport = {
      description: 'slow',
      async send() {
        await released;
        sentBy.push('a');
        return { messageId: '<a@test>' };
      },
    };
    const fast: MailTransport = {
      description: 'fast',
      async send() {
        sentBy.push('b');
        return { messageId: '<b@test>' };
      },
    };
    const qa = openMailQueue({ database: s.database, transport: slow, leaseMs: 150, log: { warn: () => {} } });
    const qb = openMailQueue({ database: b, transport: fast, leaseMs: 150, log: { warn: () => {} } });
    try {
      await qa.enqueue('slow-send:1', { to: 'zoe@example.com', subject: 's', text: 't' });
      const draining = qa.drain();
      const leaseUntil = async () => (await s.database.db.selectFrom('mail_queue').select('lease_until').where('key', '=', 'slow-send:1').executeTakeFirst())?.lease_until ?? undefined;
      const first = Number(await waitFor('the first worker claiming the mail', () => leaseUntil()));
      // Three lease lengths later, the claim still stands: renewed while the send hangs.
      await waitFor('the claim renewed past three lease lengths', async () => (Number(await leaseUntil()) > first + 450 ? true : undefined));
      await qb.drain();
      expect(sentBy).toEqual([]);
      release();
      await draining;
      await qb.drain();
      expect(sentBy).toEqual(['a']);
    } finally {
      release();
      await qa.close();
      await qb.close();
      await s.remove();
    }
  });
});

describe(`webhook deliveries posted to two workflow instances on ${STORE_ENGINE}`, () => {
  it('are processed once', async () => {
    const t = await startTestHost({ users: EXTRA_USERS });
    const smtp = await startSmtp();
    const captured: WebhookDelivery[] = [];
    const collector: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        captured.push({
          id: (req.headers['x-github-delivery'] as string) ?? null,
          event: (req.headers['x-github-event'] as string) ?? null,
          signature: (req.headers['x-hub-signature-256'] as string) ?? null,
          body,
        });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const secret = 'test-webhook-secret';
    t.local.setWebhook({ url: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/`, secret });
    const config = testConfig();
    const templates = loadMailTemplates(DEFAULT_MAIL_TEMPLATES, undefined);
    const transport = createMailTransport({ from: 'Help <help@example.com>', smtpUrl: smtp.url, mailDir: path.join(store.dataDir, 'mail') });
    const instances: Array<{ workflow: Workflow; queue: MailQueue }> = [a, b].map((database) => {
      const queue = openMailQueue({ database, transport, log: quiet });
      queue.start();
      const workflow = openWorkflow({
        config,
        host: t.adapter({ cacheTtlMs: 0 }),
        mail: queue,
        templates,
        signInUrl: () => 'https://help.example.com/x',
        staffTicketUrl: (n) => `https://help.example.com/staff/tickets/${n}`,
        database,
        webhookSecret: secret,
        sweepIntervalSeconds: 3600,
        log: quiet,
      });
      return { workflow, queue };
    });
    try {
      await new WorkflowStore(a).installedAt();
      const host = t.adapter({ cacheTtlMs: 0 });
      const { number } = await host.createTicket({
        title: 'Parcel never arrived',
        body: `**Customer:** someone${HEADER_END}Where is my parcel?`,
        labels: ['status: new', 'priority: normal', 'type: problem', 'category: orders'],
        key: 'open-twice',
        ref: 'T-TWICE001',
        customerEmail: 'zoe@example.com',
        fields: { order: 'NW-1', customerName: 'Zoë' },
      });
      await t.local.idle();
      const opened = captured.find((d) => d.event === 'issues')!;
      expect(opened).toBeDefined();
      const outcomes: DeliveryOutcome[] = await together(instances.flatMap(({ workflow }) => [() => workflow.receive(opened), () => workflow.receive({ ...opened, id: 'a-fresh-id' })]));
      expect(outcomes.filter((o) => o.status === 'accepted')).toEqual([{ status: 'accepted', ticketNumber: number }]);
      expect(outcomes.filter((o) => o.status === 'duplicate')).toHaveLength(3);
      for (const { workflow } of instances) await workflow.idle();
      await waitFor('the announcement', () => smtp.mails.some((m) => m.event === `new-ticket:${number}`) || undefined);
      const issue = await t.raw('local-staff-anna', 'GET', `/repos/local/support/issues/${number}`);
      expect((issue.body.assignees as Array<{ login: string }>).map((x) => x.login)).toHaveLength(1);
      expect(smtp.mails.filter((m) => m.event === `new-ticket:${number}`)).toHaveLength(1);
      // Routed once: the rotation moved one step.
      expect(await a.db.selectFrom('routes').selectAll().execute()).toEqual([{ pool: 'category:orders', login: 'support-anna' }]);
    } finally {
      for (const { workflow, queue } of instances) {
        await workflow.close();
        await queue.close();
      }
      await new Promise<void>((resolve) => collector.close(() => resolve()));
      await t.stop();
      await smtp.close();
    }
  });
});

describe(`an installation from before the store, on ${STORE_ENGINE}`, () => {
  /** The old files, in their JSON-lines formats (src/workflow/store.ts, src/mail/mail-queue.ts and src/server/used-links.ts before the store). */
  function writeOldFiles(dataDir: string) {
    const lines = (records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    mkdirSync(path.join(dataDir, 'workflow'), { recursive: true });
    writeFileSync(
      path.join(dataDir, 'workflow', 'journal.ndjson'),
      lines([
        { t: 'installed', at: '2025-11-03T09:15:42.512Z' },
        { t: 'kind', id: 101, kind: 'customer' },
        { t: 'kind', id: 102, kind: 'internal-note' },
        { t: 'ticket', ticket: { number: 7, routed: true, status: 'new', escalations: 0, handledUpTo: 101 } },
        { t: 'route', pool: 'category:orders', login: 'support-anna' },
        { t: 'delivery', id: 'gh-delivery-1', hash: 'aa11' },
        { t: 'cursor', since: '2025-12-01T08:00:00Z' },
        // Later records: the first kind of a message stays; the last record of a ticket, pool and cursor wins.
        { t: 'kind', id: 101, kind: 'staff-reply' },
        { t: 'ticket', ticket: { number: 7, routed: true, status: 'escalated', escalations: 1, handledUpTo: 102 } },
        { t: 'ticket', ticket: { number: 8, routed: false, escalations: 0 } },
        { t: 'route', pool: 'category:orders', login: 'support-ben' },
        { t: 'route', pool: 'all', login: 'support-anna' },
        { t: 'delivery', id: 'gh-delivery-2', hash: 'bb22' },
        { t: 'cursor', since: '2025-12-02T10:30:00Z' },
      ]) + '\n{"t":"kind","id":103,"ki', // a line torn by a crash
    );
    mkdirSync(path.join(dataDir, 'mail-queue'), { recursive: true });
    const message = (to: string) => ({ to, subject: `Hello ${to}`, text: 'Body', html: '<p>Body</p>', headers: { 'Reply-To': 'help@example.com' } });
    writeFileSync(
      path.join(dataDir, 'mail-queue', 'journal.ndjson'),
      lines([
        { t: 'enqueue', key: 'new-ticket:7', at: '2025-12-01T08:00:01.000Z', message: message('anna@example.com') },
        { t: 'sent', key: 'new-ticket:7', at: '2025-12-01T08:00:02.000Z', messageId: '<1@x>' },
        { t: 'enqueue', key: 'staff-reply:7:102', at: '2025-12-02T10:00:00.000Z', message: message('zoe@example.com') },
        { t: 'failed', key: 'staff-reply:7:102', at: '2025-12-02T10:00:01.000Z', error: 'connection refused', attempts: 2, retryAt: '2025-12-02T10:00:11.000Z' },
        { t: 'enqueue', key: 'ticket-closed:8:x', at: '2025-12-02T11:00:00.000Z', message: { to: ['sam@example.com', 'kim@example.com'], subject: 'Closed', text: 'Bye' } },
      ]),
    );
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    writeFileSync(
      path.join(dataDir, 'used-links.jsonl'),
      lines([
        { nonce: 'used-nonce-1', exp: inAnHour },
        { nonce: 'expired-nonce', exp: 1_000 },
      ]),
    );
  }

  it('imports the workflow journal, the mail queue and the used links, then renames each aside', async () => {
    const dataDir = store.dataDir;
    writeOldFiles(dataDir);
    const logged: string[] = [];
    const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m) };
    const report = await importWorkflowJournals(a, dataDir, log);
    expect(report).toMatchObject({ workflow: { kinds: 2, tickets: 2, routes: 2, deliveries: 2 }, mailQueue: { queued: 2, sent: 1 }, usedLinks: { links: 1 } });

    expect(existsSync(path.join(dataDir, 'workflow', 'journal.ndjson'))).toBe(false);
    expect(readFileSync(path.join(dataDir, 'workflow', 'journal.ndjson.imported'), 'utf8')).toContain('gh-delivery-2');
    expect(existsSync(path.join(dataDir, 'mail-queue'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'mail-queue.imported', 'journal.ndjson'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'used-links.jsonl'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'used-links.jsonl.imported'))).toBe(true);
    expect(logged.filter((m) => m.startsWith('helpdesk: imported'))).toHaveLength(3);
    expect(logged.some((m) => m.includes('damaged line'))).toBe(true);

    // Read back through the other instance, as the workflow reads it.
    const s = new WorkflowStore(b);
    expect(await s.installedAt()).toBe(Date.parse('2025-11-03T09:15:42.000Z'));
    expect(await s.getAll([101, 102, 103])).toEqual(
      new Map<number, MessageKind>([
        [101, 'customer'],
        [102, 'internal-note'],
      ]),
    );
    expect(await s.ticket(7)).toEqual({ number: 7, routed: true, status: 'escalated', escalations: 1, handledUpTo: 102 });
    expect(await s.ticket(8)).toEqual({ number: 8, routed: false, escalations: 0 });
    expect(await s.lastRouted('category:orders')).toBe('support-ben');
    expect(await s.lastRouted('all')).toBe('support-anna');
    expect((await s.nextRoute({ key: 'category:orders', logins: ['support-anna', 'support-ben'] }))?.login).toBe('support-anna');
    expect(await s.rememberDelivery('gh-delivery-1', 'new-hash')).toBe(false);
    expect(await s.rememberDelivery('replayed', 'bb22')).toBe(false);
    expect(await s.cursor()).toBe('2025-12-02T10:30:00Z');
    expect(await createUsedLinks(b).use('used-nonce-1', Math.floor(Date.now() / 1000) + 60)).toBe(false);
    expect(await createUsedLinks(b).use('expired-nonce', Math.floor(Date.now() / 1000) + 60)).toBe(true);

    // The queue: the sent mail stays sent, the others are sent now, each once.
    const smtp = await startSmtp();
    const q = openMailQueue({ database: b, transport: createMailTransport({ from: 'Help <help@example.com>', smtpUrl: smtp.url, mailDir: path.join(dataDir, 'mail') }), log: quiet });
    try {
      expect(await q.mail('new-ticket:7')).toMatchObject({ status: 'sent' });
      expect(await q.mail('staff-reply:7:102')).toMatchObject({
        status: 'pending',
        attempts: 2,
        lastError: 'connection refused',
        message: { to: 'zoe@example.com', html: '<p>Body</p>', headers: { 'Reply-To': 'help@example.com' } },
      });
      expect(await q.enqueue('new-ticket:7', { to: 'anna@example.com', subject: 'again', text: 'again' })).toBe(false);
      q.start();
      await q.idle();
      expect(smtp.mails.map((m) => m.event).sort()).toEqual(['staff-reply:7:102', 'ticket-closed:8:x']);
      expect(smtp.mails.find((m) => m.event === 'ticket-closed:8:x')!.to.sort()).toEqual(['kim@example.com', 'sam@example.com']);
    } finally {
      await q.close();
      await smtp.close();
    }

    // A second start finds nothing left to import.
    expect(await importWorkflowJournals(a, dataDir, log)).toEqual({});
  });

  it("keeps the journal's installation time over one a store recorded first, and the store's kinds over the journal's", async () => {
    const s = new WorkflowStore(a);
    await s.rememberAll([[101, 'system']]);
    expect(await s.installedAt()).toBeGreaterThan(Date.parse('2025-11-03T09:15:42.000Z'));
    writeOldFiles(store.dataDir);
    await importWorkflowJournals(a, store.dataDir, quiet);
    expect(await new WorkflowStore(b).installedAt()).toBe(Date.parse('2025-11-03T09:15:42.000Z'));
    expect((await s.getAll([101])).get(101)).toBe('system');
  });
});
