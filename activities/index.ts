import { createStackCheckActivities } from './stack-check';

/** Every activity the worker registers. Dependencies (driver clients, secret resolvers) are
 * built once by the worker and passed in; activities hold no module-level state. */
export function createActivities() {
  return {
    ...createStackCheckActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;
