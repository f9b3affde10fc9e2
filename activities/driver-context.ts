/**
 * What every driver activity shares: an ActionContext built from the Temporal activity context
 * (cancellation signal, heartbeats, the previous attempt's heartbeat details, logging), and the
 * conversion of DriverError into an ApplicationFailure whose type and retryability follow the
 * error taxonomy (src/drivers/errors.ts), so retry policies can be declarative.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActionContext } from '../src/drivers/context';
import { DriverError } from '../src/drivers/errors';
import { CredentialResolutionError } from '../src/secrets/resolver';

/** How often the last heartbeat is repeated while a driver action runs without reporting
 * progress (waiting for a switch lock, a slow command): Temporal delivers cancellation only
 * with heartbeats, and a heartbeat timeout must not fire while the action is alive. */
const MAX_KEEPALIVE_MS = 10_000;

export function toApplicationFailure(err: DriverError): ApplicationFailure {
  return ApplicationFailure.create({
    type: err.type,
    message: err.target && !err.message.includes(err.target) ? `${err.message} [${err.target}]` : err.message,
    nonRetryable: !err.retryable,
    details: [{ kind: err.kind, component: err.component, target: err.target ?? null, ...err.details }],
    ...(err.retryAfterSeconds !== undefined && err.retryable ? { nextRetryDelay: `${err.retryAfterSeconds}s` as const } : {}),
  });
}

/** The ActionContext of the running activity. `stop()` ends its keep-alive heartbeats. */
export function activityActionContext(): ActionContext & { stop(): void } {
  const context = Context.current();
  let last: unknown = context.info.heartbeatDetails;
  const heartbeatTimeout = context.info.heartbeatTimeoutMs;
  const every = heartbeatTimeout ? Math.max(1_000, Math.min(MAX_KEEPALIVE_MS, Math.floor(heartbeatTimeout / 3))) : MAX_KEEPALIVE_MS;
  const timer = setInterval(() => context.heartbeat(last), every);
  timer.unref();
  return {
    signal: context.cancellationSignal,
    heartbeat: (details) => {
      last = details;
      context.heartbeat(details);
    },
    resumeFrom: context.info.heartbeatDetails as unknown,
    log: (message, fields) => {
      context.log.info(message, fields);
    },
    stop: () => clearInterval(timer),
  };
}

/** Runs a driver action inside an activity: builds its context, and turns a DriverError into
 * the matching ApplicationFailure. Other errors (cancellation, bugs) pass through unchanged. */
export async function runDriverAction<T>(action: (ctx: ActionContext) => Promise<T>): Promise<T> {
  const ctx = activityActionContext();
  try {
    return await action(ctx);
  } catch (err) {
    if (err instanceof DriverError) throw toApplicationFailure(err);
    // A credential that cannot be resolved is a configuration error: retrying cannot help.
    if (err instanceof CredentialResolutionError) throw ApplicationFailure.create({ type: 'CredentialUnavailable', message: err.message, nonRetryable: true });
    throw err;
  } finally {
    ctx.stop();
  }
}

/** Builds drivers from a site's driver configuration once per distinct configuration. */
export function driverCache<C, D>(create: (config: C) => D): (config: C) => D {
  const cache = new Map<string, D>();
  return (config) => {
    const key = JSON.stringify(config);
    let driver = cache.get(key);
    if (driver === undefined) {
      driver = create(config);
      cache.set(key, driver);
    }
    return driver;
  };
}
