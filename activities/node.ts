import type { NodeDriverConfig, NodeModel } from '../src/design/model';
import { DriverError } from '../src/drivers/errors';
import { createNodeDriver, MaasDriverOptions, NodeDriver, SiteContext } from '../src/drivers/node';
import { SecretResolver } from '../src/secrets/resolver';
import { runDriverAction } from './driver-context';

/**
 * One activity per node-driver action (Drydock's node actions). Inputs carry the site context
 * (with credential references only) and the node or nodes; the driver is built from the Region's
 * `drivers.node` on first use and cached per configuration.
 */
export interface NodeActivityInput {
  site: SiteContext;
  node?: NodeModel;
  nodes?: NodeModel[];
}

export interface NodeActivityDeps {
  secrets?: SecretResolver;
  /** Driver timing (tests use short poll intervals). */
  maas?: MaasDriverOptions;
  /** Replaces createNodeDriver (tests). */
  driverFactory?: (config: NodeDriverConfig) => NodeDriver;
}

export function createNodeActivities(deps: NodeActivityDeps = {}) {
  const secrets = deps.secrets ?? new SecretResolver();
  const factory = deps.driverFactory ?? ((config: NodeDriverConfig) => createNodeDriver(config, { secrets, maas: deps.maas }));
  const drivers = new Map<string, NodeDriver>();

  const driverFor = (site: SiteContext): NodeDriver => {
    const config = site.region.drivers.node;
    if (!config) {
      throw new DriverError('maas', 'InvalidRequest', `Region ${site.region.name} configures no node driver (data.drivers.node); node actions cannot run`, { target: site.region.name });
    }
    const key = JSON.stringify(config);
    let driver = drivers.get(key);
    if (!driver) {
      driver = factory(config);
      drivers.set(key, driver);
    }
    return driver;
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
    createStorageTemplate: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).createStorageTemplate(input.site, ctx, input.nodes)),
    createBootMedia: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).createBootMedia(input.site, input.nodes ?? (input.node ? [input.node] : []), ctx)),
    prepareHardwareConfig: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).prepareHardwareConfig(input.site, ctx)),
    identifyNode: (input: NodeActivityInput) => runDriverAction(async (ctx) => driverFor(input.site).identifyNode(nodeOf(input, 'IdentifyNode'), input.site, ctx)),
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
