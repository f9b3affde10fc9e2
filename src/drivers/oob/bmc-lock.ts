import { setTimeout as sleep } from 'node:timers/promises';
import { abortError } from '../abort';

/**
 * At most one command in flight per BMC within this process, and a minimum gap between two
 * commands to the same BMC (some BMCs crash or drop sessions under faster traffic).
 *
 * Keys are `address:port`: two Systems behind one Redfish service share a key. Waiting for the
 * lock or the gap honours the caller's AbortSignal; an aborted waiter leaves the queue without
 * disturbing the others. Across worker processes this lock does not reach: see
 * docs/oob-drivers.md (one task queue per BMC network segment served by one worker process).
 */
export class BmcLocks {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly lastEnded = new Map<string, number>();
  private readonly active = new Map<string, number>();
  private maxObserved = 0;

  /**
   * Runs `fn` once every earlier command for `key` has finished and `minGapMs` has passed since
   * the last one ended.
   */
  async run<T>(key: string, fn: () => Promise<T>, options: { signal?: AbortSignal; minGapMs?: number } = {}): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    let ran = false;
    try {
      await abortable(previous, options.signal);
      const gap = (this.lastEnded.get(key) ?? 0) + (options.minGapMs ?? 0) - Date.now();
      if (gap > 0) await sleep(gap, undefined, { signal: options.signal });
      options.signal?.throwIfAborted();
      ran = true;
      const inFlight = (this.active.get(key) ?? 0) + 1;
      this.active.set(key, inFlight);
      this.maxObserved = Math.max(this.maxObserved, inFlight);
      return await fn();
    } finally {
      if (ran) {
        this.active.set(key, (this.active.get(key) ?? 1) - 1);
        this.lastEnded.set(key, Date.now());
      }
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** The most commands ever in flight at once for one key (1 when the lock works). */
  get maxConcurrency(): number {
    return this.maxObserved;
  }
}

function abortable(promise: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** The signal's reason (Temporal's CancelledFailure in an activity) as an Error. */
/** The error an aborted action rejects with (kept under this name for the OOB drivers). */
export const abortReason = abortError;

/** The lock registry shared by every OOB driver in this process (the worker, the CLI). */
export const processBmcLocks = new BmcLocks();
