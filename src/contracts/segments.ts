/**
 * Network segments: which task queue a node's out-of-band and switch work runs on, and which
 * BMC endpoint its OOB commands go to (the key of the cross-worker BMC lock). Pure: used by the
 * workflows, the worker and the CLI alike.
 */
import type { Duration } from '@temporalio/common';
import { defineSignal } from '@temporalio/workflow';
import type { NodeModel } from '../design/model';
import { sha256Hex } from './sha256';

/** `<base task queue>@<segment>`: the queue a segment's workers poll. Derived from the run's
 * own task queue, so runs (and tests) on different queues never share segment workers. */
export function segmentTaskQueue(baseTaskQueue: string, segment: string): string {
  return `${baseTaskQueue}@${segment}`;
}

/** A `--segments` list as written: comma-separated names, blanks dropped, duplicates once. */
export function parseSegments(text: string): string[] {
  return [...new Set(text.split(',').map((s) => s.trim()).filter((s) => s.length > 0))];
}

/** Segment names go into task queue names: keep them to what design document names use. */
export const SEGMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * The segment of a node: its OOB network (Drydock's `oob.network`), the network its BMC is
 * reached on. Its switch work (ConfigurePort*) runs on the same segment: Drydock gives a ToR
 * switch a `mgmt_ip` but no network, and the rack's out-of-band network is where the management
 * plane of its BMCs and switches is reached. Undefined (no `oob.network`): the general queue.
 */
export function nodeSegment(node: Pick<NodeModel, 'oob'>): string | undefined {
  return node.oob.network;
}

/** Default ports of the BMC protocols (as the drivers use them: src/drivers/oob/params.ts). */
function defaultPort(node: Pick<NodeModel, 'oob'>): number | undefined {
  if (node.oob.type === 'ipmi') return 623;
  if (node.oob.type === 'redfish') return node.oob.params.use_https === false || node.oob.params.use_https === 'false' ? 80 : 443;
  return undefined;
}

/**
 * The BMC endpoint (`address:port`) a node's OOB commands go to, for the BMC lock; undefined
 * for BMCs without one (manual, sim without an address). One endpoint may serve several
 * systems (a sushy-emulator, a chassis manager): they share the lock.
 */
export function bmcEndpoint(node: Pick<NodeModel, 'oob'>): string | undefined {
  const { address, port } = node.oob;
  if (!address) return undefined;
  const p = port ?? defaultPort(node);
  return p === undefined ? address : `${address}:${p}`;
}

/**
 * The lock workflow of a BMC endpoint for the runs of one general task queue:
 * `bmc:<queue>:<first 32 hex digits of the endpoint's SHA-256>`. Workflow ids stay plaintext in
 * Temporal's database (the payload codec cannot encrypt them), so the id must not show the BMC's
 * address; who already knows an address can still confirm it, which is why docs/production.md
 * counts lock ids among what stays readable. The queue is part of the id because the lock
 * workflow runs on that queue: a run on another queue (whose workers may be gone) never finds a
 * lock it cannot get served.
 */
export function bmcLockWorkflowId(endpoint: string, taskQueue: string): string {
  return `bmc:${taskQueue}:${sha256Hex(endpoint).slice(0, 32)}`;
}

/** The id runs recorded before the `bmc-lock-hidden-id` patch used: the endpoint itself. */
export function legacyBmcLockWorkflowId(endpoint: string): string {
  return `bmc:${endpoint}`;
}

/**
 * The gap the lock keeps between two commands to one BMC endpoint, from any worker: the node's
 * `oob.min_command_gap_ms`, or 2 s for IPMI (what the IPMI driver keeps within a process;
 * Ironic keeps IPMI commands 5 s apart by default, `[ipmi]min_command_interval`) and 100 ms for
 * others (Redfish services queue requests themselves).
 */
export function bmcCommandGapMs(node: Pick<NodeModel, 'oob'>): number {
  const given = Number(node.oob.params.min_command_gap_ms);
  if (Number.isFinite(given) && given >= 0) return given;
  return node.oob.type === 'ipmi' ? 2000 : 100;
}

export interface BmcLockRequest {
  /** The workflow run that asks (it gets the grant signal; the lease check looks at this run). */
  workflowId: string;
  runId: string;
  /** Unique per request: a grant and a release name it. */
  requestId: string;
}

/** To the lock workflow (signal-with-start): queue this request. */
export const bmcLockAcquireSignal = defineSignal<[BmcLockRequest & { gapMs: number }]>('bmcLockAcquire');
/** To the lock workflow: the holder is done (or a waiter withdraws). */
export const bmcLockReleaseSignal = defineSignal<[{ requestId: string }]>('bmcLockRelease');
/** From the lock workflow to the requester: its turn. */
export const bmcLockGrantSignal = defineSignal<[{ requestId: string }]>('bmcLockGrant');

export const BMC_LOCK_WORKFLOW = 'bmcLockWorkflow';

export interface BmcLockWorkflowInput {
  endpoint: string;
  /** Carried across continue-as-new: requests not yet granted, in order. */
  queue?: Array<BmcLockRequest & { gapMs: number }>;
  /** Carried: when the last command ended (epoch ms), for the gap. */
  lastReleasedAt?: number;
  /** Carried: the ids of the last requests served, so a duplicate is not granted again. */
  served?: string[];
}

/** The message a node shows while its segment has no worker. */
export function waitingForSegmentMessage(segment: string): string {
  return `waiting for a worker on segment ${segment}`;
}

/** The run's segment routing as passed on to lanes and nodes: only what is set, so runs without
 * it start their children with the same input as before. */
export function segmentRouting(limits: { segmentQueues?: boolean; segmentWaitTimeout?: Duration }): { segmentQueues?: boolean; segmentWaitTimeout?: Duration } {
  return {
    ...(limits.segmentQueues ? { segmentQueues: true } : {}),
    ...(limits.segmentQueues && limits.segmentWaitTimeout !== undefined ? { segmentWaitTimeout: limits.segmentWaitTimeout } : {}),
  };
}


