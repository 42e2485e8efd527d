import { describe, expect, it } from 'vitest';
import { SERVER_GLIBC_TUNABLES, serverProcessEnv } from '../../../src/server/process-env.ts';

describe('the server process environment', () => {
  it('starts the server with a fixed mmap threshold and two arenas, keeping everything else', () => {
    const env = serverProcessEnv({ PORT: '4321', DATA_DIR: '/srv/data' });
    expect(env).toEqual({ PORT: '4321', DATA_DIR: '/srv/data', GLIBC_TUNABLES: SERVER_GLIBC_TUNABLES });
    expect(SERVER_GLIBC_TUNABLES).toContain('glibc.malloc.mmap_threshold=');
  });

  it("keeps the operator's own allocator settings", () => {
    expect(serverProcessEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' })['GLIBC_TUNABLES']).toBe('glibc.malloc.arena_max=4');
  });
});
