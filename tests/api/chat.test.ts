// Chat over HTTP: a conversation is a ticket labelled `channel: chat`; its visitor hears staff answers live (from the
// staff chat page and from a `/reply` comment on the Git host), each once and in order, never an internal note, and
// nobody else hears anything.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllStreams, listen, type EventStream } from '../helpers/event-stream.ts';
import { Page } from '../helpers/html.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { startStaffSite, type StaffSite } from '../helpers/staff-site.ts';
import { waitFor } from '../helpers/wait.ts';

let desk: StaffSite;
const json = { headers: { 'Content-Type': 'application/json', Accept: 'application/json' } };

beforeAll(async () => {
  const sample = JSON.parse(readFileSync('helpdesk.config.json', 'utf8')) as { supporters: { login: string }[] };
  desk = await startStaffSite('chat-', [{ login: 'support-anna', admin: true }, { login: 'support-ben' }], {
    abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: 100, linksPerEmailPer15Min: 10 },
    // Staff hear of new conversations by mail.
    supporters: sample.supporters.map((s) => ({ ...s, email: `${s.login}@shop.example` })),
  });
});
afterAll(() => {
  closeAllStreams();
  return desk?.site.stop();
});

async function startChat(visitor: SiteClient, body: Record<string, unknown>): Promise<Response> {
  return visitor.fetch('/api/chat', { method: 'POST', body: JSON.stringify(body), ...json });
}

interface Shown {
  id: number;
  kind: string;
  html: string;
}
const messages = (stream: EventStream) => stream.events.filter((e) => e.event === 'message').map((e) => e.data as Shown);
const texts = (stream: EventStream) => messages(stream).map((m) => (new Page(m.html).text('body') ?? '').trim());

/** The customer's page in the staff pages, once the read model has their conversation. */
async function profileOf(staff: SiteClient, search: string): Promise<string> {
  return waitFor(`the customer "${search}"`, async () => {
    const page = new Page(await (await staff.fetch(`/staff/customers?search=${encodeURIComponent(search)}`)).text());
    return page.all('a').find((a) => (a.properties['href'] as string | undefined)?.startsWith('/staff/customers/'))?.properties['href'] as string | undefined;
  });
}

describe('chat', () => {
  it('says whether someone is there, and refuses a first message without an address or text, saying why', async () => {
    const visitor = new SiteClient(desk.site.url);
    expect(await (await visitor.fetch('/api/chat/status')).json()).toEqual({ enabled: true, present: true });
    const refused = await startChat(visitor, { email: 'not an address', message: '' });
    expect(refused.status).toBe(400);
    const { error } = (await refused.json()) as { error: { fields: Record<string, string> } };
    expect(Object.keys(error.fields).sort()).toEqual(['email', 'message']);
    expect((await visitor.fetch('/api/chat', { method: 'POST', body: '[1,2', ...json })).status).toBe(400);
    // From another site: refused before anything is read.
    expect((await visitor.fetch('/api/chat', { method: 'POST', body: JSON.stringify({ email: 'a@example.com', message: 'hi' }), ...json, origin: 'https://evil.example' })).status).toBe(403);
  });

  it('delivers staff answers from the chat page and from the issue live, each once, in order, and never a note', async () => {
    const visitor = new SiteClient(desk.site.url);
    const started = await startChat(visitor, { email: 'chatter@example.com', name: 'Robin', message: 'Hi! Do you ship tents to Norway?' });
    expect(started.status).toBe(201);
    const { ref } = (await started.json()) as { ref: string };
    const stream = await listen(visitor, `/api/chat/${ref}/events`);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await waitFor('the opening message', () => texts(stream).includes('Hi! Do you ship tents to Norway?'));
    expect(stream.events.find((e) => e.event === 'presence')?.data).toEqual({ present: true });

    const issue = await waitFor('the conversation on the host', async () => {
      const { data } = await desk.host.rest.issues.listForRepo({ owner: 'local', repo: 'support', state: 'open', labels: 'channel: chat', per_page: 100 });
      return data.find((i) => i.title === 'Chat: Hi! Do you ship tents to Norway?');
    });

    // The staff chat page lists it as waiting; Anna answers there.
    const anna = await desk.staff('support-anna');
    await waitFor('the conversation on the chat page', async () => {
      const page = new Page(await (await anna.fetch('/staff/chat')).text());
      const list = page.text('.chat-list') ?? '';
      return list.includes('Robin') && list.includes('1 waiting');
    });
    expect((await anna.post(`/staff/chat?c=${issue.number}`, { action: 'reply', text: 'Yes, we do: 3 to 5 days.' })).status).toBe(303);
    // Ben answers from the issue, as the Git host's UI would, and leaves a note there that is for staff only.
    await desk.host.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: issue.number, body: 'Internal: customer asked before about Sweden.' });
    await desk.host.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: issue.number, body: '/reply And shipping is free over 100 EUR.' });
    await waitFor('both answers', () => texts(stream).includes('And shipping is free over 100 EUR.') && texts(stream));

    // The visitor writes again; it comes back once, after the answers.
    expect((await visitor.fetch(`/api/chat/${ref}/messages`, { method: 'POST', body: JSON.stringify({ message: 'Great, thanks!' }), ...json })).status).toBe(202);
    await waitFor('the visitor message', () => texts(stream).includes('Great, thanks!'));
    expect(texts(stream)).toEqual(['Hi! Do you ship tents to Norway?', 'Yes, we do: 3 to 5 days.', 'And shipping is free over 100 EUR.', 'Great, thanks!']);
    expect(messages(stream).map((m) => m.kind)).toEqual(['customer', 'staff', 'staff', 'customer']);
    const ids = messages(stream).map((m) => m.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(JSON.stringify(stream.events)).not.toContain('Sweden');

    // A dropped connection resumes after the last message it had: nothing twice, nothing lost.
    const resumed = await listen(visitor, `/api/chat/${ref}/events`, { 'Last-Event-ID': String(ids[1]) });
    await waitFor('the missed messages', () => texts(resumed).length >= 2);
    expect(texts(resumed)).toEqual(['And shipping is free over 100 EUR.', 'Great, thanks!']);
    resumed.close();
    // A forged Last-Event-ID resumes nothing it should not: anything but a message id starts from the beginning, and
    // no id reaches past the conversation's own public messages.
    for (const forged of ['garbage', '-5', '1e3', '9'.repeat(30), `${ids[1]}; ${ids[0]}`]) {
      const replayed = await listen(visitor, `/api/chat/${ref}/events`, { 'Last-Event-ID': forged });
      await waitFor(`the conversation for ${forged}`, () => texts(replayed).length >= 4);
      expect(texts(replayed), forged).toEqual(texts(stream));
      expect(JSON.stringify(replayed.events)).not.toContain('Sweden');
      replayed.close();
    }
    const ahead = await listen(visitor, `/api/chat/${ref}/events`, { 'Last-Event-ID': '9'.repeat(15) });
    await waitFor('the presence event', () => ahead.events.some((e) => e.event === 'presence'));
    expect(messages(ahead)).toEqual([]);
    ahead.close();

    // A window that closes frees its place: more streams than one conversation may hold at once, one after another.
    for (let i = 0; i < 8; i += 1) {
      const again = await listen(visitor, `/api/chat/${ref}/events`);
      expect(again.response.status).toBe(200);
      await waitFor('its first event', () => again.events.length > 0);
      again.close();
    }

    // Nobody else hears or writes anything in it.
    const stranger = new SiteClient(desk.site.url);
    expect((await stranger.fetch(`/api/chat/${ref}/events`)).status).toBe(404);
    expect((await stranger.fetch(`/api/chat/${ref}/events`, { headers: { 'Last-Event-ID': String(ids[0]) } })).status).toBe(404);
    expect((await stranger.fetch(`/api/chat/${ref}/messages`, { method: 'POST', body: JSON.stringify({ message: 'hello' }), ...json })).status).toBe(404);

    // Anna turns it into a ticket: the label goes, the thread stays.
    expect((await anna.post(`/staff/chat?c=${issue.number}`, { action: 'to-ticket' })).status).toBe(303);
    const after = (await desk.host.rest.issues.get({ owner: 'local', repo: 'support', issue_number: issue.number })).data;
    expect((after.labels as { name: string }[]).map((l) => l.name)).not.toContain('channel: chat');
    expect(after.comments).toBeGreaterThanOrEqual(3);
  });

  it('takes a message with nobody present, tells the visitor it is answered by mail, and mails the visitor', async () => {
    const anna = await desk.staff('support-anna');
    for (const login of ['support-anna', 'support-ben']) expect((await anna.post('/staff/presence', { login, present: 'no' })).status).toBe(303);
    try {
      const visitor = new SiteClient(desk.site.url);
      expect(((await (await visitor.fetch('/api/chat/status')).json()) as { present: boolean }).present).toBe(false);
      const started = await startChat(visitor, { email: 'late@example.com', message: 'Is anyone there? My order is late.' });
      expect(started.status).toBe(201);
      const { ref, present } = (await started.json()) as { ref: string; present: boolean };
      expect(present).toBe(false);
      const stream = await listen(visitor, `/api/chat/${ref}/events`);
      await waitFor('the presence event', () => stream.events.some((e) => e.event === 'presence'));
      expect(stream.events.find((e) => e.event === 'presence')?.data).toEqual({ present: false });
      await waitFor('the confirmation mail with a link to the conversation', () => desk.mailsTo('late@example.com').some((m) => m.includes(ref)));
      // It waits in the pool and on the chat page for whoever comes back; nobody away is mailed (away means away).
      await waitFor('the message on the chat page', async () => (await (await anna.fetch('/staff/chat')).text()).includes('Is anyone there?'));
      expect(['support-anna', 'support-ben'].flatMap((login) => desk.mailsTo(`${login}@shop.example`)).filter((m) => m.includes('My order is late'))).toEqual([]);
    } finally {
      for (const login of ['support-anna', 'support-ben']) await anna.post('/staff/presence', { login, present: 'yes' });
    }
  });

  it('lets staff start a conversation from a customer page: mailed when away, a popup when the chat panel is open', async () => {
    const anna = await desk.staff('support-anna');
    // A customer known from an earlier chat, signed in through the link the desk mailed them.
    const visitor = new SiteClient(desk.site.url);
    const started = await startChat(visitor, { email: 'regular@example.com', name: 'Kim Regular', message: 'Can I change my delivery address?' });
    const { ref } = (await started.json()) as { ref: string };
    const link = await waitFor('the confirmation mail', () => /\/tickets\/access\?token=[\w.%-]+/.exec(desk.mailsTo('regular@example.com').join('\n'))?.[0]);
    expect((await visitor.followSignInLink(link)).status).toBe(303);

    const profilePath = await profileOf(anna, 'regular');
    const profile = new Page(await (await anna.fetch(profilePath)).text());
    expect(profile.text('h1')).toBe('Kim Regular');
    expect(profile.text('.ticket-facts')).toContain('regular@example.com');
    expect(profile.text('.ticket-facts')).toMatch(/Verified\s*yes/);
    expect((await anna.post(profilePath, { text: '' })).status).toBe(400);

    // With the chat panel open (a stream on the earlier conversation), a new conversation pops up there, with its text.
    const panel = await listen(visitor, `/api/chat/${ref}/events`);
    await waitFor('the panel stream', () => panel.events.some((e) => e.event === 'message'));
    expect((await anna.post(profilePath, { text: 'Hello Kim, your new tent poles are ready. Shall we send them?', lang: 'en' })).status).toBe(303);
    const invite = await waitFor('the popup', () => panel.events.find((e) => e.event === 'invite')?.data as { ref: string; staffName: string; text: string } | undefined);
    expect(invite).toMatchObject({ staffName: 'Anna from Support', text: 'Hello Kim, your new tent poles are ready. Shall we send them?' });
    const opened = await listen(visitor, `/api/chat/${invite.ref}/events`);
    await waitFor('the staff message in the new conversation', () => texts(opened).length > 0);
    // The conversation opens with the supporter's message: nothing is shown as the customer's.
    expect(texts(opened)).toEqual(['Hello Kim, your new tent poles are ready. Shall we send them?']);
    expect(messages(opened).map((m) => m.kind)).toEqual(['staff']);
    // Watched live: the answer is not also mailed.
    const mailsBefore = desk.mailsTo('regular@example.com').length;
    const { data: conversation } = await desk.host.rest.issues.listForRepo({ owner: 'local', repo: 'support', labels: 'channel: chat', state: 'open', assignee: 'support-anna' });
    const issue = conversation.find((i) => i.title === 'Chat with Kim Regular')!;
    await desk.host.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: issue.number, body: '/reply They fit the Trail 2 tent.' });
    await waitFor('the answer in the panel', () => texts(opened).includes('They fit the Trail 2 tent.'));
    // The panel closes; the next answer is mailed.
    opened.close();
    panel.close();
    await desk.host.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: issue.number, body: '/reply Reply here or by mail, whichever suits you.' });
    const mailed = await waitFor('the answer by mail', () => desk.mailsTo('regular@example.com').find((m) => m.includes('whichever suits you')));
    expect(mailed).toMatch(/\/tickets\/access\?token=/);
    expect(desk.mailsTo('regular@example.com').filter((m) => m.includes('They fit the Trail 2 tent.'))).toEqual([]);
    expect(desk.mailsTo('regular@example.com').length).toBeGreaterThan(mailsBefore);
  });

  it("tells a guest's open panel only that a supporter wants to talk, never the message", async () => {
    const anna = await desk.staff('support-anna');
    const guest = new SiteClient(desk.site.url);
    const { ref } = (await (await startChat(guest, { email: 'guest-invite@example.com', name: 'Lee Guest', message: 'Hello there!' })).json()) as { ref: string };
    const panel = await listen(guest, `/api/chat/${ref}/events`);
    await waitFor('the panel stream', () => panel.events.some((e) => e.event === 'message'));
    const profilePath = await profileOf(anna, 'lee guest');
    expect((await anna.post(profilePath, { text: 'Lee, we found your order: it ships today.' })).status).toBe(303);
    const invite = await waitFor('the popup', () => panel.events.find((e) => e.event === 'invite')?.data);
    expect(invite).toEqual({ staffName: 'Anna from Support' });
    expect(JSON.stringify(panel.events)).not.toContain('ships today');
  });
});
