import { describe, expect, it } from 'vitest';
import { readBoundedBody } from '../../../src/server/bounded-body.ts';
import { readForm } from '../../../src/server/form-data.ts';
import { DeskError } from '../../../src/tickets/errors.ts';

/** A request whose body is a stream of `chunks` chunks of `size` bytes, made on demand; `pulled` counts them. */
function streamed(chunks: number, size: number, headers: Record<string, string> = {}) {
  const state = { pulled: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === chunks) return controller.close();
      state.pulled++;
      controller.enqueue(new Uint8Array(size));
    },
  });
  const request = new Request('http://x/', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
  return { request, state };
}

async function refusal(promise: Promise<unknown>): Promise<DeskError> {
  try {
    await promise;
  } catch (error) {
    return error as DeskError;
  }
  throw new Error('expected a refusal');
}

describe('readBoundedBody', () => {
  it('reads a body within the limit', async () => {
    const { request } = streamed(4, 1024);
    expect((await readBoundedBody(request, 4096)).byteLength).toBe(4096);
  });

  it('returns a body larger than what it keeps in memory whole and in order (it waited in a temporary file)', async () => {
    let n = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (n === 3) return controller.close();
        controller.enqueue(new Uint8Array(1024 * 1024).fill(++n));
      },
    });
    const bytes = await readBoundedBody(new Request('http://x/', { method: 'POST', body, duplex: 'half' } as RequestInit), 4 * 1024 * 1024);
    expect(bytes.byteLength).toBe(3 * 1024 * 1024);
    expect([bytes[0], bytes[1024 * 1024], bytes[3 * 1024 * 1024 - 1]]).toEqual([1, 2, 3]);
  });

  it('stops reading a stream without a length as soon as it passes the limit', async () => {
    const { request, state } = streamed(300, 1024 * 1024);
    const error = await refusal(readBoundedBody(request, 2 * 1024 * 1024));
    expect(error).toBeInstanceOf(DeskError);
    expect(error.code).toBe('too_large');
    expect(state.pulled).toBeLessThanOrEqual(4);
  });

  it('refuses a declared length over the limit before reading anything', async () => {
    const { request, state } = streamed(10, 1024, { 'content-length': String(10 * 1024) });
    expect((await refusal(readBoundedBody(request, 1024))).code).toBe('too_large');
    expect(state.pulled).toBeLessThanOrEqual(1);
  });

  it('does not trust a small declared length', async () => {
    const { request } = streamed(300, 1024 * 1024, { 'content-length': '10' });
    expect((await refusal(readBoundedBody(request, 1024 * 1024))).code).toBe('too_large');
  });
});

describe('readForm', () => {
  it('parses a bounded multipart body', async () => {
    const form = new FormData();
    form.append('email', 'zoe@example.com');
    form.append('file', new File([new Uint8Array(10)], 'a.png'));
    const form2 = await readForm(new Request('http://x/', { method: 'POST', body: form }), 1024 * 1024);
    expect(form2.get('email')).toBe('zoe@example.com');
    expect((form2.get('file') as File).size).toBe(10);
  });

  it('refuses a chunked form past the limit with 413', async () => {
    const { request } = streamed(300, 1024 * 1024, { 'content-type': 'multipart/form-data; boundary=x' });
    expect((await refusal(readForm(request, 1024 * 1024))).code).toBe('too_large');
  });
});
