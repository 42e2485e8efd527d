import { HEADER_END } from '../tickets/thread.ts';
import { webOriginFor } from './web-origin.ts';

/** Where staff open one attachment: the help centre's staff pages and, on GitHub, the file on the attachments branch. */
export interface AttachmentLinkOptions {
  /** The help centre's staff link to an attachment (absolute), when it has one. */
  siteUrl?: ((path: string) => string | undefined) | undefined;
  /** The host's web UI, where the attachments branch can be browsed (GitHub, GHE); absent on the embedded host. */
  web?: { apiBaseUrl: string; repository: string; branch: string } | undefined;
}

/** Characters that would end or format a markdown link label. */
const LABEL_SPECIALS = /[\\[\]()`*_<>!|#]/g;

/** A link destination in angle brackets: parentheses or spaces in it cannot end the link early. */
function destination(url: string): string {
  return `<${url.replace(/[<>\s]/g, encodeURIComponent)}>`;
}

function blobUrl(web: NonNullable<AttachmentLinkOptions['web']>, path: string): string {
  return `${webOriginFor(web.apiBaseUrl)}/${web.repository}/blob/${encodeURIComponent(web.branch)}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * The body with a line naming each attachment as a link, in the staff header above the customer's or supporter's text
 * (which the customer's page and the workspace never show): staff working in the issue UI open the files from there.
 * A body without that header is left as it is.
 */
export function withAttachmentLinks(body: string, paths: readonly string[] | undefined, options: AttachmentLinkOptions): string {
  const end = body.indexOf(HEADER_END);
  if (!paths?.length || end === -1 || (!options.siteUrl && !options.web)) return body;
  const items = paths.map((path) => {
    const name = (path.split('/').pop() ?? path).replace(LABEL_SPECIALS, '\\$&');
    const site = options.siteUrl?.(path);
    const blob = options.web && blobUrl(options.web, path);
    if (site && blob) return `[${name}](${destination(site)}) ([in the repository](${destination(blob)}))`;
    return site || blob ? `[${name}](${destination((site ?? blob) as string)})` : name;
  });
  return `${body.slice(0, end)}\n\n**Attachments:** ${items.join(' · ')}${body.slice(end)}`;
}
