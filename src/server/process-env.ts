/**
 * glibc's allocator settings for the server process, measured with `npm run bench:tickets -- --attachments 1000`:
 * by default glibc raises its mmap threshold after the first large buffer is freed, so later 1 MiB uploads are
 * carved from per-thread arenas that never shrink (RSS 281 → 343 MiB from 100 to 1,000 tickets, 1.22×); with a
 * fixed threshold and two arenas each large buffer goes back to the system when freed (282 → 276 MiB, 0.98×).
 * Tunables are read only when a process starts, so a launcher sets them for the server it spawns.
 */
export const SERVER_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2';

/** The environment to start the server with: `env` plus the allocator settings, unless the operator set their own. */
export function serverProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env['GLIBC_TUNABLES'] === undefined ? { ...env, GLIBC_TUNABLES: SERVER_GLIBC_TUNABLES } : env;
}
