import { z } from 'zod';
import { processDesign, selectNodes } from '../../design';
import { formatFindings } from '../../design/format';
import { ApiError, badRequest, notFound } from '../errors';
import { parseNodeFilter } from '../node-filter';
import * as S from '../schemas';
import type { ApiServerDeps } from '../server';
import { type ApiApp, V1 } from './app';
import { boolParam } from './params';

/** `GET /nodes` (the node provisioner's report), a node's build data, and `POST /nodefilter`
 * (the names a node filter selects in a referenced design). */
export function registerNodeRoutes(app: ApiApp, deps: Pick<ApiServerDeps, 'nodes' | 'bootActions' | 'designs'>): void {
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
}
