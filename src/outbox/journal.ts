import { open, mkdir, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { MetadataFieldsSchema } from '../tickets/metadata.ts';

/** One queued write that carries customer content. The id is also its idempotency key. */
export const OutboxEntrySchema = z.strictObject({
  id: z.string(),
  /** The ticket it belongs to: a local ref ("T-…") or "#<issue number>"; entries run in order per ticket. */
  ticket: z.string(),
  createdAt: z.string(),
  op: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('createTicket'),
      title: z.string(),
      body: z.string(),
      labels: z.array(z.string()),
      assignees: z.array(z.string()).optional(),
      customerEmail: z.string().optional(),
      attachments: z.array(z.string()).optional(),
      fields: MetadataFieldsSchema.optional(),
      /** Journals written before the fields were named; read as `fields`. */
      extra: z.record(z.string(), z.unknown()).optional(),
    }),
    z.strictObject({
      kind: z.literal('addComment'),
      body: z.string(),
      customerEmail: z.string().optional(),
      attachments: z.array(z.string()).optional(),
      fields: MetadataFieldsSchema.optional(),
      /** Journals written before the fields were named; read as `fields`. */
      extra: z.record(z.string(), z.unknown()).optional(),
    }),
    z.strictObject({
      kind: z.literal('uploadAttachment'),
      path: z.string(),
      contentBase64: z.string(),
      message: z.string(),
    }),
  ]),
});
export type OutboxEntry = z.output<typeof OutboxEntrySchema>;

const ResultSchema = z.strictObject({ number: z.number().optional(), messageId: z.number().optional(), path: z.string().optional() });

/** The journal's records, one JSON object a line. */
export const JournalRecordSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('enqueue'), entry: OutboxEntrySchema }),
  /** Written (and synced) before a request is sent: after a crash, its outcome is unknown. */
  z.strictObject({ t: z.literal('attempt'), id: z.string(), at: z.string() }),
  z.strictObject({ t: z.literal('failed'), id: z.string(), at: z.string(), error: z.string(), retryAt: z.string() }),
  z.strictObject({ t: z.literal('done'), id: z.string(), at: z.string(), result: ResultSchema }),
  z.strictObject({ t: z.literal('poisoned'), id: z.string(), at: z.string(), error: z.string(), status: z.number().optional() }),
  /** An operator asked to retry a poisoned entry (`npm run outbox -- retry <id>`). */
  z.strictObject({ t: z.literal('retry'), id: z.string(), at: z.string() }),
]);
export type JournalRecord = z.output<typeof JournalRecordSchema>;

/**
 * An append-only, fsync'd journal of JSON lines. Several processes may append (the server and the
 * `outbox` CLI); each reads what the others wrote with `refresh`. Every batch starts with a newline, so a
 * line torn by a crash is closed off and skipped instead of corrupting the next record.
 */
export class Journal {
  readonly file: string;
  private handle: FileHandle;
  private offset = 0;
  private leftover = '';
  private pending: Array<{ lines: string; resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  private readonly onRecord: (record: JournalRecord) => void;
  private readonly warn: (message: string) => void;

  private constructor(file: string, handle: FileHandle, onRecord: (record: JournalRecord) => void, warn: (message: string) => void) {
    this.file = file;
    this.handle = handle;
    this.onRecord = onRecord;
    this.warn = warn;
  }

  /** Opens the journal in `dir`, creating it (and syncing the folder) when new, and replays it. */
  static async open(dir: string, onRecord: (record: JournalRecord) => void, warn: (message: string) => void = console.warn): Promise<Journal> {
    const file = join(dir, 'journal.ndjson');
    await mkdir(dir, { recursive: true });
    const handle = await open(file, 'a+');
    const journal = new Journal(file, handle, onRecord, warn);
    if ((await handle.stat()).size === 0) await syncDir(dirname(file));
    await journal.refresh();
    return journal;
  }

  /** Applies records appended since the last call (by this or another process). */
  async refresh(): Promise<void> {
    const { size } = await this.handle.stat();
    if (size <= this.offset) return;
    const buffer = Buffer.alloc(size - this.offset);
    const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.offset);
    this.offset += bytesRead;
    const text = this.leftover + buffer.subarray(0, bytesRead).toString('utf8');
    const lines = text.split('\n');
    this.leftover = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      let record: JournalRecord;
      try {
        record = JournalRecordSchema.parse(JSON.parse(line));
      } catch {
        this.warn(`outbox: skipping a damaged journal line in ${this.file} (a write torn by a crash): ${line.slice(0, 80)}`);
        continue;
      }
      this.onRecord(record);
    }
  }

  /** Appends records durably (written and fdatasync'd), then applies them. Concurrent calls share one sync. */
  append(...records: JournalRecord[]): Promise<void> {
    const lines = records.map((r) => JSON.stringify(r)).join('\n');
    const done = new Promise<void>((resolve, reject) => this.pending.push({ lines, resolve, reject }));
    this.flushing ??= this.flush();
    return done;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.handle.appendFile(`\n${batch.map((b) => b.lines).join('\n')}\n`);
        await this.handle.datasync();
        await this.refresh();
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems cannot sync a directory; the file itself is still synced.
  } finally {
    await handle.close();
  }
}
