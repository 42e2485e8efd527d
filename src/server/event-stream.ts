/*
 * Server-sent event streams (the live staff views, the chat panel): the wire format, slots per key, and a stream's
 * life — keep-alive comments, an end after a while (the browser reconnects and is checked again), and every timer
 * and subscription released whichever way it ends.
 */

export interface ServerSentEvent {
  event?: string;
  id?: number;
  data?: unknown;
  comment?: string;
  retry?: number;
}

const encoder = new TextEncoder();

/** One event as it goes on the wire. */
export function encodeEvent(fields: ServerSentEvent): Uint8Array {
  let text = '';
  if (fields.comment !== undefined) text += `: ${fields.comment}\n`;
  if (fields.retry !== undefined) text += `retry: ${fields.retry}\n`;
  if (fields.id !== undefined) text += `id: ${fields.id}\n`;
  if (fields.event !== undefined) text += `event: ${fields.event}\n`;
  if (fields.data !== undefined) text += `data: ${JSON.stringify(fields.data)}\n`;
  return encoder.encode(`${text}\n`);
}

/** Counts open streams in this process, in all and per key; `take` answers undefined when a limit is reached. */
export function streamSlots(limits: { total: number; perKey: number }): { take(key: string): (() => void) | undefined } {
  const perKey = new Map<string, number>();
  let total = 0;
  return {
    take(key) {
      const open = perKey.get(key) ?? 0;
      if (total >= limits.total || open >= limits.perKey) return undefined;
      total += 1;
      perKey.set(key, open + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        const left = (perKey.get(key) ?? 1) - 1;
        if (left === 0) perKey.delete(key);
        else perKey.set(key, left);
      };
    },
  };
}

/** What a stream's owner writes with while it is open. */
export interface EventWriter {
  send(event: ServerSentEvent): void;
  /** Runs `fn` every `ms` while the stream is open. */
  every(ms: number, fn: () => void): void;
  readonly closed: boolean;
  end(): void;
}

export interface EventStreamOptions {
  /** The request's signal: the client went away. */
  signal?: AbortSignal | undefined;
  /** How long before the client should reconnect after a drop (`retry:`), and the first line's comment. */
  retryMs: number;
  comment: string;
  keepAliveMs: number;
  /** The stream ends after this long; the browser reconnects at once. */
  lifetimeMs: number;
  /** Writes the first events and subscribes; may end the stream. */
  start(writer: EventWriter): Promise<void> | void;
  /** Releases what `start` took (subscriptions, slots), once, however the stream ends. */
  onEnd(): void;
}

export function openEventStream(options: EventStreamOptions): ReadableStream<Uint8Array> {
  const timers: NodeJS.Timeout[] = [];
  let closed = false;
  let end = () => {};
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      end = () => {
        if (closed) return;
        closed = true;
        for (const timer of timers) clearInterval(timer);
        options.onEnd();
        try {
          controller.close();
        } catch {
          // The reader went away first.
        }
      };
      const writer: EventWriter = {
        send(event) {
          if (!closed) controller.enqueue(encodeEvent(event));
        },
        every(ms, fn) {
          if (!closed) timers.push(setInterval(fn, ms));
        },
        get closed() {
          return closed;
        },
        end: () => end(),
      };
      options.signal?.addEventListener('abort', end, { once: true });
      writer.send({ retry: options.retryMs, comment: options.comment });
      try {
        await options.start(writer);
      } catch (error) {
        end();
        throw error;
      }
      if (closed) return;
      writer.every(options.keepAliveMs, () => writer.send({ comment: 'keep-alive' }));
      const lifetime = setTimeout(end, options.lifetimeMs);
      lifetime.unref();
      timers.push(lifetime);
    },
    cancel() {
      end();
    },
  });
}
