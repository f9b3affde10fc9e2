/**
 * The activity contract: every activity the workflows call, with its one input type per kind
 * (node, site), as types only. Workflows proxy it (`proxyActivities<WorkflowActivities>`), and
 * `activities/index.ts` must satisfy it (a compile-time check there keeps the two in step).
 */
import type { DesignRef, Finding, SiteAction } from './deployment';
import type { NodeFilterSet, NodeModel } from '../design/model';
import type { ActionOutcome, BootSettings, NodeIdentity, NodeInterrogation, OobInterrogation, PortState, ServiceCheck } from './driver-results';
import type { SelectedNodes } from './selected-nodes';
import type { SiteContext } from './site-context';

/** The input of every node activity (OOB, bootstrapper, network, Kubernetes): the compiled node
 * (credential *references* only) and the site context it is acted on in. */
export interface NodeActivityInput {
  node: NodeModel;
  site: SiteContext;
  /** DeployNode: the deployment (site workflow id, Drydock's task id) its boot actions belong to. */
  taskId?: string;
}

export interface SetNodeBootInput extends NodeActivityInput {
  boot: BootSettings;
}

/** The input of every site-level activity (the Validate*Services checks and PrepareSite's and
 * PrepareNodes' site steps). Not to be confused with `SiteActionInput`, a site workflow's input. */
export interface SiteActivityInput {
  site: SiteContext;
  /** The selected nodes, for the steps that look at every one of them. */
  nodesRef?: NodesRef;
}

export interface LoadedDesign {
  siteName: string;
  designHash: string;
  site: SiteContext;
  /** The selected nodes, in order, with their rack (for per-rack limits), packed
   * (selected-nodes.ts); read them with unpackSelectedNodes. */
  selected?: SelectedNodes;
  /** The same as one object per node: only in results recorded before `selected`. */
  nodes?: Array<{ name: string; rack?: string }>;
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

export interface LoadSiteDesignInput {
  design: DesignRef;
  filter?: NodeFilterSet;
  action: SiteAction;
  needNodes: boolean;
}

export interface NodeHolder {
  workflowId: string;
  parentWorkflowId?: string;
  action?: string;
  startedAt?: string;
}

export interface DriverActivities {
  // OOB
  validateOobServices(input: NodeActivityInput): Promise<ServiceCheck>;
  interrogateOob(input: NodeActivityInput): Promise<OobInterrogation>;
  configNodePxe(input: NodeActivityInput): Promise<ActionOutcome>;
  setNodeBoot(input: SetNodeBootInput): Promise<ActionOutcome>;
  powerCycleNode(input: NodeActivityInput): Promise<ActionOutcome>;
  powerOffNode(input: NodeActivityInput): Promise<ActionOutcome>;
  powerOnNode(input: NodeActivityInput): Promise<ActionOutcome>;
  // Node bootstrapper
  validateNodeServices(input: SiteActivityInput): Promise<ServiceCheck>;
  createNetworkTemplate(input: SiteActivityInput): Promise<ActionOutcome>;
  configureUserCredentials(input: SiteActivityInput): Promise<ActionOutcome>;
  configureNodeProvisioner(input: SiteActivityInput): Promise<ActionOutcome>;
  createStorageTemplate(input: SiteActivityInput): Promise<ActionOutcome>;
  createBootMedia(input: SiteActivityInput): Promise<ActionOutcome>;
  prepareHardwareConfig(input: SiteActivityInput): Promise<ActionOutcome>;
  /** CheckExists: does the bootstrapper know the node already? `found: false` is an answer. */
  checkExists(input: NodeActivityInput): Promise<NodeIdentity>;
  /** IdentifyNode: like checkExists, but a node not yet known fails the attempt (retryable
   * NodeNotYetKnown), so the retry policy waits for a power-cycled node to enlist. */
  identifyNode(input: NodeActivityInput): Promise<NodeIdentity>;
  configureHardware(input: NodeActivityInput): Promise<ActionOutcome>;
  interrogateNode(input: NodeActivityInput): Promise<NodeInterrogation>;
  applyNodeNetworking(input: NodeActivityInput): Promise<ActionOutcome>;
  applyNodeStorage(input: NodeActivityInput): Promise<ActionOutcome>;
  applyNodePlatform(input: NodeActivityInput): Promise<ActionOutcome>;
  deployNode(input: NodeActivityInput): Promise<ActionOutcome>;
  destroyNode(input: NodeActivityInput): Promise<ActionOutcome>;
  // Network
  validateNetworkServices(input: SiteActivityInput): Promise<ServiceCheck>;
  interrogatePort(input: NodeActivityInput): Promise<PortState[]>;
  configurePortProvisioning(input: NodeActivityInput): Promise<ActionOutcome>;
  configurePortProduction(input: NodeActivityInput): Promise<ActionOutcome>;
  // Kubernetes
  validateKubernetesServices(input: SiteActivityInput): Promise<ServiceCheck>;
  relabelNode(input: NodeActivityInput): Promise<ActionOutcome>;
}

export interface OrchestrationActivities {
  /** Reads, compiles and validates the design; fails non-retryably on errors, on a filter that
   * selects no node (when nodes are needed) and on content that does not match the hash. */
  loadSiteDesign(input: LoadSiteDesignInput): Promise<LoadedDesign>;
  /** The compiled models of the named nodes, from the design with this hash. */
  getNodeModels(input: NodesRef): Promise<NodeModel[]>;
  /** Who holds a node: the running node workflow's parent, for "node busy" messages. */
  describeNodeHolder(input: { workflowId: string }): Promise<NodeHolder | undefined>;
  /** Queues a request at the BMC endpoint's lock workflow (signal-with-start: the lock
   * workflow is started on this activity's task queue when it is not running). */
  requestBmcLock(input: BmcLockActivityInput): Promise<void>;
  /** Whether this run of the lock's holder is still running (the lock's lease check). */
  bmcLockHolderRunning(input: { workflowId: string; runId: string }): Promise<boolean>;
}

export interface BmcLockActivityInput {
  endpoint: string;
  /** The lock workflow's id (runs recorded before it was passed: `legacyBmcLockWorkflowId`). */
  lockWorkflowId?: string;
  workflowId: string;
  runId: string;
  requestId: string;
  gapMs: number;
}

export type WorkflowActivities = DriverActivities & OrchestrationActivities;
