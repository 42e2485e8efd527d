// The staff workspace's Main and Internal windows over HTTP: a note lands in Internal and a reply in Main, an
// escalation opens Internal with who, why and to whom, and the customer's page shows nothing of Internal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Page } from '../helpers/html.ts';
import { startStaffSite, type StaffSite } from '../helpers/staff-site.ts';
import { waitFor } from '../helpers/wait.ts';

let desk: StaffSite;

beforeAll(async () => {
  desk = await startStaffSite('staff-windows-', [{ login: 'support-anna' }, { login: 'support-ben' }]);
});
afterAll(() => desk?.site.stop());

const NOTE = 'Supplier batch 42 has faulty zips.';
const REPLY = 'We will send a replacement zip today.';
const REASON = 'Needs a warehouse decision';
const LATER_REPLY = 'Our warehouse team is looking at it.';

describe('Main and Internal windows in the staff workspace', () => {
  it('shows the public thread in Main, notes and the escalation in Internal, and nothing of Internal to the customer', async () => {
    const { number, customer, ticketPath } = await desk.fileTicket('windows@example.com', 'Zip broke on day one');
    const anna = await desk.staff('support-anna');
    const ben = await desk.staff('support-ben');
    const act = async (fields: Record<string, string>) => expect((await anna.post(`/staff/tickets/${number}`, fields)).status).toBe(303);
    const workspace = async () => new Page(await (await ben.fetch(`/staff/tickets/${number}`)).text());

    await act({ action: 'note', text: NOTE });
    await act({ action: 'reply', text: REPLY });
    let page = await workspace();
    // One live region holds both windows, so the live update replaces them together.
    expect(page.all('[data-live-region="thread"]')).toHaveLength(1);
    expect(page.all('[data-live-region="thread"] > section').map((s) => s.properties['ariaLabelledBy'])).toEqual([['main-window-title'], ['internal-window-title']]);
    expect(page.text('#main-window-title')).toBe('Main — with the customer');
    expect(page.text('#internal-window-title')).toBe('Internal — staff only');
    const main = () => page.text('ol.thread[aria-labelledby="main-window-title"]') ?? '';
    const internal = () => page.text('ol.thread[aria-labelledby="internal-window-title"]') ?? '';
    expect(main()).toContain('Please help me with this order.');
    expect(main()).toContain(REPLY);
    expect(main()).not.toContain(NOTE);
    expect(internal()).toContain(NOTE);
    expect(internal()).not.toContain(REPLY);
    expect(page.all('[aria-labelledby="internal-window-title"] .message-kind-internal-note')).toHaveLength(1);
    expect(page.all('[aria-labelledby="main-window-title"] .message-kind-staff-reply')).toHaveLength(1);
    expect(page.one('[data-escalation]')).toBeUndefined();

    await act({ action: 'escalate', reason: REASON });
    // The workflow assigns the chain's first tier and writes its note; the box is built from that note.
    page = await waitFor('the escalation note in the workspace', async () => {
      const fresh = await workspace();
      return fresh.text('.ticket-window-internal [data-escalation]')?.includes('support-lead') ? fresh : undefined;
    });
    const box = page.text('.ticket-window-internal [data-escalation]') ?? '';
    expect(box).toMatch(new RegExp(`^Escalated to support-lead \\(tier 2\\) by Anna from Support on .+ UTC: ${REASON}`));
    // The box opens the Internal window and points at the note, which is in that window too.
    expect(page.one('.ticket-window-internal > h2 + [data-escalation]')).toBeDefined();
    const noteLink = page.attr('[data-escalation] a', 'href') ?? '';
    expect(noteLink).toMatch(/^#message-\d+$/);
    expect(page.one(`[aria-labelledby="internal-window-title"] ${noteLink}.message-kind-system`)).toBeDefined();
    expect(main()).not.toContain(REASON);

    // A later public reply reaching the customer's page shows that page is up to date when it shows nothing internal.
    await act({ action: 'reply', text: LATER_REPLY });
    const customerPage = await waitFor('the later reply on the customer page', async () => {
      const html = await (await customer.fetch(ticketPath)).text();
      return html.includes(LATER_REPLY) ? new Page(html) : undefined;
    });
    const seen = customerPage.text('main') ?? '';
    expect(seen).toContain(REPLY);
    for (const internalText of [NOTE, REASON, 'support-lead', 'Internal — staff only', 'Escalated']) expect(seen).not.toContain(internalText);
  });
});
