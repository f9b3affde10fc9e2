import { z } from 'zod';

/**
 * Request and response shapes of the v1.0 routes, for validation and for the OpenAPI document.
 * Requests are loose where Drydock's are (extra fields are ignored, as Drydock ignores them);
 * responses are described, not enforced (the serializer writes what the handler built).
 */
export const errorBody = z.object({ type: z.literal('error'), message: z.string(), retry: z.boolean() }).describe("Drydock's error body");

export const createTaskBody = z.looseObject({
  action: z.string().describe('validate_design, verify_site, prepare_site, verify_nodes, prepare_nodes, deploy_nodes, destroy_nodes, relabel_nodes (singular spellings too)'),
  design_ref: z.string().optional().describe('file:///path (under a design root), http(s)://host/path, deckhand+http(s)://host/path'),
  node_filter: z.unknown().optional().describe('Drydock node filter, or null for every node'),
});

const statusMessage = z.looseObject({ message: z.string(), error: z.boolean(), context_type: z.string(), context: z.string(), ts: z.string() });
export const taskResult = z.looseObject({
  kind: z.literal('Status'),
  status: z.enum(['success', 'partial_success', 'failure', 'incomplete']),
  message: z.string(),
  reason: z.string(),
  details: z.object({ errorCount: z.number(), messageList: z.array(statusMessage) }),
});
export const taskDocument = z.looseObject({
  kind: z.literal('Task'),
  task_id: z.string(),
  action: z.string(),
  design_ref: z.string().nullable(),
  node_filter: z.unknown(),
  status: z.enum(['requested', 'queued', 'running', 'terminating', 'complete', 'terminated']),
  result: taskResult,
  subtask_id_list: z.array(z.string()),
  created: z.string().nullable(),
  created_by: z.string().nullable(),
  updated: z.string().nullable(),
  terminated: z.string().nullable(),
  terminated_by: z.string().nullable(),
});

/** GET /tasks/{id}?layers=N: the tasks keyed by id, with init_task_id (and subtask_errors). */
export const taskTree = z.record(z.string(), z.unknown());

export const taskQuery = z.looseObject({
  builddata: z.string().optional().describe('true: add build_data'),
  subtaskerrors: z.string().optional().describe('true: add subtask_errors, keyed by task id'),
  layers: z.string().optional().describe('N or -1: answer the tasks and subtasks of N layers (all) keyed by id, with init_task_id'),
});
export const deleteTasksQuery = z.looseObject({ days: z.string().optional().describe('days of closed tasks to keep (default 90)') });
export const taskParams = z.object({ task_id: z.string() });
export const buildDataQuery = z.looseObject({ latest: z.string().optional().describe('true: only the newest element per generator') });
export const hostnameParams = z.object({ hostname: z.string() });

export const validateDesignBody = z.looseObject({
  rel: z.string().optional(),
  href: z.string().optional().describe('design reference'),
  type: z.string().optional(),
});
export const validationStatus = z.looseObject({
  kind: z.literal('Status'),
  status: z.enum(['Success', 'Failure']),
  code: z.number(),
  message: z.string(),
  reason: z.string(),
  details: z.object({
    errorCount: z.number(),
    messageList: z.array(z.looseObject({ name: z.string(), message: z.string(), error: z.boolean(), level: z.string(), diagnostic: z.string().nullable(), documents: z.array(z.object({ schema: z.string(), name: z.string() })) })),
  }),
});

export const nodeFilterBody = z.looseObject({ design_ref: z.string().optional(), node_filter: z.unknown().optional() });
export const nodeReport = z.looseObject({
  hostname: z.string(),
  status_name: z.string().nullable(),
  memory: z.number().nullable(),
  cpu_count: z.number().nullable(),
  boot_mac: z.string().nullable(),
  boot_ip: z.string().nullable(),
  power_state: z.string().nullable(),
  power_address: z.string().nullable(),
});

export const healthStatus = z.looseObject({
  kind: z.literal('Status'),
  status: z.enum(['Success', 'Failure']),
  code: z.number(),
  details: z.object({ errorCount: z.number(), messageList: z.array(z.looseObject({ message: z.string(), error: z.boolean(), kind: z.string() })) }),
});
export const versions = z.object({ 'v1.0': z.object({ path: z.string(), status: z.string() }) });
