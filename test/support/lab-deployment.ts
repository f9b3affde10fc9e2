import type { Client } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SiteProgress } from '../../src/contracts/deployment';
import { processDesign } from '../../src/design';
import { exampleCredentials, loadExampleSite } from '../../lab/demo/example-site';
import { probeLabSwitchSupport } from '../../lab/switch';
import { labSiteDesign } from '../../lab/lab-site-design';
import { type SiteLab, startSiteLab } from '../../lab/site-lab';
import type { EmulatorConfigInput } from '../../lab/maas/config';
import { SecretResolver } from '../../src/secrets/resolver';
import { pollUntil } from '../../src/tools/poll';
import { freePort } from '../../src/tools/ports';
import { REPO_ROOT } from './paths';

/** A lab (sushy-emulator, ipmi_sim, the MAAS emulator) and a design of its nodes, for e2e tests
 * that deploy on the real stack and count side effects at the emulators. */
export interface LabDeployment {
  lab: SiteLab;
  nodes: string[];
  site: string;
  env: Record<string, string>;
  design: { type: 'inline'; sources: Array<{ name: string; text: string }> };
  /** The sushy-emulator every Redfish node's BMC is behind. */
  redfishPort: number;
}

export async function labDeployment(name: string, options: { nodes?: number; durations?: NonNullable<EmulatorConfigInput['durations']>; oobParams?: Record<string, unknown> } = {}): Promise<LabDeployment> {
  const dir = mkdtempSync(join(tmpdir(), `drydock-${name}-`));
  const credentials = exampleCredentials(dir);
  const env = { ...credentials.env, DRYDOCK_SECRETS_FILE: credentials.secretsFile };
  const count = options.nodes ?? 2;
  const redfishPort = await freePort();
  // Every other node is IPMI, each with an ipmi_sim of its own.
  const ipmiPorts: number[] = [];
  for (let i = 0; i < Math.max(1, Math.floor(count / 2)); i++) ipmiPorts.push(await freePort());
  const { text, nodes } = labSiteDesign({ nodes: count, prefix: name.slice(0, 1), siteName: `lab-${name}`, redfishPort, ipmiPorts, maasPort: await freePort(), oobParams: options.oobParams });
  const compiled = processDesign([{ name: 'lab.yaml', text }]);
  if (!compiled.site) throw new Error('the lab design does not compile');
  const lab = await startSiteLab({
    site: compiled.site,
    secrets: new SecretResolver({ env: { ...process.env, ...env } }),
    stateDir: dir,
    // Deploying takes long enough to crash in the middle of it.
    maas: { bmcPollMs: 200, durations: options.durations ?? { enlistingSeconds: 4, commissioningSeconds: 2, deployingSeconds: 25, releasingSeconds: 1, importSeconds: 0.2 } },
  });
  return { lab, nodes: nodes.map((n) => n.name), site: compiled.site.name, env, design: { type: 'inline', sources: [{ name: 'lab.yaml', text }] }, redfishPort };
}

/** The MAAS emulator's counters for a node's machine, found by its lab key (the PXE NIC's MAC),
 * so a machine drydock never identified (still under MAAS's random hostname) is counted too. */
export function maasCounts(d: LabDeployment, node: string): Record<string, number> {
  const key = d.lab.maasLabKey(node);
  const stats = d.lab.maas!.stats();
  return Object.values(stats.machines).find((m) => m.lab === key)?.counts ?? stats.byHostname[node] ?? {};
}

/**
 * The example site (examples/site: 8 nodes in 2 racks, Redfish and IPMI BMCs, two switches) on a
 * lab of its own. The design's fixed ports (the Redfish service, the four IPMI BMCs, MAAS), its
 * site name, its switches' management addresses and the lab's key and known_hosts files are
 * replaced by free ones, so it can run beside example-site.test.ts and the demo. Without
 * network namespaces here, the Region's network driver is removed (the switch steps skip).
 * `oobSegments`: each rack's BMCs on an OOB network of its own (`oob-<rack>`, each node's
 * `oob.network`), the segments of segment queues; `segments` maps node -> segment then.
 */
export async function exampleLabDeployment(
  name: string,
  options: { durations?: NonNullable<EmulatorConfigInput['durations']>; oobSegments?: boolean } = {},
): Promise<LabDeployment & { switchesSkipped?: string; segments: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), `drydock-${name}-`));
  const credentials = exampleCredentials(dir);
  const env = { ...credentials.env, DRYDOCK_SECRETS_FILE: credentials.secretsFile };
  const switches = probeLabSwitchSupport();
  const example = await loadExampleSite(join(REPO_ROOT, 'examples', 'site'), { withoutNetworkDriver: !switches.ok });
  const ports = new Map<string, number>();
  const portFor = async (old: string): Promise<number> => ports.get(old) ?? (ports.set(old, await freePort()), ports.get(old)!);
  for (const old of ['18000', '16231', '16232', '16233', '16234', '5240']) await portFor(old);
  const mgmt = new Map<string, string>();
  const subnet = 1 + Math.floor(Math.random() * 250); // 10.254.<subnet>.x/30s, random against a concurrent lab's
  const site = `lab-${name}`;
  let sources = example.sources.map((source) => ({
    name: source.name,
    text: source.text
      .replace(/^(\s+port: )(18000|1623[1-4])$/gm, (_, prefix: string, old: string) => `${prefix}${ports.get(old)}`)
      .replace('http://127.0.0.1:5240/MAAS', `http://127.0.0.1:${ports.get('5240')}/MAAS`)
      .replace(/^( {2}name: )lab1$/m, `$1${site}`)
      .replace(/mgmt_ip: (10\.254\.\d+\.2)$/gm, (_, old: string) => `mgmt_ip: ${mgmt.get(old) ?? (mgmt.set(old, `10.254.${subnet}.${4 * mgmt.size + 2}`), mgmt.get(old))}`)
      .replaceAll('~/.cache/drydock-temporal/lab/', `${dir}/`),
  }));
  const segments: Record<string, string> = {};
  if (options.oobSegments) {
    const racks = [...new Set(example.site.nodes.map((n) => n.rack ?? 'none'))];
    for (const n of example.site.nodes) segments[n.name] = `oob-${n.rack ?? 'none'}`;
    sources = sources.map((source) => {
      const docs = parseAllDocuments(source.text);
      const nodeDocs = docs.filter((doc) => doc.getIn(['schema']) === 'drydock/BaremetalNode/v1');
      for (const doc of nodeDocs) doc.setIn(['data', 'oob', 'network'], segments[String(doc.getIn(['metadata', 'name']))]);
      return nodeDocs.length > 0 ? { name: source.name, text: docs.map((doc) => doc.toString()).join('') } : source;
    });
    const network = (rack: string, i: number): string =>
      `---\nschema: drydock/Network/v1\nmetadata:\n  schema: metadata/Document/v1\n  name: oob-${rack}\n  storagePolicy: cleartext\ndata:\n  cidr: 10.253.${i + 1}.0/24\n  mtu: 1500\n`;
    sources.push({ name: 'oob-segments.yaml', text: racks.map(network).join('') });
  }
  const compiled = processDesign(sources);
  if (!compiled.site || compiled.site.name !== site) throw new Error(`the rewritten example design does not compile as site ${site}: ${compiled.findings.map((f) => f.message).join('; ')}`);
  const lab = await startSiteLab({
    site: compiled.site,
    secrets: new SecretResolver({ env: { ...process.env, ...env } }),
    stateDir: dir,
    maas: { bmcPollMs: 200, durations: options.durations ?? { enlistingSeconds: 4, commissioningSeconds: 4, deployingSeconds: 20, releasingSeconds: 1, importSeconds: 0.2 } },
  });
  return { lab, nodes: compiled.site.nodes.map((n) => n.name), site, env, design: { type: 'inline', sources }, redfishPort: ports.get('18000')!, switchesSkipped: lab.switchesSkipped ?? (switches.ok ? undefined : switches.reason), segments };
}

/** Power commands our driver sent: what the emulator counted, less what MAAS sent itself. */
export function driverPowerCommands(d: LabDeployment, node: string): number {
  const stats = maasCounts(d, node);
  return d.lab.bmcCommands(node).power - (stats.bmc_power_commands ?? 0);
}

/** Side effects per node, as the emulators counted them. MAAS's own BMC commands (its power
 * driver sets PXE boot before every power-on: lab/maas/bmc.ts pxeBootAndPowerOn) are counted by
 * the MAAS emulator and told apart from drydock's. */
export function sideEffects(d: LabDeployment, node: string): Record<string, number> {
  const stats = maasCounts(d, node);
  const bmc = d.lab.bmcCommands(node);
  const maasBoot = stats.bmc_power_on ?? 0;
  return {
    commission: stats.commission ?? 0,
    deploy: stats.deploy ?? 0,
    release: stats.release ?? 0,
    ourPowerCommands: driverPowerCommands(d, node),
    maasPowerCommands: stats.bmc_power_commands ?? 0,
    ourBootCommands: bmc.boot - maasBoot,
    maasBootCommands: maasBoot,
  };
}

/** The side effects of every node as a table, for the suite's output and reports. */
export function sideEffectTable(d: LabDeployment, title: string): string {
  const columns: Array<[string, string]> = [
    ['commission', 'commissionings'],
    ['deploy', 'deployments'],
    ['release', 'releases'],
    ['ourPowerCommands', 'power cmds (drydock)'],
    ['maasPowerCommands', 'power cmds (MAAS)'],
    ['ourBootCommands', 'boot cmds (drydock)'],
    ['maasBootCommands', 'boot cmds (MAAS)'],
  ];
  const rows = d.nodes.map((n) => {
    const counts = sideEffects(d, n);
    const kind = d.lab.ipmi.has(n) ? 'ipmi_sim' : 'sushy';
    return [`${n} (${kind})`, ...columns.map(([key]) => String(counts[key]))];
  });
  const header = ['node', ...columns.map(([, label]) => label)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [`side effects per node at the emulators: ${title}`, line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export async function waitUntilDeploying(client: Client, workflowId: string, d: LabDeployment): Promise<void> {
  await pollUntil(
    async () => {
      const progress = await client.workflow.getHandle(workflowId).query<SiteProgress>('progress');
      if (progress.phase === 'done') throw new Error(`the run ended before the crash: ${JSON.stringify(progress.result?.failures)}`);
      const statuses = Object.values(d.lab.maas!.stats().machines).map((m) => m.status);
      return statuses.length === d.nodes.length && statuses.every((s) => s === 'Deploying') ? true : undefined;
    },
    { timeoutMs: 240_000, intervalMs: 500, what: 'every machine to be Deploying', isFatal: (e) => e instanceof Error && e.message.startsWith('the run ended') },
  );
}
