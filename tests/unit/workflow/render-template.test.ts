import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAIL_TEMPLATES } from '../../../src/mail/default-templates.ts';
import { loadMailTemplates, MailTemplateError, parseTemplate, renderTemplate, templateIn } from '../../../src/mail/render-template.ts';

const source = { text: 'staff-reply.txt', html: 'staff-reply.html' };

describe('mail templates', () => {
  it('ships a text and an HTML template for every event', () => {
    const templates = loadMailTemplates(DEFAULT_MAIL_TEMPLATES, undefined);
    expect(Object.keys(templates).sort()).toEqual(['customer-reply', 'new-ticket', 'sla-breach', 'staff-reply', 'ticket-closed']);
  });

  it('fills values, escapes them in HTML only, and shows sections for set values', () => {
    const t = parseTemplate('staff-reply', 'Subject: Re {{subject}}\n{{replyText}}{{#order}} order {{order}}{{/order}}{{^order}} no order{{/order}}', '<p>{{subject}}</p>{{{replyHtml}}}', source);
    expect(renderTemplate(t, { subject: 'A <b> & "c"', replyText: 'x', replyHtml: '<em>x</em>', order: undefined })).toEqual({
      subject: 'Re A <b> & "c"',
      text: 'x no order',
      html: '<p>A &lt;b&gt; &amp; &quot;c&quot;</p><em>x</em>',
    });
    expect(renderTemplate(t, { subject: 's', replyText: 'x', order: 'NW-1' }).text).toBe('x order NW-1');
  });

  it.each([
    ['an unknown variable', 'Subject: x\n{{password}}', '', 'staff-reply.txt:2: unknown variable "password" in {{password}}; this template may use: siteName, ref'],
    ['a missing subject line', 'Hello', '', 'staff-reply.txt:1: the first line must be "Subject: …"'],
    ['unescaped customer text in HTML', 'Subject: x\n', '{{{subject}}}', 'staff-reply.html:1: {{{subject}}} inserts "subject" without escaping; only the prepared HTML values (replyHtml)'],
    ['an unclosed section', 'Subject: x\n{{#order}}', '', 'staff-reply.txt: section {{#order}} is never closed; add {{/order}}'],
  ])('refuses %s, naming the file, line and fix', (_case, text, html, message) => {
    expect(() => parseTemplate('staff-reply', text, html, source)).toThrow(MailTemplateError);
    expect(() => parseTemplate('staff-reply', text, html, source)).toThrow(message);
  });

  it('lets the site owner replace a template file by file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    writeFileSync(join(dir, 'ticket-closed.txt'), 'Subject: Done: {{ref}}\nBye from {{siteName}}');
    const templates = loadMailTemplates(DEFAULT_MAIL_TEMPLATES, dir);
    expect(renderTemplate(templates['ticket-closed'], { ref: 'T-1', siteName: 'Shop' })).toMatchObject({ subject: 'Done: T-1', text: 'Bye from Shop' });
    expect(templates['ticket-closed'].html).toBe(DEFAULT_MAIL_TEMPLATES['ticket-closed.html']);
  });

  it('ships the customer mails in German too, and keeps English where there is no translation (issue 16, item 8)', () => {
    const templates = loadMailTemplates(DEFAULT_MAIL_TEMPLATES, undefined);
    const values = { ref: 'T-1', subject: 'Paket', staffName: 'Anna', replyText: 'Ist unterwegs.', replyHtml: '<p>Ist unterwegs.</p>', link: 'https://x/l', siteName: 'Shop' };
    const reply = renderTemplate(templateIn(templates['staff-reply'], 'de'), values);
    expect(reply.subject).toBe('Paket [T-1] — neue Antwort von Anna');
    expect(reply.text).toContain('Anna hat auf Ihr Ticket T-1 geantwortet:');
    expect(reply.html).toContain('<html lang="de">');
    expect(renderTemplate(templateIn(templates['ticket-closed'], 'de'), values).subject).toBe('Paket [T-1] — geschlossen');
    // Staff mails have no translation: staff read English whatever the customer's language.
    expect(templateIn(templates['new-ticket'], 'de')).toBe(templates['new-ticket']);
    expect(templateIn(templates['staff-reply'], 'en')).toBe(templates['staff-reply']);
  });

  it('lets the site owner replace a German template file by file, leaving the English one built in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    writeFileSync(join(dir, 'ticket-closed.de.txt'), 'Subject: Erledigt: {{ref}}\nTschüss von {{siteName}}');
    const templates = loadMailTemplates(DEFAULT_MAIL_TEMPLATES, dir);
    expect(renderTemplate(templateIn(templates['ticket-closed'], 'de'), { ref: 'T-1', siteName: 'Shop' })).toMatchObject({ subject: 'Erledigt: T-1', text: 'Tschüss von Shop' });
    expect(templates['ticket-closed'].text).toBe(DEFAULT_MAIL_TEMPLATES['ticket-closed.txt']!.slice(DEFAULT_MAIL_TEMPLATES['ticket-closed.txt']!.indexOf('\n') + 1));
  });

  it('refuses a German template with an unknown variable, naming its file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    writeFileSync(join(dir, 'staff-reply.de.txt'), 'Subject: x\n{{passwort}}');
    expect(() => loadMailTemplates(DEFAULT_MAIL_TEMPLATES, dir)).toThrow(/staff-reply\.de\.txt:2: unknown variable "passwort"/);
  });
});
