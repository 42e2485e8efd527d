import { randomBytes } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Config } from '../config/config-schema.ts';
import { DeskError } from '../tickets/errors.ts';

/**
 * How many bytes each endpoint reads of a request body at most. Every endpoint reads through
 * `readBoundedBody`, which counts while it reads: a chunked body (no Content-Length) or one whose
 * Content-Length lies is cut off at the limit, never buffered whole.
 */
export const BODY_LIMITS = {
  /**
   * Git host webhooks. GitHub caps webhook payloads at 25 MB and does not deliver larger ones
   * (https://docs.github.com/en/webhooks/webhook-events-and-payloads#payload-cap), so nothing larger is genuine.
   */
  webhook: 25 * 1024 * 1024,
  /** The "My tickets" sign-in form: one email address. */
  signInForm: 64 * 1024,
  /** The Continue button of a sign-in link: the token. */
  accessLink: 16 * 1024,
  /** The staff sign-in form: login and password. */
  staffSignIn: 16 * 1024,
  /** A staff workspace form: a message of at most a few pages, or a label. */
  staffAction: 256 * 1024,
  /** An article vote: a few fields and a comment of at most 1,000 characters (up to 4 bytes each in UTF-8, escaped in JSON). */
  articleFeedback: 16 * 1024,
  /** A batch of at most 20 search reports, each query at most 200 characters. */
  searchReports: 32 * 1024,
} as const;

/** Room for a form's text fields next to its files. */
const FORM_TEXT_ROOM = 1024 * 1024;

/** The ticket and reply forms: every attachment at its largest, plus room for the text. */
export function formBodyLimit(config: Pick<Config, 'attachments'>): number {
  const { maxBytes, maxCount } = config.attachments;
  return maxBytes * Math.max(1, maxCount) + FORM_TEXT_ROOM;
}

/** The message preview: the longest message allowed, every character at its longest in UTF-8 (3 bytes per UTF-16 unit). */
export function previewBodyLimit(config: Pick<Config, 'limits'>): number {
  return config.limits.messageMax * 3 + 1024;
}

/** The largest body any endpoint reads: the HTTP server refuses a larger declared Content-Length before the app runs. */
export function largestBodyLimit(config: Pick<Config, 'attachments' | 'limits'>): number {
  return Math.max(...Object.values(BODY_LIMITS), formBodyLimit(config), previewBodyLimit(config));
}

function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.floor(bytes / 1024 / 1024)} MiB`;
  return `${Math.floor(bytes / 1024)} KiB`;
}

function tooLarge(limitBytes: number): DeskError {
  return new DeskError('too_large', { message: `The request is too large: at most ${describeBytes(limitBytes)} in all.` });
}

/** Bodies up to this size are kept in memory while they arrive; larger ones go to a temporary file until they are complete. */
const MEMORY_BYTES = 1024 * 1024;

/**
 * A body costs twice its size in buffers that are garbage as soon as they are read (Node's HTTP parser copies
 * each chunk, and undici copies it again for the Request's stream), and V8 frees them only at a young-generation
 * collection, which it starts by itself once 32 MiB of them piled up (`Heap::AllocateExternalBackingStore` in
 * deps/v8/src/heap/heap.cc): a refused 16 MiB form raised the server's memory by 31 MiB. So a collection runs
 * after every 2 MiB read, counted over all requests at once, which keeps that garbage to a few MiB however
 * many bodies arrive together. A young collection takes about a millisecond; bodies under 2 MiB seldom pay it.
 */
const COLLECT_EVERY_BYTES = 2 * 1024 * 1024;

/** V8's `gc()` without starting Node with --expose-gc, the way Jest's LeakDetector gets it: with the flag set, a new context offers it. */
const collectGarbage = ((): ((options: { type: 'minor'; execution: 'sync' }) => void) => {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc');
  } catch (error) {
    console.warn(`helpdesk: cannot start garbage collections (${(error as Error).message}): a large request body may hold up to 32 MiB until V8 collects it.`);
    return () => undefined;
  } finally {
    // Only this function: no other context gets a `gc` global.
    setFlagsFromString('--no-expose-gc');
  }
})();
let readSinceCollection = 0;

/** Counts body bytes read and collects the buffers they left behind every COLLECT_EVERY_BYTES. */
function countRead(bytes: number): void {
  readSinceCollection += bytes;
  if (readSinceCollection < COLLECT_EVERY_BYTES) return;
  readSinceCollection = 0;
  collectGarbage({ type: 'minor', execution: 'sync' });
}

/** A temporary file (owner-only) that holds a body while it arrives. */
class Spool {
  readonly file = path.join(tmpdir(), `helpdesk-body-${randomBytes(12).toString('hex')}`);
  private handle: FileHandle | undefined;
  private size = 0;

  async write(chunk: Uint8Array): Promise<void> {
    this.handle ??= await open(this.file, 'wx+', 0o600);
    for (let offset = 0; offset < chunk.byteLength; ) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.byteLength - offset, this.size);
      offset += bytesWritten;
      this.size += bytesWritten;
    }
  }

  /** The whole body, read back once it is known to be within the limit. */
  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    const bytes = new Uint8Array(this.size);
    for (let offset = 0; offset < this.size; ) {
      const { bytesRead } = await this.handle!.read(bytes, offset, this.size - offset, offset);
      if (bytesRead === 0) throw new Error(`the temporary file ${this.file} ended early`);
      offset += bytesRead;
    }
    return bytes;
  }

  async remove(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    await rm(this.file, { force: true });
  }
}

/**
 * Reads a request body, at most `limitBytes` of it, whatever Content-Length says: a declared length over
 * the limit is refused before anything is read, and the bytes are counted as they arrive, so a chunked
 * body or a lying length is refused as soon as it passes the limit. Throws DeskError('too_large') (413).
 *
 * While the body arrives at most 1 MiB of it is held in memory; the rest waits in a temporary file, so a
 * refused upload costs little memory. A body within the limit is returned whole (memory: its own size).
 *
 * Past the limit the stream is released, not cancelled: on Node, cancelling destroys the socket before
 * the 413 can be sent. The HTTP server (src/server/http-server.ts) closes a connection whose body was not
 * read to the end once its answer is out, so the rest of the upload is never read.
 */
export async function readBoundedBody(request: Request, limitBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = request.headers.get('content-length');
  if (declared !== null && declared.trim() !== '' && !(Number(declared) <= limitBytes)) throw tooLarge(limitBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let spool: Spool | undefined;
  let total = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        // The client went away mid-body (or the adapter gave up on it): nothing usable arrived.
        throw new DeskError('invalid_input', { message: 'The request arrived incomplete. Send it again.', cause: error });
      }
      const { done, value } = next;
      if (done) break;
      total += value.byteLength;
      countRead(value.byteLength);
      if (total > limitBytes) throw tooLarge(limitBytes);
      if (spool) {
        await spool.write(value);
        continue;
      }
      chunks.push(value);
      if (total > MEMORY_BYTES) {
        spool = new Spool();
        for (const chunk of chunks.splice(0)) await spool.write(chunk);
      }
    }
    if (spool) return await spool.bytes();
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return bytes;
  } finally {
    chunks.length = 0;
    reader.releaseLock();
    await spool?.remove();
  }
}

/** A bounded body as text (UTF-8; malformed bytes become U+FFFD, as `request.text()` does). */
export async function readBoundedText(request: Request, limitBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBoundedBody(request, limitBytes));
}
