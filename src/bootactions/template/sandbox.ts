/**
 * The limits a template runs under, the error it fails with, and the copying of the context into
 * plain template values: what keeps a template away from JavaScript objects and the host.
 */

export class TemplateError extends Error {
  constructor(
    message: string,
    /** 1-based line in the template. */
    readonly line: number,
    readonly kind: 'syntax' | 'render' | 'limit',
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'TemplateError';
  }
}

export interface TemplateLimits {
  /** Evaluation steps: one per expression, statement and loop iteration, plus the work of
   * operations on big values (one per item of a list searched, compared, sorted or filtered, one
   * per 64 characters of a string built). */
  maxSteps: number;
  /** Characters of output, and of any string or list built on the way. */
  maxOutputChars: number;
  /** Nesting of expressions and blocks, parse and render. */
  maxDepth: number;
  /** An optional wall-clock bound, checked every 1024 steps (`now` in ms). */
  timeoutMs?: number;
  now?: () => number;
}

export const DEFAULT_LIMITS: TemplateLimits = { maxSteps: 2_000_000, maxOutputChars: 4 * 1024 * 1024, maxDepth: 100 };

/** Jinja's undefined: prints as the empty string, but reading from it is an error; `hint` names what was missing. */
export class Undefined {
  constructor(readonly hint: string) {}
}
export type Value = string | number | boolean | null | Undefined | Value[] | Map<string, Value>;

/** Copies plain data into template values; anything else (functions, class instances) is left out. */
export function toValue(data: unknown, depth = 0): Value {
  if (depth > 64) throw new TemplateError('the template context is nested too deeply', 0, 'limit');
  if (data === null) return null;
  if (data === undefined) return new Undefined('value');
  switch (typeof data) {
    case 'string':
    case 'boolean':
      return data;
    case 'number':
      return Number.isFinite(data) ? data : null;
    case 'object': {
      if (Array.isArray(data)) return data.map((d) => toValue(d, depth + 1));
      const proto: unknown = Object.getPrototypeOf(data);
      if (proto !== Object.prototype && proto !== null) return new Undefined('object');
      const m = new Map<string, Value>();
      for (const k of Object.keys(data)) m.set(k, toValue((data as Record<string, unknown>)[k], depth + 1));
      return m;
    }
    default:
      return new Undefined(typeof data);
  }
}
