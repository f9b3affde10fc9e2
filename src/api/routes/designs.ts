import { processDesign } from '../../design';
import { badRequest } from '../errors';
import * as S from '../schemas';
import type { ApiServerDeps } from '../server';
import { validationStatus } from '../validation';
import { type ApiApp, V1 } from './app';

/** `POST /validatedesign`: the findings of a referenced design, as Drydock's validation status. */
export function registerDesignRoutes(app: ApiApp, deps: Pick<ApiServerDeps, 'designs'>): void {
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
}
