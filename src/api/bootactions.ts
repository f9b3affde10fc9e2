/**
 * Boot-action delivery and build data on the REST API (issue 16), over the libraries in
 * src/bootactions and src/builddata:
 *
 * - `GET /bootactions/nodes/{hostname}/units|files`: the node's assets as a gzipped tarball, for
 *   a request carrying the node's `X-Bootaction-Key` (key only, no policy rule: as Drydock).
 * - `POST /bootactions/{id}`: a report; once stored, it is signalled to the node's workflow and
 *   its details are kept as build data.
 * - `GET /nodes/{hostname}/builddata[?latest=true]`, `GET /tasks/{id}/builddata`: build data.
 */
import type { FastifyInstance } from 'fastify';
import type { BootActionReportEvent } from '../contracts/bootactions';
import { nodeAssets, postReport } from '../bootactions/delivery';
import type { BootActionRecord, Report } from '../bootactions/reports';
import type { BootActionStore } from '../bootactions/store';
import { bootActionBuildData, type BuildData, type BuildDataInput, type BuildDataQuery } from '../builddata/store';
import type { NodeModel } from '../design/model';
import type { SiteContext } from '../contracts/site-context';

export interface BuildDataReader {
  put(input: BuildDataInput | BuildDataInput[]): Promise<void>;
  forNode(nodeName: string, q?: BuildDataQuery): Promise<BuildData[]>;
  forTask(taskId: string, q?: Omit<BuildDataQuery, 'latest'>): Promise<BuildData[]>;
}

export interface BootActionDeps {
  store: BootActionStore;
  buildData: BuildDataReader;
  /** The compiled design a node context names (its design reference), with the node in it. */
  loadDesign: (designRef: string, hostname: string) => Promise<{ site: SiteContext; node: NodeModel | undefined }>;
  /** Delivers an accepted report to the node's workflow (`node:<site>:<node>`). */
  signalReport: (site: string, event: BootActionReportEvent) => Promise<void>;
  /** What templates get as `action.report_url`: this API's `.../api/v1.0/bootactions/`. */
  reportUrl: string;
  /** Bounds for fetching `location` assets (the design-reference rules). */
  fetchLocation?: (url: string) => Promise<Uint8Array>;
}

function keyOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const k = headers['x-bootaction-key'];
  return Array.isArray(k) ? k[0] : k;
}

/** The event the node workflow gets: no key, no key hash, no extra fields. */
export function reportEvent(record: BootActionRecord, report: Report, at: string): BootActionReportEvent {
  return {
    actionId: record.actionId,
    actionName: record.actionName,
    node: record.nodeName,
    ...(report.status ? { status: report.status } : {}),
    details: report.details.map((d) => ({ message: d.message, error: d.error })),
    at,
  };
}

export function registerBootActionRoutes(app: FastifyInstance, v1: string, deps: BootActionDeps): void {
  for (const type of ['units', 'files'] as const) {
    app.get<{ Params: { hostname: string } }>(`${v1}/bootactions/nodes/:hostname/${type}`, async (request, reply) => {
      const { hostname } = request.params;
      const out = await nodeAssets(deps.store, {
        hostname,
        type: type === 'units' ? 'unit' : 'file',
        presentedKey: keyOf(request.headers),
        loadDesign: (ref) => deps.loadDesign(ref, hostname),
        reportUrl: deps.reportUrl,
        ...(deps.fetchLocation ? { render: { fetchLocation: deps.fetchLocation } } : {}),
      });
      if (out.status !== 200) return reply.code(out.status).type('application/json').send({ type: 'error', message: out.body.message, retry: false });
      return reply.code(200).type('application/gzip').header('Content-Disposition', `attachment; filename="${out.filename}"`).send(out.body);
    });
  }

  app.post<{ Params: { action_id: string } }>(`${v1}/bootactions/:action_id`, async (request, reply) => {
    const at = new Date();
    const out = await postReport(deps.store, request.params.action_id, keyOf(request.headers), request.body, at);
    if (out.status !== 200) return reply.code(out.status).type('application/json').send({ type: 'error', message: out.body.message, retry: out.status === 409 && /retry/.test(out.body.message) });
    const ctx = await deps.store.getNodeContext(out.record.nodeName);
    // The report is stored: the workflow and build data follow; a failure to reach either is
    // logged, not the node's problem (the stored record is the truth the node asked for).
    try {
      const { site, node } = await deps.loadDesign(ctx?.designRef ?? '', out.record.nodeName);
      await deps.signalReport(node?.site ?? site.name, reportEvent(out.record, out.report, at.toISOString()));
    } catch (err) {
      process.stderr.write(`drydock api: boot action ${out.record.actionId} of ${out.record.nodeName}: the node workflow was not signalled: ${(err as Error).message}\n`);
    }
    await deps.buildData.put(bootActionBuildData(out.record, at));
    return reply.code(200).type('application/json').send(out.body);
  });
}
