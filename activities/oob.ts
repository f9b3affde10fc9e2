import type { NodeActivityInput, SetNodeBootInput } from '../src/contracts/activities';
import type { NodeModel } from '../src/design/model';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../src/drivers/context';
import { createOobDriver, OobDriverDeps, oobTargetFromNode } from '../src/drivers/oob';
import type { OobDriver, OobInterrogation, OobTarget } from '../src/drivers/oob/interface';
import { SecretResolver } from '../src/secrets/resolver';
import { type BuildDataSink, storeBuildData, taskIdOf } from './build-data';
import { driverCache, runDriverAction } from './driver-context';

export interface OobActivityDeps {
  /** Resolves the credential references of the node models; default: the worker's environment
   * and DRYDOCK_SECRETS_FILE. */
  secrets?: SecretResolver;
  /** What the OOB drivers share (BMC locks, ipmitool path, sim ledger); default: the process's. */
  driverDeps?: OobDriverDeps;
  /** Replaces createOobDriver (tests): the driver for an `oob.type` (`node` is for messages). */
  createDriver?: (type: string, node: string) => OobDriver;
  /** Where InterrogateOob results are kept as build data (none: not kept). */
  buildData?: BuildDataSink;
}

/**
 * One activity per OOB action, on a NodeActivityInput of which only the node counts (its `oob`
 * section holds type, address, port, account, credential *reference* and params). Each resolves the node's BMC credential, picks the driver for
 * `oob.type`, and runs the action with heartbeats, cancellation and the error taxonomy mapped
 * onto ApplicationFailure types (see docs/oob-drivers.md). Activity options belong to the
 * workflow; power actions poll, so give them a heartbeatTimeout.
 */
export function createOobActivities(deps: OobActivityDeps = {}) {
  const secrets = deps.secrets ?? new SecretResolver();
  // OOB drivers hold no per-node state (each call gets its OobTarget), so one per type serves every node.
  const driverFor = driverCache<string, OobDriver, [string]>(deps.createDriver ?? ((type, node) => createOobDriver(type, deps.driverDeps, node)));
  const run = <T>(node: NodeModel, action: (driver: OobDriver, target: OobTarget, ctx: ActionContext) => Promise<T>): Promise<T> =>
    runDriverAction(async (ctx) => {
      const target = oobTargetFromNode(node, secrets);
      const driver = driverFor(target.type, node.name);
      return action(driver, target, ctx);
    });

  return {
    async validateOobServices({ node }: NodeActivityInput): Promise<ServiceCheck> {
      return run(node, (driver, target, ctx) => driver.validateOobServices(target, ctx));
    },
    async configNodePxe({ node }: NodeActivityInput): Promise<ActionOutcome> {
      return run(node, (driver, target, ctx) => driver.configNodePxe(target, ctx));
    },
    async setNodeBoot({ node, boot }: SetNodeBootInput): Promise<ActionOutcome> {
      return run(node, (driver, target, ctx) => driver.setNodeBoot(target, boot, ctx));
    },
    async powerOffNode({ node }: NodeActivityInput): Promise<ActionOutcome> {
      return run(node, (driver, target, ctx) => driver.powerOffNode(target, ctx));
    },
    async powerOnNode({ node }: NodeActivityInput): Promise<ActionOutcome> {
      return run(node, (driver, target, ctx) => driver.powerOnNode(target, ctx));
    },
    async powerCycleNode({ node }: NodeActivityInput): Promise<ActionOutcome> {
      return run(node, (driver, target, ctx) => driver.powerCycleNode(target, ctx));
    },
    async interrogateOob({ node, taskId }: NodeActivityInput): Promise<OobInterrogation> {
      const state = await run(node, (driver, target, ctx) => driver.interrogateOob(target, ctx));
      // Small (power, boot, identity): the workflow keeps it, and the store keeps it as build data.
      if (deps.buildData) await storeBuildData(deps.buildData, { node: node.name, taskId: taskIdOf(taskId, node.name), generator: 'InterrogateOob', dataFormat: 'application/json', data: JSON.stringify(state) });
      return state;
    },
  };
}

export type OobActivities = ReturnType<typeof createOobActivities>;
