import { ApplicationFailure } from '@temporalio/common';
import type { NodeDriverConfig, NodeModel } from '../src/design/model';
import { DriverError } from '../src/drivers/errors';
import { createNodeDriver, MaasDriverOptions, NodeDriver, SiteContext } from '../src/drivers/node';
import { SecretResolver } from '../src/secrets/resolver';
import type { SimLedger } from '../src/drivers/sim';
import type { NodesRef } from '../workflows/activity-types';
import { driverCache, runDriverAction } from './driver-context';

/**
 * One activity per node-driver action (Drydock's node actions). Inputs carry the site context
 * (with credential references only) and the node or nodes; the driver is built from the Region's
 * `drivers.node` on first use and cached per configuration.
 */
export interface NodeActivityInput {
  site: SiteContext;
  node?: NodeModel;
  nodes?: NodeModel[];
  /** Nodes by reference (site-level steps over every selected node). */
  nodesRef?: NodesRef;
}

export interface NodeActivityDeps {
  secrets?: SecretResolver;
  /** Driver timing (tests use short poll intervals). */
  maas?: MaasDriverOptions;
  /** Replaces createNodeDriver (tests). */
  createDriver?: (config: NodeDriverConfig) => NodeDriver;
  /** Resolves `nodesRef` inputs (the worker's design cache). */
  resolveNodes?: (ref: NodesRef) => Promise<NodeModel[]>;
  simLedger?: SimLedger;
}

export function createNodeActivities(deps: NodeActivityDeps = {}) {
  const secrets = deps.secrets ?? new SecretResolver();
  const driverOf = driverCache<NodeDriverConfig, NodeDriver>(deps.createDriver ?? ((config) => createNodeDriver(config, { secrets, maas: deps.maas, simLedger: deps.simLedger })));
  const nodesOf = async (input: NodeActivityInput): Promise<NodeModel[]> => {
    if (input.nodes) return input.nodes;
    if (input.nodesRef) {
      if (!deps.resolveNodes) throw new DriverError('maas', 'InvalidRequest', 'this worker cannot resolve nodes by reference (no design cache)');
      return deps.resolveNodes(input.nodesRef);
    }
    return input.node ? [input.node] : [];
  };
  const driverFor = (site: SiteContext): NodeDriver => {
    const config = site.region.drivers.node;
    if (!config) {
      throw new DriverError('maas', 'InvalidRequest', `Region ${site.region.name} configures no node driver (data.drivers.node); node actions cannot run`, { target: site.region.name });
    }
    return driverOf(config);
  };
  const nodeOf = (input: NodeActivityInput, action: string): NodeModel => {
    if (!input.node) throw new DriverError('maas', 'InvalidRequest', `${action} needs a node in its input`);
    return input.node;
  };
  return {
    validateNodeServices: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).validateNodeServices(ctx)),
    createNetworkTemplate: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).createNetworkTemplate(input.site, ctx)),
    configureUserCredentials: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).configureUserCredentials(input.site, ctx)),
    configureNodeProvisioner: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).configureNodeProvisioner(input.site, ctx)),
    createStorageTemplate: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).createStorageTemplate(input.site, await nodesOf(input), ctx)),
    createBootMedia: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).createBootMedia(input.site, await nodesOf(input), ctx)),
    prepareHardwareConfig: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).prepareHardwareConfig(input.site, ctx)),
    identifyNode: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).identifyNode(nodeOf(input, 'IdentifyNode'), input.site, ctx)),
    /** IdentifyNode after a PXE power cycle: a machine that has not enlisted yet fails the attempt
     * (retryable NodeNotYetKnown), so the activity's retry policy does the waiting. */
    awaitNodeIdentity: (input: NodeActivityInput) =>
      runDriverAction(async (ctx) => {
        const node = nodeOf(input, 'IdentifyNode');
        const identity = await driverFor(input.site).identifyNode(node, input.site, ctx);
        if (!identity.found) {
          throw ApplicationFailure.create({ type: 'NodeNotYetKnown', message: `node ${node.name} has not enlisted with the bootstrapper yet (it should after its PXE boot)`, nonRetryable: false });
        }
        return identity;
      }),
    configureHardware: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).configureHardware(nodeOf(input, 'ConfigureHardware'), input.site, ctx)),
    interrogateNode: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).interrogateNode(nodeOf(input, 'InterrogateNode'), input.site, ctx)),
    applyNodeNetworking: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).applyNodeNetworking(nodeOf(input, 'ApplyNodeNetworking'), input.site, ctx)),
    applyNodeStorage: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).applyNodeStorage(nodeOf(input, 'ApplyNodeStorage'), input.site, ctx)),
    applyNodePlatform: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).applyNodePlatform(nodeOf(input, 'ApplyNodePlatform'), input.site, ctx)),
    deployNode: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).deployNode(nodeOf(input, 'DeployNode'), input.site, ctx)),
    destroyNode: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).destroyNode(nodeOf(input, 'DestroyNode'), input.site, ctx)),
  };
}

export type NodeActivities = ReturnType<typeof createNodeActivities>;
