import type { NetworkDriverConfig } from '../../design/model';
import type { SecretResolver } from '../../secrets/resolver';
import { DriverError } from '../errors';
import type { KeyedMutex } from '../keyed-mutex';
import type { NetworkDriver } from './interface';
import { LinuxBridgeNetworkDriver } from './linux-bridge/driver';
import { processSimLedger, SimLedger, SimNetworkDriver } from '../sim';

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

/** The network driver a site's Region `drivers.network` names. */
export function createNetworkDriver(config: NetworkDriverConfig, deps: NetworkDriverDeps): NetworkDriver {
  switch (config.type) {
    case 'linux-bridge':
      return new LinuxBridgeNetworkDriver({ secrets: deps.secrets, connectTimeoutMs: deps.connectTimeoutMs, commandTimeoutMs: deps.commandTimeoutMs, mutex: deps.mutex });
    case 'sim':
      return new SimNetworkDriver(deps.simLedger ?? processSimLedger, config);
    default:
      throw new DriverError(
        'switch',
        'Unsupported',
        `network driver type "${(config as { type: string }).type}" is not available in this build (Region data.drivers.network.type); available: linux-bridge, sim`,
        { details: { driverType: (config as { type: string }).type } },
      );
  }
}
