import type { NodeActivityInput, SiteActivityInput } from '../src/contracts/activities';
import type { SiteContext } from '../src/contracts/site-context';
import type { NetworkDriverConfig } from '../src/design/model';
import type { ActionOutcome, ServiceCheck } from '../src/drivers/context';
import { DriverError } from '../src/drivers/errors';
import { createNetworkDriver, type NetworkDriver, type PortState } from '../src/drivers/network';
import type { SecretResolver } from '../src/secrets/resolver';
import type { SimLedger } from '../src/drivers/sim';
import { driverCache, runDriverAction } from './driver-context';

export interface NetworkActivityDeps {
  secrets: SecretResolver;
  /** Replaces createNetworkDriver (tests, benchmarks). */
  createDriver?: (config: NetworkDriverConfig) => NetworkDriver;
  simLedger?: SimLedger;
}

/** The network driver's actions as activities: InterrogatePort, ConfigurePortProvisioning,
 * ConfigurePortProduction and ValidateNetworkServices. */
export function createNetworkActivities(deps: NetworkActivityDeps) {
  const driverFor = driverCache<NetworkDriverConfig, NetworkDriver>(deps.createDriver ?? ((config) => createNetworkDriver(config, { secrets: deps.secrets, simLedger: deps.simLedger })));
  const driver = (site: SiteContext): NetworkDriver => {
    const config = site.region.drivers.network;
    if (!config) {
      throw new DriverError('switch', 'InvalidRequest', `site ${site.name}: Region ${site.region.name} configures no network driver (data.drivers.network), so switch ports cannot be configured`);
    }
    return driverFor(config);
  };
  return {
    validateNetworkServices: async ({ site }: SiteActivityInput): Promise<ServiceCheck> => runDriverAction((ctx) => driver(site).validateNetworkServices(site, ctx)),
    interrogatePort: async ({ node, site }: NodeActivityInput): Promise<PortState[]> => runDriverAction((ctx) => driver(site).interrogatePort(node, site, ctx)),
    configurePortProvisioning: async ({ node, site }: NodeActivityInput): Promise<ActionOutcome> => runDriverAction((ctx) => driver(site).configurePortProvisioning(node, site, ctx)),
    configurePortProduction: async ({ node, site }: NodeActivityInput): Promise<ActionOutcome> => runDriverAction((ctx) => driver(site).configurePortProduction(node, site, ctx)),
  };
}
