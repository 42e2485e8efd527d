import { createHmac, hkdfSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHost } from '../../../src/git-host/index.ts';
import { deriveMetadataKey, formatMetadataBlock, readMetadata, stripMetadata, withMetadata, type TicketMetadata } from '../../../src/tickets/metadata.ts';
import { startTestHost, TEST_METADATA_SECRET, TOKENS, type TestHost } from '../../helpers/local-host.ts';

const SECRET = 'metadata-mac-test-secret-0123456789abcdef';
const key = deriveMetadataKey(SECRET);
const bot = { login: 'helpdesk-bot' };
const BOT = 'helpdesk-bot';
const meta: TicketMetadata = {
  kind: 'ticket',
  key: 'k-mac-1',
  ref: 'T-ABCDEFGH',
  customer: { id: 'c-alice', email: 'alice@example.com' },
  attachments: ['tickets/T-ABCDEFGH/a/invoice.pdf'],
  draftKey: 'draft-1',
  order: '1001',
};

/** The parts of a v2 block line. */
function parts(line: string): { payload: string; mac: string } {
  const match = /^<!-- helpdesk:v2 ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+) -->$/.exec(line);
  if (!match) throw new Error(`not a v2 block: ${line}`);
  return { payload: match[1] as string, mac: match[2] as string };
}

/** A v2 block whose JSON was edited by hand, keeping the bot's MAC: what someone with write access can do. */
function tampered(line: string, edit: (json: any) => void): string {
  const { payload, mac } = parts(line);
  const json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  edit(json);
  return `<!-- helpdesk:v2 ${Buffer.from(JSON.stringify(json), 'utf8').toString('base64url')}.${mac} -->`;
}

/** readMetadata with the rejections it reported. */
function read(body: string, options: { author?: { login: string } | null; legacy?: { before?: number; createdAt?: string | number } } = {}) {
  const rejected: string[] = [];
  const result = readMetadata(body, options.author === undefined ? bot : options.author, BOT, key, (r) => rejected.push(r), options.legacy);
  return { meta: result, rejected };
}

/** A first-release block: unsigned, with the named fields inside `extra`. */
function v1Block(json: Record<string, unknown>): string {
  return `<!-- helpdesk:v1 ${Buffer.from(JSON.stringify(json), 'utf8').toString('base64url')} -->`;
}

describe('signed metadata blocks (v2)', () => {
  it('round-trips, in the documented format: HMAC-SHA256 (32 bytes) over the prefix and the exact payload text', () => {
    const line = formatMetadataBlock(meta, key);
    expect(line).toMatch(/^<!-- helpdesk:v2 [A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43} -->$/);
    const { payload, mac } = parts(line);
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).toEqual(meta);
    // The key is derived from the secret with HKDF, never the raw secret.
    const derived = Buffer.from(hkdfSync('sha256', SECRET, 'helpdesk-metadata', 'metadata mac v2', 32));
    expect(Buffer.from(mac, 'base64url')).toEqual(createHmac('sha256', derived).update(`helpdesk-metadata-v2\n${payload}`).digest());
    expect(Buffer.from(mac, 'base64url')).not.toEqual(createHmac('sha256', SECRET).update(`helpdesk-metadata-v2\n${payload}`).digest());

    const body = withMetadata(meta, 'Where is my parcel?', key);
    expect(read(body)).toEqual({ meta, rejected: [] });
    expect(stripMetadata(body)).toBe('Where is my parcel?');
  });

  it.each([
    ['email', (j: any) => (j.customer.email = 'mallory@example.com')],
    ['customer id', (j: any) => (j.customer.id = 'c-mallory')],
    ['ref', (j: any) => (j.ref = 'T-ZZZZZZZZ')],
    ['draftKey', (j: any) => (j.draftKey = 'draft-2')],
    ['idempotency key', (j: any) => (j.key = 'k-other')],
    ['attachments', (j: any) => j.attachments.push('tickets/T-OTHER/a/passport.jpg')],
    ['an added field', (j: any) => (j.customerName = 'Mallory')],
  ])('rejects and reports a block whose %s was edited', (_what, edit) => {
    const body = `${tampered(formatMetadataBlock(meta, key), edit)}\nWhere is my parcel?`;
    const { meta: result, rejected } = read(body);
    expect(result).toBeUndefined();
    expect(rejected).toEqual([expect.stringMatching(/MAC does not verify/)]);
    // The tampered block is still not shown to people.
    expect(stripMetadata(body)).toBe('Where is my parcel?');
  });

  it('rejects a block signed with another key (another installation, or the raw secret)', () => {
    const other = deriveMetadataKey('another-installation-secret-0123456789');
    const { meta: result, rejected } = read(withMetadata(meta, 'x', other));
    expect(result).toBeUndefined();
    expect(rejected).toEqual([expect.stringMatching(/MAC does not verify/)]);
  });

  it('verifies the payload text itself: another spelling of the same JSON does not pass', () => {
    // Find a payload whose last base64url character has spare bits, and flip one of them.
    for (let i = 0; ; i++) {
      const line = formatMetadataBlock({ ...meta, key: `k-${'x'.repeat(i)}` }, key);
      const { payload, mac } = parts(line);
      if (payload.length % 4 === 0) continue;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const respelled = [...alphabet].map((c) => payload.slice(0, -1) + c).find((p) => p !== payload && Buffer.from(p, 'base64url').equals(Buffer.from(payload, 'base64url')));
      expect(respelled).toBeDefined();
      const { meta: result, rejected } = read(`<!-- helpdesk:v2 ${respelled}.${mac} -->\nx`);
      expect(result).toBeUndefined();
      expect(rejected).toHaveLength(1);
      break;
    }
  });

  it('rejects and reports malformed v2 blocks and blocks of unknown versions', () => {
    const { payload, mac } = parts(formatMetadataBlock(meta, key));
    const cases = [
      `<!-- helpdesk:v2 ${payload} -->`,
      `<!-- helpdesk:v2 ${payload}.${mac.slice(0, 22)} -->`,
      `<!-- helpdesk:v2 ${payload}.${mac}AA -->`,
      `<!-- helpdesk:v2 garbage -->`,
      `<!-- helpdesk:v2 !!!.??? -->`,
      `<!-- helpdesk:v3 ${payload}.${mac} -->`,
    ];
    for (const line of cases) {
      const { meta: result, rejected } = read(`${line}\nbody`);
      expect(result, line).toBeUndefined();
      expect(rejected, line).toHaveLength(1);
    }
    // A non-canonical spelling of the right MAC (the spare bits of its last character) is refused too.
    const last = mac.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = [...alphabet].map((c) => mac.slice(0, -1) + c).find((m) => m !== mac && Buffer.from(m, 'base64url').equals(Buffer.from(mac, 'base64url')));
    expect(twin?.at(-1)).not.toBe(last);
    expect(read(`<!-- helpdesk:v2 ${payload}.${twin} -->`).meta).toBeUndefined();
  });

  it('rejects a correctly signed payload that does not match the schema', () => {
    // Sign by hand what formatMetadataBlock would refuse to write.
    const derived = Buffer.from(hkdfSync('sha256', SECRET, 'helpdesk-metadata', 'metadata mac v2', 32));
    const payload = Buffer.from(JSON.stringify({ kind: 'ticket', key: 'k', extra: { name: 'x' } })).toString('base64url');
    const mac = createHmac('sha256', derived).update(`helpdesk-metadata-v2\n${payload}`).digest('base64url');
    const { meta: result, rejected } = read(`<!-- helpdesk:v2 ${payload}.${mac} -->`);
    expect(result).toBeUndefined();
    expect(rejected).toEqual([expect.stringMatching(/schema/)]);
  });

  it('ignores blocks in bodies not written by the bot, even correctly signed ones, without reporting them', () => {
    const body = withMetadata(meta, 'x', key);
    expect(read(body, { author: { login: 'support-anna' } })).toEqual({ meta: undefined, rejected: [] });
    expect(read(body, { author: null })).toEqual({ meta: undefined, rejected: [] });
    expect(read(`${tampered(formatMetadataBlock(meta, key), (j) => (j.ref = 'T-X'))}\nx`, { author: { login: 'local' } })).toEqual({ meta: undefined, rejected: [] });
    // A bot body without any block is simply a body without metadata.
    expect(read('just text')).toEqual({ meta: undefined, rejected: [] });
  });

  it('takes an opaque key derived from the secret, never a string', () => {
    expect(() => deriveMetadataKey('short')).toThrow(/at least 16/);
    expect(JSON.stringify({ key })).toBe('{"key":"[MetadataKey]"}');
    expect(String(Object.keys(key))).toBe('');
    // @ts-expect-error a string is not a MetadataKey
    expect(readMetadata(withMetadata(meta, 'x', key), bot, BOT, SECRET)).toBeUndefined();
    // @ts-expect-error a string is not a MetadataKey
    expect(() => formatMetadataBlock(meta, SECRET)).toThrow();
  });
});

describe('unsigned first-release blocks (v1)', () => {
  const signingStarted = Date.parse('2026-06-01T00:00:00Z');
  const legacy = v1Block({
    kind: 'message',
    key: 'k-legacy',
    ref: 'T-LEGACY01',
    customer: { id: 'c-1', email: 'old@example.com' },
    extra: { order: '42', name: 'Old Customer', draftKey: 'd-1', staff: 'support-anna', visibility: 'public', card: true },
  });

  it('are accepted only on bodies created before signing started, with `extra` mapped to the named fields', () => {
    const before = read(`${legacy}\nhello`, { legacy: { before: signingStarted, createdAt: '2026-05-31T23:59:59Z' } });
    expect(before).toEqual({
      meta: {
        kind: 'message',
        key: 'k-legacy',
        ref: 'T-LEGACY01',
        customer: { id: 'c-1', email: 'old@example.com' },
        order: '42',
        customerName: 'Old Customer',
        draftKey: 'd-1',
        postedBy: { login: 'support-anna', visibility: 'public' },
        role: 'card',
      },
      rejected: [],
    });
    expect(read(`${v1Block({ kind: 'message', key: 'k', extra: { note: 'escalation', staff: 'x' } })}\n`, { legacy: { before: signingStarted, createdAt: signingStarted - 1 } }).meta).toEqual({
      kind: 'message',
      key: 'k',
      role: 'escalation-note',
      postedBy: { login: 'x', visibility: 'internal' },
    });
    expect(stripMetadata(`${legacy}\nhello`)).toBe('hello');
  });

  it('are rejected and reported on bodies created after signing started, or when legacy blocks are off', () => {
    for (const legacyOption of [
      { before: signingStarted, createdAt: '2026-06-01T00:00:00Z' },
      { before: signingStarted, createdAt: '2027-01-01T00:00:00Z' },
      { before: signingStarted },
      { before: signingStarted, createdAt: 'not a date' },
      { createdAt: '2020-01-01T00:00:00Z' },
      undefined,
    ]) {
      const { meta: result, rejected } = read(`${legacy}\nhello`, { legacy: legacyOption as never });
      expect(result, JSON.stringify(legacyOption)).toBeUndefined();
      expect(rejected, JSON.stringify(legacyOption)).toEqual([expect.stringMatching(/unsigned v1/)]);
    }
  });

  it('are ignored in bodies not written by the bot', () => {
    expect(read(`${legacy}\nhello`, { author: { login: 'support-anna' }, legacy: { before: signingStarted, createdAt: 0 } })).toEqual({ meta: undefined, rejected: [] });
  });
});

describe('edited metadata over HTTP (local host)', () => {
  let t: TestHost;
  let host: GitHost;
  const warnings: string[] = [];

  beforeAll(async () => {
    t = await startTestHost({ repositories: [{ fullName: 'local/support', private: true }] });
    host = t.adapter({ cacheTtlMs: 0, log: { warn: (m: string) => warnings.push(m), info: () => {} } });
  });
  afterAll(() => t.stop());

  /** The tickets filed under a customer as the read model files them: by the customer id of the verified metadata the adapter reads. */
  const customerNumbers = async (h: GitHost, email: string) =>
    (await h.listTickets('all')).filter((s) => s.meta?.kind === 'ticket' && s.meta.customer?.id === h.customerId(email)).map((s) => s.number);

  /** The repository owner (write access, not the bot) replaces the first line of an issue body. */
  async function editIssueBlock(n: number, edit: (line: string) => string): Promise<void> {
    const issue = await t.raw(TOKENS.owner, 'GET', `/repos/local/support/issues/${n}`);
    const [first, ...rest] = (issue.body.body as string).split('\n');
    const res = await fetch(`${t.local.url}/repos/local/support/issues/${n}`, {
      method: 'PATCH',
      headers: { authorization: `token ${TOKENS.owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: [edit(first as string), ...rest].join('\n') }),
    });
    expect(res.status).toBe(200);
  }

  it('keeps the original customer when the owner edits the email in the block, and never lists the ticket for the other customer', async () => {
    const ticket = await host.createTicket({
      title: 'Invoice',
      body: 'Please resend my invoice',
      labels: ['status: new'],
      key: 'key-mac-http-1',
      ref: 'T-MACHTTP1',
      customerEmail: 'alice@example.com',
      attachments: ['tickets/T-MACHTTP1/a/invoice.pdf'],
    });
    expect(ticket.meta?.customer?.email).toBe('alice@example.com');
    expect(await customerNumbers(host, 'alice@example.com')).toContain(ticket.number);
    warnings.length = 0;

    await editIssueBlock(ticket.number, (line) =>
      tampered(line, (j) => {
        j.customer.email = 'mallory@example.com';
        j.customer.id = host.customerId('mallory@example.com');
      }),
    );

    const read1 = await host.getTicket(ticket.number, { fresh: true });
    expect(read1?.meta).toMatchObject({
      key: 'key-mac-http-1',
      ref: 'T-MACHTTP1',
      customer: { email: 'alice@example.com', id: host.customerId('alice@example.com') },
      attachments: ['tickets/T-MACHTTP1/a/invoice.pdf'],
    });
    expect(read1?.body).toBe('Please resend my invoice');
    const read2 = await host.getTicket(ticket.number, { fresh: true });
    expect(read2?.meta?.customer?.email).toBe('alice@example.com');
    // Logged once for this body version, however often it is read.
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`issue #${ticket.number}.*MAC does not verify.*keeping its last verified metadata`))]);

    expect(await customerNumbers(host, 'mallory@example.com')).not.toContain(ticket.number);
    host.invalidate(ticket.number);
    expect(await customerNumbers(host, 'alice@example.com')).toContain(ticket.number);
    expect((await host.listTickets('all')).find((s) => s.number === ticket.number)?.meta?.customer?.email).toBe('alice@example.com');

    // An adapter that never saw the verified block (e.g. after a restart) gives the ticket to nobody.
    const fresh = t.adapter({ cacheTtlMs: 0 });
    expect((await fresh.getTicket(ticket.number))?.meta).toBeUndefined();
    expect(await customerNumbers(fresh, 'mallory@example.com')).not.toContain(ticket.number);
    expect(await customerNumbers(fresh, 'alice@example.com')).not.toContain(ticket.number);
  });

  it('keeps the original customer when the owner replaces the block with garbage, or removes it', async () => {
    const ticket = await host.createTicket({ title: 'Garbage', body: 'hello', labels: [], key: 'key-mac-http-2', customerEmail: 'alice@example.com' });
    warnings.length = 0;
    await editIssueBlock(ticket.number, () => '<!-- helpdesk:v2 garbage -->');
    const read1 = await host.getTicket(ticket.number, { fresh: true });
    expect(read1?.meta?.customer?.email).toBe('alice@example.com');
    expect(read1?.body).toBe('hello');
    expect(warnings).toEqual([expect.stringMatching(/malformed v2 metadata block/)]);

    await editIssueBlock(ticket.number, () => 'Not a block any more');
    expect((await host.getTicket(ticket.number, { fresh: true }))?.meta?.customer?.email).toBe('alice@example.com');
    expect(warnings.at(-1)).toMatch(/was removed/);
    expect(await customerNumbers(host, 'mallory@example.com')).not.toContain(ticket.number);
  });

  it('keeps a ticket when a verified block of another ticket is pasted into it (while the adapter remembers it)', async () => {
    const mine = await host.createTicket({ title: 'Mine', body: 'mine', labels: [], key: 'key-mac-http-3', customerEmail: 'alice@example.com' });
    const theirs = await host.createTicket({ title: 'Theirs', body: 'theirs', labels: [], key: 'key-mac-http-4', customerEmail: 'mallory@example.com' });
    const theirBlock = ((await t.raw(TOKENS.owner, 'GET', `/repos/local/support/issues/${theirs.number}`)).body.body as string).split('\n')[0] as string;
    await editIssueBlock(mine.number, () => theirBlock);
    expect((await host.getTicket(mine.number, { fresh: true }))?.meta).toMatchObject({ key: 'key-mac-http-3', customer: { email: 'alice@example.com' } });
    expect(warnings.at(-1)).toMatch(/copied from another body/);
    expect(await customerNumbers(host, 'mallory@example.com')).not.toContain(mine.number);
  });

  it("keeps a message's verified metadata when its comment is edited, and idempotency lookups match only verified blocks", async () => {
    const ticket = await host.createTicket({ title: 'Lookups', body: 'x', labels: [], key: 'key-mac-http-5', customerEmail: 'alice@example.com' });
    const message = await host.addComment(ticket.number, { body: 'follow-up', key: 'key-mac-http-msg', customerEmail: 'alice@example.com' });
    const comments = await t.raw(TOKENS.owner, 'GET', `/repos/local/support/issues/${ticket.number}/comments`);
    const [first, ...rest] = ((comments.body as Array<{ id: number; body: string }>).find((c) => c.id === message.id)?.body ?? '').split('\n');
    const forgedComment = tampered(first as string, (j) => {
      j.key = 'key-forged-msg';
      j.customer.email = 'mallory@example.com';
    });
    expect((await t.raw(TOKENS.owner, 'PATCH', `/repos/local/support/issues/comments/${message.id}`, { body: [forgedComment, ...rest].join('\n') })).status).toBe(200);
    const thread = await host.getTicket(ticket.number, { fresh: true });
    expect(thread?.messages[0]?.meta).toMatchObject({ key: 'key-mac-http-msg', customer: { email: 'alice@example.com' } });
    expect(await host.findMessageByKey(ticket.number, 'key-forged-msg')).toBeUndefined();
    expect((await host.findMessageByKey(ticket.number, 'key-mac-http-msg'))?.id).toBe(message.id);

    // A forged block naming an outbox key never makes the outbox believe that ticket was filed.
    await editIssueBlock(ticket.number, (line) => tampered(line, (j) => (j.key = 'key-never-filed')));
    expect(await host.findTicketByKey('key-never-filed')).toBeUndefined();
    expect(await t.adapter().findTicketByKey('key-never-filed')).toBeUndefined();
    expect(await t.adapter().findMessageByKey(ticket.number, 'key-forged-msg')).toBeUndefined();
    // The bot's own, untouched writes are still found by a fresh adapter with the same secret.
    const untouched = await host.createTicket({ title: 'Untouched', body: 'x', labels: [], key: 'key-mac-http-6' });
    expect((await t.adapter({ metadataSecret: TEST_METADATA_SECRET }).findTicketByKey('key-mac-http-6'))?.number).toBe(untouched.number);
    expect(await t.adapter({ metadataSecret: 'some-other-installation-secret-0123' }).findTicketByKey('key-mac-http-6')).toBeUndefined();
  });
});
