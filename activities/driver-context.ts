/**
 * The bridge between Temporal activities and drivers: drivers see an ActionContext and throw
 * DriverErrors; activities see heartbeats, cancellation and ApplicationFailures whose type and
 * retryability follow the error taxonomy (src/drivers/errors.ts), so retry policies stay
 * declarative.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { abortError } from '../src/drivers/abort';
import type { ActionContext } from '../src/drivers/context';
import { isDriverError } from '../src/drivers/errors';
import { CredentialResolutionError } from '../src/secrets/resolver';
import { checkpointHeartbeat, CheckpointUnconfirmed } from './heartbeat-checkpoint';

/** Longest gap between two heartbeats while a driver action runs without reporting progress
 * (a slow BMC command, a switch lock): Temporal delivers cancellation only with heartbeats. */
const MAX_KEEPALIVE_MS = 5_000;

/** An ActionContext for the current activity: its cancellation signal, heartbeats, the last
 * heartbeat of the previous attempt (to resume from), the workflow it serves, and its logger. */
export function activityContext(): ActionContext & { lastHeartbeat(): unknown } {
  const activity = Context.current();
  let last: unknown = activity.info.heartbeatDetails;
  const heartbeat = (details?: unknown): void => {
    last = details;
    activity.heartbeat(details);
  };
  return {
    signal: activity.cancellationSignal,
    heartbeat,
    checkpoint: (details) => checkpointHeartbeat(heartbeat, details),
    lastHeartbeat: () => last,
    resumeFrom: activity.info.heartbeatDetails,
    workflowId: activity.info.workflowExecution?.workflowId,
    log(message, fields) {
      activity.log.info(message, fields);
    },
  };
}

/**
 * A DriverError as the ApplicationFailure retry policies act on: `type` is the taxonomy name
 * (BmcUnreachable, MaasAuthFailed, InvalidRequest, ...), `nonRetryable` follows the kind, the
 * credential-free details ride along, and a Retry-After the service gave becomes the next retry
 * delay. A credential that cannot be resolved is a configuration error: non-retryable. Anything
 * else is returned unchanged (a bug, retried by the default policy).
 */
export function toApplicationFailure(err: unknown): unknown {
  if (err instanceof CheckpointUnconfirmed) {
    // Retryable: nothing was sent. The next attempt may find the record (the server got it
    // late) and then treats the command as possibly sent, never sending it twice.
    return ApplicationFailure.create({ type: 'CheckpointUnconfirmed', message: err.message, nonRetryable: false });
  }
  if (err instanceof CredentialResolutionError) {
    return ApplicationFailure.create({ type: 'CredentialUnavailable', message: err.message, nonRetryable: true });
  }
  if (!isDriverError(err)) return err;
  return ApplicationFailure.create({
    type: err.type,
    message: err.message,
    nonRetryable: !err.retryable,
    details: [{ kind: err.kind, component: err.component, ...err.details, ...(err.target ? { target: err.target } : {}) }],
    // Retry-After: 0 ("now", as the MAAS emulator and some BMCs say) leaves the policy's backoff:
    // the server treats a next retry delay of 0 as no retry at all (retry state TIMEOUT; seen on
    // the dev server, test/integration/activities/retry-after.test.ts).
    nextRetryDelay: err.retryAfterSeconds !== undefined && err.retryAfterSeconds > 0 && err.retryable ? `${err.retryAfterSeconds}s` : undefined,
  });
}

/**
 * Runs a driver action inside an activity. While it runs, the last heartbeat is repeated (every
 * third of the heartbeat timeout, at most every 5 s) so cancellation arrives and a heartbeat
 * timeout cannot fire while the action is alive; repeating the last details keeps the resume
 * point of the previous attempt.
 */
export async function runDriverAction<T>(fn: (ctx: ActionContext) => Promise<T>): Promise<T> {
  const ctx = activityContext();
  const timeoutMs = Context.current().info.heartbeatTimeoutMs;
  const everyMs = Math.max(100, Math.min(MAX_KEEPALIVE_MS, timeoutMs ? Math.floor(timeoutMs / 3) : MAX_KEEPALIVE_MS));
  const keepAlive = setInterval(() => ctx.heartbeat(ctx.lastHeartbeat()), everyMs);
  try {
    return await fn(ctx);
  } catch (err) {
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    throw toApplicationFailure(err);
  } finally {
    clearInterval(keepAlive);
  }
}

/**
 * Builds drivers once per distinct configuration and keeps them (every adapter's drivers go
 * through one of these). Extra arguments reach `create` (e.g. the node, for an error message)
 * but are not part of the key; a `create` that throws caches nothing.
 */
export function driverCache<C, D, A extends unknown[] = []>(create: (config: C, ...rest: A) => D): (config: C, ...rest: A) => D {
  const cache = new Map<string, D>();
  return (config, ...rest) => {
    const key = JSON.stringify(config);
    let driver = cache.get(key);
    if (driver === undefined) {
      driver = create(config, ...rest);
      cache.set(key, driver);
    }
    return driver;
  };
}
