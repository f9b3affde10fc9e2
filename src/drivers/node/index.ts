import type { NodeDriverConfig } from '../../design/model';
import { CredentialResolutionError, SecretResolver } from '../../secrets/resolver';
import { DriverError } from '../errors';
import type { NodeDriver } from './interface';
import { MaasNodeDriver } from './maas/driver';
import { processSimLedger, SimLedger, SimNodeDriver } from '../sim';
import type { MaasDriverOptions } from './maas/session';

export type { NodeDriver, NodeIdentity, NodeInterrogation, SiteContext } from './interface';
export type { MaasDriverOptions } from './maas/session';

export interface NodeDriverDeps {
  secrets: SecretResolver;
  /** Timing of the MAAS driver (poll interval, timeouts, HTTP retries). */
  maas?: MaasDriverOptions;
  /** State and call counts of the `sim` driver (benchmarks). */
  simLedger?: SimLedger;
}

/**
 * Builds the node driver a Region's `drivers.node` names. Credentials are resolved here, at use,
 * from their references; a reference that cannot be resolved is a non-retryable error naming it.
 */
export function createNodeDriver(config: NodeDriverConfig, deps: NodeDriverDeps): NodeDriver {
  switch (config.type) {
    case 'maas': {
      let apiKey;
      try {
        apiKey = deps.secrets.resolve(config.apiKey, `MAAS API key for ${config.apiUrl}`);
      } catch (err) {
        if (err instanceof CredentialResolutionError) throw new DriverError('maas', 'InvalidRequest', err.message, { target: config.apiUrl });
        throw err;
      }
      return new MaasNodeDriver({ apiUrl: config.apiUrl, apiKey, caBundle: config.caBundle }, deps.maas);
    }
    case 'sim':
      return new SimNodeDriver(deps.simLedger ?? processSimLedger, config);
    default: {
      const type = (config as { type?: unknown }).type;
      throw new DriverError('maas', 'InvalidRequest', `Region drivers.node.type "${String(type)}" is not a node driver this build knows (maas, sim)`);
    }
  }
}
