import type { WorkflowExecutionInfo } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';

/**
 * What Temporal visibility says about drydock's runs: the summary of one execution (from its
 * search attributes and memo) and the visibility query for a filter over those attributes.
 */
export interface ExecutionSummary {
  workflowId: string;
  runId: string;
  type: string;
  execution: string;
  site?: string;
  node?: string;
  action?: string;
  phase?: string;
  result?: string;
  failureCause?: string;
  startTime: Date;
  closeTime?: Date;
  /** The run's memo, as its starter set it (the REST API keeps a task's caller fields there). */
  memo?: Record<string, unknown>;
}

export interface ListFilter {
  site?: string;
  node?: string;
  action?: string;
  result?: string;
  phase?: string;
  /** Only site workflows (true), only node workflows (false), or both (undefined). */
  siteWorkflows?: boolean;
  limit?: number;
}

/** A string literal of Temporal's visibility query language. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The visibility query for drydock's runs that match `filter`. */
export function visibilityQuery(filter: ListFilter): string {
  const clauses: string[] = [];
  const add = (key: string, value: string | undefined): void => void (value !== undefined && clauses.push(`${key} = ${quote(value)}`));
  add(SEARCH_ATTRIBUTES.DrydockSite.name, filter.site);
  add(SEARCH_ATTRIBUTES.DrydockNode.name, filter.node);
  add(SEARCH_ATTRIBUTES.DrydockAction.name, filter.action);
  add(SEARCH_ATTRIBUTES.DrydockResult.name, filter.result);
  add(SEARCH_ATTRIBUTES.DrydockPhase.name, filter.phase);
  if (filter.siteWorkflows === true) clauses.push(`WorkflowType != 'nodeWorkflow'`);
  if (filter.siteWorkflows === false) clauses.push(`WorkflowType = 'nodeWorkflow'`);
  // Every drydock workflow carries DrydockAction; this keeps other workflows out.
  if (filter.action === undefined) clauses.push(`${SEARCH_ATTRIBUTES.DrydockAction.name} IS NOT NULL`);
  return clauses.join(' AND ');
}

/** A run as drydock names it: its search attributes by their meaning, and its memo. */
export function summarize(info: WorkflowExecutionInfo): ExecutionSummary {
  const attrs = info.typedSearchAttributes;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    execution: info.status.name,
    site: attrs.get(SEARCH_ATTRIBUTES.DrydockSite),
    node: attrs.get(SEARCH_ATTRIBUTES.DrydockNode),
    action: attrs.get(SEARCH_ATTRIBUTES.DrydockAction),
    phase: attrs.get(SEARCH_ATTRIBUTES.DrydockPhase),
    result: attrs.get(SEARCH_ATTRIBUTES.DrydockResult),
    failureCause: attrs.get(SEARCH_ATTRIBUTES.DrydockFailureCause),
    startTime: info.startTime,
    closeTime: info.closeTime,
    ...(info.memo ? { memo: info.memo } : {}),
  };
}
