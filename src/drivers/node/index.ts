import type { NodeDriverConfig } from '../../design/model';
import { CredentialResolutionError, SecretResolver } from '../../secrets/resolver';
import { DriverError } from '../errors';
import { driverFromRegistry, type DriverRegistry } from '../registry';
import { processSimLedger, type SimLedger } from '../sim/ledger';
import type { NodeDriver } from './interface';
import { MaasNodeDriver } from './maas/driver';
import type { MaasDriverOptions } from './maas/session';
import { SimNodeDriver } from './sim';

export type { DeployOptions, NodeDriver, NodeIdentity, NodeInterrogation, SiteContext } from './interface';
export type { MaasDriverOptions } from './maas/session';

export interface NodeDriverDeps {
  secrets: SecretResolver;
  /** Timing of the MAAS driver (poll interval, timeouts, HTTP retries). */
  maas?: MaasDriverOptions;
  /** State and call counts of the `sim` driver (benchmarks). */
  simLedger?: SimLedger;
}

/**
 * Driver per Region `drivers.node.type`. Credentials are resolved here, at use, from their
 * references; a reference that cannot be resolved is a non-retryable error naming it.
 */
export const nodeDriverRegistry: DriverRegistry<NodeDriverConfig, NodeDriverDeps, NodeDriver> = {
  maas: (config, deps) => {
    let apiKey;
    try {
      apiKey = deps.secrets.resolve(config.apiKey, `MAAS API key for ${config.apiUrl}`);
    } catch (err) {
      if (err instanceof CredentialResolutionError) throw new DriverError('maas', 'InvalidRequest', err.message, { target: config.apiUrl });
      throw err;
    }
    return new MaasNodeDriver({ apiUrl: config.apiUrl, apiKey, caBundle: config.caBundle }, deps.maas);
  },
  sim: (config, deps) => new SimNodeDriver(deps.simLedger ?? processSimLedger, config),
};

/** The node driver a site's Region `drivers.node` names; an unknown type is an InvalidRequest. */
export function createNodeDriver(config: NodeDriverConfig, deps: NodeDriverDeps): NodeDriver {
  const factory = driverFromRegistry(nodeDriverRegistry, String(config.type), {
    component: 'maas',
    message: (type, available) => `Region drivers.node.type "${type}" is not a node driver this build knows (${available.join(', ')})`,
  });
  return factory(config, deps);
}
