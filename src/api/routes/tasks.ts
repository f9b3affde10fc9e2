import type { BuildData } from '../../builddata/store';
import { badRequest, notFound } from '../errors';
import { parseNodeFilter } from '../node-filter';
import * as S from '../schemas';
import type { ApiServerDeps } from '../server';
import { actionOf, DRYDOCK_ACTIONS, TaskDocument, TaskMemo, TaskService, workflowIdOfTask } from '../tasks';
import { type ApiApp, type Enforce, V1 } from './app';
import { boolParam } from './params';

/** Drydock's task routes: list, create (checking the rule of the task's action too), purge,
 * read (with layers of subtasks, their errors, build data) and a task's build data. */
export function registerTaskRoutes(app: ApiApp, deps: Pick<ApiServerDeps, 'drydock' | 'designs' | 'bootActions' | 'segmentRouting'>, tasks: TaskService, enforce: Enforce): void {
  /** A task's build data: stored under the deployment's workflow id (or the task id itself). */
  async function taskBuildData(taskId: string): Promise<BuildData[]> {
    if (!deps.bootActions) return [];
    const ids = [...new Set([workflowIdOfTask(taskId), taskId])];
    return (await Promise.all(ids.map((id) => deps.bootActions!.buildData.forTask(id)))).flat();
  }

  app.get(`${V1}/tasks`, { config: { rule: 'physical_provisioner:read_task' }, schema: { response: { 200: S.taskDocument.array() } } }, async () => tasks.list());

  app.post(
    `${V1}/tasks`,
    { config: { rule: 'physical_provisioner:create_task' }, schema: { body: S.createTaskBody.nullish(), response: { 201: S.taskDocument, 400: S.errorBody, 401: S.errorBody, 403: S.errorBody } } },
    async (request, reply) => {
      const body = request.body;
      if (!body || typeof body !== 'object') throw badRequest('Task creation requires a JSON object body with fields design_ref, action and optionally node_filter');
      const action = actionOf(body.action);
      if (!action) throw badRequest(`Unsupported action ${body.action}: use one of ${DRYDOCK_ACTIONS.join(', ')}`);
      enforce(request, action.rule);
      if (body.design_ref === undefined || body.design_ref === null) throw badRequest('Task creation requires fields design_ref, action');
      const filter = parseNodeFilter(body.node_filter);
      const design = await deps.designs.resolve(body.design_ref);
      const taskId = tasks.newTaskId();
      request.drydock.taskId = taskId;
      const user = request.drydock.identity?.user ?? 'anonymous';
      const memo: TaskMemo = {
        drydock_action: action.canonical,
        design_ref: body.design_ref,
        node_filter: (body.node_filter ?? null) as TaskMemo['node_filter'],
        created_by: user,
        ...(request.drydock.endUser ? { end_user: request.drydock.endUser } : {}),
        ...(request.drydock.externalMarker ? { external_marker: request.drydock.externalMarker } : {}),
      };
      const workflowId = workflowIdOfTask(taskId);
      await deps.drydock.startActionWithMemo(action.workflow, { workflowId, design: design.ref, filter, options: { requestedBy: user, ...deps.segmentRouting } }, memo as Record<string, unknown>);
      const now = new Date().toISOString();
      const doc: TaskDocument = {
        kind: 'Task',
        apiVersion: 'v1',
        task_id: taskId,
        action: action.canonical,
        parent_task_id: null,
        design_ref: body.design_ref,
        status: 'queued',
        result: { kind: 'Status', apiVersion: 'v1.0', metadata: {}, message: '', reason: '', status: 'incomplete', successes: [], failures: [], links: [], details: { errorCount: 0, messageList: [] } },
        node_filter: memo.node_filter ?? null,
        subtask_id_list: [],
        created: now,
        created_by: user,
        updated: now,
        terminated: null,
        terminated_by: null,
        terminate: false,
        retry: {},
        workflow_id: workflowId,
      };
      return reply.code(201).header('Location', `${V1}/tasks/${taskId}`).send(doc);
    },
  );

  app.delete(`${V1}/tasks`, { config: { rule: 'physical_provisioner:delete_tasks' }, schema: { querystring: S.deleteTasksQuery } }, async (request, reply) => {
    // Drydock falls back to 90 days for a missing or unparsable value.
    const days = Number.parseInt(request.query.days ?? '', 10);
    const keep = Number.isFinite(days) && days >= 0 ? days : 90;
    await deps.drydock.deleteClosedBefore(new Date(Date.now() - keep * 86_400_000));
    return reply.code(200).type('text/plain').send('Tables purged successfully.');
  });

  app.get(
    `${V1}/tasks/:task_id`,
    { config: { rule: 'physical_provisioner:read_task' }, schema: { params: S.taskParams, querystring: S.taskQuery, response: { 200: S.taskDocument.or(S.taskTree), 404: S.errorBody } } },
    async (request) => {
      const { task_id: taskId } = request.params;
      request.drydock.taskId = taskId;
      const builddata = boolParam(request.query.builddata, 'builddata');
      const subtaskErrors = boolParam(request.query.subtaskerrors, 'subtaskerrors');
      const parsedLayers = Number.parseInt(request.query.layers ?? '0', 10);
      const layers = Number.isFinite(parsedLayers) ? parsedLayers : 0;
      const first = await tasks.get(taskId);
      if (!first) throw notFound(`Task ${taskId} does not exist`);
      const collected = builddata ? await taskBuildData(taskId) : [];
      const withBuildData = (t: TaskDocument): TaskDocument => (builddata ? { ...t, build_data: t.task_id === first.task_id ? collected : [] } : t);
      if (!layers && !subtaskErrors) return withBuildData(first);
      const memo = first.design_ref ? { design_ref: first.design_ref, created_by: first.created_by ?? undefined } : undefined;
      const { tree, errors } = await walkLayers(tasks, first, layers || 1, subtaskErrors, memo, withBuildData);
      if (layers) return subtaskErrors ? { ...tree, subtask_errors: errors } : tree;
      return { ...withBuildData(first), subtask_errors: errors };
    },
  );

  app.get(`${V1}/tasks/:task_id/builddata`, { config: { rule: 'physical_provisioner:read_build_data' }, schema: { params: S.taskParams } }, async (request) => {
    request.drydock.taskId = request.params.task_id;
    await tasks.require(request.params.task_id);
    const found = await taskBuildData(request.params.task_id);
    // Drydock answers 404 when a task has none.
    if (!found.length) throw notFound(`No build data found for task ${request.params.task_id}`);
    return found;
  });
}

/** Drydock's TaskResource.handle_layers: tasks by id, layer by layer, and the subtasks' errors. */
async function walkLayers(
  tasks: TaskService,
  first: TaskDocument,
  layers: number,
  subtaskErrors: boolean,
  memo: TaskMemo | undefined,
  decorate: (t: TaskDocument) => TaskDocument,
): Promise<{ tree: Record<string, unknown>; errors: Record<string, unknown> }> {
  const tree: Record<string, unknown> = { init_task_id: first.task_id, [first.task_id]: decorate(first) };
  const errors: Record<string, unknown> = {};
  let queued = [...first.subtask_id_list];
  let layer = 1;
  while (queued.length && (layer < layers || layers === -1 || subtaskErrors)) {
    const processing = queued;
    queued = [];
    const parent = first.task_id;
    const docs = await Promise.all(processing.map((id) => tasks.get(id, { parentTaskId: parent, parentMemo: memo })));
    processing.forEach((id, i) => {
      const task = docs[i];
      if (layer < layers || layers === -1) tree[id] = task ? decorate(task) : null;
      if (!task) return;
      queued.push(...task.subtask_id_list);
      if (subtaskErrors && task.result.details.errorCount > 0) errors[id] = { ...task.result, task_id: id };
    });
    layer += 1;
  }
  return { tree, errors };
}
