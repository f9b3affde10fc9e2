import type { FastifyInstance } from 'fastify';
import { buildApiServer, PolicyEngine } from '../src/api';
import { Authenticator, type TokenVerifier } from '../src/api/auth';
import { designLoader } from '../src/api';
import { DesignRefResolver } from '../src/api/design-refs';
import type { BuildDataDatabase } from '../src/builddata';
import type { DrydockClient } from '../src/client';
import { bootActionReportSignal } from '../src/contracts/bootactions';
import { nodeWorkflowId } from '../src/contracts/deployment';
import type { CompiledSite } from '../src/design/model';
import { freePort } from '../src/tools/ports';

/**
 * The boot-action half of `drydock api` for a one-machine lab (the demo, the e2e tests): the
 * routes the deploying nodes call (units, files, reports) and the build-data routes, on
 * 127.0.0.1, over the build-data database the worker's DeployNode writes the nodes' keys to.
 *
 * The embedded database (PGlite) is one process's: the demo opens it once and hosts both this
 * API and the worker in its own process; a production API and worker share PostgreSQL
 * (`--build-data-url`). The deployed design is served as `design:<site>` (the worker's boot-action
 * `designRef`), so what the node gets is rendered from exactly the design that was deployed.
 */
export interface LabBootActionApiOptions {
  drydock: DrydockClient;
  db: BuildDataDatabase;
  site: CompiledSite;
  host?: string;
  port?: number;
  /** Who may read build data (GET /nodes/{hostname}/builddata); none: only the nodes' routes answer. */
  verifiers?: TokenVerifier[];
}

export interface LabBootActionApi {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** What the worker gets as its boot-action API: `<url>/api/v1.0`. */
  apiUrl: string;
  /** The worker's boot-action delivery settings for this API. */
  delivery: { store: BuildDataDatabase['bootActions']; apiUrl: string; designRef: () => string };
  close(): Promise<void>;
}

export async function startLabBootActionApi(options: LabBootActionApiOptions): Promise<LabBootActionApi> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const url = `http://${host}:${port}`;
  const designs = new DesignRefResolver({ roots: [], allowHosts: [] });
  const app = await buildApiServer({
    drydock: options.drydock,
    auth: new Authenticator(options.verifiers ?? []),
    policy: PolicyEngine.fromFile(undefined),
    designs,
    log: () => undefined,
    bootActions: {
      store: options.db.bootActions,
      buildData: options.db.buildData,
      loadDesign: designLoader(designs, options.site),
      reportUrl: `${url}/api/v1.0/bootactions/`,
      signalReport: async (site, event) => options.drydock.client.workflow.getHandle(nodeWorkflowId(site, event.node)).signal(bootActionReportSignal, event),
    },
  });
  await app.listen({ host, port });
  return {
    app,
    url,
    apiUrl: `${url}/api/v1.0`,
    delivery: { store: options.db.bootActions, apiUrl: `${url}/api/v1.0`, designRef: () => `design:${options.site.name}` },
    close: () => app.close(),
  };
}
