import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAIL_TEMPLATES } from '../../../src/mail/default-templates.ts';
import { loadMailTemplates, MailTemplateError, parseTemplate, renderTemplate } from '../../../src/mail/render-template.ts';

const source = { text: 'staff-reply.txt', html: 'staff-reply.html' };

describe('mail templates', () => {
  it('ships a text and an HTML template for every event', () => {
    const templates = loadMailTemplates(DEFAULT_MAIL_TEMPLATES, undefined);
    expect(Object.keys(templates).sort()).toEqual(['customer-reply', 'new-ticket', 'staff-reply', 'ticket-closed']);
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
});
