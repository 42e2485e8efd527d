import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAIL_TEMPLATES } from '../../../src/mail/default-templates.ts';
import { loadMailTemplates } from '../../../src/mail/render-template.ts';
import { parseConfig } from '../../../src/server/config.ts';
import { describeStatus } from '../../../src/tickets/status.ts';
import { factsOf, planNotice, type NotifyContext } from '../../../src/workflow/notifications.ts';

const config = parseConfig(readFileSync('helpdesk.config.json', 'utf8'));
const ctx: NotifyContext = {
  config,
  templates: loadMailTemplates(DEFAULT_MAIL_TEMPLATES, undefined),
  signInUrl: (_email, ref) => `https://help.example/tickets/access?token=t-${ref}`,
  staffTicketUrl: (n) => `https://help.example/staff/tickets/${n}`,
};
const ticket = (lang: 'en' | 'de' | undefined) => ({
  number: 7,
  title: 'Paket nicht geliefert',
  createdAt: '2026-12-01T09:30:00Z',
  labels: ['status: waiting', 'priority: normal', 'category: shipping'],
  assignees: ['support-anna'],
  htmlUrl: 'https://git.example/issues/7',
  meta: { ref: 'T-7K2M9QXA', customer: { id: 'c-1', email: 'kunde@example.de' }, ...(lang ? { lang } : {}) },
});

describe('customer mail in the ticket’s language (issue 16, item 8)', () => {
  it('mails a German ticket’s customer in German: template, status words, category, and a link to German pages', () => {
    const [mail] = planNotice(factsOf(ticket('de'), 'waiting'), { kind: 'staff-reply', messageId: 3, staffLogin: 'nobody-configured', text: 'Ist unterwegs.' }, ctx);
    expect(mail?.message.subject).toBe('Paket nicht geliefert [T-7K2M9QXA] — neue Antwort von Unser Support-Team');
    expect(mail?.message.text).toContain('Status:    Wartet auf Ihre Antwort');
    expect(mail?.message.text).toContain('https://help.example/tickets/access?token=t-T-7K2M9QXA&lang=de');
    const [closed] = planNotice(factsOf(ticket('de'), 'closed'), { kind: 'ticket-closed', closedAt: '2026-12-02T10:00:00Z' }, ctx);
    expect(closed?.message.text).toContain('Ihr Ticket T-7K2M9QXA wurde geschlossen.');
    expect(closed?.message.text).toContain(`Status:    ${describeStatus('closed', 'de').text}`);
  });

  it('mails a ticket without a language (filed before it was kept) in English, as before', () => {
    const [mail] = planNotice(factsOf(ticket(undefined), 'waiting'), { kind: 'staff-reply', messageId: 3, staffLogin: 'nobody-configured', text: 'On its way.' }, ctx);
    expect(mail?.message.text).toContain('Status:    Waiting for your reply');
    expect(mail?.message.text).toContain('https://help.example/tickets/access?token=t-T-7K2M9QXA\n');
  });

  it('keeps staff mail in English for a German ticket', () => {
    const staff = planNotice(factsOf(ticket('de'), 'new'), { kind: 'new-ticket', text: 'Hallo' }, ctx);
    for (const mail of staff) expect(mail.message.text).not.toMatch(/Guten Tag|Ihr Ticket/);
  });
});

describe('describeStatus', () => {
  it('has German words for every customer status, with the same tone as the English ones', () => {
    for (const status of ['queued', 'removed', 'new', 'open', 'reply-received', 'waiting', 'on-hold', 'escalated', 'closed'] as const) {
      expect(describeStatus(status, 'de').tone).toBe(describeStatus(status).tone);
      expect(describeStatus(status, 'de').text).not.toBe(describeStatus(status).text);
    }
  });
});
