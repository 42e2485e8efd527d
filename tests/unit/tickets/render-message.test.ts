import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../../src/tickets/render-message.ts';

describe('renderMessage', () => {
  it('renders markdown', () => {
    expect(renderMessage('**Hi** _there_\n\n- one\n- two')).toBe('<p><strong>Hi</strong> <em>there</em></p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>');
  });

  it.each([
    ['script', '<script>alert(1)</script>', /<script/],
    ['inline handler', '<a href="#" onclick="x()">a</a>', /onclick/],
    ['javascript link', '[x](javascript:alert(1))', /javascript:/],
    ['remote image', '![pixel](https://tracker.example/p.png)', /<img/],
    ['style tag', '<style>body{display:none}</style>', /<style/],
    ['entity-encoded tag stays text', '&lt;b&gt;bold&lt;/b&gt;', /<b>/],
  ])('neutralises %s', (_kind, markdown, forbidden) => {
    expect(renderMessage(markdown)).not.toMatch(forbidden);
  });

  it('marks links as user content', () => {
    expect(renderMessage('[site](https://example.com)')).toBe('<p><a href="https://example.com" rel="nofollow noopener noreferrer ugc">site</a></p>');
  });
});
