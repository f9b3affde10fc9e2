import { SecretResolver } from '../src/secrets/resolver';
import { createKubernetesActivities } from './kubernetes';
import { createNetworkActivities } from './network';
import { createOobActivities, OobActivityDeps } from './oob';
import { createStackCheckActivities } from './stack-check';

export interface ActivityDeps {
  /** Resolves credential references inside activities (default: this process's environment and
   * DRYDOCK_SECRETS_FILE). */
  secrets?: SecretResolver;
  oob?: Omit<OobActivityDeps, 'secrets'>;
}

/** Every activity the worker registers. Dependencies (driver clients, secret resolvers) are
 * built once by the worker and passed in; activities hold no module-level state. */
export function createActivities(deps: ActivityDeps = {}) {
  const secrets = deps.secrets ?? new SecretResolver();
  return {
    ...createStackCheckActivities(),
    ...createOobActivities({ ...deps.oob, secrets }),
    ...createNetworkActivities({ secrets }),
    ...createKubernetesActivities({ secrets }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
