import { createOobActivities, OobActivityDeps } from './oob';
import { createStackCheckActivities } from './stack-check';

/** Every activity the worker registers. Dependencies (driver clients, secret resolvers) are
 * built once by the worker and passed in; activities hold no module-level state. */
export interface ActivityDeps {
  oob?: OobActivityDeps;
}

export function createActivities(deps: ActivityDeps = {}) {
  return {
    ...createStackCheckActivities(),
    ...createOobActivities(deps.oob),
  };
}

export type Activities = ReturnType<typeof createActivities>;
