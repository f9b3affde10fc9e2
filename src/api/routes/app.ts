import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

/** What every route module registers on: the API's Fastify app, typed by its zod schemas. */
export type ApiApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** The prefix of Drydock's REST API v1.0. */
export const V1 = '/api/v1.0';

/** Checks a policy rule for a request (401/403 when it fails). Routes call it for a rule they
 * learn only from the body, such as the rule of a task's action. */
export type Enforce = (request: FastifyRequest, rule: string) => void;
