import { describe, expect, it } from 'vitest';
import { checkAttachments, safeFileName, sniffType } from '../../../src/tickets/attachments.ts';

const limits = { maxBytes: 1024, maxCount: 2, types: ['image/png', 'application/pdf', 'text/plain'] };
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
const PDF = new TextEncoder().encode('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n');
const EXE = Uint8Array.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0, 0]);

describe('attachments', () => {
  it('decides the type from the content, not the name', async () => {
    expect(await sniffType(PNG)).toBe('image/png');
    expect(await sniffType(PDF)).toBe('application/pdf');
    expect(await sniffType(new TextEncoder().encode('plain words, ünïcödé'))).toBe('text/plain');
    const renamed = await checkAttachments([{ name: 'invoice.pdf', bytes: EXE }], limits);
    expect(renamed).toEqual({ ok: false, error: '"invoice.pdf" is of type application/x-msdownload; allowed are PNG, PDF, plain text.' });
  });

  it.each([
    ['a file of another type', [{ name: 'rechnung.pdf', bytes: EXE }], '„rechnung.pdf“ ist vom Typ application/x-msdownload; erlaubt sind PNG, PDF, reiner Text.'],
    ['an empty file', [{ name: 'leer.txt', bytes: new Uint8Array() }], '„leer.txt“ ist leer.'],
    ['a file too large', [{ name: 'gross.pdf', bytes: new Uint8Array(2048) }], '„gross.pdf“ ist 2 KiB groß; jede Datei darf höchstens 1 KiB groß sein.'],
    ['too many files', [1, 2, 3].map((n) => ({ name: `${n}.png`, bytes: PNG })), 'Hängen Sie höchstens 2 Datei(en) an; Sie haben 3 gewählt.'],
  ])('refuses %s in German for a German customer, by the same rule', async (_case, files, error) => {
    expect(await checkAttachments(files, limits, 'de')).toEqual({ ok: false, error });
    expect(await checkAttachments(files, limits)).toMatchObject({ ok: false });
  });

  it('accepts allowed files and reports the sniffed type', async () => {
    const result = await checkAttachments(
      [
        { name: 'photo.jpg', bytes: PNG },
        { name: 'notes.txt', bytes: new TextEncoder().encode('hello') },
      ],
      limits,
    );
    expect(result.ok && result.files.map((f) => [f.name, f.type])).toEqual([
      ['photo.jpg', 'image/png'],
      ['notes.txt', 'text/plain'],
    ]);
  });

  it.each([
    ['too many files', [PNG, PNG, PNG], 'Attach at most 2 file(s); you chose 3.'],
    ['a file too large', [new Uint8Array(2048).fill(65)], '"f.txt" is 2 KiB; each file may be at most 1 KiB.'],
    ['an empty file', [new Uint8Array(0)], '"f.txt" is empty.'],
  ])('refuses %s with a clear message', async (_kind, contents, error) => {
    const result = await checkAttachments(
      contents.map((bytes) => ({ name: 'f.txt', bytes })),
      limits,
    );
    expect(result).toEqual({ ok: false, error });
  });

  it.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\report.pdf', 'report.pdf'],
    ['.htaccess', 'htaccess'],
    ['a"b<c>|d?.png', 'abcd.png'],
    ['', 'attachment'],
    ['..', 'attachment'],
    [`${'x'.repeat(200)}.png`, `${'x'.repeat(96)}.png`],
  ])('makes the name %j safe: %j', (name, safe) => {
    expect(safeFileName(name)).toBe(safe);
  });
});
