import type { Client } from '@temporalio/client';
import type { SimLedger } from '../src/drivers/sim';
import { SecretResolver } from '../src/secrets/resolver';
import type { WorkflowActivities } from '../src/contracts/activities';
import type { StackCheckActivities } from '../src/contracts/stack-check';
import { createBmcLockActivities } from './bmc-lock';
import { createDesignActivities, DesignCache } from './design';
import { createKubernetesActivities, KubernetesActivityDeps } from './kubernetes';
import { createNetworkActivities, NetworkActivityDeps } from './network';
import { createNodeActivities, NodeActivityDeps } from './node';
import { createOobActivities, OobActivityDeps } from './oob';
import { createStackCheckActivities } from './stack-check';

export interface ActivityDeps {
  /** Resolves credential references inside activities (default: this process's environment and
   * DRYDOCK_SECRETS_FILE). */
  secrets?: SecretResolver;
  /** A Temporal client, to name the workflow that holds a busy node. */
  client?: Client;
  /** Shared state and call counts of the `sim` drivers (benchmarks, tests). */
  simLedger?: SimLedger;
  oob?: Omit<OobActivityDeps, 'secrets'>;
  node?: Omit<NodeActivityDeps, 'secrets' | 'resolveNodes' | 'simLedger'>;
  network?: Omit<NetworkActivityDeps, 'secrets' | 'simLedger'>;
  kubernetes?: Omit<KubernetesActivityDeps, 'secrets' | 'simLedger'>;
}

/** Every activity the worker registers. Dependencies (the secret resolver, the design cache,
 * what the drivers share) are built once here and passed in; each adapter builds its drivers
 * from a site's driver configuration on first use and keeps them (driverCache). Activities hold
 * no module-level state. Every adapter takes a `createDriver` to replace its driver factory. */
export function createActivities(deps: ActivityDeps = {}) {
  const secrets = deps.secrets ?? new SecretResolver();
  const designs = new DesignCache();
  const simLedger = deps.simLedger;
  return {
    ...createStackCheckActivities(),
    ...createDesignActivities({ client: deps.client, cache: designs }),
    ...createBmcLockActivities({ client: deps.client }),
    ...createOobActivities({ ...deps.oob, secrets, driverDeps: { ...deps.oob?.driverDeps, simLedger } }),
    ...createNodeActivities({ ...deps.node, secrets, simLedger, resolveNodes: (ref) => designs.nodes(ref) }),
    ...createNetworkActivities({ ...deps.network, secrets, simLedger }),
    ...createKubernetesActivities({ ...deps.kubernetes, secrets, simLedger }),
  };
}

export type Activities = ReturnType<typeof createActivities>;

// Compile-time check: the worker registers every activity the workflows call, with matching types.
type Satisfies<T extends WorkflowActivities & StackCheckActivities> = T;
export type _ActivitiesCoverWorkflows = Satisfies<Activities>;
