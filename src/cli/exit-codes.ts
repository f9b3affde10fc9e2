/** Exit codes every `drydock` command keeps to, so scripts can tell outcomes apart. */
export const EXIT = {
  ok: 0,
  /** The operation failed or only partly succeeded; validation found errors. */
  failure: 1,
  /** Bad input: unreadable or invalid files, unknown options, bad values. */
  badInput: 2,
  /** Temporal (or another required service) cannot be reached. */
  unreachable: 3,
} as const;

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
