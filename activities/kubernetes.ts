import type { NodeActivityInput, SiteActivityInput } from '../src/contracts/activities';
import type { SiteContext } from '../src/contracts/site-context';
import type { KubernetesDriverConfig } from '../src/design/model';
import type { ActionOutcome, ServiceCheck } from '../src/drivers/context';
import { DriverError } from '../src/drivers/errors';
import { createKubernetesDriver, type KubernetesDriver } from '../src/drivers/kubernetes';
import type { SecretResolver } from '../src/secrets/resolver';
import type { SimLedger } from '../src/drivers/sim';
import { driverCache, runDriverAction } from './driver-context';

export interface KubernetesActivityDeps {
  secrets: SecretResolver;
  /** Replaces createKubernetesDriver (tests, benchmarks). */
  createDriver?: (config: KubernetesDriverConfig) => KubernetesDriver;
  simLedger?: SimLedger;
}

/** The Kubernetes driver's actions as activities: RelabelNode and ValidateKubernetesServices. */
export function createKubernetesActivities(deps: KubernetesActivityDeps) {
  const driverFor = driverCache<KubernetesDriverConfig, KubernetesDriver>(deps.createDriver ?? ((config) => createKubernetesDriver(config, { secrets: deps.secrets, simLedger: deps.simLedger })));
  const driver = (site: SiteContext): KubernetesDriver => {
    const config = site.region.drivers.kubernetes;
    if (!config) {
      throw new DriverError('kubernetes', 'InvalidRequest', `site ${site.name}: Region ${site.region.name} configures no Kubernetes driver (data.drivers.kubernetes), so node labels cannot be applied`);
    }
    return driverFor(config);
  };
  return {
    validateKubernetesServices: async ({ site }: SiteActivityInput): Promise<ServiceCheck> => runDriverAction((ctx) => driver(site).validateKubernetesServices(ctx)),
    relabelNode: async ({ node, site }: NodeActivityInput): Promise<ActionOutcome> => runDriverAction((ctx) => driver(site).relabelNode(node, ctx)),
  };
}
