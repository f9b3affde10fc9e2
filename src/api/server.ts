import swagger from '@fastify/swagger';
import Fastify, { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { jsonSchemaTransform, validatorCompiler, ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { BuildData } from '../builddata/store';
import type { DrydockClient } from '../client';
import { processDesign, selectNodes } from '../design';
import { formatFindings } from '../design/format';
import { packageVersion } from '../tools/package-info';
import { Authenticator, tokenOf } from './auth';
import { type BootActionDeps, registerBootActionRoutes } from './bootactions';
import { isUuidV4, RequestContext } from './context';
import { DesignRefResolver } from './design-refs';
import { ApiError, badRequest, notFound } from './errors';
import { parseNodeFilter } from './node-filter';
import { PolicyEngine } from './policy';
import { RateLimiter } from './rate-limit';
import * as S from './schemas';
import type { NodeReporter, ServiceProbe } from './site-services';
import { actionOf, DRYDOCK_ACTIONS, TaskDocument, TaskMemo, TaskService, workflowIdOfTask } from './tasks';
import { validationStatus } from './validation';

/**
 * Drydock's REST API v1.0 (drydock_provisioner/control) over drydock-temporal's workflows.
 * Every route enforces the policy rule Drydock enforces for it; 401 without or with a bad token,
 * 403 when the policy says no. Every request is logged once, without its token.
 */
export interface ApiServerDeps {
  drydock: DrydockClient;
  auth: Authenticator;
  policy: PolicyEngine;
  designs: DesignRefResolver;
  /** Services reported by /health and /health/extended besides Temporal. */
  probes?: ServiceProbe[];
  nodes?: NodeReporter;
  /** Requests per minute per user (0: no limit). */
  rateLimitPerMinute?: number;
  /** One line per request (default: JSON on stderr). */
  log?: (entry: Record<string, unknown>) => void;
  /** HTTPS listener (PEM). */
  https?: { cert: Buffer; key: Buffer };
  /** Boot-action delivery and reports, and build data (none: those routes answer 404). */
  bootActions?: BootActionDeps;
}

declare module 'fastify' {
  interface FastifyRequest {
    drydock: RequestContext;
  }
  interface FastifyContextConfig {
    /** The policy rule Drydock enforces on this route (none: open, like /health). */
    rule?: string;
  }
}

const V1 = '/api/v1.0';
const TRUE = new Set(['true', 'True', 'TRUE', 't', 'T', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'False', 'FALSE', 'f', 'F', 'no', 'n', 'off', '0']);

/** falcon's get_param_as_bool: absent is false, anything but a boolean word is a 400. */
function boolParam(value: string | undefined, name: string): boolean {
  if (value === undefined || value === '') return false;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw badRequest(`The "${name}" parameter is invalid: "${value}" is not true or false`);
}

export async function buildApiServer(deps: ApiServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    ...(deps.https ? { https: { cert: deps.https.cert, key: deps.https.key } } : {}),
  }).withTypeProvider<ZodTypeProvider>();
  const tasks = new TaskService(deps.drydock);
  const limiter = new RateLimiter(deps.rateLimitPerMinute ?? 600);
  const log = deps.log ?? ((entry) => void process.stderr.write(`${JSON.stringify(entry)}\n`));

  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the routes; handlers build Drydock's documents themselves.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  // Drydock's content rule: a body must be JSON. An empty body is "no body" (Drydock's req_json
  // answers None for it).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(badRequest(`Invalid JSON in request body: ${(err as Error).message}`), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    if (String(body).trim() === '') return done(null, undefined);
    done(badRequest('Requires application/json payload (set Content-Type: application/json)'), undefined);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'drydock-temporal: Drydock REST API v1.0', version: packageVersion() },
      components: {
        securitySchemes: {
          XAuthToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
          Bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ XAuthToken: [] }, { Bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.decorateRequest('drydock', null as unknown as RequestContext);

  app.addHook('onRequest', async (request, reply) => {
    const marker = request.headers['x-context-marker'];
    const endUser = request.headers['x-end-user'];
    const ctx: RequestContext = {
      requestId: randomUUID(),
      externalMarker: typeof marker === 'string' && isUuidV4(marker) ? marker : '',
      endUser: typeof endUser === 'string' && endUser ? endUser : undefined,
      rules: [],
    };
    request.drydock = ctx;
    reply.header('X-Drydock-Req', ctx.requestId);
    if (ctx.externalMarker) reply.header('X-Context-Marker', ctx.externalMarker);
    const token = tokenOf(request.headers);
    if (token) {
      const identity = await deps.auth.identify(token);
      if (identity) ctx.identity = identity;
      else ctx.badToken = 'rejected';
    }
    ctx.endUser ??= ctx.identity?.user;
  });

  // The per-user rate limit (refused requests count too), then the route's policy; both before
  // the body is parsed, so a caller without a token learns nothing but 401.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const key = request.drydock.identity ? `user:${request.drydock.identity.user}` : `ip:${request.ip}`;
    const wait = limiter.take(key);
    if (wait !== undefined) throw new ApiError(429, `Rate limit exceeded for ${request.drydock.identity?.user ?? request.ip}: retry in ${wait} s`, true);
    const rule = request.routeOptions.config.rule;
    if (rule) enforce(request, rule);
    return payload;
  });

  function enforce(request: FastifyRequest, rule: string): void {
    const ctx = request.drydock;
    ctx.rules.push(rule);
    if (ctx.badToken) throw new ApiError(401, 'Unauthenticated');
    if (deps.policy.authorize(rule, ctx.identity)) return;
    throw ctx.identity ? new ApiError(403, 'Forbidden') : new ApiError(401, 'Unauthenticated');
  }

  app.addHook('onResponse', async (request, reply) => {
    const ctx = request.drydock;
    log({
      ts: new Date().toISOString(),
      req_id: ctx?.requestId,
      method: request.method,
      path: request.url,
      status: reply.statusCode,
      user: ctx?.identity?.user ?? null,
      via: ctx?.identity?.via ?? (ctx?.badToken ? 'rejected token' : null),
      end_user: ctx?.endUser ?? null,
      external_ctx: ctx?.externalMarker || null,
      rule: ctx?.rules.join(',') || null,
      task_id: ctx?.taskId ?? null,
      outcome: reply.statusCode < 400 ? 'ok' : reply.statusCode === 401 ? 'unauthenticated' : reply.statusCode === 403 ? 'forbidden' : 'error',
      ms: Math.round(reply.elapsedTime),
    });
  });

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      if (error.statusCode === 429) reply.header('Retry-After', String(/retry in (\d+)/.exec(error.message)?.[1] ?? 1));
      return reply.code(error.statusCode).type('application/json').send(error.body());
    }
    const validation = (error).validation;
    if (validation) {
      const first = validation[0];
      const where = `${error.validationContext ?? 'body'}${(first?.instancePath ?? '').replace(/\//g, '.').replace(/\.$/, '')}`;
      return reply.code(400).type('application/json').send(badRequest(`${where}: ${first?.message ?? 'invalid'}`).body());
    }
    const status = (error).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status === 415 ? 400 : status).type('application/json').send(new ApiError(status === 415 ? 400 : status, error.message).body());
    }
    // Never a stack trace to the caller; the log has the request id to find this line.
    process.stderr.write(`drydock api: request ${request.drydock?.requestId} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return reply.code(500).type('application/json').send(new ApiError(500, `Unknown error (request ${request.drydock?.requestId})`).body());
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const why = /^\/api\/v1\.0\/(designs|bootactions)(\/|$)/.test(path) && !(deps.bootActions && path.startsWith(`${V1}/bootactions/`))
      ? `${path} is not served by drydock-temporal: designs are given by reference (design_ref), and boot actions are delivered elsewhere (see docs/api.md)`
      : `no route ${request.method} ${path}`;
    void reply.code(404).type('application/json').send(notFound(why).body());
  });

  /** A task's build data: stored under the deployment's workflow id (or the task id itself). */
  async function taskBuildData(taskId: string): Promise<BuildData[]> {
    if (!deps.bootActions) return [];
    const ids = [...new Set([workflowIdOfTask(taskId), taskId])];
    return (await Promise.all(ids.map((id) => deps.bootActions!.buildData.forTask(id)))).flat();
  }

  if (deps.bootActions) registerBootActionRoutes(app, V1, deps.bootActions);

  // ---- versions, health ----

  app.get('/versions', { schema: { response: { 200: S.versions } } }, async () => ({ 'v1.0': { path: V1, status: 'stable' } }));

  async function healthCheck(): Promise<{ healthy: boolean; body: HealthBody }> {
    const probes: ServiceProbe[] = [
      {
        name: `Temporal at ${deps.drydock.settings.address}`,
        async check() {
          try {
            await deps.drydock.client.workflowService.describeNamespace({ namespace: deps.drydock.settings.namespace });
            return { ok: true, message: `namespace ${deps.drydock.settings.namespace} answers` };
          } catch (err) {
            return { ok: false, message: err instanceof Error ? err.message : String(err) };
          }
        },
      },
      ...(deps.probes ?? []),
    ];
    const results = await Promise.all(probes.map(async (p) => ({ name: p.name, ...(await p.check()) })));
    const messageList = results.map((r) => ({ message: `${r.name}: ${r.ok ? 'ok' : 'unavailable'}: ${r.message}`, error: !r.ok, kind: 'SimpleMessage', service: r.name, state: r.ok ? 'up' : 'down' }));
    const errorCount = messageList.filter((m) => m.error).length;
    return {
      healthy: errorCount === 0,
      body: {
        kind: 'Status' as const,
        apiVersion: 'v1.0',
        metadata: {},
        status: errorCount ? ('Failure' as const) : ('Success' as const),
        message: errorCount ? 'Drydock failed to respond' : '',
        reason: 'HealthCheck',
        details: { errorCount, messageList },
        code: errorCount ? 503 : 200,
      },
    };
  }

  app.get(`${V1}/health`, {}, async (_req, reply) => {
    const { healthy } = await healthCheck();
    return reply.code(healthy ? 204 : 503).send();
  });

  app.get(`${V1}/health/extended`, { config: { rule: 'physical_provisioner:health_data' }, schema: { response: { 200: S.healthStatus, 503: S.healthStatus } } }, async (_req, reply) => {
    const { healthy, body } = await healthCheck();
    return reply.code(healthy ? 200 : 503).send(body);
  });

  app.get('/api/v1.0/openapi.json', {}, async () => app.swagger());

  // ---- tasks ----

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
      await deps.drydock.startActionWithMemo(action.workflow, { workflowId, design: design.ref, filter, options: { requestedBy: user } }, memo as Record<string, unknown>);
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

  // ---- nodes, node filter ----

  app.get(`${V1}/nodes`, { config: { rule: 'physical_provisioner:read_data' }, schema: { response: { 200: S.nodeReport.array() } } }, async () => {
    if (!deps.nodes) return [];
    try {
      return await deps.nodes.nodes();
    } catch (err) {
      throw new ApiError(503, `the node provisioner did not answer: ${err instanceof Error ? err.message : String(err)}`, true);
    }
  });

  app.get(`${V1}/nodes/:hostname/builddata`, { config: { rule: 'physical_provisioner:read_build_data' }, schema: { params: S.hostnameParams, querystring: S.buildDataQuery } }, async (request) => {
    const latest = boolParam(request.query.latest, 'latest');
    const found = deps.bootActions ? await deps.bootActions.buildData.forNode(request.params.hostname, { latest }) : [];
    if (!found.length) throw notFound('No build data found');
    return found;
  });

  app.post(`${V1}/nodefilter`, { config: { rule: 'physical_provisioner:read_data' }, schema: { body: S.nodeFilterBody.nullish(), response: { 200: z.array(z.string()), 400: S.errorBody } } }, async (request) => {
    const body = request.body;
    if (!body || body.design_ref === undefined || body.design_ref === null) throw badRequest('Missing input required value: design_ref');
    const filter = parseNodeFilter(body.node_filter);
    const design = await deps.designs.resolve(body.design_ref);
    const processed = processDesign(design.sources);
    if (!processed.ok || !processed.site) {
      const errors = processed.findings.filter((f) => f.severity === 'error');
      throw badRequest(`the design has ${errors.length} error(s): ${formatFindings(errors.slice(0, 5)).join('; ')} (POST /api/v1.0/validatedesign lists them all)`);
    }
    return selectNodes(processed.site, filter).map((n) => n.name);
  });

  // ---- validatedesign ----

  app.post(
    `${V1}/validatedesign`,
    { config: { rule: 'physical_provisioner:validate_site_design' }, schema: { body: S.validateDesignBody.nullish(), response: { 200: S.validationStatus, 400: S.validationStatus } } },
    async (request, reply) => {
      const body = request.body;
      if (!body) throw badRequest('Request body must not be empty for validation.');
      if (!body.href) throw badRequest('The "href" key must be provided in the request body.');
      const design = await deps.designs.resolve(body.href);
      const status = validationStatus(processDesign(design.sources).findings);
      return reply.code(status.code).send(status);
    },
  );

  return app;
}

type HealthBody = z.infer<typeof S.healthStatus>;

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
