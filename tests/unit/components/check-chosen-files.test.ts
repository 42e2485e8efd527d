// Issue 16, item 10: attachment problems are found in the browser before the upload, in the server's words.
import { describe, expect, it } from 'vitest';
import { problemWithFiles, type FileLimits } from '../../../src/components/tickets/check-chosen-files.ts';
import { checkAttachments } from '../../../src/tickets/attachments.ts';

const limits: FileLimits = { maxBytes: 64 * 1024, maxCount: 2, types: ['image/png', 'application/pdf', 'text/plain'] };
const PNG_HEADER = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89];

/** What the server answers for the same files, read whole. */
async function serverAnswer(files: readonly File[]): Promise<string | undefined> {
  const inputs = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  const result = await checkAttachments(inputs, { ...limits, types: [...limits.types] });
  return result.ok ? undefined : result.error;
}

// A text of 4,099 ASCII letters then "ü" (2 bytes): its first 4,100 bytes end inside a character.
const textCutInsideCharacter = `${'a'.repeat(4099)}ü and more`;

describe.each<[string, File[]]>([
  ['too many files', [new File(['a'], 'a.txt'), new File(['b'], 'b.txt'), new File(['c'], 'c.txt')]],
  ['a file too large', [new File([new Uint8Array(limits.maxBytes + 1)], 'huge.png')]],
  ['an empty file', [new File([], 'empty.pdf')]],
  ['a program named .pdf', [new File(['MZ\u0090\u0000binary'], 'invoice.pdf')]],
  ['a type the desk does not take', [new File([new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0, 0, 0])], 'anim.gif')]],
  ['a PNG larger than the bytes sniffed', [new File([new Uint8Array([...PNG_HEADER, ...new Uint8Array(10_000)])], 'photo.png')]],
  ['a text file named .png', [new File(['just some notes'], 'notes.png')]],
  ['a text whose first bytes end inside a character', [new File([textCutInsideCharacter], 'notes.txt')]],
  ['a PDF and a text', [new File(['%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n'], 'invoice.pdf'), new File(['hello'], 'hello.txt')]],
])('%s', (_name, files) => {
  it('gets the answer the server gives, word for word', async () => {
    expect(await problemWithFiles(files, limits)).toBe(await serverAnswer(files));
  });
});

it('says which limit a refused file broke', async () => {
  expect(await problemWithFiles([new File([new Uint8Array(limits.maxBytes + 1)], 'huge.png')], limits)).toBe('"huge.png" is 64 KiB; each file may be at most 64 KiB.');
  expect(await problemWithFiles([new File(['MZ\u0090\u0000binary'], 'invoice.pdf')], limits)).toBe('"invoice.pdf" is of type application/x-msdownload; allowed are PNG, PDF, plain text.');
});
