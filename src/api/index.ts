import { readFileSync } from 'node:fs';
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
  return buildApiServer({
    drydock,
    auth: new Authenticator(verifiers),
    policy,
    designs: new DesignRefResolver({ roots: config.designRoots, allowHosts: config.allowHosts, maxBytes: config.maxDesignBytes }),
    probes,
    nodes: site ? nodeReporterFor(site) : undefined,
    rateLimitPerMinute: config.rateLimitPerMinute,
    log: config.log,
    https,
  });
}
