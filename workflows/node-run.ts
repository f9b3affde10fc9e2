/** What the node scheduler needs of the workflow it runs in: a site run that parents its nodes
 * directly, or a lane of a larger site run. */
import type { CancellationScope, ChildWorkflowHandle } from '@temporalio/workflow';
import type { CarriedState, DesignRef, NodeProgress, SiteAction, SiteActionOptions } from '../src/contracts/deployment';
import type { nodeWorkflow } from './node';

export interface RunningNode {
  handle?: ChildWorkflowHandle<typeof nodeWorkflow>;
  progress: NodeProgress;
  rack?: string;
}

export interface NodeRun {
  readonly action: SiteAction;
  readonly state: Pick<CarriedState, 'siteName' | 'designHash' | 'results' | 'queue' | 'paused' | 'compactNodeResults'>;
  readonly design: DesignRef;
  readonly limits: Pick<SiteActionOptions, 'maxParallelNodes' | 'maxParallelPerRack' | 'historyEventLimit' | 'bootActionTimeout' | 'segmentQueues' | 'segmentWaitTimeout'>;
  /** The site workflow the node workflows are started for (their `parentWorkflowId`). */
  readonly siteWorkflowId: string;
  readonly running: Map<string, RunningNode>;
  readonly racks: Map<string, string | undefined>;
  /** Node work runs in here, so an abort cancels all of it at once. */
  readonly nodesScope: CancellationScope;
  readonly aborted: boolean;
  /** Bumped on every event the node scheduler must react to. */
  readonly version: number;
  bump(): void;
}

/** A node's failure message when its run was aborted while it ran. */
export const ABORTED_MESSAGE = 'aborted by an operator';
