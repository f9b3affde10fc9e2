import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { packageRoot } from '../src/tools/package-info';

/**
 * A lab-sized variant of the example site (examples/site): the same region, networks, profiles
 * and boot actions, with any number of nodes whose BMCs sit on the ports given (free ports, so
 * several labs can run at once), and without switches unless asked. For the crash-survival
 * tests and `npm run bench -- --lab`.
 */
export interface LabSiteDesignOptions {
  nodes: number;
  /** Every other node is Redfish (behind one sushy-emulator on this port), the rest IPMI. */
  redfishPort: number;
  /** One port per IPMI node, in order. */
  ipmiPorts: number[];
  maasPort: number;
  /** Node names get this prefix (default `n`). */
  prefix?: string;
  /** The site's name (the Region's), default the example's `lab1`. Labs that run at the same time
   * need names of their own: drydock serialises each site's site steps (one lock per site name),
   * so two labs both called lab1 would wait on each other's lock. */
  siteName?: string;
  /** Extra `oob.*` params for every node (poll_interval_ms, power_timeout_s, ...). */
  oobParams?: Record<string, unknown>;
}

export interface LabSiteDesign {
  text: string;
  nodes: Array<{ name: string; bmc: 'redfish' | 'ipmi'; rack: string }>;
}

const EXAMPLE = (): string => join(packageRoot(), 'examples', 'site');

export function labSiteDesign(options: LabSiteDesignOptions): LabSiteDesign {
  const prefix = options.prefix ?? 'n';
  const docs: string[] = [];
  for (const file of ['region.yaml', 'networks.yaml', 'racks.yaml', 'profiles.yaml', 'bootactions.yaml']) {
    for (const doc of parseAllDocuments(readFileSync(join(EXAMPLE(), file), 'utf8'))) {
      const schema = doc.get('schema');
      if (schema === 'drydock/Region/v1') {
        if (options.siteName) doc.setIn(['metadata', 'name'], options.siteName);
        doc.setIn(['data', 'drivers', 'node', 'api_url'], `http://127.0.0.1:${options.maasPort}/MAAS`);
        doc.deleteIn(['data', 'drivers', 'network']);
      }
      if (schema === 'drydock/Rack/v1') doc.deleteIn(['data', 'tor_switches']);
      docs.push(doc.toString());
    }
  }
  const nodes: LabSiteDesign['nodes'] = [];
  let ipmiIndex = 0;
  for (let i = 0; i < options.nodes; i++) {
    const name = `${prefix}${String(i + 1).padStart(3, '0')}`;
    const bmc: 'redfish' | 'ipmi' = i % 2 === 0 ? 'redfish' : 'ipmi';
    const rack = i % 2 === 0 ? 'rack1' : 'rack2';
    if (bmc === 'ipmi' && ipmiIndex >= options.ipmiPorts.length) throw new Error(`labSiteDesign: ${options.ipmiPorts.length} IPMI port(s) for more IPMI nodes`);
    const oob =
      bmc === 'redfish'
        ? { type: 'redfish', account: 'admin', credential: 'secret:bmc-redfish', address: '127.0.0.1', port: options.redfishPort, system_id: name, use_https: false, '!min_command_gap_ms': null }
        : { type: 'ipmi', port: options.ipmiPorts[ipmiIndex++] };
    Object.assign(oob, options.oobParams ?? {});
    const host = Math.floor(i / 250);
    const data = {
      host_profile: i % 4 < 2 ? 'compute' : 'control',
      oob,
      addressing: [
        { network: 'pxe', address: 'dhcp' },
        { network: 'mgmt', address: `172.30.${10 + host * 100}.${(i % 240) + 10}` },
        { network: i % 4 < 2 ? 'storage' : 'public', address: i % 4 < 2 ? `172.30.${20 + host * 100}.${(i % 240) + 10}` : `198.51.${100 + host}.${(i % 240) + 10}` },
      ],
      metadata: { rack, owner_data: { role: i % 4 < 2 ? 'compute' : 'control', rack } },
    };
    docs.push(stringify({ schema: 'drydock/BaremetalNode/v1', metadata: { schema: 'metadata/Document/v1', name }, data }));
    nodes.push({ name, bmc, rack });
  }
  return { text: docs.map((d) => `---\n${d}`).join(''), nodes };
}
