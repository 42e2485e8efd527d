// The staff-side workflow over the real local issue host: every transition arrives as a signed webhook the
// host emits, mails go through a real SMTP server on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../src/local-host/index.ts';
import { HEADER_END } from '../../src/tickets/thread.ts';
import { startHarness, testConfig, TOKENS, type CapturedMail, type Harness } from './workflow-harness.ts';

const LEAD = 'local-staff-lead';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

const issueOf = (x: Harness, n: number) => x.as(TOKENS.anna, 'GET', `/issues/${n}`);
const labelsOf = async (x: Harness, n: number) => ((await issueOf(x, n)).labels as Array<{ name: string }>).map((l) => l.name).sort();
const statusOf = async (x: Harness, n: number) => (await labelsOf(x, n)).filter((l) => l.startsWith('status: '));
const assigneesOf = async (x: Harness, n: number) => ((await issueOf(x, n)).assignees as Array<{ login: string }>).map((a) => a.login);
const comment = (token: string, n: number, body: string): Promise<{ id: number; html_url: string }> => h.as(token, 'POST', `/issues/${n}/comments`, { body });
const commentsOf = (x: Harness, n: number): Promise<Array<{ id: number; body: string; user: { login: string } }>> => x.as(TOKENS.anna, 'GET', `/issues/${n}/comments`);
const mailsFor = (x: Harness, event: string): CapturedMail[] => x.smtp.mails.filter((m) => m.event === event);
const patchCount = (x: Harness) => x.t.local.requests.filter((r) => r.method === 'PATCH' || r.method === 'POST').length;

describe('a new ticket', () => {
  it("is assigned in its category, set open, announced to the category's supporters and gets a card", async () => {
    const n = await h.openTicket({ email: 'zoe@example.com', category: 'shipping', order: 'NW-555' });
    await h.settle();
    const data = await issueOf(h, n);
    expect(await assigneesOf(h, n)).toEqual(['support-anna']);
    expect(await statusOf(h, n)).toEqual(['status: open']);
    const [mail, ...more] = mailsFor(h, `new-ticket:${n}`);
    expect(more).toEqual([]);
    expect(mail!.to).toEqual(['anna@example.com']);
    expect(mail!.subject).toBe(`New ticket ${'T-TEST0001'}: Parcel never arrived`);
    expect(mail!.text).toContain('A new ticket from Zoë (zoe@example.com) arrived and was assigned to support-anna');
    expect(mail!.html).toContain('A new ticket from <strong>Zoë (zoe@example.com)</strong> arrived');
    expect(mail!.text).toContain('Order:     NW-555');
    expect(mail!.text).toContain('Category:  Shipping & delivery');
    expect(mail!.text).toContain('Where is my parcel?');
    expect(mail!.text).toContain(`Open it in the staff workspace: https://help.example.com/staff/tickets/${n}\n`);
    expect(mail!.html).toContain(`href="https://help.example.com/staff/tickets/${n}"`);
    // The embedded host serves no issue page, and its port changes with each start: no link may lead there.
    for (const part of [mail!.text, mail!.html]) {
      expect(part).not.toContain(data.html_url);
      expect(part).not.toContain(new URL(h.t.local.url).host);
      expect(part).not.toContain('Git host');
    }
    const comments = await commentsOf(h, n);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('Ticket card');
    expect(comments[0]!.user.login).toBe('helpdesk-bot');
  });

  it("rotates fairly among the category's present supporters, and the rotation survives a restart", async () => {
    const assigned: string[] = [];
    for (let i = 0; i < 3; i++) {
      const n = await h.openTicket({ email: `rr${i}@example.com`, category: 'orders' });
      await h.settle();
      assigned.push(...(await assigneesOf(h, n)));
      if (i === 1) await h.restart();
    }
    expect(assigned).toEqual(['support-anna', 'support-ben', 'support-anna']);
    const n = await h.openTicket({ email: 'rr3@example.com', category: 'orders' });
    await h.settle();
    expect(await assigneesOf(h, n)).toEqual(['support-ben']);
    expect(mailsFor(h, `new-ticket:${n}`)[0]!.to.sort()).toEqual(['anna@example.com', 'ben@example.com']);
  });

  it('goes to every present supporter when nobody present handles its category', async () => {
    const n = await h.openTicket({ email: 'acc@example.com', category: 'account' });
    await h.settle();
    expect(await assigneesOf(h, n)).toHaveLength(1);
    expect(await statusOf(h, n)).toEqual(['status: open']);
    expect(mailsFor(h, `new-ticket:${n}`)[0]!.to.sort()).toEqual(['anna@example.com', 'ben@example.com']);
  });
});

describe('staff working a ticket in the issue UI', () => {
  let n: number;
  beforeAll(async () => {
    n = await h.openTicket({ email: 'carla@example.com', category: 'shipping', subject: 'Broken zipper', text: 'The zipper broke.', order: 'NW-777' });
    await h.settle();
  });

  it('a public reply sets waiting and mails the customer the reply, the facts and a sign-in link', async () => {
    const reply = await comment(TOKENS.anna, n, '/reply\nWe are sending a **new zipper** today.');
    await h.settle();
    expect(await statusOf(h, n)).toEqual(['status: waiting']);
    const mails = mailsFor(h, `staff-reply:${n}:${reply.id}`);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.to).toEqual(['carla@example.com']);
    expect(mail.subject).toBe('Broken zipper [T-TEST0007] — new reply from Anna from Support');
    expect(mail.text).toContain('We are sending a **new zipper** today.');
    expect(mail.text).not.toContain('/reply');
    expect(mail.text).toMatch(/Reference: T-TEST0007\nOpened: {4}\d{4}-\d\d-\d\d \d\d:\d\d UTC\nStatus: {4}Waiting for your reply\nPriority: {2}normal\nOrder: {5}NW-777/);
    expect(mail.text).toContain('https://help.example.com/tickets/access?token=link-for-carla%40example.com-T-TEST0007');
    expect(mail.text).toContain('Please reply on the site, not to this email');
    expect(mail.html).toContain('<strong>new zipper</strong>');
  });

  it('an internal note changes no status and mails nobody, even when edited into a /reply later', async () => {
    const before = h.smtp.mails.length;
    const note = await comment(TOKENS.anna, n, 'Customer is a reseller, check the contract first.');
    await h.settle();
    expect(await statusOf(h, n)).toEqual(['status: waiting']);
    await h.as(TOKENS.anna, 'PATCH', `/issues/comments/${note.id}`, { body: '/reply Customer is a reseller, check the contract first.' });
    await h.settle();
    expect(h.smtp.mails.length).toBe(before);
    expect(h.smtp.mails.map((m) => m.raw).join('\n')).not.toContain('reseller');
    const edited = (await h.host.getTicket(n, { fresh: true }))!.messages.find((m) => m.id === note.id)!;
    expect((await h.workflow.kindsOf([edited])).get(edited.id)).toBe('internal-note');
    expect(await statusOf(h, n)).toEqual(['status: waiting']);
  });

  it("a customer reply sets reply-received and mails the category's supporters, naming the customer, with a link to the workspace", async () => {
    const id = await h.customerReply(n, 'carla@example.com', 'Thanks, but I also need a new slider.');
    await h.settle();
    expect(await statusOf(h, n)).toEqual(['status: reply-received']);
    const [mail, ...more] = mailsFor(h, `customer-reply:${n}:${id}`);
    expect(more).toEqual([]);
    expect(mail!.to).toEqual(['anna@example.com']);
    expect(mail!.subject).toBe('Customer replied on T-TEST0007: Broken zipper');
    expect(mail!.text).toContain('I also need a new slider.');
    expect(mail!.text).toContain('Zoë (carla@example.com) replied on ticket T-TEST0007 (assigned to support-anna).');
    expect(mail!.text).toContain(`Open it in the staff workspace: https://help.example.com/staff/tickets/${n}\n`);
    expect(mail!.html).toContain(`href="https://help.example.com/staff/tickets/${n}"`);
    expect(`${mail!.text}${mail!.html}`).not.toContain(new URL(h.t.local.url).host);
  });

  it('/escalate assigns the next tier and leaves an internal note saying who and why; the label escalates again', async () => {
    await comment(TOKENS.anna, n, '/escalate the supplier needs a warranty decision');
    await h.settle();
    expect(await statusOf(h, n)).toEqual(['status: escalated']);
    expect(await assigneesOf(h, n)).toEqual(['support-lead']);
    const note = (await commentsOf(h, n)).find((c) => c.body.includes('**Escalated**'))!;
    expect(note.user.login).toBe('helpdesk-bot');
    expect(note.body).toContain('by support-anna');
    expect(note.body).toContain('the supplier needs a warranty decision');
    expect(note.body).toContain('Assigned to @support-lead (tier 2)');
    const escalationNote = (await h.host.getTicket(n, { fresh: true }))!.messages.find((m) => m.id === (note as { id: number }).id)!;
    expect((await h.workflow.kindsOf([escalationNote])).get(escalationNote.id)).toBe('system');

    // Tier 2 passes it on from the issue UI: takes the label off and puts it back.
    const labels = await labelsOf(h, n);
    await h.as(LEAD, 'PATCH', `/issues/${n}`, { labels: labels.filter((l) => l !== 'status: escalated').concat('status: open') });
    await h.settle();
    await h.as(LEAD, 'PATCH', `/issues/${n}`, { labels: (await labelsOf(h, n)).concat('status: escalated') });
    await h.settle();
    expect(await assigneesOf(h, n)).toEqual(['it-oncall']);
    expect(await statusOf(h, n)).toEqual(['status: escalated']);
    const notes = (await commentsOf(h, n)).filter((c) => c.body.includes('**Escalated**'));
    expect(notes).toHaveLength(2);
    expect(notes[1]!.body).toContain('by support-lead');
    expect(notes[1]!.body).toContain('Assigned to @it-oncall (tier 3)');
  });

  it('two status labels are repaired to the one just added', async () => {
    await h.as(TOKENS.anna, 'PATCH', `/issues/${n}`, { labels: (await labelsOf(h, n)).concat('status: on-hold', 'priority: high') });
    await h.settle();
    expect(await labelsOf(h, n)).toEqual(['category: shipping', 'priority: high', 'status: on-hold', 'type: problem']);
  });

  it('closing sets closed and mails the customer once; reopening sets open', async () => {
    await h.as(TOKENS.anna, 'PATCH', `/issues/${n}`, { state: 'closed' });
    await h.settle();
    expect(await statusOf(h, n)).toEqual(['status: closed']);
    const closedAt = (await issueOf(h, n)).closed_at;
    const mails = mailsFor(h, `ticket-closed:${n}:${closedAt}`);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(['carla@example.com']);
    expect(mails[0]!.text).toContain('Status:    Closed');
    expect(mails[0]!.text).toContain('/tickets/access?token=');
    await h.as(TOKENS.anna, 'PATCH', `/issues/${n}`, { state: 'open' });
    await h.settle();
    expect(await statusOf(h, n)).toEqual(['status: open']);
  });

  it("keeps one card, edited in place with the thread's figures", async () => {
    const cards = (await commentsOf(h, n)).filter((c) => c.body.includes('Ticket card'));
    expect(cards).toHaveLength(1);
    expect(cards[0]!.body).toContain('| Messages | 5 (customer 2, staff replies 1, internal notes 2) |');
    expect(cards[0]!.body).toMatch(/\| First staff response \| after (under a minute|1 min) \|/);
    expect(cards[0]!.body).toContain('| Customer | 1 ticket in total');
  });
});

describe('webhook deliveries', () => {
  async function captured() {
    const n = await h.openTicket({ email: `hook-${crypto.randomUUID()}@example.com`, category: 'shipping' });
    await h.settle();
    const delivery = h.t.local.deliveries.find((d) => d.event === 'issues' && d.action === 'opened' && (d.payload['issue'] as { number: number }).number === n)!;
    return { n, id: delivery.id, body: JSON.stringify(delivery.payload) };
  }

  it.each([
    ['missing', (): string | null => null, 'unsigned'],
    ['invalid', (): string | null => signPayload('another-secret', '{}'), 'bad-signature'],
    ['malformed', (): string | null => 'sha1=abc', 'bad-signature'],
  ] as const)('refuses a %s signature', async (_kind, signature, reason) => {
    const { body } = await captured();
    expect(await h.workflow.receive({ id: crypto.randomUUID(), event: 'issues', signature: signature(), body })).toEqual({ status: 'rejected', reason });
  });

  it('accepts a valid signature once, and a replay (same or fresh delivery id) changes nothing', async () => {
    const { n, id, body } = await captured();
    const signature = signPayload('test-webhook-secret', body);
    expect(await h.workflow.receive({ id, event: 'issues', signature, body })).toEqual({ status: 'duplicate' });
    expect(await h.workflow.receive({ id: crypto.randomUUID(), event: 'issues', signature, body })).toEqual({ status: 'duplicate' });
    const tampered = body.replace('"opened"', '"closed"');
    expect((await h.workflow.receive({ id: crypto.randomUUID(), event: 'issues', signature, body: tampered })).status).toBe('rejected');
    const fresh = JSON.stringify({ ...JSON.parse(body), zen: 'replayed with a change' });
    expect(await h.workflow.receive({ id: crypto.randomUUID(), event: 'issues', signature: signPayload('test-webhook-secret', fresh), body: fresh })).toEqual({ status: 'accepted', ticketNumber: n });
    await h.settle();
    expect(mailsFor(h, `new-ticket:${n}`)).toHaveLength(1);
  });

  it('processing the same ticket again (redelivery, sweep) writes nothing and sends nothing', async () => {
    const { n } = await captured();
    // Catch up first: the sweep also refreshes cards of tickets whose customer opened another one since.
    await h.workflow.sweep();
    await h.settle();
    const writes = patchCount(h);
    const mails = h.smtp.mails.length;
    for (let i = 0; i < 2; i++) h.workflow.ticketChanged(n);
    await h.workflow.sweep();
    await h.settle();
    expect(patchCount(h)).toBe(writes);
    expect(h.smtp.mails.length).toBe(mails);
  });
});

describe('the reconciliation sweep', () => {
  it('repairs what dropped webhooks left wrong, and mails once', async () => {
    const n = await h.openTicket({ email: 'sweep@example.com', category: 'shipping' });
    await h.settle();
    h.webhooks(false);
    try {
      const reply = await comment(TOKENS.anna, n, '/reply Found it, it is at the depot.');
      await h.as(TOKENS.anna, 'PATCH', `/issues/${n}`, { labels: (await labelsOf(h, n)).concat('status: on-hold', 'priority: low', 'priority: urgent') });
      const m = await h.openTicket({ email: 'sweep@example.com', category: 'shipping', subject: 'Second' });
      await h.as(TOKENS.anna, 'PATCH', `/issues/${m}`, { state: 'closed' });
      await h.t.local.idle();
      expect((await statusOf(h, n)).length).toBe(2);

      const report = await h.workflow.sweep();
      expect(report.checked).toBeGreaterThanOrEqual(2);
      await h.workflow.idle();
      expect(await labelsOf(h, n)).toEqual(['category: shipping', 'priority: urgent', 'status: waiting', 'type: problem']);
      expect(mailsFor(h, `staff-reply:${n}:${reply.id}`)).toHaveLength(1);
      expect(await statusOf(h, m)).toEqual(['status: closed']);
      expect(mailsFor(h, `ticket-closed:${m}:${(await issueOf(h, m)).closed_at}`)).toHaveLength(1);
      // Its card lists the customer's other ticket.
      expect((await commentsOf(h, n)).find((c) => c.body.includes('Ticket card'))!.body).toContain('[Second]');

      await h.workflow.sweep();
      await h.workflow.idle();
      expect(mailsFor(h, `staff-reply:${n}:${reply.id}`)).toHaveLength(1);
    } finally {
      h.webhooks(true);
    }
  });

  it('retries a mail the SMTP server refused until it is delivered', async () => {
    h.smtp.failNext(2);
    const n = await h.openTicket({ email: 'retry@example.com', category: 'shipping' });
    await h.settle();
    await h.queue.idle();
    expect(mailsFor(h, `new-ticket:${n}`)).toHaveLength(1);
    expect((await h.queue.mail(`new-ticket:${n}`))?.attempts).toBe(2);
  });
});

describe('with nobody present', () => {
  let p: Harness;
  beforeAll(async () => {
    p = await startHarness(testConfig({ supporters: [{ login: 'support-ben', categories: [], present: false, email: 'ben@example.com' }] }));
  });
  afterAll(() => p?.stop());

  it('leaves a new ticket in the pool; a staff assignment opens it', async () => {
    const n = await p.openTicket({ email: 'pool@example.com', category: 'orders' });
    await p.settle();
    expect(await assigneesOf(p, n)).toEqual([]);
    expect(await statusOf(p, n)).toEqual(['status: new']);
    await p.as(TOKENS.ben, 'PATCH', `/issues/${n}`, { assignees: ['support-ben'] });
    await p.settle();
    expect(await statusOf(p, n)).toEqual(['status: open']);
    // Nobody present has mail: the announcement goes to nobody rather than to the absent.
    expect(p.smtp.mails).toEqual([]);
  });
});

describe('with assignment: pool', () => {
  let p: Harness;
  beforeAll(async () => {
    p = await startHarness(testConfig({ assignment: 'pool' }));
  });
  afterAll(() => p?.stop());

  it('leaves every new ticket unassigned in the pool and mails the present supporters of its category; taking it opens it', async () => {
    const n = await p.openTicket({ email: 'pooled@example.com', category: 'shipping' });
    await p.settle();
    expect(await assigneesOf(p, n)).toEqual([]);
    expect(await statusOf(p, n)).toEqual(['status: new']);
    // Shipping: Anna only (Ben handles orders).
    expect(mailsFor(p, `new-ticket:${n}`).map((m) => m.to)).toEqual([['anna@example.com']]);
    const orders = await p.openTicket({ email: 'pooled@example.com', category: 'orders' });
    await p.settle();
    expect(await assigneesOf(p, orders)).toEqual([]);
    expect(
      mailsFor(p, `new-ticket:${orders}`)
        .flatMap((m) => m.to)
        .sort(),
    ).toEqual(['anna@example.com', 'ben@example.com']);
    await p.as(TOKENS.ben, 'PATCH', `/issues/${orders}`, { assignees: ['support-ben'] });
    await p.settle();
    expect(await statusOf(p, orders)).toEqual(['status: open']);
  });
});

describe('staff mail naming the customer', () => {
  // Opened the way the desk does, with the name and verification the form gave.
  const open = (email: string, fields: { customerName?: string; unverifiedSince?: string }) =>
    h.host
      .createTicket({
        title: 'Wrong size',
        body: `**Customer:** someone${HEADER_END}The shoes are too small.`,
        labels: ['status: new', 'priority: normal', 'type: problem', 'category: orders'],
        key: `open-named-${Math.random()}`,
        ref: `T-NAMED${email.length}`,
        customerEmail: email,
        fields,
      })
      .then((t) => t.number);
  const announced = async (n: number) => {
    await h.settle();
    const [mail] = mailsFor(h, `new-ticket:${n}`);
    return mail!;
  };

  it('names the customer by address when they gave no name', async () => {
    const n = await open('noname@example.com', {});
    expect((await announced(n)).text).toContain('A new ticket from noname@example.com arrived');
  });

  it('marks an address nobody has proven, as the workspace does', async () => {
    const n = await open('dana@example.com', { customerName: 'Dana <b>Doe</b>', unverifiedSince: new Date().toISOString() });
    const mail = await announced(n);
    expect(mail.text).toContain('A new ticket from Dana <b>Doe</b> (dana@example.com, unverified address) arrived');
    // The name is the customer's own text: escaped in HTML.
    expect(mail.html).toContain('<strong>Dana &lt;b&gt;Doe&lt;/b&gt; (dana@example.com, unverified address)</strong>');
  });
});

describe('staff mail when the tickets live on GitHub', () => {
  let g: Harness;
  beforeAll(async () => {
    // The same adapter and local host underneath; only the config says the issues have pages on GitHub.
    g = await startHarness(testConfig({ gitHost: { baseUrl: 'https://api.github.com', repository: 'local/support' } }));
  });
  afterAll(() => g?.stop());

  it("links to the workspace first and to the issue's page on the Git host too", async () => {
    const n = await g.openTicket({ email: 'gh@example.com', category: 'orders' });
    await g.settle();
    const issue = await issueOf(g, n);
    const [mail] = mailsFor(g, `new-ticket:${n}`);
    expect(mail!.text).toContain(
      `Open it in the staff workspace: https://help.example.com/staff/tickets/${n}\n\nOr on the Git host: ${issue.html_url}\nThere, answer with a comment starting with /reply`,
    );
    expect(mail!.html).toContain(`Or <a href="${issue.html_url}">open the issue on the Git host</a>`);
  });
});
