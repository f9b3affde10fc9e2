import { createNodeActivities, NodeActivityDeps } from './node';
import { createStackCheckActivities } from './stack-check';

/** Every activity the worker registers. Dependencies (driver clients, secret resolvers) are
 * built once by the worker and passed in; activities hold no module-level state. */
export interface ActivityDeps {
  node?: NodeActivityDeps;
}

export function createActivities(deps: ActivityDeps = {}) {
  return {
    ...createStackCheckActivities(),
    ...createNodeActivities(deps.node),
  };
}

export type Activities = ReturnType<typeof createActivities>;
