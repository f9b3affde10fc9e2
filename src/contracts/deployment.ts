/**
 * Contracts of drydock's site and node workflows: names, inputs, results and failure types
 * (signals, updates and queries are in ./control, the activities in ./activities). Clients (the
 * CLI, the client library, schedules) import this module; it holds no workflow code. Everything
 * here is plain JSON.
 */
import type { Duration } from '@temporalio/common';
import type { BootActionProgress } from './bootactions';
import type { NodeFilterSet, NodeModel } from '../design/model';
import type { SiteContext } from './site-context';

/** Drydock's orchestrator actions, each a workflow type of the same name. */
export const SITE_ACTIONS = [
  'ValidateDesign',
  'VerifySite',
  'PrepareSite',
  'VerifyNodes',
  'PrepareNodes',
  'DeployNodes',
  'DestroyNodes',
  'RelabelNodes',
] as const;
export type SiteAction = (typeof SITE_ACTIONS)[number];

export function isSiteAction(value: string): value is SiteAction {
  return (SITE_ACTIONS as readonly string[]).includes(value);
}

/** Where the design comes from. The content hash pins what was validated: a worker that reads
 * different content later refuses to go on. */
export type DesignRef =
  | { type: 'path'; paths: string[]; sha256?: string }
  | { type: 'url'; url: string; sha256?: string }
  | { type: 'inline'; sources: Array<{ name: string; text: string }> };

export interface SiteActionOptions {
  /** Nodes worked on at once, site-wide (default 50). */
  maxParallelNodes?: number;
  /** Nodes worked on at once per rack (default: no limit beyond maxParallelNodes). */
  maxParallelPerRack?: number;
  /** How long a run with failed nodes stays open for `retryFailed` (default '1h'; '0s' closes at once). */
  retryWindow?: Duration;
  /** Who or what started it (CLI user, schedule id, service name), for the record. */
  requestedBy?: string;
  /** End the workflow as failed (not completed) when the result is `failure`, so a schedule's
   * pause-on-failure notices. Scheduled runs set it. */
  failWorkflowOnFailure?: boolean;
  /** Continue-as-new after this many history events (default 10,000); tests lower it. */
  historyEventLimit?: number;
  /** Nodes per lane workflow (default 500). A run of more nodes than this spreads them over lane
   * workflows (whole racks where they fit), each the parent of its nodes' workflows, so that no
   * one workflow parents every node; smaller runs parent their nodes directly. Tests lower it. */
  laneSize?: number;
  /** How long DeployNode waits for each signalling boot action to report (default 15 minutes, as Drydock). */
  bootActionTimeout?: Duration;
  /** Run each node's OOB and switch activities on its segment's task queue
   * (`<taskQueue>@<oob.network>`, see src/contracts/segments.ts), served by the workers started
   * for that segment (`drydock worker --segments`); default off: every activity on the run's
   * task queue. */
  segmentQueues?: boolean;
  /** With segmentQueues: how long a segment activity waits for a worker before the node shows
   * "waiting for a worker on segment X" (it then keeps waiting; default 60 s). */
  segmentWaitTimeout?: Duration;
}

/** The routing a node workflow gets from its run (SiteActionOptions of the same names). */
export type SegmentRouting = Pick<SiteActionOptions, 'segmentQueues' | 'segmentWaitTimeout'>;

export interface SiteActionInput {
  design: DesignRef;
  /** Undefined: every node of the design. */
  filter?: NodeFilterSet;
  options?: SiteActionOptions;
  /** Set by the workflow itself when it continues as new; never by clients. */
  carried?: CarriedState;
}

export type NodeStep =
  | 'ValidateOobServices'
  | 'InterrogateOob'
  | 'ConfigurePortProvisioning'
  | 'CheckExists'
  | 'ConfigNodePxe'
  | 'SetNodeBoot'
  | 'PowerCycleNode'
  | 'IdentifyNode'
  | 'ConfigureHardware'
  | 'InterrogateNode'
  | 'ApplyNodeNetworking'
  | 'ApplyNodeStorage'
  | 'ApplyNodePlatform'
  | 'DeployNode'
  | 'ConfigurePortProduction'
  | 'RelabelNode'
  | 'DestroyNode'
  | 'PowerOffNode';

export type SiteStep =
  | 'LoadDesign'
  | 'ValidateNodeServices'
  | 'ValidateNetworkServices'
  | 'ValidateKubernetesServices'
  | 'CreateNetworkTemplate'
  | 'ConfigureUserCredentials'
  | 'ConfigureNodeProvisioner'
  | 'CreateStorageTemplate'
  | 'CreateBootMedia'
  | 'PrepareHardwareConfig';

export type StepStatus = 'succeeded' | 'skipped' | 'failed';

export interface StepRecord {
  step: NodeStep | SiteStep;
  status: StepStatus;
  message: string;
  /** Milliseconds, workflow time. */
  elapsedMs?: number;
}

export type NodeOutcome = 'success' | 'failure' | 'skipped';

export interface NodeResult {
  node: string;
  rack?: string;
  outcome: NodeOutcome;
  /** The step that failed, for failures. */
  failedStep?: NodeStep;
  message: string;
  workflowId: string;
  steps: StepRecord[];
}

/** Drydock's result values (its ActionResult): success only when every selected node was done;
 * partial_success when some were done and others failed or were skipped; incomplete when none
 * failed and none was done (all skipped, e.g. held by another run); failure otherwise. */
export type SiteResultStatus = 'success' | 'partial_success' | 'incomplete' | 'failure';

export interface Finding {
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
  document?: { kind: string; name: string };
  field?: string;
  source?: { file: string; line: number; column: number };
}

export interface SiteActionResult {
  action: SiteAction;
  site: string;
  designHash: string;
  status: SiteResultStatus;
  message: string;
  siteSteps: StepRecord[];
  /** Nodes that succeeded, failed or were skipped, by name. */
  successes: string[];
  failures: Array<{ node: string; step?: NodeStep; message: string }>;
  skipped: Array<{ node: string; reason: string }>;
  nodes: NodeResult[];
  /** Warnings and infos from validation (errors end the workflow before any work). */
  findings: Finding[];
  /** How many times failed nodes were retried through `retryFailed`. */
  retries: number;
  /** Set for runs of more than 250 nodes: `nodes[].steps` is left empty for nodes that succeeded
   * and holds only the failed step of nodes that failed, so that the result (and the progress
   * query, and the state carried across continue-as-new) stays far below Temporal's 2 MB payload
   * limit. Every node workflow (`node:<site>:<node>`) still returns its full step list. */
  compactNodeResults?: boolean;
  /** Set for runs of more than 2,000 nodes: `nodes` holds only the nodes that did not succeed
   * (those that did are named in `successes`), so that a 10,000-node result stays about a tenth
   * of Temporal's 2 MB payload limit instead of near it. */
  successNodeResultsOmitted?: boolean;
}

/** State a site workflow carries across continue-as-new. */
export interface CarriedState {
  siteName: string;
  designHash: string;
  siteSteps: StepRecord[];
  results: NodeResult[];
  /** Nodes still to do, in order. */
  queue: string[];
  findings: Finding[];
  paused: boolean;
  retries: number;
  runs: number;
  /** Keep node results compact (see SiteActionResult.compactNodeResults); decided once, from
   * the number of nodes selected. */
  compactNodeResults?: boolean;
}

// ---- the per-node child workflow ----

export const NODE_WORKFLOW = 'nodeWorkflow';

export interface NodeWorkflowInput {
  action: SiteAction;
  node: NodeModel;
  site: SiteContext;
  designHash: string;
  /** The site workflow that started it. */
  parentWorkflowId: string;
  startPaused?: boolean;
  /** The run's `options.bootActionTimeout` (default DEFAULT_BOOT_ACTION_TIMEOUT_MS). */
  bootActionTimeout?: Duration;
  segmentQueues?: boolean;
  segmentWaitTimeout?: Duration;
}

export function nodeWorkflowId(site: string, node: string): string {
  return `node:${site}:${node}`;
}

// ---- lanes: the middle of the site -> lane -> node tree ----

export const LANE_WORKFLOW = 'laneWorkflow';

export interface LaneWorkflowInput {
  action: SiteAction;
  design: DesignRef;
  designHash: string;
  siteName: string;
  site: SiteContext;
  /** The lane's nodes, in order. */
  nodes: Array<{ name: string; rack?: string }>;
  /** The lane's share of the site-wide parallelism, and the per-rack limit within the lane. */
  maxParallelNodes: number;
  maxParallelPerRack?: number;
  historyEventLimit?: number;
  compactNodeResults?: boolean;
  /** The site workflow: the node workflows name it as their parent operation. */
  siteWorkflowId: string;
  startPaused?: boolean;
  /** The run's wait per signalling boot action (SiteActionOptions.bootActionTimeout). */
  bootActionTimeout?: Duration;
  segmentQueues?: boolean;
  segmentWaitTimeout?: Duration;
  /** Set by the lane itself when it continues as new. */
  carried?: { queue: string[]; results: NodeResult[]; paused: boolean; runs: number };
}

export interface LaneResult {
  results: NodeResult[];
}

/** `<site workflow id>:lane:<round>-<index>`, the round `<runs>.<retries>`: unique per round of a site run. */
export function laneWorkflowId(siteWorkflowId: string, round: string, index: number): string {
  return `${siteWorkflowId}:lane:${round}-${index}`;
}

/** The site workflow of a lane's id; any other id as it is (a node's parent is its lane or, in
 * runs too small for lanes, its site workflow). */
export function siteWorkflowIdOf(parentWorkflowId: string): string {
  const m = /^(.*):lane:[\d.]+-\d+$/.exec(parentWorkflowId);
  return m ? m[1] : parentWorkflowId;
}

/** The workflow id of a site's site-level steps: at most one run of them per site at a time
 * (the site lock, held as the node lock is: by a running workflow with this id). */
export function siteStepsWorkflowId(site: string): string {
  return `site:${site}:steps`;
}

export interface NodeProgress {
  node: string;
  action: SiteAction;
  state: 'pending' | 'running' | 'paused' | 'awaiting-confirmation' | 'succeeded' | 'failed' | 'skipped' | 'aborted';
  step?: NodeStep;
  /** Epoch ms (workflow time) when the current step started. */
  stepStartedAt?: number;
  startedAt?: number;
  steps: StepRecord[];
  lastError?: string;
  /** What a person must do, for the manual OOB driver. */
  confirmationPrompt?: string;
  /** What the current step waits for before its activity runs: "waiting for a worker on
   * segment X" (segment queues), or its turn at a shared BMC. */
  waiting?: string;
  workflowId?: string;
  /** The node's boot actions of this deployment and their reports (issue 16). */
  bootActions?: BootActionProgress[];
}

// ---- control: the signals, updates and queries are in ./control ----

/** Arguments of the progress query: which page of the node list to return. */
export interface ProgressQueryOptions {
  /** Nodes to skip (of those matching `state`); default 0. */
  offset?: number;
  /** Nodes to return at most; default DEFAULT_PROGRESS_PAGE, 0 for counts only. */
  limit?: number;
  /** Only nodes in this state. */
  state?: NodeProgress['state'];
}

/** The progress query's default page: at 10,000 nodes the whole list would be megabytes. */
export const DEFAULT_PROGRESS_PAGE = 1000;

export interface SiteProgress {
  action: SiteAction;
  site?: string;
  phase: 'loading-design' | 'site-steps' | 'nodes' | 'awaiting-retry' | 'done' | 'aborted';
  paused: boolean;
  siteSteps: StepRecord[];
  nodes: NodeProgress[];
  counts: { total: number; pending: number; running: number; succeeded: number; failed: number; skipped: number };
  /** The page of `nodes`: `matched` nodes matched the query's state filter (in this workflow's
   * own list: a site run's lane-held nodes are listed by their lanes), `nodes` holds those from
   * `offset`, at most `limit`. */
  page?: { offset: number; limit: number; state?: NodeProgress['state']; matched: number };
  /** Runs with lanes: the lane workflows, their node counts and whether their result is in.
   * The nodes of unfinished lanes count as running here and are not in `nodes`; the client's
   * getStatus asks the lanes (they answer the same query) for their counts and nodes. */
  lanes?: Array<{ workflowId: string; nodes: number; done: boolean }>;
  /** Set once the run finished (also while it waits for retries). */
  result?: SiteActionResult;
}

/** Application failure types our workflows raise, for clients to tell them apart. */
export const WORKFLOW_FAILURES = {
  designInvalid: 'DesignInvalid',
  noNodesSelected: 'NoNodesSelected',
  unknownNode: 'UnknownNode',
  designChanged: 'DesignChanged',
  designUnreadable: 'DesignUnreadable',
  nodeBusy: 'NodeBusy',
  /** A scheduled run (failWorkflowOnFailure) ended with the result `failure`. */
  runFailed: 'RunFailed',
  /** IdentifyNode: the node has not enlisted with the bootstrapper yet (retryable). */
  nodeNotYetKnown: 'NodeNotYetKnown',
} as const;
