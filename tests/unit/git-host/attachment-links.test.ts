import { describe, expect, it } from 'vitest';
import { withAttachmentLinks } from '../../../src/git-host/attachment-links.ts';
import { HEADER_END } from '../../../src/tickets/thread.ts';

const body = `**New ticket** from a customer${HEADER_END}My tent pole snapped.`;
const site = (path: string) => `https://help.example.com/staff/files/${path.split('/').slice(1).join('/')}`;

describe('links to attachments in the issue', () => {
  it('go into the staff header, never into the text the customer wrote', () => {
    const linked = withAttachmentLinks(body, ['tickets/T-ABCDEFGH/1/pole.jpg'], { siteUrl: site });
    expect(linked).toBe(`**New ticket** from a customer\n\n**Attachments:** [pole.jpg](<https://help.example.com/staff/files/T-ABCDEFGH/1/pole.jpg>)${HEADER_END}My tent pole snapped.`);
    expect(linked.slice(linked.indexOf(HEADER_END))).toBe(`${HEADER_END}My tent pole snapped.`);
  });

  it('on GitHub also link the file on the attachments branch, with names that cannot break the markdown', () => {
    const linked = withAttachmentLinks(body, ['tickets/T-ABCDEFGH/1/a_[b](c).png', 'tickets/T-ABCDEFGH/2/plan b.pdf'], {
      siteUrl: site,
      web: { apiBaseUrl: 'https://api.github.com', repository: 'shop/support', branch: 'attachments' },
    });
    expect(linked).toContain(
      '[a\\_\\[b\\]\\(c\\).png](<https://help.example.com/staff/files/T-ABCDEFGH/1/a_[b](c).png>) ([in the repository](<https://github.com/shop/support/blob/attachments/tickets/T-ABCDEFGH/1/a_%5Bb%5D(c).png>))',
    );
    expect(linked).toContain(' · [plan b.pdf](');
    expect(linked).toContain('/blob/attachments/tickets/T-ABCDEFGH/2/plan%20b.pdf>');
  });

  it('keep a link whole whatever its address holds', () => {
    const linked = withAttachmentLinks(body, ['tickets/T-ABCDEFGH/1/x.png'], { siteUrl: () => 'https://help.example.com/a b>c' });
    expect(linked).toContain('[x.png](<https://help.example.com/a%20b%3Ec>)');
  });

  it('leave a body without a staff header, without files or without anywhere to link as it is', () => {
    expect(withAttachmentLinks('Just text', ['tickets/T-ABCDEFGH/1/x.png'], { siteUrl: site })).toBe('Just text');
    expect(withAttachmentLinks(body, [], { siteUrl: site })).toBe(body);
    expect(withAttachmentLinks(body, ['tickets/T-ABCDEFGH/1/x.png'], {})).toBe(body);
  });
});
