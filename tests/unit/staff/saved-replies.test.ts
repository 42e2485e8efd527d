import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSavedReplies, renderSavedReply, savedRepliesDir } from '../../../src/staff/saved-replies.ts';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'saved-replies-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('saved replies', () => {
  it('are read per language, with their titles, and fill in the placeholders', () => {
    const dir = folder({
      'en/refund.md': '---\ntitle: Refund on its way\n---\nHello {{customerName}},\n\nyour refund for {{ref}} ({{ subject }}) is on its way.\n\n{{staffName}}\n',
      'de/erstattung.md': '---\ntitle: Erstattung unterwegs\n---\nHallo {{customerName}}\n',
    });
    const replies = loadSavedReplies(dir);
    expect(replies.map((r) => [r.id, r.lang, r.title])).toEqual([
      ['de/erstattung', 'de', 'Erstattung unterwegs'],
      ['en/refund', 'en', 'Refund on its way'],
    ]);
    const text = renderSavedReply(replies[1]!, { customerName: 'Mia', ref: 'T-7K2M9QXA', subject: 'Wet parcel', staffName: 'Anna from Support' });
    expect(text).toBe('Hello Mia,\n\nyour refund for T-7K2M9QXA (Wet parcel) is on its way.\n\nAnna from Support');
  });

  it('name the file and line of a problem: an unknown placeholder, a missing title, a file outside a language folder', () => {
    expect(() => loadSavedReplies(folder({ 'en/a.md': '---\ntitle: A\n---\nHello,\n\nyour {{orderNumber}} is late.\n' }))).toThrow(
      /saved-replies-\w+\/en\/a\.md:6: unknown placeholder \{\{orderNumber\}\}; use \{\{customerName\}\}/,
    );
    expect(() => loadSavedReplies(folder({ 'en/b.md': '---\nsubject: B\n---\nText\n' }))).toThrow(/en\/b\.md:2: .*title/);
    expect(() => loadSavedReplies(folder({ 'b.md': '---\ntitle: B\n---\nText\n' }))).toThrow(/b\.md:1: put saved replies in a language folder: en\/ or de\//);
    expect(() => loadSavedReplies(folder({ 'fr/c.md': '---\ntitle: C\n---\nText\n' }))).toThrow(/fr\/c\.md:1: put saved replies in a language folder/);
  });

  it('are none when the folder does not exist, and live beside the articles', () => {
    expect(loadSavedReplies(path.join(tmpdir(), 'no-such-saved-replies'))).toEqual([]);
    expect(savedRepliesDir('content/articles')).toBe(path.resolve('content/saved-replies'));
  });

  it('that ship with the product load', () => {
    expect(loadSavedReplies(savedRepliesDir('content/articles')).length).toBeGreaterThanOrEqual(3);
  });
});
