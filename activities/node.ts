import { ApplicationFailure } from '@temporalio/common';
import type { NodeActivityInput, NodesRef, SiteActivityInput } from '../src/contracts/activities';
import { WORKFLOW_FAILURES } from '../src/contracts/deployment';
import type { SiteContext } from '../src/contracts/site-context';
import type { NodeDriverConfig, NodeModel } from '../src/design/model';
import { DriverError } from '../src/drivers/errors';
import { createNodeDriver, MaasDriverOptions, NodeDriver } from '../src/drivers/node';
import { SecretResolver } from '../src/secrets/resolver';
import type { SimLedger } from '../src/drivers/sim';
import { driverCache, runDriverAction } from './driver-context';
import { Context } from '@temporalio/activity';
import { dirname, isAbsolute, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prepareNodeBootActions } from '../src/bootactions/delivery';
import type { BootActionStore } from '../src/bootactions/store';
import type { BootActionRef } from '../src/contracts/bootactions';
import { type BuildDataSink, storeBuildData, taskIdOf } from './build-data';

export interface NodeActivityDeps {
  secrets?: SecretResolver;
  /** Driver timing (tests use short poll intervals). */
  maas?: MaasDriverOptions;
  /** Replaces createNodeDriver (tests). */
  createDriver?: (config: NodeDriverConfig) => NodeDriver;
  /** Resolves `nodesRef` inputs (the worker's design cache). */
  resolveNodes?: (ref: NodesRef) => Promise<NodeModel[]>;
  simLedger?: SimLedger;
  /** Boot actions (issue 16): where DeployNode stores each node's keys and actions, and the API the node reaches. */
  bootActions?: BootActionDeliveryDeps;
  /** Where commissioning lshw and InterrogateNode results are kept (none: not kept). */
  buildData?: BuildDataSink;
}

export interface BootActionDeliveryDeps {
  store: BootActionStore;
  /** The API base the node reaches, e.g. `http://10.0.0.1:9000/api/v1.0`. */
  apiUrl: string;
  /** The design reference the API renders the node's assets from (default: designRefOf). */
  designRef?: (node: NodeModel, site: SiteContext) => string;
}

/**
 * The Drydock design reference of a compiled design read from files: the file holding both the
 * Region and the node, or the folder holding both (the API reads it under its --design-root).
 */
export function designRefOf(node: NodeModel, site: SiteContext): string {
  const files = [site.region.source?.file, node.source?.file].filter((f): f is string => typeof f === 'string' && isAbsolute(f));
  const [region, own] = files;
  if (!region || !own) return `design:${site.name}`;
  if (region === own) return pathToFileURL(region).href;
  let dir = dirname(region);
  while (!files.every((f) => f.startsWith(dir.endsWith(sep) ? dir : dir + sep)) && dirname(dir) !== dir) dir = dirname(dir);
  return pathToFileURL(dir).href;
}

/**
 * One activity per node-driver action (Drydock's node actions). Inputs carry the site context
 * (with credential references only) and the node (NodeActivityInput) or, for site-level steps,
 * the selected nodes by reference (SiteActivityInput); the driver is built from the Region's
 * `drivers.node` on first use and cached per configuration.
 */
export function createNodeActivities(deps: NodeActivityDeps = {}) {
  const secrets = deps.secrets ?? new SecretResolver();
  const driverOf = driverCache<NodeDriverConfig, NodeDriver>(deps.createDriver ?? ((config) => createNodeDriver(config, { secrets, maas: deps.maas, simLedger: deps.simLedger })));
  const nodesOf = async (input: SiteActivityInput): Promise<NodeModel[]> => {
    if (!input.nodesRef) return [];
    if (!deps.resolveNodes) throw new DriverError('maas', 'InvalidRequest', 'this worker cannot resolve nodes by reference (no design cache)');
    return deps.resolveNodes(input.nodesRef);
  };
  const driverFor = (site: SiteContext): NodeDriver => {
    const config = site.region.drivers.node;
    if (!config) {
      throw new DriverError('maas', 'InvalidRequest', `Region ${site.region.name} configures no node driver (data.drivers.node); node actions cannot run`, { target: site.region.name });
    }
    return driverOf(config);
  };
  return {
    validateNodeServices: (input: SiteActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).validateNodeServices(ctx)),
    createNetworkTemplate: (input: SiteActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).createNetworkTemplate(input.site, ctx)),
    configureUserCredentials: (input: SiteActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).configureUserCredentials(input.site, ctx)),
    configureNodeProvisioner: (input: SiteActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).configureNodeProvisioner(input.site, ctx)),
    createStorageTemplate: (input: SiteActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).createStorageTemplate(input.site, await nodesOf(input), ctx)),
    createBootMedia: (input: SiteActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).createBootMedia(input.site, await nodesOf(input), ctx)),
    prepareHardwareConfig: (input: SiteActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).prepareHardwareConfig(input.site, ctx)),
    /** CheckExists: whether the bootstrapper knows the node; `found: false` is an answer. */
    checkExists: ({ node, site }: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(site).identifyNode(node, site, ctx)),
    /** IdentifyNode after a PXE power cycle: a machine that has not enlisted yet fails the attempt
     * (retryable NodeNotYetKnown), so the activity's retry policy does the waiting. */
    identifyNode: ({ node, site }: NodeActivityInput) =>
      runDriverAction(async (ctx) => {
        const identity = await driverFor(site).identifyNode(node, site, ctx);
        if (!identity.found) {
          throw ApplicationFailure.create({ type: WORKFLOW_FAILURES.nodeNotYetKnown, message: `node ${node.name} has not enlisted with the bootstrapper yet (it should after its PXE boot)`, nonRetryable: false });
        }
        return identity;
      }),
    configureHardware: ({ node, site, taskId }: NodeActivityInput) =>
      runDriverAction(async (ctx) => {
        const driver = driverFor(site);
        const outcome = await driver.configureHardware(node, site, ctx);
        if (!deps.buildData || !driver.commissioningData) return outcome;
        // The commissioning results (lshw) go to the store; the history gets their size.
        const task = taskIdOf(taskId, node.name);
        const refs = await Promise.all((await driver.commissioningData(node, site, ctx)).map((d) => storeBuildData(deps.buildData!, { node: node.name, taskId: task, generator: d.generator, dataFormat: d.dataFormat, data: d.data })));
        return refs.length ? { ...outcome, details: { ...outcome.details, buildData: refs.map((r) => `${r.generator} (${r.bytes} bytes)`).join(', ') } } : outcome;
      }),
    interrogateNode: ({ node, site, taskId }: NodeActivityInput) =>
      runDriverAction(async (ctx) => {
        const found = await driverFor(site).interrogateNode(node, site, ctx);
        if (!deps.buildData) return found;
        const ref = await storeBuildData(deps.buildData, { node: node.name, taskId: taskIdOf(taskId, node.name), generator: 'InterrogateNode', dataFormat: 'application/json', data: JSON.stringify(found) });
        return { identity: found.identity, details: { buildData: [ref] } };
      }),
    applyNodeNetworking: ({ node, site }: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(site).applyNodeNetworking(node, site, ctx)),
    applyNodeStorage: ({ node, site }: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(site).applyNodeStorage(node, site, ctx)),
    applyNodePlatform: ({ node, site }: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(site).applyNodePlatform(node, site, ctx)),
    deployNode: ({ node, site, taskId }: NodeActivityInput) =>
      runDriverAction(async (ctx) => {
        const delivery = deps.bootActions;
        if (!delivery || node.bootActions.length === 0) return driverFor(site).deployNode(node, site, ctx);
        const task = taskId ?? Context.current().info.workflowExecution?.workflowId ?? node.name;
        let prepared: BootActionRef[] | undefined;
        // Made only when the deploy is really requested: a retry that finds the machine already
        // deploying keeps the keys the node got.
        const userData = async (): Promise<string | undefined> => {
          const p = await prepareNodeBootActions(delivery.store, { node, site, taskId: task, designRef: (delivery.designRef ?? designRefOf)(node, site), apiUrl: delivery.apiUrl });
          prepared = p.actions;
          return p.userData;
        };
        const outcome = await driverFor(site).deployNode(node, site, ctx, { userData });
        if (!prepared) {
          const current = await delivery.store.getNodeContext(node.name);
          prepared = current?.taskId === task ? (await delivery.store.actionsForNode(node.name, task)).map((r) => ({ actionId: r.actionId, name: r.actionName, signaling: r.signaling })) : [];
        }
        return { ...outcome, bootActions: prepared };
      }),
    destroyNode: ({ node, site }: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(site).destroyNode(node, site, ctx)),
  };
}

export type NodeActivities = ReturnType<typeof createNodeActivities>;
