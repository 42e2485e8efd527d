import { Worker } from 'node:worker_threads';

/**
 * Moves SQLite's checkpoints off the event loop. A checkpoint copies the WAL's frames into the database file and
 * syncs both; SQLite runs it inside whichever commit pushes the WAL past 1,000 pages, on the thread that commits —
 * for the server, the event loop, which then stands still for the copy and two fsyncs (measured in isolation: a
 * commit's p99 4.2 ms and up to 122 ms with automatic checkpoints, 0.3 ms and 12 ms without). So the connection
 * turns automatic checkpoints off and a worker thread with a connection of its own checkpoints instead (PASSIVE:
 * it never waits for or blocks the writer), about once a second while there are writes.
 */
export interface WalCheckpoints {
  /** Checkpoints done so far (tests, statistics). */
  readonly checkpoints: number;
  /** Resolves after a checkpoint begun after the call (tests; `close` does not need it). */
  checkpointNow(): Promise<void>;
  /** Stops the worker; SQLite checkpoints once more when the last connection closes. */
  close(): Promise<void>;
}

/** The worker's own code: a CommonJS script run with `eval`, so it needs no file of its own next to the server's bundle. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.file);
db.exec('PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    checkpoint.get();
    parentPort.postMessage({ ok: true });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error && error.message || error) });
  }
});
`;

/**
 * @param file the database file
 * @param changes how many writing statements the connection has run so far (a counter that only grows)
 * @param onFailure called once if the worker cannot checkpoint: the caller turns automatic checkpoints back on
 */
export function startWalCheckpoints(file: string, changes: () => number, onFailure: (error: Error) => void, intervalMs = 1000): WalCheckpoints {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file } });
  // Neither the worker nor its timer keeps a process (a CLI run, a test) alive.
  worker.unref();
  let checkpoints = 0;
  let requestedAt = -1;
  let inFlight = false;
  let failed = false;
  let closing = false;
  // Callers of checkpointNow: those the running checkpoint covers, and those who came while it ran.
  let waitingForRun: Array<() => void> = [];
  let waitingForNext: Array<() => void> = [];
  const release = () => {
    for (const resolve of [...waitingForRun, ...waitingForNext]) resolve();
    waitingForRun = [];
    waitingForNext = [];
  };
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  const fail = (error: Error) => {
    if (failed || closing) return;
    failed = true;
    clearInterval(timer);
    release();
    onFailure(error);
  };
  const request = () => {
    if (inFlight || failed || closing) return;
    inFlight = true;
    requestedAt = changes();
    worker.postMessage('checkpoint');
  };
  worker.on('message', (reply: { ok: boolean; error?: string }) => {
    inFlight = false;
    if (!reply.ok) return fail(new Error(`SQLite checkpoint failed: ${reply.error}`));
    checkpoints += 1;
    for (const resolve of waitingForRun) resolve();
    waitingForRun = waitingForNext;
    waitingForNext = [];
    if (waitingForRun.length > 0) request();
  });
  worker.on('error', fail);
  worker.once('exit', () => fail(new Error('the checkpoint worker stopped')));
  const timer = setInterval(() => {
    if (changes() !== requestedAt) request();
  }, intervalMs);
  timer.unref();

  return {
    get checkpoints() {
      return checkpoints;
    },
    checkpointNow() {
      if (failed || closing) return Promise.resolve();
      // A checkpoint already running may have begun before the caller's writes: wait for the one after it.
      const done = new Promise<void>((resolve) => (inFlight ? waitingForNext : waitingForRun).push(resolve));
      request();
      return done;
    },
    async close() {
      closing = true;
      clearInterval(timer);
      release();
      // Held now, so the process waits for the worker to close its connection rather than exiting under it.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
