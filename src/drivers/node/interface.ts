import type { CompiledSite, NodeModel } from '../../design/model';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';

/** The site-level part of a compiled design that node-level actions need (everything but the
 * node list, which would make every activity input as large as the site). */
export type SiteContext = Omit<CompiledSite, 'nodes'>;

export interface NodeIdentity {
  /** false: the bootstrapper does not know the machine yet (it has not PXE-booted). */
  found: boolean;
  /** The bootstrapper's id (MAAS system_id). */
  machineId?: string;
  /** The bootstrapper's status name (MAAS status_name: New, Ready, Deployed, ...). */
  status?: string;
  /** How it was matched: hostname, bmc-address or boot-mac. */
  matchedBy?: 'hostname' | 'bmc-address' | 'boot-mac';
}

export interface NodeInterrogation {
  identity: NodeIdentity;
  details: Record<string, unknown>;
}

/**
 * Node bootstrapper driver (MAAS first): Drydock's node actions. Apply actions are declarative
 * (read, diff, change only what differs) so a re-run after a crash duplicates nothing. Long
 * actions (ConfigureHardware = commissioning, DeployNode) heartbeat and resume from
 * ctx.resumeFrom. Errors are DriverError (component 'maas' for the MAAS driver).
 */
export interface NodeDriver {
  readonly type: string;
  validateNodeServices(ctx: ActionContext): Promise<ServiceCheck>;
  /** Site: fabrics, VLANs, subnets, IP ranges, static routes, DNS domains. */
  createNetworkTemplate(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /** Site: the region's authorized SSH keys. */
  configureUserCredentials(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /** Site: package repositories and provisioner settings. */
  configureNodeProvisioner(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /** Site: storage layout defaults the bootstrapper needs before per-node storage is applied.
   * `nodes` (optional): the nodes whose storage designs are checked up front. */
  createStorageTemplate(site: SiteContext, nodes: NodeModel[], ctx: ActionContext): Promise<ActionOutcome>;
  /** Site: ensure the boot resources (images, kernels) the nodes' platforms need are imported. */
  createBootMedia(site: SiteContext, nodes: NodeModel[], ctx: ActionContext): Promise<ActionOutcome>;
  /** Site: hardware tags (region tag definitions) used for hardware configuration. */
  prepareHardwareConfig(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /** Find the node's machine by hostname, BMC address or boot MAC. */
  identifyNode(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<NodeIdentity>;
  /** Commission the machine (until Ready), unless it already is. */
  configureHardware(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  interrogateNode(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<NodeInterrogation>;
  applyNodeNetworking(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  applyNodeStorage(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /** Kernel parameters (as tags), image and kernel selection. */
  applyNodePlatform(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /** Allocate and deploy (until Deployed), unless already deployed. */
  deployNode(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /** Release with disk erase (until Ready), unless already released. */
  destroyNode(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
}
