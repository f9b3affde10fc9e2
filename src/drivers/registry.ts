import { type Component, DriverError } from './errors';

/**
 * A declarative list of the implementations of one driver kind, by the `type` a design names
 * (after Ironic's hardware types): `{ redfish: (deps) => new RedfishDriver(...), ... }`.
 */
export type DriverRegistry<Config extends { type: string }, Deps, Driver> = {
  readonly [T in Config['type']]: (config: Extract<Config, { type: T }>, deps: Deps) => Driver;
};

export interface UnknownTypeDescription {
  component: Component;
  /** The whole message, given the unknown type and the available ones (sorted). */
  message: (type: string, available: string[]) => string;
  target?: string;
  details?: Record<string, string | number | boolean | null>;
}

/**
 * The implementation a registry lists for `type`. An unknown type is an `InvalidRequest`, for
 * every kind: the design names a type this build has no driver for, which no retry and no
 * other service can fix; it is the design (or the build) that must change. `Unsupported` stays
 * for what a reachable service says it cannot do, so the two answers do not blur. Only own
 * keys count (`constructor` is no driver type).
 */
export function driverFromRegistry<Config extends { type: string }, Deps, Driver>(registry: DriverRegistry<Config, Deps, Driver>, type: string, describe: UnknownTypeDescription): (config: Config, deps: Deps) => Driver {
  // The registry is keyed by the discriminant, so the factory found under `type` accepts exactly
  // the configs of that type; TypeScript cannot follow a runtime key, hence the one widening.
  const factories = registry as unknown as Record<string, ((config: Config, deps: Deps) => Driver) | undefined>;
  const factory = Object.hasOwn(factories, type) ? factories[type] : undefined;
  if (!factory) {
    throw new DriverError(describe.component, 'InvalidRequest', describe.message(type, Object.keys(registry).sort()), {
      target: describe.target,
      details: { driverType: type, ...describe.details },
    });
  }
  return factory;
}
