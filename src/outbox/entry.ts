import { z } from 'zod';
import { MetadataFieldsSchema } from '../tickets/metadata.ts';

/**
 * The operation of one outbox entry, as the store keeps it in `outbox.op` (JSON). Attachment bytes are not part
 * of it: they wait in `attachment_blobs` until the Git host has them. Once an entry is done its op is pruned.
 */
export const OutboxOpSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('createTicket'),
    title: z.string(),
    body: z.string(),
    labels: z.array(z.string()),
    assignees: z.array(z.string()).optional(),
    customerEmail: z.string().optional(),
    attachments: z.array(z.string()).optional(),
    fields: MetadataFieldsSchema.optional(),
    /** Entries written by the first release, before the fields were named; read as `fields`. */
    extra: z.record(z.string(), z.unknown()).optional(),
  }),
  z.strictObject({
    kind: z.literal('addComment'),
    body: z.string(),
    customerEmail: z.string().optional(),
    attachments: z.array(z.string()).optional(),
    fields: MetadataFieldsSchema.optional(),
    /** Entries written by the first release, before the fields were named; read as `fields`. */
    extra: z.record(z.string(), z.unknown()).optional(),
  }),
  z.strictObject({
    kind: z.literal('uploadAttachment'),
    path: z.string(),
    message: z.string(),
  }),
]);
export type OutboxOp = z.output<typeof OutboxOpSchema>;
export type OutboxOpKind = OutboxOp['kind'];

/** One queued write that carries customer content. The id is also its idempotency key. */
export interface OutboxEntry {
  id: string;
  /** The ticket it belongs to: a local ref ("T-…") or "#<issue number>"; entries run in order per ticket. */
  ticket: string;
  kind: OutboxOpKind;
  createdAt: string;
  /** What to send; undefined once delivered (a done entry keeps only what says "filed, as which issue"). */
  op: OutboxOp | undefined;
}
