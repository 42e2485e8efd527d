import { z } from 'zod';

/**
 * The hidden metadata block the bot writes as the first line of every issue and comment it posts:
 * `<!-- helpdesk:v1 <base64url JSON> -->`. Base64url keeps `-->` and markdown out of the payload, and the
 * block must be the very first line, so customer text further down can never stand in for it.
 */
const BLOCK_PATTERN = /^<!-- helpdesk:v1 ([A-Za-z0-9_-]+) -->$/;

export const CustomerRefSchema = z.strictObject({
  /** Pseudonymous, stable customer id (keyed hash of the normalised email); what staff see. */
  id: z.string().min(1),
  /** The email in clear text; only on private repositories. */
  email: z.string().optional(),
  /** The email sealed with AES-GCM; used on public repositories. */
  sealedEmail: z.string().optional(),
});
export type CustomerRef = z.output<typeof CustomerRefSchema>;

export const TicketMetadataSchema = z.strictObject({
  /** What the body is: the ticket's opening message or a later message. */
  kind: z.enum(['ticket', 'message']),
  /** Idempotency key of the outbox entry that created it; lets a retry find it instead of duplicating it. */
  key: z.string().min(1),
  /** The local ticket reference handed to the customer before the issue existed, e.g. "T-7K2M9QXA". */
  ref: z.string().optional(),
  /** Who the message is from, for customer messages. */
  customer: CustomerRefSchema.optional(),
  /** Attachment paths in the attachments repository. */
  attachments: z.array(z.string()).optional(),
  /** Room for fields of later features; keeps old bodies parseable. */
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type TicketMetadata = z.output<typeof TicketMetadataSchema>;

/** Renders the metadata block line (no trailing newline). */
export function formatMetadataBlock(meta: TicketMetadata): string {
  const json = JSON.stringify(TicketMetadataSchema.parse(meta));
  return `<!-- helpdesk:v1 ${Buffer.from(json, 'utf8').toString('base64url')} -->`;
}

/** Puts the metadata block in front of a body. */
export function withMetadata(meta: TicketMetadata, body: string): string {
  return `${formatMetadataBlock(meta)}\n${body}`;
}

/** Decodes a block line; undefined when the line is not a well-formed block. */
function decodeBlock(line: string): TicketMetadata | undefined {
  const match = BLOCK_PATTERN.exec(line.trim());
  if (!match) return undefined;
  try {
    const parsed = TicketMetadataSchema.safeParse(JSON.parse(Buffer.from(match[1] as string, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the metadata of a body, trusting it only when the bot identity wrote the body: anyone else
 * (staff, outsiders on public repositories) could type a block by hand.
 */
export function readMetadata(body: string | null | undefined, author: { login: string } | null | undefined, botLogin: string): TicketMetadata | undefined {
  if (!body || !author || author.login.toLowerCase() !== botLogin.toLowerCase()) return undefined;
  const firstLine = body.split('\n', 1)[0] ?? '';
  return decodeBlock(firstLine);
}

/** The body without a leading metadata block (whoever wrote it), as people should read it. */
export function stripMetadata(body: string | null | undefined): string {
  if (!body) return '';
  const newline = body.indexOf('\n');
  const firstLine = newline === -1 ? body : body.slice(0, newline);
  if (!BLOCK_PATTERN.test(firstLine.trim())) return body;
  return newline === -1 ? '' : body.slice(newline + 1);
}
