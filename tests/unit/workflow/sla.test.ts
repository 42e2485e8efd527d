import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAIL_TEMPLATES } from '../../../src/mail/default-templates.ts';
import { loadMailTemplates } from '../../../src/mail/render-template.ts';
import { parseConfig } from '../../../src/server/config.ts';
import type { Ticket } from '../../../src/tickets/ticket.ts';
import { factsOf } from '../../../src/workflow/notifications.ts';
import { planBreachMails, recordTimeline } from '../../../src/workflow/sla.ts';

const sample = JSON.parse(readFileSync('helpdesk.config.json', 'utf8'));
const config = parseConfig(
  JSON.stringify({
    ...sample,
    supporters: [
      { login: 'support-anna', categories: ['orders'], email: 'anna@example.com' },
      { login: 'support-ben', categories: [], email: 'ben@example.com' },
      { login: 'support-lead', present: false, email: 'lead@example.com' },
    ],
    escalationChain: ['support-lead', 'it-oncall'],
    responseTargets: { calendar: { timeZone: 'Europe/Berlin' }, targets: { normal: { firstResponse: 4 } } },
  }),
);
const templates = loadMailTemplates(DEFAULT_MAIL_TEMPLATES, undefined);
const at = (iso: string) => Date.parse(iso);

const ticket = {
  number: 7,
  title: 'Parcel lost',
  createdAt: '2026-11-30T10:00:00Z',
  closedAt: null,
  labels: ['status: open', 'priority: normal', 'category: orders'],
  assignees: ['support-anna'],
  htmlUrl: 'https://example.com/7',
  meta: { ref: 'T-7', customer: { email: 'zoe@example.com' }, customerName: 'Zoë' },
  messages: [
    { id: 1, createdAt: '2026-11-30T11:00:00Z' },
    { id: 2, createdAt: '2026-11-30T12:00:00Z' },
    { id: 3, createdAt: '2026-11-30T12:30:00Z' },
  ],
} as unknown as Ticket;

describe('recording a ticket for its response targets', () => {
  it('takes the host time, or the desk clock when that is earlier, and records status changes once', () => {
    const kinds = new Map([
      [1, 'staff-reply' as const],
      [2, 'internal-note' as const],
      [3, 'customer' as const],
    ]);
    const first = recordTimeline(undefined, ticket, kinds, 'open', at('2026-11-30T12:15:00Z'));
    expect(first).toEqual({
      openedAt: at('2026-11-30T10:00:00Z'),
      messages: [
        { id: 1, kind: 'staff', at: at('2026-11-30T11:00:00Z') },
        // Stamped after the desk's clock: the desk's clock wins (a scripted clock in tests, a skewed host in production).
        { id: 3, kind: 'customer', at: at('2026-11-30T12:15:00Z') },
      ],
      statuses: [{ status: 'open', at: at('2026-11-30T10:00:00Z') }],
    });
    const again = recordTimeline(first, ticket, kinds, 'open', at('2026-11-30T13:00:00Z'));
    expect(again).toEqual(first);
    const waiting = recordTimeline(first, ticket, kinds, 'waiting', at('2026-11-30T13:00:00Z'));
    expect(waiting.statuses.at(-1)).toEqual({ status: 'waiting', at: at('2026-11-30T13:00:00Z') });
  });
});

describe('breach mails', () => {
  const breach = { target: 'firstResponse' as const, startedAt: at('2026-11-30T10:00:00Z'), dueAt: at('2026-11-30T14:00:00Z'), stoppedAt: undefined, met: undefined };
  const ctx = { config, templates, staffTicketUrl: (n: number) => `https://help.example.com/staff/tickets/${n}` };

  it('goes once to the assignees and once to the next tier, each under its own key', () => {
    const mails = planBreachMails(factsOf(ticket, 'open'), [breach], ctx);
    expect(mails.map((m) => [m.key, m.message.to])).toEqual([
      [`sla-breach:7:firstResponse:${breach.startedAt}`, ['anna@example.com']],
      [`sla-breach:7:firstResponse:${breach.startedAt}:tier`, ['lead@example.com']],
    ]);
    expect(mails[0]?.message.subject).toBe('Overdue: first response on T-7: Parcel lost');
    expect(mails[0]?.message.text).toContain('it was due 2026-11-30 15:00 (Europe/Berlin) (assigned to support-anna)');
    expect(mails[0]?.message.text).not.toContain('next tier');
    expect(mails[1]?.message.text).toContain('You are the next tier of the escalation chain');
  });

  it("goes to the category's supporters while the ticket is in the pool", () => {
    const mails = planBreachMails(factsOf({ ...ticket, assignees: [] }, 'new'), [breach], ctx);
    expect(mails.map((m) => m.message.to)).toEqual([['anna@example.com', 'ben@example.com'], ['lead@example.com']]);
  });
});
