/**
 * The activities the workflows call, as types only (workflows never import activity code).
 * `activities/index.ts` must satisfy this interface; a compile-time check there keeps the two
 * in step.
 */
import type { Finding, DesignRef, SiteAction } from '../src/contracts/deployment';
import type { NodeFilterSet, NodeModel } from '../src/design/model';
import type { ActionOutcome, ServiceCheck } from '../src/drivers/context';
import type { PortState } from '../src/drivers/network/interface';
import type { NodeIdentity, NodeInterrogation, SiteContext } from '../src/drivers/node/interface';
import type { BootSettings, OobInterrogation } from '../src/drivers/oob/interface';

export interface NodeInput {
  node: NodeModel;
  site: SiteContext;
}

export interface LoadedDesign {
  siteName: string;
  designHash: string;
  site: SiteContext;
  /** The selected nodes, in order, with their rack (for per-rack limits). */
  nodes: Array<{ name: string; rack?: string }>;
  /** Warnings and infos (errors make loading fail). */
  findings: Finding[];
}

/** Nodes named by reference, for site-level steps that look at every selected node: the activity
 * takes the models from the design (cached per worker) instead of from workflow history. */
export interface NodesRef {
  design: DesignRef;
  designHash: string;
  names: string[];
}

export interface DriverActivities {
  // OOB
  validateOobServices(input: NodeInput): Promise<ServiceCheck>;
  interrogateOob(input: NodeInput): Promise<OobInterrogation>;
  configNodePxe(input: NodeInput): Promise<ActionOutcome>;
  setNodeBoot(input: NodeInput & { boot: BootSettings }): Promise<ActionOutcome>;
  powerCycleNode(input: NodeInput): Promise<ActionOutcome>;
  powerOffNode(input: NodeInput): Promise<ActionOutcome>;
  powerOnNode(input: NodeInput): Promise<ActionOutcome>;
  // Node bootstrapper
  validateNodeServices(input: { site: SiteContext }): Promise<ServiceCheck>;
  createNetworkTemplate(input: { site: SiteContext }): Promise<ActionOutcome>;
  configureUserCredentials(input: { site: SiteContext }): Promise<ActionOutcome>;
  configureNodeProvisioner(input: { site: SiteContext }): Promise<ActionOutcome>;
  createStorageTemplate(input: { site: SiteContext; nodesRef?: NodesRef }): Promise<ActionOutcome>;
  createBootMedia(input: { site: SiteContext; nodesRef?: NodesRef }): Promise<ActionOutcome>;
  prepareHardwareConfig(input: { site: SiteContext }): Promise<ActionOutcome>;
  identifyNode(input: NodeInput): Promise<NodeIdentity>;
  /** Like identifyNode, but a node not yet known fails the attempt (retryable), so the retry
   * policy waits for a power-cycled node to enlist. */
  awaitNodeIdentity(input: NodeInput): Promise<NodeIdentity>;
  configureHardware(input: NodeInput): Promise<ActionOutcome>;
  interrogateNode(input: NodeInput): Promise<NodeInterrogation>;
  applyNodeNetworking(input: NodeInput): Promise<ActionOutcome>;
  applyNodeStorage(input: NodeInput): Promise<ActionOutcome>;
  applyNodePlatform(input: NodeInput): Promise<ActionOutcome>;
  deployNode(input: NodeInput): Promise<ActionOutcome>;
  destroyNode(input: NodeInput): Promise<ActionOutcome>;
  // Network
  validateNetworkServices(input: { site: SiteContext }): Promise<ServiceCheck>;
  interrogatePort(input: NodeInput): Promise<PortState[]>;
  configurePortProvisioning(input: NodeInput): Promise<ActionOutcome>;
  configurePortProduction(input: NodeInput): Promise<ActionOutcome>;
  // Kubernetes
  validateKubernetesServices(input: { site: SiteContext }): Promise<ServiceCheck>;
  relabelNode(input: NodeInput): Promise<ActionOutcome>;
}

export interface OrchestrationActivities {
  /** Reads, compiles and validates the design; fails non-retryably on errors, on a filter that
   * selects no node (when nodes are needed) and on content that does not match the hash. */
  loadSiteDesign(input: { design: DesignRef; filter?: NodeFilterSet; action: SiteAction; needNodes: boolean }): Promise<LoadedDesign>;
  /** The compiled models of the named nodes, from the design with this hash. */
  getNodeModels(input: { design: DesignRef; designHash: string; names: string[] }): Promise<NodeModel[]>;
  /** Who holds a node: the running node workflow's parent, for "node busy" messages. */
  describeNodeHolder(input: { workflowId: string }): Promise<{ workflowId: string; parentWorkflowId?: string; action?: string; startedAt?: string } | undefined>;
}

export type WorkflowActivities = DriverActivities & OrchestrationActivities;
