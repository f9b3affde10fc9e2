import { randomUUID } from 'node:crypto';
import { DeploymentStatus, DrydockClient, DrydockNotFoundError } from '../client';
import type { ExecutionSummary } from '../client/summaries';
import { progressQuery } from '../contracts/control';
import type { NodeProgress, NodeResult, SiteAction, SiteActionResult } from '../contracts/deployment';
import { notFound } from './errors';
import { DrydockNodeFilter, singleNodeFilter } from './node-filter';

/**
 * Drydock tasks over our workflows. A task created here runs as the workflow
 * `drydock-task-<task_id>`, so a task id and its workflow id map onto each other by a prefix,
 * with nothing stored. A node workflow run is a subtask; its id is the run id Temporal gave it
 * (a UUID), found again through Temporal's visibility (`RunId = ...`). Site workflows started
 * elsewhere (the CLI, schedules) are tasks too, under the run id of their latest run.
 */
export const TASK_WORKFLOW_PREFIX = 'drydock-task-';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function workflowIdOfTask(taskId: string): string {
  return `${TASK_WORKFLOW_PREFIX}${taskId.toLowerCase()}`;
}

export function taskIdOfWorkflow(workflowId: string): string | undefined {
  if (!workflowId.startsWith(TASK_WORKFLOW_PREFIX)) return undefined;
  const id = workflowId.slice(TASK_WORKFLOW_PREFIX.length);
  return UUID.test(id) ? id : undefined;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Drydock's actions (plural, as its API takes them; singular, as its docs also spell them). */
const ACTIONS: Record<string, SiteAction> = {
  validate_design: 'ValidateDesign',
  verify_site: 'VerifySite',
  prepare_site: 'PrepareSite',
  verify_nodes: 'VerifyNodes',
  prepare_nodes: 'PrepareNodes',
  deploy_nodes: 'DeployNodes',
  destroy_nodes: 'DestroyNodes',
  relabel_nodes: 'RelabelNodes',
  verify_node: 'VerifyNodes',
  prepare_node: 'PrepareNodes',
  deploy_node: 'DeployNodes',
  destroy_node: 'DestroyNodes',
  relabel_node: 'RelabelNodes',
};
export const DRYDOCK_ACTIONS = Object.keys(ACTIONS);

const DRYDOCK_NAME: Record<SiteAction, string> = {
  ValidateDesign: 'validate_design',
  VerifySite: 'verify_site',
  PrepareSite: 'prepare_site',
  VerifyNodes: 'verify_nodes',
  PrepareNodes: 'prepare_nodes',
  DeployNodes: 'deploy_nodes',
  DestroyNodes: 'destroy_nodes',
  RelabelNodes: 'relabel_nodes',
};

/** The workflow of a Drydock action and the policy rule Drydock enforces for it. */
export function actionOf(action: string): { workflow: SiteAction; canonical: string; rule: string } | undefined {
  const workflow = Object.prototype.hasOwnProperty.call(ACTIONS, action) ? ACTIONS[action] : undefined;
  if (!workflow) return undefined;
  const canonical = DRYDOCK_NAME[workflow];
  return { workflow, canonical, rule: `physical_provisioner:${canonical}` };
}

export type TaskStatusValue = 'requested' | 'queued' | 'running' | 'terminating' | 'complete' | 'terminated';

export type TaskStatusMessage = {
  message: string;
  error: boolean;
  context_type: 'site' | 'node' | 'network';
  context: string;
  ts: string;
  extra: Record<string, unknown>;
};

export type TaskResult = {
  kind: 'Status';
  apiVersion: 'v1.0';
  metadata: Record<string, never>;
  message: string;
  reason: string;
  status: 'success' | 'partial_success' | 'failure' | 'incomplete';
  successes: string[];
  failures: string[];
  links: Array<{ rel: string; href: string }>;
  details: { errorCount: number; messageList: TaskStatusMessage[] };
};

export type TaskDocument = {
  kind: 'Task';
  apiVersion: 'v1';
  task_id: string;
  action: string;
  parent_task_id: string | null;
  design_ref: string | null;
  status: TaskStatusValue;
  result: TaskResult;
  node_filter: DrydockNodeFilter | null;
  subtask_id_list: string[];
  created: string | null;
  created_by: string | null;
  updated: string | null;
  terminated: string | null;
  terminated_by: string | null;
  terminate: boolean;
  retry: Record<string, never>;
  /** Ours: the workflow behind the task, to find it in Temporal's UI and the CLI. */
  workflow_id: string;
  build_data?: unknown[];
};

/** What the API keeps in a task workflow's memo (the caller's words, not ours). */
export interface TaskMemo {
  drydock_action?: string;
  design_ref?: string;
  node_filter?: DrydockNodeFilter | null;
  created_by?: string;
  end_user?: string;
  external_marker?: string;
}

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

function statusOfExecution(execution: string, phase: string | undefined, hasResult: boolean): TaskStatusValue {
  switch (execution) {
    case 'RUNNING':
      if (phase === 'aborted') return 'terminating';
      if (phase === 'awaiting-retry' && hasResult) return 'complete';
      return 'running';
    case 'CANCELLED':
    case 'TERMINATED':
      return 'terminated';
    default:
      return 'complete';
  }
}

function siteResult(status: DeploymentStatus, ts: string): TaskResult {
  const base = { kind: 'Status' as const, apiVersion: 'v1.0' as const, metadata: {}, links: [] };
  const r: SiteActionResult | undefined = status.result;
  if (r) {
    const messageList: TaskStatusMessage[] = [
      ...r.siteSteps.map((s) => ({ message: `${s.step}: ${s.message}`, error: s.status === 'failed', context_type: 'site' as const, context: r.site, ts, extra: { step: s.step, status: s.status } })),
      ...r.nodes.map((n) => ({ message: n.message, error: n.outcome === 'failure', context_type: 'node' as const, context: n.node, ts, extra: { outcome: n.outcome, ...(n.failedStep ? { step: n.failedStep } : {}) } })),
      ...r.findings.map((f) => ({ message: f.message, error: false, context_type: 'site' as const, context: r.site, ts, extra: { code: f.code, severity: f.severity } })),
    ];
    return {
      ...base,
      message: r.message,
      reason: r.failures.length ? r.failures.map((f) => `${f.node}: ${f.message}`).slice(0, 5).join('; ') : '',
      status: r.status,
      successes: r.successes,
      failures: r.failures.map((f) => f.node),
      details: { errorCount: messageList.filter((m) => m.error).length, messageList },
    };
  }
  if (status.failure) {
    return {
      ...base,
      message: status.failure.message,
      reason: status.failure.type ?? 'Failed',
      status: 'failure',
      successes: [],
      failures: [],
      details: { errorCount: 1, messageList: [{ message: status.failure.message, error: true, context_type: 'site', context: status.progress?.site ?? '', ts, extra: { type: status.failure.type } }] },
    };
  }
  const counts = status.progress?.counts;
  return {
    ...base,
    message: counts ? `${counts.succeeded} of ${counts.total} node(s) done, ${counts.failed} failed, ${counts.running} running` : 'Task is running',
    reason: '',
    status: 'incomplete',
    successes: [],
    failures: [],
    details: { errorCount: 0, messageList: [] },
  };
}

export class TaskService {
  constructor(readonly drydock: DrydockClient) {}

  newTaskId(): string {
    return randomUUID();
  }

  /** The workflow id behind a task id, or undefined when there is none. */
  private async locate(taskId: string): Promise<{ kind: 'site'; workflowId: string } | { kind: 'node'; summary: ExecutionSummary } | undefined> {
    if (!isUuid(taskId)) return undefined;
    const direct = workflowIdOfTask(taskId);
    try {
      await this.drydock.memoOf(direct);
      return { kind: 'site', workflowId: direct };
    } catch (err) {
      if (!(err instanceof DrydockNotFoundError)) throw err;
    }
    const run = await this.drydock.findRun(taskId);
    if (!run) return undefined;
    if (run.type === 'nodeWorkflow') return { kind: 'node', summary: run };
    return { kind: 'site', workflowId: run.workflowId };
  }

  async get(taskId: string, options: { parentTaskId?: string | null; parentMemo?: TaskMemo } = {}): Promise<TaskDocument | undefined> {
    const where = await this.locate(taskId);
    if (!where) return undefined;
    if (where.kind === 'site') return this.siteTask(where.workflowId, taskId);
    return this.nodeTask(where.summary, taskId, options.parentTaskId, options.parentMemo);
  }

  async require(taskId: string): Promise<TaskDocument> {
    const doc = await this.get(taskId);
    if (!doc) throw notFound(`Task ${taskId} does not exist`);
    return doc;
  }

  async siteTask(workflowId: string, taskId?: string): Promise<TaskDocument> {
    const [status, memo, children] = await Promise.all([this.drydock.getStatus(workflowId), this.drydock.memoOf(workflowId), this.drydock.nodeRunsOf(workflowId)]);
    const m = (memo ?? {}) as TaskMemo;
    const id = taskIdOfWorkflow(workflowId) ?? taskId ?? status.runId ?? workflowId;
    const ts = iso(status.closeTime) ?? new Date().toISOString();
    let state = statusOfExecution(status.execution, status.progress?.phase, status.result !== undefined);
    if (status.execution === 'COMPLETED' && status.runId && (await this.wasAborted(workflowId, status.runId))) state = 'terminated';
    return {
      kind: 'Task',
      apiVersion: 'v1',
      task_id: id,
      action: m.drydock_action ?? DRYDOCK_NAME[status.action as SiteAction] ?? status.action,
      parent_task_id: null,
      design_ref: m.design_ref ?? null,
      status: state,
      result: siteResult(status, ts),
      node_filter: m.node_filter ?? null,
      subtask_id_list: children.filter((c) => c.execution !== 'CONTINUED_AS_NEW').map((c) => c.runId),
      created: iso(status.startTime),
      created_by: m.created_by ?? null,
      updated: iso(status.closeTime) ?? new Date().toISOString(),
      terminated: state === 'terminated' ? iso(status.closeTime) : null,
      terminated_by: null,
      terminate: state === 'terminating' || state === 'terminated',
      retry: {},
      workflow_id: workflowId,
    };
  }

  /** An aborted run completes normally: its DrydockResult search attribute says `aborted`. Right
   * after the close, visibility may still show the run as running; then the run's own progress
   * query (answered by a worker from history) says whether it was aborted. */
  private async wasAborted(workflowId: string, runId: string): Promise<boolean> {
    const summary = await this.drydock.findRun(runId);
    if (summary && summary.execution !== 'RUNNING') return summary.result === 'aborted';
    try {
      const progress = await this.drydock.client.workflow.getHandle(workflowId, runId).query(progressQuery);
      return progress.phase === 'aborted';
    } catch {
      return false;
    }
  }

  private async nodeTask(summary: ExecutionSummary, taskId: string, parentTaskId?: string | null, parentMemo?: TaskMemo): Promise<TaskDocument> {
    const run = await this.drydock.getNodeRun(summary.workflowId, summary.runId);
    let memo = parentMemo;
    let parent = parentTaskId;
    if (parent === undefined && run.parentWorkflowId) {
      parent = taskIdOfWorkflow(run.parentWorkflowId) ?? null;
      memo = ((await this.drydock.memoOf(run.parentWorkflowId).catch(() => undefined)) ?? {});
    }
    const node = summary.node ?? run.result?.node ?? run.progress?.node ?? '';
    const ts = iso(run.closeTime) ?? new Date().toISOString();
    const state = statusOfExecution(run.execution, undefined, run.result !== undefined);
    return {
      kind: 'Task',
      apiVersion: 'v1',
      task_id: taskId,
      action: DRYDOCK_NAME[summary.action as SiteAction] ?? summary.action ?? 'unknown',
      parent_task_id: parent ?? null,
      design_ref: memo?.design_ref ?? null,
      status: state,
      result: nodeResult(node, run.result, run.progress, run.failure, ts),
      node_filter: singleNodeFilter(node),
      subtask_id_list: [],
      created: iso(run.startTime),
      created_by: memo?.created_by ?? null,
      updated: ts,
      terminated: state === 'terminated' ? iso(run.closeTime) : null,
      terminated_by: null,
      terminate: state === 'terminated',
      retry: {},
      workflow_id: summary.workflowId,
    };
  }

  /** Site tasks, newest first (at most `limit`), from one visibility listing: each run's state,
   * verdict (the DrydockResult search attribute) and memo. A full document per run costs several
   * Temporal calls and a history read, which a namespace with hundreds of runs cannot afford on
   * every GET /tasks; GET /tasks/{id} gives the full document (result messages, subtasks). */
  async list(limit = 200): Promise<TaskDocument[]> {
    const runs = (await this.drydock.list({ siteWorkflows: true, limit: limit * 2 })).filter((r) => r.execution !== 'CONTINUED_AS_NEW').slice(0, limit);
    return runs.map((r) => listedTask(r));
  }
}

/** The task document of a listed run, from its visibility record alone. */
function listedTask(r: ExecutionSummary): TaskDocument {
  const m = (r.memo ?? {}) as TaskMemo;
  const verdict = r.result && r.result !== 'running' ? r.result : undefined;
  const state = r.result === 'aborted' ? 'terminated' : statusOfExecution(r.execution, r.phase, verdict !== undefined);
  const status: TaskResult['status'] = verdict === 'success' || verdict === 'partial_success' || verdict === 'failure' || verdict === 'incomplete' ? verdict : verdict === 'aborted' ? 'failure' : 'incomplete';
  const updated = iso(r.closeTime) ?? new Date().toISOString();
  return {
    kind: 'Task',
    apiVersion: 'v1',
    task_id: taskIdOfWorkflow(r.workflowId) ?? r.runId,
    action: m.drydock_action ?? DRYDOCK_NAME[(r.action ?? r.type) as SiteAction] ?? r.action ?? r.type,
    parent_task_id: null,
    design_ref: m.design_ref ?? null,
    status: state,
    result: {
      kind: 'Status',
      apiVersion: 'v1.0',
      metadata: {},
      links: [],
      message: verdict ? `${r.action ?? r.type} ${verdict}${r.failureCause ? ` (${r.failureCause})` : ''}` : `${r.action ?? r.type} ${r.phase ?? 'running'}`,
      reason: r.failureCause ?? '',
      status,
      successes: [],
      failures: [],
      details: { errorCount: 0, messageList: [] },
    },
    node_filter: m.node_filter ?? null,
    subtask_id_list: [],
    created: iso(r.startTime),
    created_by: m.created_by ?? null,
    updated,
    terminated: state === 'terminated' ? iso(r.closeTime) : null,
    terminated_by: null,
    terminate: state === 'terminating' || state === 'terminated',
    retry: {},
    workflow_id: r.workflowId,
  };
}

function nodeResult(node: string, result: NodeResult | undefined, progress: NodeProgress | undefined, failure: string | undefined, ts: string): TaskResult {
  const base = { kind: 'Status' as const, apiVersion: 'v1.0' as const, metadata: {}, links: [] };
  if (result) {
    const messageList: TaskStatusMessage[] = result.steps.map((s) => ({ message: `${s.step}: ${s.message}`, error: s.status === 'failed', context_type: 'node', context: node, ts, extra: { step: s.step, status: s.status } }));
    return {
      ...base,
      message: result.message,
      reason: result.outcome === 'failure' ? (result.failedStep ?? 'failed') : '',
      status: result.outcome === 'failure' ? 'failure' : 'success',
      successes: result.outcome === 'failure' ? [] : [node],
      failures: result.outcome === 'failure' ? [node] : [],
      details: { errorCount: messageList.filter((m) => m.error).length || (result.outcome === 'failure' ? 1 : 0), messageList },
    };
  }
  if (failure) {
    return { ...base, message: failure, reason: 'Failed', status: 'failure', successes: [], failures: [node], details: { errorCount: 1, messageList: [{ message: failure, error: true, context_type: 'node', context: node, ts, extra: {} }] } };
  }
  return {
    ...base,
    message: progress?.step ? `running ${progress.step}` : 'Task is running',
    reason: '',
    status: 'incomplete',
    successes: [],
    failures: [],
    details: { errorCount: progress?.lastError ? 1 : 0, messageList: progress?.lastError ? [{ message: progress.lastError, error: true, context_type: 'node', context: node, ts, extra: {} }] : [] },
  };
}
