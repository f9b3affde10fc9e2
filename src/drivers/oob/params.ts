import { DriverError } from '../errors';
import type { OobTarget } from './interface';

/**
 * Typed reading of a node's `oob.*` parameters (the keys Drydock lets a design add to the oob
 * section). Values may come from YAML as booleans/numbers or as their string spellings
 * ("true", "623"); anything else is an InvalidRequest that names the node and the key.
 * Unknown keys are left alone: a design may carry parameters meant for another driver type.
 */
export class OobParams {
  constructor(private readonly target: Pick<OobTarget, 'node' | 'params' | 'type'>) {}

  private invalid(key: string, expected: string, value: unknown): DriverError {
    return new DriverError('bmc', 'InvalidRequest', `node ${this.target.node}: oob param ${key} must be ${expected} (got ${describe(value)})`, {
      target: this.target.node,
      details: { param: key },
    });
  }

  private raw(key: string): unknown {
    const value = this.target.params[key];
    return value === null ? undefined : value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw this.invalid(key, 'true or false', value);
  }

  integer(key: string, fallback: number, range: { min: number; max: number }): number {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < range.min || n > range.max) throw this.invalid(key, `a whole number from ${range.min} to ${range.max}`, value);
    return n;
  }

  /** A positive number of seconds (fractions allowed), returned in milliseconds. */
  secondsAsMs(key: string, fallbackSeconds: number, range: { min: number; max: number }): number {
    const value = this.raw(key);
    if (value === undefined) return fallbackSeconds * 1000;
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isFinite(n) || n < range.min || n > range.max) throw this.invalid(key, `a number of seconds from ${range.min} to ${range.max}`, value);
    return Math.round(n * 1000);
  }

  string(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string' || value.trim() === '') throw this.invalid(key, 'a non-empty string', value);
    return value.trim();
  }

  choice<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    throw this.invalid(key, `one of ${choices.join(', ')}`, value);
  }
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Settings every BMC driver shares. */
export interface PowerSettings {
  /** How long a power change may take to show before the action fails with BmcTimeout. */
  powerTimeoutMs: number;
  /** Time between two power-state readings while waiting. */
  pollIntervalMs: number;
  /** `off-on`: explicit off, wait, on, wait (verifiable and resumable; the default).
   *  `reset`: one BMC reset command (Redfish ForceRestart/GracefulRestart, IPMI `chassis power cycle`). */
  powerCycle: 'off-on' | 'reset';
}

export function powerSettings(params: OobParams): PowerSettings {
  return {
    powerTimeoutMs: params.secondsAsMs('power_timeout_s', 120, { min: 0.1, max: 3600 }),
    pollIntervalMs: params.integer('poll_interval_ms', 2000, { min: 50, max: 60_000 }),
    powerCycle: params.choice('power_cycle', ['off-on', 'reset'] as const, 'off-on'),
  };
}

/** The key the per-BMC lock and command gap are held under: one BMC, whatever system on it. */
export function bmcKey(target: Pick<OobTarget, 'address' | 'port'>, defaultPort: number): string {
  return `${target.address}:${target.port ?? defaultPort}`;
}

/** Fails with InvalidRequest when the design gives the BMC no address. */
export function requireAddress(target: OobTarget): string {
  if (!target.address || target.address.trim() === '') {
    throw new DriverError('bmc', 'InvalidRequest', `node ${target.node}: oob.address is not set; a ${target.type} BMC needs an address (the node's address on the oob network, or oob.address)`, {
      target: target.node,
    });
  }
  return target.address;
}
