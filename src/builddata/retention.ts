/**
 * Build-data retention: what was collected longer ago than the retention is deleted, on start
 * and then periodically (hourly by default), always keeping each node's newest element per
 * generator (BuildDataStore.prune). Whoever hosts the database runs it: `drydock api
 * --build-data-retention 30d`. A failed pass is reported and retried at the next interval.
 */
import { retentionCutoff } from './store';

export interface Prunable {
  prune(olderThan: Date): Promise<number>;
}

export interface RetentionOptions {
  /** e.g. `30d`, `12h`, `90m`. */
  retention: string;
  intervalMs?: number;
  now?: () => Date;
  log?: (message: string) => void;
}

export interface RetentionRunner {
  /** The first pass (on start), for whoever wants to wait for it. */
  first: Promise<number>;
  /** One pass now. */
  runOnce(): Promise<number>;
  stop(): void;
}

export const DEFAULT_RETENTION_INTERVAL_MS = 60 * 60 * 1000;

export function startRetention(store: Prunable, options: RetentionOptions): RetentionRunner {
  retentionCutoff(options.retention); // a bad duration fails here, at start
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((): void => undefined);
  const runOnce = async (): Promise<number> => {
    const deleted = await store.prune(retentionCutoff(options.retention, now()));
    if (deleted > 0) log(`build data: ${deleted} element(s) older than ${options.retention} deleted`);
    return deleted;
  };
  const guarded = (): Promise<number> =>
    runOnce().catch((err: unknown) => {
      log(`build data: retention pass failed (retried in ${Math.round((options.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS) / 60_000)} min): ${err instanceof Error ? err.message : String(err)}`);
      return 0;
    });
  const timer = setInterval(() => void guarded(), options.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS);
  timer.unref();
  return { first: guarded(), runOnce, stop: () => clearInterval(timer) };
}
