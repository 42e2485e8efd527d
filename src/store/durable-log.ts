import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';

/**
 * A small append-only journal of JSON lines, synced to disk on every append: the workflow's and the mail
 * queue's memory across restarts. Every append starts with a newline, so a line torn by a crash is closed
 * off and skipped on replay instead of corrupting the next record. Writes are synchronous: they are tiny
 * and must be on disk before the caller answers (a webhook, an enqueued mail).
 */
export class DurableLog<T> {
  readonly file: string;
  private fd: number;
  private lines = 0;
  private readonly schema: z.ZodType<T>;

  private constructor(file: string, fd: number, schema: z.ZodType<T>) {
    this.file = file;
    this.fd = fd;
    this.schema = schema;
  }

  /** Opens (or creates) the journal and replays every intact record through `onRecord`. */
  static open<T>(file: string, schema: z.ZodType<T>, onRecord: (record: T) => void, warn: (message: string) => void = console.warn): DurableLog<T> {
    mkdirSync(dirname(file), { recursive: true });
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // A new journal.
    }
    const log = new DurableLog(file, openSync(file, 'a'), schema);
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const parsed = (() => {
        try {
          return schema.safeParse(JSON.parse(line));
        } catch {
          return undefined;
        }
      })();
      if (!parsed?.success) {
        warn(`skipping a damaged line in ${file} (a write torn by a crash): ${line.slice(0, 80)}`);
        continue;
      }
      log.lines += 1;
      onRecord(parsed.data);
    }
    return log;
  }

  /** How many records the file holds; callers compact when it grows large. */
  get size(): number {
    return this.lines;
  }

  /** Appends records durably (written and fdatasync'd). */
  append(...records: T[]): void {
    if (records.length === 0) return;
    const text = `\n${records.map((r) => JSON.stringify(this.schema.parse(r))).join('\n')}\n`;
    writeSync(this.fd, text);
    fdatasyncSync(this.fd);
    this.lines += records.length;
  }

  /** Replaces the whole journal by `records` (a snapshot), atomically: write a new file, sync, rename. */
  compact(records: T[]): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const tmpFd = openSync(tmp, 'r');
    fsyncSync(tmpFd);
    closeSync(tmpFd);
    closeSync(this.fd);
    renameSync(tmp, this.file);
    this.fd = openSync(this.file, 'a');
    this.lines = records.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
