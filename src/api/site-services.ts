import type { CompiledSite } from '../design/model';
import { standaloneContext } from '../drivers/context';
import { createKubernetesDriver } from '../drivers/kubernetes';
import { createNetworkDriver } from '../drivers/network';
import { createNodeDriver } from '../drivers/node';
import { MaasClient } from '../drivers/node/maas/client';
import { parseMaasApiKey } from '../drivers/node/maas/oauth';
import type { MaasMachine } from '../drivers/node/maas/types';
import { SecretResolver } from '../secrets/resolver';

/**
 * The services of the site this API server reports on (`--site-design`): its node driver's
 * endpoint for /health/extended, and the node provisioner's machines for GET /nodes. Without a
 * site design the server reports only on Temporal and answers /nodes with an empty list.
 */
export interface ServiceProbe {
  name: string;
  check(): Promise<{ ok: boolean; message: string }>;
}

/** One node as Drydock's NodesResource reports it. */
export type NodeReportEntry = {
  hostname: string;
  memory: number | null;
  cpu_count: number | null;
  status_name: string | null;
  boot_mac: string | null;
  power_state: string | null;
  power_address: string | null;
  boot_ip: string | null;
};

export interface NodeReporter {
  nodes(): Promise<NodeReportEntry[]>;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function probe(run: () => Promise<{ ok: boolean; message: string }>): Promise<{ ok: boolean; message: string }> {
  try {
    const { ok, message } = await run();
    return { ok, message };
  } catch (err) {
    return { ok: false, message: reason(err) };
  }
}

/** Builds a driver on first use and keeps it: a driver holds its session and connection state,
 * which a health check on every request should reuse, as the activities' driverCache does. */
function once<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

/** The site's node, network and Kubernetes drivers, each checked with its Validate*Services action. */
export function siteProbes(site: CompiledSite, secrets: SecretResolver = new SecretResolver()): ServiceProbe[] {
  const { node, network, kubernetes } = site.region.drivers;
  const ctx = () => standaloneContext({ signal: AbortSignal.timeout(10_000) });
  const { nodes: _nodes, ...siteContext } = site;
  const probes: ServiceProbe[] = [];
  if (node) {
    const driver = once(() => createNodeDriver(node, { secrets }));
    probes.push({
      name: `node driver (${node.type}${node.type === 'maas' ? ` at ${node.apiUrl}` : ''})`,
      check: () => probe(() => driver().validateNodeServices(ctx())),
    });
  }
  if (network) {
    const driver = once(() => createNetworkDriver(network, { secrets }));
    probes.push({ name: `network driver (${network.type})`, check: () => probe(() => driver().validateNetworkServices(siteContext, ctx())) });
  }
  if (kubernetes) {
    const driver = once(() => createKubernetesDriver(kubernetes, { secrets }));
    probes.push({ name: `kubernetes driver (${kubernetes.type})`, check: () => probe(() => driver().validateKubernetesServices(ctx())) });
  }
  return probes;
}

export function nodeReporterFor(site: CompiledSite, secrets: SecretResolver = new SecretResolver()): NodeReporter {
  const config = site.region.drivers.node;
  if (config?.type === 'maas') {
    return {
      async nodes() {
        const apiKey = parseMaasApiKey(secrets.resolve(config.apiKey, `MAAS API key for ${config.apiUrl}`));
        const client = new MaasClient({ apiUrl: config.apiUrl, apiKey, keyReference: config.apiKey, caBundle: config.caBundle, timeoutMs: 10_000, getRetries: 1 });
        const machines = await client.get<MaasMachine[]>('machines/');
        type PowerParameters = Record<string, { power_address?: string } | undefined>;
        const power: PowerParameters = await client.get<PowerParameters>('machines/', { op: 'power_parameters' }).catch((): PowerParameters => ({}));
        return machines.map((m) => ({
          hostname: m.hostname,
          memory: m.memory ?? null,
          cpu_count: m.cpu_count ?? null,
          status_name: m.status_name ?? null,
          boot_mac: m.boot_interface?.mac_address ?? null,
          power_state: m.power_state ?? null,
          power_address: power[m.system_id]?.power_address ?? null,
          boot_ip: m.boot_interface?.links?.find((l) => l.ip_address)?.ip_address ?? m.ip_addresses?.[0] ?? null,
        }));
      },
    };
  }
  // The sim driver keeps its machines in the worker's memory: report the design's nodes.
  return {
    nodes: () =>
      Promise.resolve(
        site.nodes.map((n) => ({
          hostname: n.name,
          memory: null,
          cpu_count: null,
          status_name: config ? null : 'no node driver',
          boot_mac: n.bootMac ?? null,
          power_state: null,
          power_address: n.oob.address ?? null,
          boot_ip: null,
        })),
      ),
  };
}
