import { type FileHandle, open } from 'node:fs/promises';

/**
 * Makes SQLite's commits durable without blocking the event loop. The connection commits with `synchronous =
 * NORMAL` (WAL mode): a commit writes its frames to the WAL file and returns without waiting for the disk. With
 * `FULL`, SQLite itself would wait for an fsync inside every commit — on the event loop, where the whole server
 * stands still meanwhile (3 ms a commit on average here, over 100 ms at times). Instead, whoever must not go on
 * before their writes are on disk (a customer about to be told their ticket is kept, a delivery about to be sent)
 * awaits `durable()`: one fsync of the WAL file on libuv's thread pool, shared by every caller waiting at the time.
 * The frames a commit wrote are in the file (the OS's cache) when the commit returns, so an fsync begun after it
 * covers them: the guarantee is FULL's, at the moment it is needed. Checkpoints still sync as SQLite does in both modes.
 */
export interface WalSync {
  /** Resolves once every write counted before the call is on disk. */
  durable(): Promise<void>;
  /** Waits for a sync in progress, then lets go of the file. */
  close(): Promise<void>;
  /** fsyncs done so far (tests, statistics). */
  readonly syncs: number;
}

/**
 * @param walPath the database file's `-wal` file
 * @param writes how many writes the connection has made so far (a counter that only grows)
 * @param syncFile flushes the file to disk; tests pass a gated one
 */
export function createWalSync(walPath: string, writes: () => number, syncFile: (file: FileHandle) => Promise<void> = (file) => file.sync()): WalSync {
  let synced = 0;
  let syncs = 0;
  let running: Promise<void> | undefined;
  let handle: FileHandle | undefined;

  async function syncOnce(): Promise<void> {
    // Everything written before this point is in the file now; the fsync below covers it.
    const upTo = writes();
    handle ??= await open(walPath, 'r').catch((error: NodeJS.ErrnoException) => {
      // No WAL file yet: nothing was written to it.
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (handle) {
      await syncFile(handle);
      syncs += 1;
    }
    synced = Math.max(synced, upTo);
  }

  return {
    async durable() {
      const target = writes();
      while (synced < target) {
        running ??= syncOnce().finally(() => {
          running = undefined;
        });
        await running;
      }
    },
    async close() {
      await running?.catch(() => {});
      await handle?.close();
      handle = undefined;
    },
    get syncs() {
      return syncs;
    },
  };
}
