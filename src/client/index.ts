import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { clientDataConverter } from '../codec/data-converter';
import { connectionSettingsFromEnv, tlsOptions, TemporalConnectionSettings } from '../config/temporal-connection';
import {
  DEFAULT_PROGRESS_PAGE,
  LANE_WORKFLOW,
  NODE_WORKFLOW,
  DesignRef,
  NodeProgress,
  NodeResult,
  ProgressQueryOptions,
  SiteAction,
  SiteActionInput,
  SiteActionOptions,
  SiteActionResult,
  SiteProgress,
} from '../contracts/deployment';
import { abortUpdate, closeSignal, confirmSignal, nodeProgressQuery, pauseSignal, progressQuery, resumeSignal, retryFailedUpdate } from '../contracts/control';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import type { NodeFilterSet } from '../design/model';
import { type ExecutionSummary, type ListFilter, quote, summarize, visibilityQuery } from './summaries';
import { resultPage, type ResultPage } from './result-page';
import { connectTemporal } from '../config/open-connection';

export { DrydockApiClient, DrydockApiError } from './api';
export type { CreateTaskRequest, DrydockApiClientOptions, GetTaskOptions } from './api';
// The package's entry point (package.json main): library users get the summary types here.
export { visibilityQuery } from './summaries';
export type { ExecutionSummary, ListFilter } from './summaries';
export { resultPage } from './result-page';
export type { ResultPage } from './result-page';

/**
 * A typed client for services and the CLI: start drydock's site actions, follow them, control
 * them, and search what ran on which node. Everything goes through the Temporal client; nothing
 * here needs a worker.
 *
 *   const drydock = await DrydockClient.connect();           // TEMPORAL_ADDRESS etc.
 *   const { workflowId } = await drydock.startDeployment({ design: { type: 'path', paths: ['site/'] } });
 *   for await (const event of drydock.watch(workflowId)) console.log(event.progress.counts);
 */
export interface StartOptions {
  design: DesignRef;
  filter?: NodeFilterSet;
  options?: SiteActionOptions;
  /** Defaults to `<action>:<timestamp>:<random>`. */
  workflowId?: string;
}

export interface NodeDetail extends NodeProgress {
  /** Attempt number of the activity now running, when retrying. */
  attempt?: number;
  /** Milliseconds since the node started. */
  elapsedMs?: number;
}

/** Running nodes of a page whose own workflow getStatus asks for detail (step, attempt, last
 * error) by default: two calls each, so a 1,000-node page does not cost 2,000 calls. */
export const DEFAULT_NODE_DETAILS = 50;

export interface StatusOptions extends ProgressQueryOptions {
  /** At most this many running nodes of the page get their node workflow's detail (default
   * DEFAULT_NODE_DETAILS); the others are shown as their lane or site workflow reports them. */
  details?: number;
}

export interface DeploymentStatus {
  workflowId: string;
  runId?: string;
  action: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, ... */
  execution: string;
  progress?: SiteProgress & { nodes: NodeDetail[] };
  result?: SiteActionResult;
  /** A finished run's nodes, counted and paged as `progress` pages a running run's. */
  nodePage?: ResultPage;
  /** For runs that failed as a whole (bad design, no nodes selected): the failure message. */
  failure?: { type?: string; message: string };
  startTime?: Date;
  closeTime?: Date;
}

export interface ProgressEvent {
  at: Date;
  status: DeploymentStatus;
}

export class DrydockNotFoundError extends Error {
  override name = 'DrydockNotFoundError';
}

export class DrydockClient {
  constructor(
    readonly client: Client,
    readonly settings: TemporalConnectionSettings,
    private readonly connection?: Connection,
  ) {}

  static async connect(overrides: Partial<TemporalConnectionSettings> = {}): Promise<DrydockClient> {
    const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<TemporalConnectionSettings>;
    const settings: TemporalConnectionSettings = { ...connectionSettingsFromEnv(), ...defined };
    const connection = await connectTemporal({ address: settings.address, tls: tlsOptions(settings), connectTimeout: 10_000 });
    const dataConverter = settings.codecKeys ? clientDataConverter(settings.codecKeys) : undefined;
    return new DrydockClient(new Client({ connection, namespace: settings.namespace, dataConverter }), settings, connection);
  }

  async close(): Promise<void> {
    await this.connection?.close();
  }

  /** Starts one of Drydock's orchestrator actions as a workflow. */
  async startAction(action: SiteAction, start: StartOptions): Promise<{ workflowId: string; runId: string }> {
    const workflowId = start.workflowId ?? `${action}:${new Date().toISOString().replace(/[:.]/g, '-')}:${randomUUID().slice(0, 6)}`;
    const input: SiteActionInput = { design: start.design, filter: start.filter, options: start.options };
    const handle = await this.client.workflow.start(action, {
      taskQueue: this.settings.taskQueue,
      workflowId,
      // A closed run's id is not reused: the new run would hide the old result from getStatus.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
      staticSummary: `${action}${start.options?.requestedBy ? ` requested by ${start.options.requestedBy}` : ''}`,
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.DrydockAction, value: action },
        { key: SEARCH_ATTRIBUTES.DrydockPhase, value: 'starting' },
        { key: SEARCH_ATTRIBUTES.DrydockResult, value: 'running' },
      ],
    });
    return { workflowId, runId: handle.firstExecutionRunId };
  }

  startDeployment(start: StartOptions): Promise<{ workflowId: string; runId: string }> {
    return this.startAction('DeployNodes', start);
  }

  /** Status with per-node progress: step, attempt, elapsed time and last error. The counts cover
   * every node; `progress.nodes` (running) and `nodePage.nodes` (finished) are one page of them
   * (default: the first DEFAULT_PROGRESS_PAGE; `options` picks another page, or only the nodes in
   * one state). Only the first `options.details` running nodes of the page are asked for detail. */
  async getStatus(workflowId: string, options: StatusOptions = {}): Promise<DeploymentStatus> {
    const handle = this.client.workflow.getHandle(workflowId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new DrydockNotFoundError(`no drydock workflow with id ${workflowId}`);
      throw err;
    }
    const status: DeploymentStatus = {
      workflowId,
      runId: description.runId,
      action: description.type,
      execution: description.status.name,
      startTime: description.startTime,
      closeTime: description.closeTime,
    };
    if (description.status.name === 'RUNNING') {
      const { details = DEFAULT_NODE_DETAILS, ...query } = options;
      const progress = await this.progress(workflowId, query);
      let asked = 0;
      const detail = (n: NodeProgress): Promise<NodeDetail> => (n.state === 'running' && n.workflowId && asked++ < details ? this.nodeDetail(n) : Promise.resolve(n));
      status.progress = { ...progress, nodes: await Promise.all(progress.nodes.map(detail)) };
      status.result = progress.result;
    } else if (description.status.name === 'COMPLETED') {
      status.result = (await handle.result()) as SiteActionResult;
      status.nodePage = resultPage(status.result, options);
    } else {
      try {
        await handle.result();
      } catch (err) {
        const cause = (err as { cause?: { type?: string; message?: string } }).cause;
        status.failure = { type: cause?.type, message: cause?.message ?? (err as Error).message };
      }
    }
    return status;
  }

  /** The progress query of a site run, with the counts and nodes of its running lanes (large
   * runs: the site counts a lane's nodes as running until the lane returns). The page runs over
   * the site's own list, then each running lane's, in order. */
  private async progress(workflowId: string, options: ProgressQueryOptions): Promise<SiteProgress> {
    const query = (id: string, o: ProgressQueryOptions): Promise<SiteProgress> => this.client.workflow.getHandle(id).query(progressQuery, o);
    const site = await query(workflowId, options);
    const lanes = (site.lanes ?? []).filter((l) => !l.done);
    if (lanes.length === 0) return site;
    const filter = { ...(options.state ? { state: options.state } : {}), ...(options.node ? { node: options.node } : {}) };
    const answers = await Promise.all(lanes.map(async (l) => ({ lane: l, counts: await query(l.workflowId, { ...filter, limit: 0 }).catch(() => undefined) })));
    const counts = { ...site.counts };
    let matched = site.page?.matched ?? site.nodes.length;
    for (const { lane, counts: answer } of answers) {
      if (!answer) continue; // the lane ended between the two queries: the site counts it as running
      counts.running -= lane.nodes;
      for (const k of ['pending', 'running', 'succeeded', 'failed', 'skipped'] as const) counts[k] += answer.counts[k];
      matched += answer.page?.matched ?? 0;
    }
    const offset = Math.max(0, options.offset ?? 0);
    const limit = Math.max(0, options.limit ?? DEFAULT_PROGRESS_PAGE);
    const nodes = [...site.nodes];
    let skip = Math.max(0, offset - (site.page?.matched ?? site.nodes.length));
    for (const { lane, counts: answer } of answers) {
      const laneMatched = answer?.page?.matched ?? 0;
      if (nodes.length >= limit) break;
      if (skip >= laneMatched) {
        skip -= laneMatched;
        continue;
      }
      const page = await query(lane.workflowId, { ...filter, offset: skip, limit: limit - nodes.length }).catch(() => undefined);
      nodes.push(...(page?.nodes ?? []));
      skip = 0;
    }
    return { ...site, counts, nodes, page: { offset, limit, ...(options.state ? { state: options.state } : {}), matched } };
  }

  private async nodeDetail(node: NodeProgress): Promise<NodeDetail> {
    if (node.state !== 'running' || !node.workflowId) return node;
    try {
      const handle = this.client.workflow.getHandle(node.workflowId);
      const [progress, description] = await Promise.all([handle.query(nodeProgressQuery), handle.describe()]);
      const pending = description.raw.pendingActivities?.[0];
      const lastFailure = pending?.lastFailure?.message ?? undefined;
      return {
        ...progress,
        attempt: pending?.attempt ?? undefined,
        lastError: lastFailure ?? progress.lastError,
        elapsedMs: progress.startedAt ? Date.now() - progress.startedAt : undefined,
      };
    } catch {
      return node; // the child finished between the two reads
    }
  }

  /** Progress events until the run finishes (or waits for retries). */
  async *watch(workflowId: string, options: { intervalMs?: number; signal?: AbortSignal; progress?: StatusOptions } = {}): AsyncGenerator<ProgressEvent> {
    for (;;) {
      const status = await this.getStatus(workflowId, options.progress);
      yield { at: new Date(), status };
      if (status.execution !== 'RUNNING' || status.progress?.phase === 'awaiting-retry') return;
      if (options.signal?.aborted) return;
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 1000));
    }
  }

  /** Waits until the run has a result: finished, or waiting for retries of failed nodes. */
  async waitForResult(workflowId: string, options: { intervalMs?: number } = {}): Promise<DeploymentStatus> {
    let last: DeploymentStatus | undefined;
    for await (const event of this.watch(workflowId, options)) last = event.status;
    return last!;
  }

  abort(workflowId: string): Promise<string[]> {
    return this.client.workflow.getHandle(workflowId).executeUpdate(abortUpdate);
  }

  retryFailed(workflowId: string): Promise<string[]> {
    return this.client.workflow.getHandle(workflowId).executeUpdate(retryFailedUpdate);
  }

  pause(workflowId: string): Promise<void> {
    return this.client.workflow.getHandle(workflowId).signal(pauseSignal);
  }

  resume(workflowId: string): Promise<void> {
    return this.client.workflow.getHandle(workflowId).signal(resumeSignal);
  }

  /** A person confirms the manual OOB step of a node. */
  confirm(workflowId: string, node: string): Promise<void> {
    return this.client.workflow.getHandle(workflowId).signal(confirmSignal, { node });
  }

  /** Ends the retry window of a run with failed nodes. */
  finish(workflowId: string): Promise<void> {
    return this.client.workflow.getHandle(workflowId).signal(closeSignal);
  }

  async list(filter: ListFilter = {}): Promise<ExecutionSummary[]> {
    const out: ExecutionSummary[] = [];
    for await (const info of this.client.workflow.list({ query: visibilityQuery(filter) })) {
      out.push(summarize(info));
      if (filter.limit !== undefined && out.length >= filter.limit) break;
    }
    return out.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
  }

  /** How many drydock runs match `filter` (visibility's count: no listing of 10,000 runs). */
  async count(filter: ListFilter = {}): Promise<number> {
    return (await this.client.workflow.count(visibilityQuery(filter))).count;
  }

  /** Every operation ever run on a node, newest first (from Temporal visibility). */
  history(node: string, options: { site?: string; limit?: number } = {}): Promise<ExecutionSummary[]> {
    return this.list({ node, site: options.site, siteWorkflows: false, limit: options.limit });
  }

  // ---- for the REST API (src/api): tasks with a memo, lookups by run id, children, retention ----

  /** Like startAction, with a memo (the REST API keeps the caller's design_ref, node_filter and
   * user there, so a task document can be rebuilt from Temporal alone). */
  async startActionWithMemo(action: SiteAction, start: StartOptions & { workflowId: string }, memo: Record<string, unknown>): Promise<{ workflowId: string; runId: string }> {
    const input: SiteActionInput = { design: start.design, filter: start.filter, options: start.options };
    const handle = await this.client.workflow.start(action, {
      taskQueue: this.settings.taskQueue,
      workflowId: start.workflowId,
      args: [input],
      memo,
      staticSummary: `${action}${start.options?.requestedBy ? ` requested by ${start.options.requestedBy}` : ''}`,
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.DrydockAction, value: action },
        { key: SEARCH_ATTRIBUTES.DrydockPhase, value: 'starting' },
        { key: SEARCH_ATTRIBUTES.DrydockResult, value: 'running' },
      ],
    });
    return { workflowId: start.workflowId, runId: handle.firstExecutionRunId };
  }

  /** The memo a run was started with (undefined when it has none). */
  async memoOf(workflowId: string): Promise<Record<string, unknown> | undefined> {
    try {
      return (await this.client.workflow.getHandle(workflowId).describe()).memo;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new DrydockNotFoundError(`no drydock workflow with id ${workflowId}`);
      throw err;
    }
  }

  /** The drydock execution with this run id (any run of its chain), from visibility. */
  async findRun(runId: string): Promise<ExecutionSummary | undefined> {
    for await (const info of this.client.workflow.list({ query: `RunId = ${quote(runId)} AND ${SEARCH_ATTRIBUTES.DrydockAction.name} IS NOT NULL` })) return summarize(info);
    return undefined;
  }

  /** The node workflow runs of a site run, through its lanes for large runs; not its other
   * children (the site-steps lock workflow, the lanes themselves). */
  async nodeRunsOf(siteWorkflowId: string, limit = 10_000): Promise<ExecutionSummary[]> {
    const direct = await this.children(siteWorkflowId, limit);
    const viaLanes = await Promise.all(direct.filter((c) => c.type === LANE_WORKFLOW).map((lane) => this.children(lane.workflowId, limit)));
    return [...direct, ...viaLanes.flat()].filter((c) => c.type === NODE_WORKFLOW).sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  }

  /** Child workflows (node workflows) started by any run of `parentWorkflowId`, oldest first. */
  async children(parentWorkflowId: string, limit = 10_000): Promise<ExecutionSummary[]> {
    const out: ExecutionSummary[] = [];
    for await (const info of this.client.workflow.list({ query: `ParentWorkflowId = ${quote(parentWorkflowId)}` })) {
      out.push(summarize(info));
      if (out.length >= limit) break;
    }
    return out.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  }

  /** Deletes closed drydock executions that closed before `closedBefore`; returns how many. */
  async deleteClosedBefore(closedBefore: Date): Promise<number> {
    const query = `${SEARCH_ATTRIBUTES.DrydockAction.name} IS NOT NULL AND ExecutionStatus != 'Running' AND CloseTime < ${quote(closedBefore.toISOString())}`;
    let deleted = 0;
    for await (const info of this.client.workflow.list({ query })) {
      await this.client.workflowService.deleteWorkflowExecution({
        namespace: this.settings.namespace,
        workflowExecution: { workflowId: info.workflowId, runId: info.runId },
      });
      deleted += 1;
    }
    return deleted;
  }

  /** One run of a node workflow: its summary, its progress while running, its result once done. */
  async getNodeRun(workflowId: string, runId: string): Promise<{ execution: string; startTime: Date; closeTime?: Date; parentWorkflowId?: string; progress?: NodeProgress; result?: NodeResult; failure?: string }> {
    const handle = this.client.workflow.getHandle(workflowId, runId);
    let d;
    try {
      d = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new DrydockNotFoundError(`no drydock workflow with id ${workflowId} and run ${runId}`);
      throw err;
    }
    const out = { execution: d.status.name, startTime: d.startTime, closeTime: d.closeTime, parentWorkflowId: d.parentExecution?.workflowId ?? undefined };
    if (d.status.name === 'RUNNING') {
      try {
        return { ...out, progress: await handle.query(nodeProgressQuery) };
      } catch {
        return out;
      }
    }
    try {
      return { ...out, result: (await handle.result()) as NodeResult };
    } catch (err) {
      return { ...out, failure: (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message };
    }
  }
}
