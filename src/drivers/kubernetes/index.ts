import type { KubernetesDriverConfig } from '../../design/model';
import type { SecretResolver } from '../../secrets/resolver';
import { DriverError } from '../errors';
import type { KubernetesDriver } from './interface';
import { KubernetesApiDriver } from './kubernetes-api';
import { processSimLedger, SimKubernetesDriver, SimLedger } from '../sim';

export type { KubernetesDriver } from './interface';
export { KubernetesApiDriver, MANAGED_LABELS_ANNOTATION, kubernetesNodeName } from './kubernetes-api';

export interface KubernetesDriverDeps {
  secrets: SecretResolver;
  /** Per request; production uses the default (30 s). */
  timeoutMs?: number;
  /** State and call counts of the `sim` driver (benchmarks). */
  simLedger?: SimLedger;
}

/** The Kubernetes driver a site's Region `drivers.kubernetes` names. */
export function createKubernetesDriver(config: KubernetesDriverConfig, deps: KubernetesDriverDeps): KubernetesDriver {
  switch (config.type) {
    case 'kubernetes':
      return new KubernetesApiDriver({ config, secrets: deps.secrets, timeoutMs: deps.timeoutMs });
    case 'sim':
      return new SimKubernetesDriver(deps.simLedger ?? processSimLedger, config);
    default:
      throw new DriverError(
        'kubernetes',
        'Unsupported',
        `Kubernetes driver type "${(config as { type: string }).type}" is not available in this build (Region data.drivers.kubernetes.type); available: kubernetes, sim`,
        { details: { driverType: (config as { type: string }).type } },
      );
  }
}
