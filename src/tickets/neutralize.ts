/**
 * Customer text is untrusted. Before it is posted to the Git host it is neutralised so that it
 * cannot notify anyone (`@user`, `@org/team`), cross-reference other issues (`#12`, `GH-12`,
 * `owner/repo#12`, issue URLs), forge the hidden metadata block or carry raw HTML. Code stays as typed:
 * the Git host links nothing inside code, and staff need pasted logs verbatim.
 */

/** U+2060 WORD JOINER: invisible, and breaks the Git host's mention and reference autolinks. */
export const JOINER = '\u2060';

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

function neutralizeProse(text: string): string {
  return (
    text
      // Raw HTML (including `<!-- helpdesk:… -->` blocks) becomes visible text.
      .replace(/</g, '&lt;')
      // @mentions of users and teams; an email address (word character before @) is left alone.
      .replace(/(^|[^\w`])@(?=[A-Za-z0-9])/g, `$1@${JOINER}`)
      // #123, owner/repo#123, GH-123
      .replace(/#(?=\d)/g, `#${JOINER}`)
      .replace(/\bGH-(?=\d)/gi, (m) => `${m.slice(0, 2)}${JOINER}-`)
      // Links to issues or pull requests on any host also create cross-references.
      .replace(/\/(issues|pull|discussions)\/(?=\d)/g, `/$1${JOINER}/`)
  );
}

/** Splits a line into prose and inline code spans, neutralising only the prose. */
function neutralizeLine(line: string): string {
  let out = '';
  let rest = line;
  for (;;) {
    const open = /`+/.exec(rest);
    if (!open) return out + neutralizeProse(rest);
    const ticks = open[0];
    const close = rest.indexOf(ticks, open.index + ticks.length);
    if (close === -1) return out + neutralizeProse(rest);
    out += neutralizeProse(rest.slice(0, open.index)) + rest.slice(open.index, close + ticks.length);
    rest = rest.slice(close + ticks.length);
  }
}

/** Neutralises customer markdown for posting to the Git host. */
export function neutralizeCustomerText(markdown: string): string {
  let fence: string | undefined;
  return markdown
    .replace(/\r\n?/g, '\n')
    .replace(new RegExp(JOINER, 'g'), '')
    .split('\n')
    .map((line) => {
      const marker = FENCE.exec(line)?.[1];
      if (fence !== undefined) {
        if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
        return line;
      }
      if (marker) {
        fence = marker;
        return line;
      }
      return neutralizeLine(line);
    })
    .join('\n');
}

/** Reverses the invisible part of neutralising, for showing customer text back on the site. */
export function customerTextForDisplay(neutralized: string): string {
  return neutralized.replace(new RegExp(JOINER, 'g'), '');
}
