import type { KubernetesDriverConfig } from '../../design/model';
import type { SecretResolver } from '../../secrets/resolver';
import { driverFromRegistry, type DriverRegistry } from '../registry';
import { processSimLedger, type SimLedger } from '../sim/ledger';
import type { KubernetesDriver } from './interface';
import { KubernetesApiDriver } from './kubernetes-api';
import { SimKubernetesDriver } from './sim';

export type { KubernetesDriver } from './interface';
export { KubernetesApiDriver, MANAGED_LABELS_ANNOTATION, kubernetesNodeName } from './kubernetes-api';

export interface KubernetesDriverDeps {
  secrets: SecretResolver;
  /** Per request; production uses the default (30 s). */
  timeoutMs?: number;
  /** State and call counts of the `sim` driver (benchmarks). */
  simLedger?: SimLedger;
}

/** Driver per Region `drivers.kubernetes.type`. */
export const kubernetesDriverRegistry: DriverRegistry<KubernetesDriverConfig, KubernetesDriverDeps, KubernetesDriver> = {
  kubernetes: (config, deps) => new KubernetesApiDriver({ config: config, secrets: deps.secrets, timeoutMs: deps.timeoutMs }),
  sim: (config, deps) => new SimKubernetesDriver(deps.simLedger ?? processSimLedger, config),
};

/** The Kubernetes driver a site's Region `drivers.kubernetes` names; an unknown type is an InvalidRequest. */
export function createKubernetesDriver(config: KubernetesDriverConfig, deps: KubernetesDriverDeps): KubernetesDriver {
  const factory = driverFromRegistry(kubernetesDriverRegistry, String(config.type), {
    component: 'kubernetes',
    message: (type, available) => `Kubernetes driver type "${type}" is not available in this build (Region data.drivers.kubernetes.type); available: ${available.join(', ')}`,
  });
  return factory(config, deps);
}
