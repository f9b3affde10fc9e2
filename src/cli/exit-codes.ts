import { ERROR_KINDS, type DriverError, type ErrorKind } from '../drivers/errors';

/**
 * Exit codes every `drydock` command keeps to, so scripts can tell outcomes apart. The README's
 * "Exit codes" paragraph and `drydock --help` list the same values.
 */
export const EXIT = {
  ok: 0,
  /** The operation failed or only partly succeeded; validation found errors. */
  failure: 1,
  /** Bad input: unreadable or invalid files, unknown options, bad values, an unknown run. */
  badInput: 2,
  /** Temporal (or another required service) cannot be reached, or no worker serves the run. */
  unreachable: 3,
  /** Nothing failed, but not everything asked was done: some nodes were skipped (e.g. held by
   * another run). A script must not take this for success. */
  incomplete: 4,
} as const;

/** One line per code, for `--help` texts. */
export const EXIT_CODES_HELP =
  'Exit codes: 0 done; 1 failed or partly done; 2 bad input (design, option, filter, unknown run or name); ' +
  '3 Temporal or another service unreachable (or no worker polling the task queue); 4 nothing failed but some nodes were skipped.';

/**
 * The one mapping from a driver error kind to an exit code, used by every command.
 *   - the request or a thing the design names is wrong (InvalidRequest, NotFound): bad input, 2;
 *   - the service cannot be reached or did not answer (Unreachable, Timeout): 3;
 *   - the service answered and refused or failed (AuthFailed, Busy, Unsupported,
 *     OperationFailed): 1. Busy is a reachable service declining for now; AuthFailed is the
 *     service's verdict on a credential, which the input alone cannot show.
 */
export const EXIT_FOR_KIND: Readonly<Record<ErrorKind, number>> = {
  Unreachable: EXIT.unreachable,
  Timeout: EXIT.unreachable,
  Busy: EXIT.failure,
  AuthFailed: EXIT.failure,
  Unsupported: EXIT.failure,
  InvalidRequest: EXIT.badInput,
  NotFound: EXIT.badInput,
  OperationFailed: EXIT.failure,
};

/** The exit code for a driver error (see EXIT_FOR_KIND). */
export function exitCodeForDriverError(err: Pick<DriverError, 'kind'>): number {
  return EXIT_FOR_KIND[err.kind];
}

/** Every error kind the taxonomy defines, from its own list (for checks that none is missed). */
export const DRIVER_ERROR_KINDS = Object.keys(ERROR_KINDS) as ErrorKind[];

/** Thrown by commands to end with a given exit code and a message for the operator. */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliExit';
  }
}
