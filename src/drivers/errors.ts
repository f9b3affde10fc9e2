/**
 * The error taxonomy every driver maps its failures onto, so retry policies are declarative:
 * activities turn a DriverError into an ApplicationFailure whose `type` is `DriverError.type`
 * and whose `nonRetryable` flag follows the kind.
 *
 *   kind             retryable  meaning
 *   Unreachable      yes        connection refused/reset, DNS failure, no route
 *   Timeout          yes        the service did not answer, or a state was not reached in time
 *   Busy             yes        409/503/429, "command in progress", a lock held elsewhere
 *   AuthFailed       no         wrong credentials, key or token; a host key that does not match
 *   Unsupported      no         the service cannot do this (feature absent, type not allowed)
 *   InvalidRequest   no         the request or the design is wrong (bad value, missing field)
 *   NotFound         no         a machine, system, port, fabric or switch the design names is absent
 *   OperationFailed  no         the service ran the operation and reports that it failed (MAAS
 *                               "Failed commissioning" / "Failed deployment"): retrying the same
 *                               activity would repeat the failure; a person or a later run decides
 *
 * The type name is the component prefix plus the kind: BmcUnreachable, BmcAuthFailed, ...,
 * MaasBusy, SwitchAuthFailed, KubernetesNotFound; `InvalidRequest` has no prefix.
 * Messages must never contain a credential: build them from names and addresses only.
 */
export const ERROR_KINDS = {
  Unreachable: { retryable: true },
  Timeout: { retryable: true },
  Busy: { retryable: true },
  AuthFailed: { retryable: false },
  Unsupported: { retryable: false },
  InvalidRequest: { retryable: false },
  NotFound: { retryable: false },
  OperationFailed: { retryable: false },
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

export const COMPONENTS = { bmc: 'Bmc', maas: 'Maas', switch: 'Switch', kubernetes: 'Kubernetes', sim: 'Sim', manual: 'Manual' } as const;
export type Component = keyof typeof COMPONENTS;

export function errorTypeName(component: Component, kind: ErrorKind): string {
  return kind === 'InvalidRequest' ? 'InvalidRequest' : `${COMPONENTS[component]}${kind}`;
}

export interface DriverErrorOptions {
  /** What was being acted on, e.g. the node name or `10.0.0.5:623`. Never a credential. */
  target?: string;
  /** Structured, credential-free details for operators (HTTP status, IPMI completion code...). */
  details?: Record<string, string | number | boolean | null>;
  /** Seconds the service asked us to wait (Retry-After), when it said. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class DriverError extends Error {
  readonly retryable: boolean;
  readonly type: string;
  readonly target?: string;
  readonly details: Record<string, string | number | boolean | null>;
  readonly retryAfterSeconds?: number;

  constructor(
    readonly component: Component,
    readonly kind: ErrorKind,
    message: string,
    options: DriverErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = errorTypeName(component, kind);
    this.type = this.name;
    this.retryable = ERROR_KINDS[kind].retryable;
    this.target = options.target;
    this.details = options.details ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isDriverError(err: unknown): err is DriverError {
  return err instanceof DriverError;
}

/** Every non-retryable type name, for `RetryPolicy.nonRetryableErrorTypes`. */
export const NON_RETRYABLE_ERROR_TYPES: string[] = [
  ...new Set(
    (Object.keys(COMPONENTS) as Component[]).flatMap((component) =>
      (Object.keys(ERROR_KINDS) as ErrorKind[]).filter((kind) => !ERROR_KINDS[kind].retryable).map((kind) => errorTypeName(component, kind)),
    ),
  ),
].sort();
