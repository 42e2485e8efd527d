// Vitest globalSetup: one folder per run in which tests/helpers/site.ts keeps the builds it shares between test
// files (buildSite without `outDir`, keyed by the build-time inputs), removed when the run ends.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { BUILD_CACHE_ENV } from './site.ts';

export default function setup(): () => void {
  // Inside the project: the server bundle imports packages from node_modules by name.
  mkdirSync('tmp', { recursive: true });
  const dir = mkdtempSync(path.resolve('tmp', 'build-cache-'));
  // Test files run in child processes, which inherit the environment.
  process.env[BUILD_CACHE_ENV] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
