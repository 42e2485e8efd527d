import { describe, expect, it } from 'vitest';
import {
  createIdempotencyKey,
  draftStorageKey,
  draftToFormData,
  entriesToDraft,
  loadDraft,
  parseDraft,
  saveDraft,
  sendDraft,
  type DraftStorage,
  type TicketDraft,
} from '../../../src/scripts/offline-draft.ts';

/** The rule the server applies to `idempotencyKey` (src/server/portal.ts). */
const SERVER_KEY = /^[\w-]{8,64}$/;

function memoryStorage(): DraftStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) };
}

const draft: TicketDraft = {
  idempotencyKey: '0123456789abcdef0123456789abcdef',
  fields: [
    ['email', 'ada@example.com'],
    ['subject', 'Zip stuck'],
    ['message', 'Line 1\nLine 2 – ünïcode'],
    ['tag', 'a'],
    ['tag', 'b'],
  ],
  droppedFiles: true,
  savedAt: '2026-01-02T03:04:05.000Z',
};

describe('idempotency keys', () => {
  it('are 32 hex digits the server accepts, and differ each time', () => {
    const keys = new Set(Array.from({ length: 50 }, () => createIdempotencyKey()));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{32}$/);
    for (const key of keys) expect(key).toMatch(SERVER_KEY);
  });
});

describe('drafts', () => {
  it('keep every text field in order, drop files and note them, and leave the key field to the draft', () => {
    const form = new FormData();
    form.append('email', 'ada@example.com');
    form.append('idempotencyKey', 'stale-key-from-the-form');
    form.append('attachments', new File(['png bytes'], 'photo.png', { type: 'image/png' }));
    form.append('message', 'hello');
    const result = entriesToDraft(form, 'k'.repeat(32), new Date('2026-01-02T03:04:05Z'));
    expect(result).toEqual({
      idempotencyKey: 'k'.repeat(32),
      fields: [
        ['email', 'ada@example.com'],
        ['message', 'hello'],
      ],
      droppedFiles: true,
      savedAt: '2026-01-02T03:04:05.000Z',
    });
  });

  it('do not note an empty file input (no file chosen) as a dropped attachment', () => {
    const form = new FormData();
    form.append('attachments', new File([], ''));
    expect(entriesToDraft(form, 'k'.repeat(32)).droppedFiles).toBe(false);
  });

  it('round-trip through storage under one key per form target', () => {
    const storage = memoryStorage();
    const key = draftStorageKey('http://127.0.0.1:4321/tickets/new?x=1');
    expect(key).toBe(draftStorageKey('/tickets/new'));
    saveDraft(storage, key, draft);
    expect(loadDraft(storage, key)).toEqual(draft);
    expect(loadDraft(storage, draftStorageKey('/tickets/T-1'))).toBeUndefined();
  });

  it.each([
    null,
    '',
    'not json',
    'null',
    '{}',
    '{"idempotencyKey":"short","fields":[]}',
    '{"idempotencyKey":"0123456789abcdef","fields":[["a",1]]}',
    '{"idempotencyKey":"0123456789abcdef","fields":"a=b"}',
  ])('read %j as no draft', (text) => {
    expect(parseDraft(text)).toBeUndefined();
  });
});

interface Captured {
  url: string;
  method: string;
  accept: string | null;
  contentType: string | null;
  fields: Array<[string, FormDataEntryValue]>;
}

/** A fetch that parses the request like a server would and answers with `response`. */
function serverAnswering(response: () => Response): { fetch: typeof fetch; requests: Captured[] } {
  const requests: Captured[] = [];
  const fake = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(new URL(String(input), 'http://127.0.0.1'), init);
    requests.push({ url: request.url, method: request.method, accept: request.headers.get('accept'), contentType: request.headers.get('content-type'), fields: [...(await request.formData())] });
    return response();
  };
  return { fetch: fake as typeof fetch, requests };
}

describe('sendDraft', () => {
  it('posts the fields and the idempotency key as multipart/form-data, asking for JSON, and reads the ticket URL', async () => {
    const server = serverAnswering(() => Response.json({ url: '/tickets/T-7?created=1' }, { status: 201 }));
    expect(await sendDraft(draft, '/tickets/new', server.fetch)).toEqual({ kind: 'sent', url: '/tickets/T-7?created=1' });
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('http://127.0.0.1/tickets/new');
    expect(request?.accept).toBe('application/json');
    expect(request?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    // multipart/form-data turns line breaks into CRLF, as a browser's own form submission does.
    const sent = draft.fields.map(([name, value]) => [name, value.replace(/\n/g, '\r\n')]);
    expect(request?.fields).toEqual([...sent, ['idempotencyKey', draft.idempotencyKey]]);
  });

  it('sends the same key every time, so a draft sent twice is one ticket on the server', async () => {
    const server = serverAnswering(() => Response.json({ url: '/tickets/T-7' }, { status: 201 }));
    await sendDraft(draft, '/tickets/new', server.fetch);
    await sendDraft(draft, '/tickets/new', server.fetch);
    expect(server.requests.map((r) => r.fields.find(([name]) => name === 'idempotencyKey')?.[1])).toEqual([draft.idempotencyKey, draft.idempotencyKey]);
  });

  it('ignores a ticket URL that leaves the site', async () => {
    const server = serverAnswering(() => Response.json({ url: 'https://evil.example/x' }, { status: 201 }));
    expect(await sendDraft(draft, '/tickets/new', server.fetch)).toEqual({ kind: 'sent', url: undefined });
  });

  it('reports a refused draft with the server message and field errors', async () => {
    const server = serverAnswering(() => Response.json({ error: { code: 'invalid_input', message: 'Check the form.', fields: { email: 'Enter a valid email address.' } } }, { status: 400 }));
    expect(await sendDraft(draft, '/tickets/new', server.fetch)).toEqual({ kind: 'rejected', message: 'Check the form.', fields: { email: 'Enter a valid email address.' } });
  });

  it.each([
    [429, { error: { code: 'rate_limited', message: 'Try again in 3 minutes.' } }, 'Try again in 3 minutes.'],
    [502, { error: { code: 'git_host_failed', message: 'The ticket service is not answering.' } }, 'The ticket service is not answering.'],
    [503, 'not json', 'HTTP 503'],
    [408, {}, 'HTTP 408'],
  ])('keeps the draft for a retry on HTTP %i', async (status, body, message) => {
    const server = serverAnswering(() => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status }));
    expect(await sendDraft(draft, '/tickets/new', server.fetch)).toEqual({ kind: 'retry', message });
  });

  it('keeps the draft for a retry when the network fails', async () => {
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    expect(await sendDraft(draft, '/tickets/new', offline)).toEqual({ kind: 'retry', message: 'TypeError: Failed to fetch' });
  });

  it('builds the body from the draft alone', () => {
    expect([...draftToFormData(draft)]).toEqual([...draft.fields, ['idempotencyKey', draft.idempotencyKey]]);
  });
});
