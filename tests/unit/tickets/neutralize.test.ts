import { describe, expect, it } from 'vitest';
import { customerTextForDisplay, JOINER, neutralizeCustomerFragment, neutralizeCustomerText } from '../../../src/tickets/neutralize.ts';

const J = JOINER;

describe('neutralizeCustomerText', () => {
  it.each([
    ['a user mention', 'Thanks @octocat!', `Thanks @${J}octocat!`],
    ['a team mention', 'cc @northwind/support', `cc @${J}northwind/support`],
    ['an issue reference', 'Same as #12', `Same as #${J}12`],
    ['a cross-repository reference', 'see northwind/shop#7', `see northwind/shop#${J}7`],
    ['a GH- reference', 'like GH-99', `like GH${J}-99`],
    ['an issue URL', 'https://github.com/a/b/issues/5', `https://github.com/a/b/issues${J}/5`],
    // Raw HTML becomes visible text through a joiner after `<` (not `&lt;`, which customerTextForDisplay cannot undo).
    ['raw HTML', '<img src=x onerror=alert(1)>', `<${J}img src=x onerror=alert(1)>`],
    ['a forged metadata block', '<!-- helpdesk:v1 eyJraW5kIjoidGlja2V0In0 -->', `<${J}!-- helpdesk:v1 eyJraW5kIjoidGlja2V0In0 -->`],
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

  // Bypasses of the regex-based neutraliser: what is code is what the CommonMark + GFM parser says.
  it.each([
    ['an escaped backtick (no code span)', '\\`@x\\` and \\`#1\\`', `\\\`@${J}x\\\` and \\\`#${J}1\\\``],
    ['backtick runs of unequal length (no code span)', '``@a` @b', `\`\`@${J}a\` @${J}b`],
    ['an unclosed backtick before a mention', 'it costs 5` @sales', `it costs 5\` @${J}sales`],
    ['a fence whose info string holds a backtick (not a fence), then a real one', '```a`b\n@x\n```\n@y\n```', `\`\`\`a\`b\n@${J}x\n\`\`\`\n@y\n\`\`\``],
    ['an indented "fence" that is code, then prose', '    ```\n@x', `    \`\`\`\n@${J}x`],
    ['a hexadecimal reference to @', '&#x40;octocat', `&#x40;${J}octocat`],
    ['a named reference to @ (a team)', '&commat;northwind/support', `&commat;${J}northwind/support`],
    ['a decimal reference to @ with an encoded name', '&#64;&#x6F;ctocat', `&#64;${J}&#x6F;ctocat`],
    ['a named reference to #', 'same as &num;12', `same as &num;${J}12`],
    ['a cross-repository reference through a reference', 'northwind/shop&#35;7', `northwind/shop&#35;${J}7`],
    ['an escaped @ after an escaped backslash', 'x \\\\@octocat', `x \\\\@${J}octocat`],
    ['a commit reference', 'fixed in northwind/shop@a5c3785ed8', `fixed in northwind/shop@${J}a5c3785ed8`],
    ['a GH- reference with a reference for the dash', 'GH&#45;9', `GH${J}&#45;9`],
    ['a mention right after emphasis', '**hi**@octocat', `**hi**@${J}octocat`],
    ['a mention after an email autolink', 'zoe@example.com@octocat', `zoe@example.com@${J}octocat`],
    ['a tracking image', 'Thanks <img src="https://tracker.example/p.png?u=1">', `Thanks <${J}img src="https://tracker.example/p.png?u=1">`],
    ['a hidden comment in prose', 'ok <!-- @octocat #1 -->', `ok <${J}!-- @${J}octocat #${J}1 -->`],
    ['an HTML block (its content becomes prose and is neutralised too)', '<div>\n@octocat #1\n</div>', `<${J}div>\n@${J}octocat #${J}1\n<${J}/div>`],
    ['a mention in a blockquote and a list', '> @a\n\n- &num;2', `> @${J}a\n\n- &num;${J}2`],
    ['a mention in a table cell', '| @a |\n| --- |\n| #1 |', `| @${J}a |\n| --- |\n| #${J}1 |`],
  ])('neutralises %s', (_kind, input, expected) => {
    const output = neutralizeCustomerText(input);
    expect(output).toBe(expected);
    expect(customerTextForDisplay(output)).toBe(input);
  });

  it.each([
    ['a code span of two backticks holding one', '`` `@x` `` @y', `\`\` \`@x\` \`\` @${J}y`],
    ['a code span across a line break', 'run `npm i\n@scope/pkg` @y', `run \`npm i\n@scope/pkg\` @${J}y`],
    ['a fence of four backticks holding three', '````\n```\n@x <b>\n````', '````\n```\n@x <b>\n````'],
    ['a tilde fence with a backtick in its info string', '~~~ a`b\n@x\n~~~', '~~~ a`b\n@x\n~~~'],
    ['an indented code block', '    <b>@x</b> #1', '    <b>@x</b> #1'],
    ['references that decode to something harmless, or are visible text', '&lt;img src=x> &amp;#x40;x', '&lt;img src=x> &amp;#x40;x'],
  ])('keeps %s as typed', (_kind, input, expected) => {
    expect(neutralizeCustomerText(input)).toBe(expected);
  });
});

describe('neutralizeCustomerFragment', () => {
  it('breaks up code too, so fragments put next to each other cannot pair backticks into a bypass', () => {
    // Two titles that are harmless on their own: the first one's backtick and the second one's first backtick
    // make a code span across the bot's markdown, and `@y` after it is prose.
    const titles = ['`a', '`@y` #1'];
    const card = titles.map((t) => `[${neutralizeCustomerFragment(t)}](https://x.example)`).join(' · ');
    expect(card).not.toMatch(/@[a-z]|#\d/);
    expect(titles.map((t) => customerTextForDisplay(neutralizeCustomerFragment(t)))).toEqual(titles);
    expect(neutralizeCustomerFragment('&commat;x &#x40;y <b> GH-1 a/issues/2')).toBe(`&commat;${J}x &#${J}x40;y <${J}b> G${J}H-1 a/${J}issues/${J}2`);
  });
});
