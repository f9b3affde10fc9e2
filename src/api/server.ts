import swagger from '@fastify/swagger';
import Fastify, { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { jsonSchemaTransform, validatorCompiler, ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import type { DrydockClient } from '../client';
import { packageVersion } from '../tools/package-info';
import { Authenticator, tokenOf } from './auth';
import { type BootActionDeps, registerBootActionRoutes } from './bootactions';
import { isUuidV4, RequestContext } from './context';
import { DesignRefResolver } from './design-refs';
import { ApiError, badRequest, notFound } from './errors';
import { PolicyEngine } from './policy';
import { RateLimiter } from './rate-limit';
import { V1 } from './routes/app';
import { registerDesignRoutes } from './routes/designs';
import { registerHealthRoutes } from './routes/health';
import { registerNodeRoutes } from './routes/nodes';
import { registerTaskRoutes } from './routes/tasks';
import type { NodeReporter, ServiceProbe } from './site-services';
import { TaskService } from './tasks';
import type { SegmentRouting } from '../contracts/deployment';

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
  /** Segment routing for the runs tasks start (`drydock api --segment-queues`): OOB and switch work on each node's segment queue. */
  segmentRouting?: SegmentRouting;
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

  // Routes by area (src/api/routes); this order is the order of openapi.json's paths.
  if (deps.bootActions) registerBootActionRoutes(app, V1, deps.bootActions);
  registerHealthRoutes(app, deps);

  app.get('/api/v1.0/openapi.json', {}, async () => app.swagger());

  registerTaskRoutes(app, deps, tasks, enforce);
  registerNodeRoutes(app, deps);
  registerDesignRoutes(app, deps);

  return app;
}
