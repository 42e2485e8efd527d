// Merging duplicates over HTTP: `/merge #N` written in the issue (through the host's API, as GitHub's UI would) and
// the workspace's merge form. The duplicate closes as a duplicate, both issues name each other, the customer's old
// link shows one conversation and their replies land on the target; another customer's ticket only when confirmed,
// and then neither customer sees the other's messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_TITLE } from '../../src/workflow/card.ts';
import { Page } from '../helpers/html.ts';
import { signInLinkIn } from '../helpers/mail-folder.ts';
import { startStaffSite, type StaffSite } from '../helpers/staff-site.ts';
import { waitFor } from '../helpers/wait.ts';

let desk: StaffSite;

beforeAll(async () => {
  desk = await startStaffSite('merge-', [{ login: 'support-anna', admin: true }], {
    abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: 100, linksPerEmailPer15Min: 10 },
  });
});
afterAll(() => desk?.site.stop());

const issue = async (number: number) => (await desk.host.rest.issues.get({ owner: 'local', repo: 'support', issue_number: number })).data;
const comments = async (number: number) => (await desk.host.rest.issues.listComments({ owner: 'local', repo: 'support', issue_number: number })).data;

describe('merging duplicates', () => {
  it('merges with /merge in the issue: the duplicate closes as one, the old link shows both, replies land on the target', async () => {
    const first = await desk.fileTicket('twice@example.com', 'Parcel damaged', { message: 'The box arrived crushed and wet.' });
    const second = await desk.fileTicket('twice@example.com', 'Damaged delivery', { message: 'Sending photos of the crushed box.' });
    // The customer proves the address (the card shows an unverified address's ticket alone).
    const link = await waitFor('the confirmation mail', () => desk.mailsTo('twice@example.com').map(signInLinkIn).find(Boolean));
    expect((await first.customer.followSignInLink(link)).status).toBe(303);
    await desk.host.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: first.number, body: `/merge #${second.number}` });

    await waitFor('the duplicate closed', async () => {
      const data = await issue(first.number);
      return data.state === 'closed' && data.state_reason === 'duplicate';
    });
    await waitFor('the note on the target', async () => (await comments(second.number)).some((c) => c.body?.includes(`#${first.number}`) && c.body.includes('was merged into this ticket')));
    expect((await comments(first.number)).some((c) => c.body?.includes(`Merged into #${second.number}`))).toBe(true);

    // The customer's old link: one conversation, the earlier messages labelled, open (the target's status).
    const page = new Page(await (await first.customer.fetch(first.ticketPath)).text());
    const thread = page.text('[data-thread]') ?? '';
    expect(thread).toContain('The box arrived crushed and wet.');
    expect(thread).toContain('Sending photos of the crushed box.');
    expect(thread).toContain(`from your earlier ticket ${first.ticketPath.split('/').pop()}`);
    expect(thread).not.toContain('Merged into');

    // A reply there goes to the target.
    expect((await first.customer.post(first.ticketPath, { action: 'reply', message: 'Here is one more photo.' })).status).toBe(303);
    await waitFor('the reply on the target', async () => (await comments(second.number)).some((c) => c.body?.includes('Here is one more photo.')));
    expect((await comments(first.number)).some((c) => c.body?.includes('Here is one more photo.'))).toBe(false);
    // Statistics count the pair once: the customer has one ticket, and the duplicate is not a closed one.
    const anna = await desk.staff('support-anna');
    await waitFor('the statistics to count the pair once', async () => {
      const tables = (await (await anna.fetch('/staff/stats.csv')).text()).split('\r\n\r\n').map((t) => t.split('\r\n'));
      const table = (header: string) =>
        tables
          .find((t) => t[0]?.startsWith(header))
          ?.slice(1)
          .filter((row) => row !== '') ?? [];
      // One customer with one ticket, opened today and not closed (the duplicate is no closed ticket).
      return JSON.stringify(table('"customer"').map((row) => row.split(',')[1])) === '["\\"1\\""]' && table('"status"').every((row) => !row.startsWith('"closed"'));
    });
    // So does the target's ticket card: the duplicate is neither another ticket of the customer nor one more in total.
    await waitFor('the card to count the pair once', async () => {
      const card = (await comments(second.number)).find((c) => c.body?.includes(CARD_TITLE))?.body ?? '';
      return card.includes('| Other tickets | none |') && card.includes('| Customer | 1 ticket in total');
    });
    // The merge closed nothing in the customer's eyes: no "your ticket was closed" mail.
    expect(desk.mailsTo('twice@example.com').filter((m) => /closed/i.test(m.split('\n').find((l) => l.startsWith('Subject:')) ?? ''))).toEqual([]);
  });

  it("refuses another customer's ticket unless confirmed, and then shows neither customer the other's messages", async () => {
    const target = await desk.fileTicket('owner@example.com', 'Tent pole cracked', { message: 'Pole number three cracked.' });
    const other = await desk.fileTicket('someone-else@example.com', 'Pole broken too', { message: 'Mine broke on the first night.' });
    await desk.host.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: other.number, body: `/merge #${target.number}` });
    await waitFor('the refusal', async () => (await comments(other.number)).some((c) => c.body?.includes('belongs to another customer')));
    expect((await issue(other.number)).state).toBe('open');

    // Confirmed in the workspace: merged.
    const anna = await desk.staff('support-anna');
    expect((await anna.post(`/staff/tickets/${other.number}`, { action: 'merge', into: `#${target.number}`, anyway: 'yes' })).status).toBe(303);
    await waitFor('the confirmed merge', async () => (await issue(other.number)).state_reason === 'duplicate');
    const page = new Page(await (await other.customer.fetch(other.ticketPath)).text());
    expect(page.text('[data-thread]')).toContain('Mine broke on the first night.');
    expect(page.text('body')).not.toContain('Pole number three cracked.');
    const owner = new Page(await (await target.customer.fetch(target.ticketPath)).text());
    expect(owner.text('body')).not.toContain('Mine broke on the first night.');
  });

  it('keeps a merge whose note is edited on the host, and follows no copied note', async () => {
    const email = 'edits@example.com';
    const duplicate = await desk.fileTicket(email, 'Zip broken', { message: 'The zip of my jacket broke.' });
    const target = await desk.fileTicket(email, 'Jacket zip', { message: 'Photos of the broken zip.' });
    const other = await desk.fileTicket(email, 'Wrong colour', { message: 'The jacket came in red, not blue.' });
    const bystander = await desk.fileTicket(email, 'Invoice address', { message: 'Please change the invoice address.' });
    await desk.host.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: duplicate.number, body: `/merge #${target.number}` });
    await waitFor('the merge', async () => (await issue(duplicate.number)).state_reason === 'duplicate');
    const note = await waitFor('the merge note', async () => (await comments(duplicate.number)).find((c) => c.body?.includes(`Merged into #${target.number}`)));

    // Someone with write access points the note at another ticket: its text, and its signed block's payload.
    const forged = note
      .body!.replace(/helpdesk:v2 ([\w-]+)\./, (_, payload: string) => {
        const meta = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        return `helpdesk:v2 ${Buffer.from(JSON.stringify({ ...meta, mergedInto: other.number })).toString('base64url')}.`;
      })
      .replaceAll(`#${target.number}`, `#${other.number}`);
    expect(forged).not.toBe(note.body);
    await desk.host.rest.issues.updateComment({ owner: 'local', repo: 'support', comment_id: note.id, body: forged });
    // And copies the genuine note, block and all, into a comment of their own on a fourth ticket.
    await desk.host.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: bystander.number, body: `${note.body}\n\ncopied-note-marker` });
    const anna = await desk.staff('support-anna');
    await waitFor('the desk to read both', async () => (await (await anna.fetch(`/staff/tickets/${bystander.number}`)).text()).includes('copied-note-marker'));

    // The old link still shows the genuine merge, and a reply there still lands on the genuine target.
    const page = new Page(await (await duplicate.customer.fetch(duplicate.ticketPath)).text());
    expect(page.text('[data-thread]')).toContain('Photos of the broken zip.');
    expect(page.text('[data-thread]')).not.toContain('The jacket came in red');
    expect((await duplicate.customer.post(duplicate.ticketPath, { action: 'reply', message: 'The zip pull came off too.' })).status).toBe(303);
    await waitFor('the reply on the target', async () => (await comments(target.number)).some((c) => c.body?.includes('The zip pull came off too.')));
    expect((await comments(other.number)).some((c) => c.body?.includes('The zip pull came off too.'))).toBe(false);
    // The fourth ticket is not merged by a note its bot never wrote.
    const fourth = new Page(await (await bystander.customer.fetch(bystander.ticketPath)).text());
    expect(fourth.text('[data-thread]')).toContain('Please change the invoice address.');
    expect(fourth.text('[data-thread]')).not.toContain('Photos of the broken zip.');
    expect((await issue(bystander.number)).state).toBe('open');
  });

  it('refuses a merge form that names no ticket, or the ticket itself, with a reason', async () => {
    const ticket = await desk.fileTicket('form@example.com', 'Which size', { message: 'Which size fits a 1.9 m person?' });
    const anna = await desk.staff('support-anna');
    for (const into of ['', 'abc', String(ticket.number)]) {
      const refused = await anna.post(`/staff/tickets/${ticket.number}`, { action: 'merge', into });
      expect(refused.status, into).toBe(400);
      expect(new Page(await refused.text()).text('[role="alert"]')).toContain('number of the other ticket');
    }
  });
});
