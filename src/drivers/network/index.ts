import type { NetworkDriverConfig } from '../../design/model';
import type { SecretResolver } from '../../secrets/resolver';
import type { KeyedMutex } from '../keyed-mutex';
import { driverFromRegistry, type DriverRegistry } from '../registry';
import { processSimLedger, type SimLedger } from '../sim/ledger';
import type { NetworkDriver } from './interface';
import { LinuxBridgeNetworkDriver } from './linux-bridge/driver';
import { SimNetworkDriver } from './sim';

export type { NetworkDriver, PortState } from './interface';
export { LinuxBridgeNetworkDriver } from './linux-bridge/driver';

export interface NetworkDriverDeps {
  secrets: SecretResolver;
  /** Overrides for tests and the CLI; production uses the defaults. */
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  mutex?: KeyedMutex;
  /** State and call counts of the `sim` driver (benchmarks). */
  simLedger?: SimLedger;
}

/** Driver per Region `drivers.network.type`. */
export const networkDriverRegistry: DriverRegistry<NetworkDriverConfig, NetworkDriverDeps, NetworkDriver> = {
  'linux-bridge': (_config, deps) => new LinuxBridgeNetworkDriver({ secrets: deps.secrets, connectTimeoutMs: deps.connectTimeoutMs, commandTimeoutMs: deps.commandTimeoutMs, mutex: deps.mutex }),
  sim: (config, deps) => new SimNetworkDriver(deps.simLedger ?? processSimLedger, config),
};

/** The network driver a site's Region `drivers.network` names; an unknown type is an InvalidRequest. */
export function createNetworkDriver(config: NetworkDriverConfig, deps: NetworkDriverDeps): NetworkDriver {
  const factory = driverFromRegistry(networkDriverRegistry, String(config.type), {
    component: 'switch',
    message: (type, available) => `network driver type "${type}" is not available in this build (Region data.drivers.network.type); available: ${available.join(', ')}`,
  });
  return factory(config, deps);
}
