/**
 * Group commit: many small writes that arrive together share one transaction (and one sync to disk), so intake
 * under load costs a commit per batch rather than one per request. A batch starts at the end of the event-loop turn
 * in which its first call arrived (setImmediate), so the requests read in that turn join it; callers arriving while
 * a commit is in progress queue up and form the next batch, committed as soon as the current one is done.
 * Every caller's promise settles only after the transaction holding its work committed and is on disk (or failed).
 */
export class GroupCommit<Tx> {
  private queue: Array<{ work: (tx: Tx) => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  private readonly transaction: <T>(body: (tx: Tx) => Promise<T>) => Promise<T>;
  private readonly maxBatch: number;
  private readonly durable: () => Promise<void>;
  /** Transactions committed so far (tests and statistics compare it with the number of calls). */
  commits = 0;
  /** Calls whose work has committed so far. */
  committedCalls = 0;

  /**
   * @param transaction runs `body` in one transaction and commits it (rolls back if it throws).
   * @param durable resolves once what was committed is on disk; a batch's callers wait for it, the next batch does not.
   * @param maxBatch at most this many calls per transaction.
   */
  constructor(transaction: <T>(body: (tx: Tx) => Promise<T>) => Promise<T>, durable: () => Promise<void> = async () => {}, maxBatch = 200) {
    this.transaction = transaction;
    this.durable = durable;
    this.maxBatch = maxBatch;
  }

  /** Runs `work` in the next transaction; resolves with its result once that transaction has committed. */
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const done = new Promise<T>((resolve, reject) => this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject }));
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
    return done;
  }

  /** Resolves once everything queued so far has been committed or refused. */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.transaction(async (tx) => {
            const out: unknown[] = [];
            for (const call of batch) out.push(await call.work(tx));
            return out;
          });
          this.commits += 1;
          this.committedCalls += batch.length;
          this.settle(
            () => batch.forEach((call, i) => call.resolve(results[i])),
            (error) => batch.forEach((call) => call.reject(error)),
          );
        } catch (error) {
          if (batch.length === 1) {
            batch[0]?.reject(error);
            continue;
          }
          // One call's failure must not fail the others: run each alone to find out which one it was.
          for (const call of batch) {
            try {
              const result = await this.transaction((tx) => call.work(tx));
              this.commits += 1;
              this.committedCalls += 1;
              this.settle(
                () => call.resolve(result),
                (error) => call.reject(error),
              );
            } catch (single) {
              call.reject(single);
            }
          }
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** Resolves callers once their commit is on disk, while the next batch goes on committing. */
  private settle(resolve: () => void, reject: (error: unknown) => void): void {
    this.durable().then(resolve, reject);
  }
}
