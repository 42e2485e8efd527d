/**
 * glibc's allocator settings for the server process, measured with `npm run bench:tickets -- --attachments 1000`:
 * by default glibc raises its mmap threshold after the first large buffer is freed, so later 1 MiB uploads are
 * carved from per-thread arenas that never shrink (RSS 281 → 343 MiB from 100 to 1,000 tickets, 1.22×); with a
 * fixed threshold and two arenas each large buffer goes back to the system when freed (282 → 276 MiB, 0.98×).
 * Tunables are read only when a process starts, so a launcher sets them for the server it spawns.
 */
export const SERVER_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2';

/**
 * V8's young generation for the server process, measured with `npm run bench:tickets -- --attachments 5000`: left to
 * itself V8 grows it under a high allocation rate (each upload is parsed, encoded and sent) to 128 MiB, all of it
 * resident. Capped at 16 MiB per semi-space, the server's RSS in that run went from 241 → 302.5 MiB (after 500 →
 * after 5,000 tickets) to 213 → 262 MiB; CPU per submission of `npm run bench:tickets` stayed within its spread
 * (young sizes of 4 to 64 MiB were tried: the latency tail is not the scavenges).
 */
export const SERVER_NODE_OPTIONS = '--max-semi-space-size=16';

/**
 * The environment to start the server with: `env` plus the allocator settings and the young-generation cap, each
 * unless the operator set their own.
 */
export function serverProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const nodeOptions = env['NODE_OPTIONS'] ?? '';
  return {
    ...env,
    GLIBC_TUNABLES: env['GLIBC_TUNABLES'] ?? SERVER_GLIBC_TUNABLES,
    NODE_OPTIONS: nodeOptions.includes('--max-semi-space-size') ? nodeOptions : `${nodeOptions} ${SERVER_NODE_OPTIONS}`.trim(),
  };
}
