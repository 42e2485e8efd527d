// Deleting a ticket from the staff workspace, over HTTP on the embedded host: admins only (403 with the reason for
// others), confirmed; the embedded host's bot may not delete issues (GitHub: admins only), so the issue is redacted,
// closed and locked; its attachments leave the attachments branch; the store forgets it; the customer's old link
// says it was removed; the audit log says who did it, without customer content.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from '../helpers/files.ts';
import { Page } from '../helpers/html.ts';
import { startStaffSite, type StaffSite } from '../helpers/staff-site.ts';
import { waitFor } from '../helpers/wait.ts';

let desk: StaffSite;

beforeAll(async () => {
  desk = await startStaffSite('delete-', [{ login: 'support-anna', admin: true }, { login: 'support-ben' }], {
    abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: 100, linksPerEmailPer15Min: 10 },
  });
});
afterAll(() => desk?.site.stop());

const repo = { owner: 'local', repo: 'support' };

describe('deleting a ticket', () => {
  it('is refused to a supporter who is not an admin, with the reason', async () => {
    const { number } = await desk.fileTicket('keep@example.com', 'Not for deleting', { message: 'Please keep this one.' });
    const ben = await desk.staff('support-ben');
    const page = new Page(await (await ben.fetch(`/staff/tickets/${number}`)).text());
    expect(page.all('[data-delete-form]')).toHaveLength(0);
    const response = await ben.post(`/staff/tickets/${number}`, { action: 'delete', confirm: 'yes' });
    expect(response.status).toBe(403);
    expect(new Page(await response.text()).text('[role=alert]')).toContain('Only admins');
    expect((await desk.host.rest.issues.get({ ...repo, issue_number: number })).data.title).toBe('Not for deleting');
  });

  it('asks for confirmation', async () => {
    const { number } = await desk.fileTicket('confirm@example.com', 'Confirm first', { message: 'Unconfirmed.' });
    const anna = await desk.staff('support-anna');
    const response = await anna.post(`/staff/tickets/${number}`, { action: 'delete' });
    expect(response.status).toBe(400);
    expect((await desk.host.rest.issues.get({ ...repo, issue_number: number })).data.state).toBe('open');
  });

  it('redacts, closes and locks the issue where the host refuses to delete it, removes attachments and records; the customer sees it removed', async () => {
    const secret = 'my-secret-delete-text-5150';
    const { number, ticketPath, customer } = await desk.fileTicket('deleted@example.com', 'Delete this ticket', {
      name: 'Dora Deleted',
      message: `Please remove everything: ${secret}`,
      attachments: new File([PNG, new TextEncoder().encode('png-tail-9090')], 'proof.png', { type: 'image/png' }),
    });
    const ref = ticketPath.split('/').pop() as string;
    const files = await waitFor('the attachment on the branch', async () => {
      const { data } = await desk.host.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { ...repo, tree_sha: 'attachments', recursive: '1' });
      const found = data.tree.filter((e) => e.path?.startsWith(`tickets/${ref}/`));
      return found.length > 0 ? found : undefined;
    });
    await waitFor('the read model row', () => desk.storeRows('select number from ticket_summaries where number = ?', number).length === 1);

    const anna = await desk.staff('support-anna');
    expect(new Page(await (await anna.fetch(`/staff/tickets/${number}`)).text()).all('[data-delete-form]')).toHaveLength(1);
    const response = await anna.post(`/staff/tickets/${number}`, { action: 'delete', confirm: 'yes' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/staff?deleted=${number}&outcome=redacted`);

    const { data: issue } = await desk.host.rest.issues.get({ ...repo, issue_number: number });
    expect(issue).toMatchObject({ title: '[removed]', state: 'closed', state_reason: 'not_planned', locked: true });
    expect(issue.body).not.toContain(secret);
    expect(issue.body).not.toContain('deleted@example.com');
    const { data: thread } = await desk.host.rest.issues.listComments({ ...repo, issue_number: number });
    for (const comment of thread) expect(comment.body).not.toContain(secret);
    for (const file of files) {
      await expect(desk.host.rest.repos.getContent({ ...repo, path: file.path as string, ref: 'attachments' })).rejects.toMatchObject({ status: 404 });
    }

    // The customer's old link: a clear page, not an error.
    const page = await customer.fetch(ticketPath);
    expect(page.status).toBe(410);
    expect(new Page(await page.text()).text('[data-ticket-removed]')).toContain(ref);

    // The store: no row of it, even after the workflow handled the redaction's webhooks (it remembers the ticket again).
    expect(desk.storeRows('select number from removed_tickets where number = ?', number)).toHaveLength(1);
    await waitFor('the workflow to handle the redaction', () => desk.storeRows('select number from workflow_tickets where number = ?', number).length === 1);
    expect(desk.storeRows('select number from ticket_summaries where number = ?', number)).toEqual([]);
    expect(desk.storeRows('select ref from ticket_refs where number = ?', number)).toEqual([]);
    expect(desk.storeRows('select id from outbox where ticket = ? or ticket = ?', ref, `#${number}`)).toEqual([]);
    const audit = desk.storeRows<{ actor: string; action: string; target: string; detail: string }>('select actor, action, target, detail from audit_log');
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'support-anna', action: 'delete-ticket', target: `ticket #${number}` }));
    for (const row of audit) expect(JSON.stringify(row)).not.toMatch(/deleted@example\.com|Dora|5150/);

    // The staff queue no longer lists it, and says what happened.
    expect(await (await anna.fetch('/staff')).text()).not.toContain('Delete this ticket');
    expect(new Page(await (await anna.fetch(response.headers.get('location') as string)).text()).text('[data-deleted]')).toContain(`#${number} was redacted, closed and locked`);
  });
});
