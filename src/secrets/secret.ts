import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A resolved credential. It prints, serialises and inspects as `[redacted]`, so a Secret that
 * slips into a log line, an error message, a heartbeat or an activity result leaks nothing.
 * Only `reveal()` gives the value, at the point where a protocol needs it.
 */
export class Secret {
  readonly #value: string;

  constructor(
    value: string,
    /** Where it came from, e.g. `env:BMC_PASSWORD`: safe to print. */
    readonly reference: string,
  ) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${this.reference})`;
  }
}
