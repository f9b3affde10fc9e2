import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootActionReportSignal } from '../contracts/bootactions';
import { nodeWorkflowId, type SegmentRouting } from '../contracts/deployment';
import { type BuildDataDatabase, openBuildDataDatabase } from '../builddata';
import { startRetention } from '../builddata/retention';
import type { BootActionDeps } from './bootactions';
import type { FastifyInstance } from 'fastify';
import type { DrydockClient } from '../client';
import { processDesign } from '../design';
import type { CompiledSite } from '../design/model';
import { readDesignSources } from '../design/read-files';
import { Authenticator, JwtVerifier, KeystoneVerifier, TokenFileVerifier, TokenVerifier } from './auth';
import { DesignRefResolver } from './design-refs';
import { PolicyEngine } from './policy';
import { buildApiServer } from './server';
import { nodeReporterFor, siteProbes } from './site-services';

export { buildApiServer } from './server';
export { registerBootActionRoutes, reportEvent, type BootActionDeps } from './bootactions';
export type { ApiServerDeps } from './server';
export { PolicyEngine, DEFAULT_POLICY } from './policy';
export { DesignRefResolver } from './design-refs';
export { hashToken } from './auth';
export { TASK_WORKFLOW_PREFIX, taskIdOfWorkflow, workflowIdOfTask } from './tasks';

/** Everything `drydock api` is configured with (flags or environment). */
export interface ApiConfig {
  listen: { host: string; port: number };
  tls?: { certPath: string; keyPath: string };
  tokenFile?: string;
  jwt?: { jwksUrl: string; issuer?: string; audience?: string; rolesClaim?: string };
  keystoneUrl?: string;
  policyFile?: string;
  designRoots: string[];
  allowHosts: string[];
  maxDesignBytes?: number;
  /** Files or folders of the site whose node provisioner /nodes and /health/extended report on. */
  siteDesign?: string[];
  rateLimitPerMinute?: number;
  log?: (entry: Record<string, unknown>) => void;
  /** The build-data database (PostgreSQL URL); without it, PGlite under `stateDir`. */
  buildDataUrl?: string;
  /** Where the embedded build-data database lives (`<stateDir>/builddata`); none: no boot-action routes. */
  stateDir?: string;
  /** The API base nodes reach, e.g. `http://10.0.0.1:9000` (default: the listen address). */
  publicUrl?: string;
  /** Delete build data older than this (`30d`, `12h`), on start and hourly; none: keep everything. */
  buildDataRetention?: string;
  /** Runs started by tasks put OOB and switch work on each node's segment queue (see docs/worker.md). */
  segmentRouting?: SegmentRouting;
}

/** The node-facing base of the API (what boot-action templates get as `action.report_url`). */
export function apiBaseUrl(config: Pick<ApiConfig, 'publicUrl' | 'listen' | 'tls'>): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  return `${config.tls ? 'https' : 'http'}://${host}:${config.listen.port}`;
}

/** The build-data database `drydock api` and the worker open: `--build-data-url`, else PGlite in the state dir. */
export async function openConfiguredBuildData(config: { buildDataUrl?: string; stateDir?: string }): Promise<BuildDataDatabase | undefined> {
  if (config.buildDataUrl) return openBuildDataDatabase({ url: config.buildDataUrl });
  if (config.stateDir) return openBuildDataDatabase({ dataDir: join(config.stateDir, 'builddata') });
  return undefined;
}

/** Loads the design of a boot-action context, through the same rules as any design reference. */
export function designLoader(designs: DesignRefResolver, siteDesign?: CompiledSite): BootActionDeps['loadDesign'] {
  const split = (compiled: CompiledSite, hostname: string): Awaited<ReturnType<BootActionDeps['loadDesign']>> => {
    const { nodes, ...site } = compiled;
    return { site, node: nodes.find((n) => n.name === hostname) };
  };
  return async (designRef, hostname) => {
    // `design:<site>`: a worker that read no files (inline designs) names the site; the API's
    // --site-design serves it.
    const named = /^design:(.+)$/.exec(designRef)?.[1];
    if (named !== undefined) {
      if (siteDesign?.name === named) return split(siteDesign, hostname);
      throw new ApiConfigError(`design ${designRef}: this server has no --site-design for site ${named}`);
    }
    const resolved = await designs.resolve(designRef);
    const result = processDesign(resolved.sources);
    if (!result.ok || !result.site) throw new ApiConfigError(`design ${designRef} has errors`);
    return split(result.site, hostname);
  };
}

export class ApiConfigError extends Error {
  override name = 'ApiConfigError';
}

async function loadSite(paths: string[]): Promise<CompiledSite> {
  const result = processDesign(await readDesignSources(paths));
  if (!result.ok || !result.site) throw new ApiConfigError(`the site design ${paths.join(', ')} (--site-design) has errors; run drydock validate on it`);
  return result.site;
}

/** Builds the verifiers, policy, design resolver and site services, and the server on top. */
export async function createApiServer(config: ApiConfig, drydock: DrydockClient): Promise<FastifyInstance> {
  const verifiers: TokenVerifier[] = [];
  if (config.tokenFile) verifiers.push(new TokenFileVerifier(config.tokenFile));
  if (config.jwt) verifiers.push(new JwtVerifier(config.jwt));
  if (config.keystoneUrl) verifiers.push(new KeystoneVerifier({ url: config.keystoneUrl }));
  const policy = PolicyEngine.fromFile(config.policyFile);
  const site = config.siteDesign?.length ? await loadSite(config.siteDesign) : undefined;
  const probes = site ? siteProbes(site) : [];
  let https;
  if (config.tls) {
    try {
      https = { cert: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) };
    } catch (err) {
      throw new ApiConfigError(`cannot read the listener's certificate or key: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const designs = new DesignRefResolver({ roots: config.designRoots, allowHosts: config.allowHosts, maxBytes: config.maxDesignBytes });
  const db = await openConfiguredBuildData(config);
  const bootActions: BootActionDeps | undefined = db && {
    store: db.bootActions,
    buildData: db.buildData,
    loadDesign: designLoader(designs, site),
    reportUrl: `${apiBaseUrl(config)}/api/v1.0/bootactions/`,
    signalReport: async (siteName, event) => drydock.client.workflow.getHandle(nodeWorkflowId(siteName, event.node)).signal(bootActionReportSignal, event),
  };
  const app = await buildApiServer({
    drydock,
    auth: new Authenticator(verifiers),
    policy,
    designs,
    probes,
    nodes: site ? nodeReporterFor(site) : undefined,
    rateLimitPerMinute: config.rateLimitPerMinute,
    log: config.log,
    https,
    bootActions,
    segmentRouting: config.segmentRouting,
  });
  if (db) {
    const retention = config.buildDataRetention ? startRetention(db.buildData, { retention: config.buildDataRetention, log: (m) => void process.stderr.write(`drydock api: ${m}\n`) }) : undefined;
    app.addHook('onClose', async () => {
      retention?.stop();
      await db.close();
    });
  }
  return app;
}
