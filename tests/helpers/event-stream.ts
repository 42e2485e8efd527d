// Reads a server-sent event stream as EventSource would, collecting its events, for endpoint tests.
import type { SiteClient } from './http-client.ts';

export interface ServerEvent {
  id?: string | undefined;
  event: string;
  data: unknown;
}

export interface EventStream {
  events: ServerEvent[];
  response: Response;
  close(): void;
}

const open: AbortController[] = [];

/** Opens `path` with the client's cookies and collects its events as they come; `closeAllStreams` ends them all. */
export async function listen(client: SiteClient, path: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const controller = new AbortController();
  open.push(controller);
  const response = await client.fetch(path, { headers: { Accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: ServerEvent[] = [];
  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map(
            block
              .split('\n')
              .filter((line) => !line.startsWith(':') && line.includes(':'))
              .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
          );
          if (fields.has('event')) events.push({ id: fields.get('id'), event: fields.get('event') as string, data: JSON.parse(fields.get('data') ?? 'null') });
          end = buffer.indexOf('\n\n');
        }
      }
    })().catch(() => {});
  }
  return { events, response, close: () => controller.abort() };
}

export function closeAllStreams(): void {
  for (const controller of open.splice(0)) controller.abort();
}
