import type { NetworkModel, NodeModel } from '../../../src/design/model';
import type { SiteContext } from '../../../src/contracts/site-context';

/** A node and the part of a site its boot actions render over. */
function net(name: string, cidr: string, domain?: string): NetworkModel {
  return { name, cidr, routes: [], ranges: [], dns: { ...(domain ? { domain } : {}), servers: [] }, labels: {} };
}

export const site = { networks: { oam: net('oam', '10.0.0.0/24', 'oam.lab'), pxe: net('pxe', '10.1.0.0/24') } } as unknown as SiteContext;
export const node = {
  name: 'n1',
  site: 'lab',
  profiles: [],
  primaryNetwork: 'oam',
  tags: ['compute'],
  labels: { rack: 'r1' },
  addressing: [
    { network: 'oam', address: '10.0.0.5' },
    { network: 'pxe', address: 'dhcp' },
  ],
  interfaces: [{ name: 'eth0', slaves: [], networks: ['oam'], labels: {}, switchPorts: [], sriov: { vfCount: 4, trustMode: true } }],
  bootActions: ['hello'],
} as unknown as NodeModel;
