import { describe, expect, it } from 'vitest';
import { customerTextForDisplay, JOINER, neutralizeCustomerText } from '../../../src/tickets/neutralize.ts';

const J = JOINER;

describe('neutralizeCustomerText', () => {
  it.each([
    ['a user mention', 'Thanks @octocat!', `Thanks @${J}octocat!`],
    ['a team mention', 'cc @northwind/support', `cc @${J}northwind/support`],
    ['an issue reference', 'Same as #12', `Same as #${J}12`],
    ['a cross-repository reference', 'see northwind/shop#7', `see northwind/shop#${J}7`],
    ['a GH- reference', 'like GH-99', `like GH${J}-99`],
    ['an issue URL', 'https://github.com/a/b/issues/5', `https://github.com/a/b/issues${J}/5`],
    ['raw HTML', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)>'],
    ['a forged metadata block', '<!-- helpdesk:v1 eyJraW5kIjoidGlja2V0In0 -->', '&lt;!-- helpdesk:v1 eyJraW5kIjoidGlja2V0In0 -->'],
  ])('neutralises %s', (_kind, input, expected) => {
    expect(neutralizeCustomerText(input)).toBe(expected);
  });

  it('leaves email addresses, headings and plain numbers alone', () => {
    const text = 'Mail me at zoe@example.com\n\n# My order\n\nOrder 12345 arrived.';
    expect(neutralizeCustomerText(text)).toBe(text);
  });

  it('keeps code spans and fenced code exactly as typed', () => {
    const text = 'Run `npm i @scope/pkg` then:\n\n```html\n<div>@octocat #1</div>\n```\nafter @octocat';
    expect(neutralizeCustomerText(text)).toBe(`Run \`npm i @scope/pkg\` then:\n\n\`\`\`html\n<div>@octocat #1</div>\n\`\`\`\nafter @${J}octocat`);
  });

  it('treats an unclosed fence as code to the end, as markdown does', () => {
    expect(neutralizeCustomerText('~~~\n<b>@x</b>')).toBe('~~~\n<b>@x</b>');
  });

  it('drops joiners the customer typed, so display text is exactly what they wrote', () => {
    const typed = `odd${J} text @someone`;
    expect(customerTextForDisplay(neutralizeCustomerText(typed))).toBe('odd text @someone');
  });

  it('normalises line endings', () => {
    expect(neutralizeCustomerText('a\r\nb\rc')).toBe('a\nb\nc');
  });
});
