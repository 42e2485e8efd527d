import { hkdfSync, timingSafeEqual } from 'node:crypto';
import { hmacSha256 } from './keyed-hash.ts';
import { z } from 'zod';
import { LanguageSchema, type Language } from '../config/config-schema.ts';

/**
 * The hidden metadata block the bot writes as the first line of every issue and comment it posts:
 * `<!-- helpdesk:v2 <base64url JSON>.<base64url MAC> -->`. Base64url keeps `-->` and markdown out of the
 * payload, and the block must be the very first line, so customer text further down can never stand in for it.
 *
 * Anyone with write access can edit a body after the bot wrote it, so the block is signed: the MAC is the full
 * 32-byte HMAC-SHA256, under a key derived from the server secret (`deriveMetadataKey`), of
 * `helpdesk-metadata-v2\n` followed by the exact base64url payload text. A block that fails the check is
 * not metadata. The first release wrote unsigned `<!-- helpdesk:v1 <base64url JSON> -->` blocks; those
 * are read only on bodies created before signing started (`LegacyMetadata`).
 */
const V1_PATTERN = /^<!-- helpdesk:v1 ([A-Za-z0-9_-]+) -->$/;
const V2_PATTERN = /^<!-- helpdesk:v2 ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43}) -->$/;
/** Any first line that claims to be a block (any version, any payload): checked, and never shown as text. */
const CLAIMED_BLOCK_PATTERN = /^<!-- helpdesk:v\d+[ \t][^\n]*-->$/;
/** Domain separation: this key's MACs over anything else never pass for a metadata block, and vice versa. */
const MAC_PREFIX = 'helpdesk-metadata-v2\n';
const MAC_BYTES = 32;

export const CustomerRefSchema = z.strictObject({
  /** Pseudonymous, stable customer id (keyed hash of the normalised email); what staff see. */
  id: z.string().min(1),
  /** The email in clear text; only on private repositories. */
  email: z.string().optional(),
  /** The email sealed with AES-GCM; used on public repositories. */
  sealedEmail: z.string().optional(),
});
export type CustomerRef = z.output<typeof CustomerRefSchema>;

/** Who wrote a message posted through the site's staff pages, and whether the customer sees it. */
export const PostedBySchema = z.strictObject({
  /** The staff member's login on the Git host. @example "support-anna" */
  login: z.string().min(1),
  /** `public` is a reply the customer sees; `internal` a note. */
  visibility: z.enum(['public', 'internal']),
});

/** The named fields a ticket or message may carry besides its identity; every one is optional. */
export const MetadataFieldsSchema = z.strictObject({
  /** The order number the customer gave, as typed. */
  order: z.string().optional(),
  /** The name the customer gave, as typed. */
  customerName: z.string().optional(),
  /**
   * An offline draft's idempotency key bound to the submitter (`draftKeyDigest` in draft-key.ts: a keyed hash of
   * the key, the address and whether they were signed in; never the key itself). Blocks of earlier releases may hold a clear key: it is never
   * matched against anything.
   */
  draftKey: z.string().optional(),
  /**
   * When the ticket was filed by someone not signed in for its address (ISO time): the address is unverified
   * until a link mailed to it is opened after this (customer-verification.ts). Absent: filed signed in.
   */
  unverifiedSince: z.iso.datetime().optional(),
  /** Set on staff messages written on the site and posted by the bot. */
  postedBy: PostedBySchema.optional(),
  /** What a bot comment that is not a customer message is for. */
  role: z.enum(['card', 'escalation-note', 'merge-note']).optional(),
  /** On a merge note of the duplicate: the ticket it was merged into. */
  mergedInto: z.number().int().positive().optional(),
  /** On a merge note of the target: the duplicate merged into it. */
  mergedFrom: z.number().int().positive().optional(),
  /** The language the customer filed the ticket in: their pages and mails follow it. Absent (older tickets): English. @example "de" */
  lang: LanguageSchema.optional(),
  /** A conversation a supporter started (their login): the opening message is not the customer's; staff wrote the first message. */
  startedBy: z.string().max(100).optional(),
});
export type MetadataFields = z.output<typeof MetadataFieldsSchema>;

/**
 * The named fields of an `extra` record as the first release wrote it (`order`, `name`, `draftKey`,
 * `staff` + `visibility`, `card`, `note: 'escalation'`); unknown keys are dropped.
 */
export function legacyExtraToFields(extra: Record<string, unknown> | undefined): MetadataFields {
  if (!extra) return {};
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const fields: MetadataFields = {};
  if (text(extra['order']) !== undefined) fields.order = text(extra['order'])!;
  if (text(extra['name']) !== undefined) fields.customerName = text(extra['name'])!;
  if (text(extra['draftKey'])) fields.draftKey = text(extra['draftKey'])!;
  if (text(extra['staff'])) fields.postedBy = { login: text(extra['staff'])!, visibility: extra['visibility'] === 'public' ? 'public' : 'internal' };
  if (extra['card'] === true) fields.role = 'card';
  else if (extra['note'] === 'escalation') fields.role = 'escalation-note';
  return fields;
}

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
  ...MetadataFieldsSchema.shape,
});
export type TicketMetadata = z.output<typeof TicketMetadataSchema>;

/** Bytes of a MetadataKey; reachable only inside this module (the key object itself shows nothing). */
let keyBytes: (key: MetadataKey) => Buffer;
let newKey: (bytes: Buffer) => MetadataKey;

/**
 * The key metadata blocks are signed with: an opaque wrapper around 32 bytes derived from the server secret,
 * so a string (the raw secret, a login, …) can never be passed where the key belongs. Make one with
 * `deriveMetadataKey`.
 */
export class MetadataKey {
  readonly #bytes: Buffer;
  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }
  static {
    keyBytes = (key) => key.#bytes;
    newKey = (bytes) => new MetadataKey(bytes);
  }
  toJSON(): string {
    return '[MetadataKey]';
  }
}

/**
 * Derives the metadata MAC key from the server secret (SESSION_SECRET or the generated one) with
 * HKDF-SHA256 under its own salt and info, so it is independent of every other key taken from that secret
 * and the raw secret is never used as a key.
 */
export function deriveMetadataKey(secret: string): MetadataKey {
  if (typeof secret !== 'string' || secret.length < 16) throw new TypeError('deriveMetadataKey: the server secret must be a string of at least 16 characters');
  return newKey(Buffer.from(hkdfSync('sha256', secret, 'helpdesk-metadata', 'metadata mac v2', MAC_BYTES)));
}

/** The MAC of a base64url payload, as it appears in the block. */
function macOf(payload: string, key: MetadataKey): Buffer {
  return hmacSha256(keyBytes(key)).update(MAC_PREFIX, 'utf8').update(payload, 'utf8').digest();
}

/** Renders the signed metadata block line (no trailing newline). */
export function formatMetadataBlock(meta: TicketMetadata, key: MetadataKey): string {
  const json = JSON.stringify(TicketMetadataSchema.parse(meta));
  const payload = Buffer.from(json, 'utf8').toString('base64url');
  return `<!-- helpdesk:v2 ${payload}.${macOf(payload, key).toString('base64url')} -->`;
}

/** Puts the signed metadata block in front of a body. */
export function withMetadata(meta: TicketMetadata, body: string, key: MetadataKey): string {
  return `${formatMetadataBlock(meta, key)}\n${body}`;
}

/**
 * When unsigned v1 blocks are still believed: only on bodies created (GitHub's `created_at`, which no edit
 * changes) before `before`, the moment this installation started signing. Without `before`, never.
 */
export interface LegacyMetadata {
  /** Milliseconds since the epoch; undefined: v1 blocks are never accepted. */
  before?: number | undefined;
  /** When the body was created (ISO text or ms epoch). */
  createdAt?: string | number | null | undefined;
}

type Decoded = { meta: TicketMetadata } | { rejected: string };

function parseJson(payload: string): unknown {
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

function decodeV2(line: string, key: MetadataKey): Decoded {
  const match = V2_PATTERN.exec(line);
  if (!match) return { rejected: 'malformed v2 metadata block' };
  const [, payload, macText] = match as unknown as [string, string, string];
  const given = Buffer.from(macText, 'base64url');
  // 43 base64url characters carry 2 spare bits: only the canonical spelling of the MAC is accepted.
  if (given.length !== MAC_BYTES || given.toString('base64url') !== macText) return { rejected: 'malformed v2 metadata block' };
  if (!timingSafeEqual(given, macOf(payload, key))) return { rejected: 'metadata block MAC does not verify (edited, or signed with another key)' };
  try {
    const parsed = TicketMetadataSchema.safeParse(parseJson(payload));
    return parsed.success ? { meta: parsed.data } : { rejected: 'signed metadata block does not match the schema' };
  } catch {
    return { rejected: 'signed metadata block is not JSON' };
  }
}

/** The first release's block: `extra` holds the fields that are named now. */
function decodeV1(line: string, legacy: LegacyMetadata | undefined): Decoded {
  if (legacy?.before === undefined) return { rejected: 'unsigned v1 metadata block (legacy blocks are not accepted)' };
  const created = typeof legacy.createdAt === 'number' ? legacy.createdAt : typeof legacy.createdAt === 'string' ? Date.parse(legacy.createdAt) : Number.NaN;
  if (!Number.isFinite(created) || created >= legacy.before) return { rejected: 'unsigned v1 metadata block on a body created after signing started' };
  const match = V1_PATTERN.exec(line);
  if (!match) return { rejected: 'malformed v1 metadata block' };
  try {
    const json = parseJson(match[1] as string);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return { rejected: 'malformed v1 metadata block' };
    const { extra, ...rest } = json as Record<string, unknown>;
    if (extra !== undefined && (typeof extra !== 'object' || extra === null || Array.isArray(extra))) return { rejected: 'malformed v1 metadata block' };
    const parsed = TicketMetadataSchema.safeParse({ ...legacyExtraToFields(extra as Record<string, unknown> | undefined), ...rest });
    return parsed.success ? { meta: parsed.data } : { rejected: 'v1 metadata block does not match the schema' };
  } catch {
    return { rejected: 'malformed v1 metadata block' };
  }
}

/**
 * Reads the metadata of a body, trusting it only when the bot identity wrote the body (anyone else — staff,
 * outsiders on public repositories — could type a block by hand) and the block's MAC verifies under `key`
 * (anyone with write access can edit a body the bot wrote). A bot body whose first line claims to be a
 * block but fails the check — bad MAC, malformed, unsigned v1 outside `legacy` — gives undefined and calls
 * `onRejected` with the reason, for logging. Bodies by others and bot bodies without a block give undefined
 * silently.
 */
export function readMetadata(
  body: string | null | undefined,
  author: { login: string } | null | undefined,
  botLogin: string,
  key: MetadataKey,
  onRejected?: (reason: string) => void,
  legacy?: LegacyMetadata,
): TicketMetadata | undefined {
  if (!body || !author || author.login.toLowerCase() !== botLogin.toLowerCase()) return undefined;
  const firstLine = (body.split('\n', 1)[0] ?? '').trim();
  if (!CLAIMED_BLOCK_PATTERN.test(firstLine)) return undefined;
  let decoded: Decoded;
  if (!(key instanceof MetadataKey)) decoded = { rejected: 'no metadata key to verify the block with' };
  else if (firstLine.startsWith('<!-- helpdesk:v2 ')) decoded = decodeV2(firstLine, key);
  else if (firstLine.startsWith('<!-- helpdesk:v1 ')) decoded = decodeV1(firstLine, legacy);
  else decoded = { rejected: 'metadata block of an unknown version' };
  if ('meta' in decoded) return decoded.meta;
  onRejected?.(decoded.rejected);
  return undefined;
}

/**
 * The body without a leading metadata block (whoever wrote it, v1 or v2, verified or not), as people
 * should read it.
 */
export function stripMetadata(body: string | null | undefined): string {
  if (!body) return '';
  const newline = body.indexOf('\n');
  const firstLine = newline === -1 ? body : body.slice(0, newline);
  if (!CLAIMED_BLOCK_PATTERN.test(firstLine.trim())) return body;
  // A slice would keep the whole body, block included, alive for as long as the text is (V8 slices point into their
  // parent): cached tickets held twice what their budget counted. A copy holds only the text.
  return newline === -1 ? '' : Buffer.from(body.slice(newline + 1), 'utf16le').toString('utf16le');
}

/** The language a ticket's customer reads: the one it was filed in, English for tickets filed before it was kept. */
export function ticketLanguage(meta: { lang?: Language | undefined } | undefined): Language {
  return meta?.lang ?? 'en';
}
