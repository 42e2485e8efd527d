import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TEMPLATE_FILES } from '../../src/mail/default-templates.generated.ts';

// src/mail/templates/*.txt|html are the templates to edit (the README tells site owners to copy them);
// src/mail/default-templates.generated.ts inlines them so the module loads in plain Node and in the built server.
const REGENERATE = 'src/mail/default-templates.generated.ts is out of date: run `npm run mail:templates` to regenerate it';
const dir = new URL('../../src/mail/templates/', import.meta.url);
const files = readdirSync(dir)
  .filter((name) => /\.(txt|html)$/.test(name))
  .sort();

describe('inlined mail templates', () => {
  it('has exactly the template files', () => {
    expect(Object.keys(TEMPLATE_FILES).sort(), REGENERATE).toEqual(files);
  });

  it.each(files)('holds %s byte for byte', (name) => {
    const inlined = TEMPLATE_FILES[name];
    expect(inlined, REGENERATE).toBeTypeOf('string');
    expect(Buffer.from(inlined!, 'utf8').equals(readFileSync(new URL(name, dir))), `${name} differs; ${REGENERATE}`).toBe(true);
  });
});
