/**
 * Mutual exclusion by key within one process: drivers use it so that at most one configuration
 * session talks to a given device (a switch, a BMC) at a time. Waiting ends early when the
 * caller's signal aborts; the queue behind it moves on.
 */
import { abortError } from './abort';

export type Release = () => void;

interface Lock {
  held: boolean;
  waiters: Array<() => void>;
}

export class KeyedMutex {
  private readonly locks = new Map<string, Lock>();

  /** Acquires every key (in sorted order, so two callers can never deadlock) and returns one
   * function releasing them all. */
  async acquireAll(keys: string[], signal?: AbortSignal): Promise<Release> {
    const releases: Release[] = [];
    try {
      for (const key of [...new Set(keys)].sort()) releases.push(await this.acquire(key, signal));
    } catch (err) {
      for (const release of releases.reverse()) release();
      throw err;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const release of releases.reverse()) release();
    };
  }

  async acquire(key: string, signal?: AbortSignal): Promise<Release> {
    signal?.throwIfAborted();
    let lock = this.locks.get(key);
    if (!lock) {
      lock = { held: false, waiters: [] };
      this.locks.set(key, lock);
    }
    const held = lock;
    const release = (): void => {
      const next = held.waiters.shift();
      if (next) next();
      else {
        held.held = false;
        this.locks.delete(key);
      }
    };
    if (!held.held) {
      held.held = true;
      return release;
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        held.waiters.splice(held.waiters.indexOf(waiter), 1);
        reject(signal ? abortError(signal) : new Error('aborted'));
      };
      const waiter = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(release);
      };
      held.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** How many callers wait for `key` (for tests and diagnostics). */
  waiting(key: string): number {
    return this.locks.get(key)?.waiters.length ?? 0;
  }

  /** Keys currently held (for tests and diagnostics). */
  heldKeys(): string[] {
    return [...this.locks.keys()];
  }
}
