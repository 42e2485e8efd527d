import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// Every module under src/ that is not Astro- or browser-only must load in plain Node, as `npm run <script>`
// runs it (Node's type stripping, no Vite): no `import.meta.glob` or other Vite-only features, `import type` for
// type-only imports, no enums or parameter properties, no imports of files that do not exist.
const root = fileURLToPath(new URL('../../', import.meta.url));
const src = path.join(root, 'src');

/** Only Astro or the browser loads these: pages, components and layouts (Astro), middleware.ts (Astro's
 * `astro:middleware`), scripts/ (bundled for the browser and the service worker) and type declarations. */
const ASTRO_OR_BROWSER_ONLY = [/^pages\//, /^components\//, /^layouts\//, /^scripts\//, /^middleware\.ts$/, /\.d\.ts$/];

const modules = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .map((file) => file.split(path.sep).join('/'))
  .filter((file) => file.endsWith('.ts') && !ASTRO_OR_BROWSER_ONLY.some((pattern) => pattern.test(file)))
  .sort();

const MARK = '\u0000module ';
// One plain Node process (not Vitest's loader) imports the modules one after another; a module's failure and
// whatever it prints to stderr are recorded under its name. One process instead of one per module: loading
// the shared dependencies once keeps this to seconds on a 2-core machine.
const child = `
const results = {};
for (const file of ${JSON.stringify(modules)}) {
  process.stderr.write(${JSON.stringify(MARK)} + file + '\\n');
  try {
    await import(new URL(file, ${JSON.stringify(pathToFileURL(src).href + '/')}).href);
    results[file] = 'ok';
  } catch (error) {
    results[file] = String(error?.stack ?? error);
  }
}
process.stdout.write(JSON.stringify(results));
`;

interface Outcome {
  code: number | null;
  results: Record<string, string>;
  stderr: Map<string, string>;
}
let outcome: Outcome;

beforeAll(async () => {
  outcome = await new Promise<Outcome>((resolve) => {
    const process_ = execFile(process.execPath, ['--input-type=module', '-e', child], { cwd: root, timeout: 90_000, encoding: 'utf8', maxBuffer: 2 ** 26 }, (_error, stdout, stderr) => {
      const byModule = new Map<string, string>();
      for (const chunk of stderr.split(MARK).slice(1)) {
        const newline = chunk.indexOf('\n');
        byModule.set(chunk.slice(0, newline), chunk.slice(newline + 1).trim());
      }
      let results: Record<string, string> = {};
      try {
        results = JSON.parse(stdout) as Record<string, string>;
      } catch {
        // A module ended the process while loading; each unrecorded module fails below with its stderr.
      }
      resolve({ code: process_.exitCode, results, stderr: byModule });
    });
  });
}, 120_000);

describe('modules under src/ load in plain Node', () => {
  it('finds the modules', () => {
    expect(modules).toContain('server/composition.ts');
    expect(modules).toContain('mail/default-templates.ts');
  });

  it.each(modules)('src/%s', (file) => {
    expect({ result: outcome.results[file] ?? 'not reached: the process ended or hung before importing it', stderr: outcome.stderr.get(file) ?? '' }).toEqual({ result: 'ok', stderr: '' });
  });

  it('leaves nothing running: the process exits once every module is imported', () => {
    // null: killed after 90 s, so some module starts a timer or server on import.
    expect(outcome.code).toBe(0);
  });
});
