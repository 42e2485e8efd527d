import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jsonWithFile } from '../../../src/git-host/json-with-file.ts';

describe('an upload body built piece by piece', () => {
  // Around the piece size (3 × 16,384 bytes) and the base64 padding cases.
  it.each([0, 1, 2, 3, 4, 49_151, 49_152, 49_153, 98_305, 1024 * 1024 + 1])('is the JSON of the fields and the file in base64 (%i bytes)', (size) => {
    const file = new Uint8Array(randomBytes(size));
    const fields = { branch: 'attachments', message: 'Attachment for "T-1" — Rückgabe ✓' };
    const body = jsonWithFile(fields, file);
    expect(body.toString('utf8')).toBe(JSON.stringify({ ...fields, content: Buffer.from(file).toString('base64') }));
  });

  it('reads only the given view of a larger buffer', () => {
    const whole = new Uint8Array(randomBytes(100));
    const view = whole.subarray(10, 60);
    const parsed = JSON.parse(jsonWithFile({ message: 'm' }, view).toString('utf8')) as { content: string };
    expect(Buffer.from(parsed.content, 'base64').equals(Buffer.from(view))).toBe(true);
  });
});
