import { describe, expect, it } from 'vitest';
import { SERVER_GLIBC_TUNABLES, SERVER_NODE_OPTIONS, serverProcessEnv } from '../../../src/server/process-env.ts';

describe('the server process environment', () => {
  it('starts the server with a fixed mmap threshold, two arenas and a capped young generation, keeping everything else', () => {
    const env = serverProcessEnv({ PORT: '4321', DATA_DIR: '/srv/data' });
    expect(env).toEqual({ PORT: '4321', DATA_DIR: '/srv/data', GLIBC_TUNABLES: SERVER_GLIBC_TUNABLES, NODE_OPTIONS: SERVER_NODE_OPTIONS });
    expect(SERVER_NODE_OPTIONS).toMatch(/^--max-semi-space-size=\d+$/);
    expect(SERVER_GLIBC_TUNABLES).toContain('glibc.malloc.mmap_threshold=');
  });

  it("keeps the operator's own allocator settings", () => {
    expect(serverProcessEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' })['GLIBC_TUNABLES']).toBe('glibc.malloc.arena_max=4');
  });

  it("adds the young-generation cap to the operator's Node options, unless they set one", () => {
    expect(serverProcessEnv({ NODE_OPTIONS: '--enable-source-maps' })['NODE_OPTIONS']).toBe(`--enable-source-maps ${SERVER_NODE_OPTIONS}`);
    expect(serverProcessEnv({ NODE_OPTIONS: '--max-semi-space-size=64' })['NODE_OPTIONS']).toBe('--max-semi-space-size=64');
  });
});
