import { BSONError, deserialize } from 'bson';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { NodeModel } from '../../../design/model';
import { MaasSession, nodeError } from './session';

/**
 * Hardware-profile device aliases name NICs by PCI address and disks by SCSI address, as the
 * hardware is cabled and racked; MAAS names interfaces and block devices as the kernel named
 * them at commissioning (eno1, ens1f0, sda). As Drydock does, the names come from the lshw
 * document that commissioning collected (MAAS: `GET machines/{id}/?op=details`, BSON holding the
 * lshw XML): the device whose `businfo` is `pci@<address>` or `scsi@<address>` has the kernel's
 * `logicalname`.
 */
export interface LshwDevices {
  /** PCI address (lower case) -> interface name, for `class="network"` nodes. */
  nics: Map<string, string>;
  /** SCSI address -> block device name without /dev/, for `class="disk"` nodes. */
  disks: Map<string, string>;
}

export class LshwError extends Error {
  override name = 'LshwError';
}

/** The lshw XML of a `?op=details` answer; '' when MAAS has none (never commissioned). */
export function lshwFromDetails(bson: Buffer): string {
  let doc: Record<string, unknown>;
  try {
    doc = deserialize(bson);
  } catch (err) {
    throw new LshwError(`the answer is not BSON (${err instanceof BSONError ? err.message : String(err)})`);
  }
  const lshw = doc.lshw as { buffer?: Uint8Array } | Uint8Array | undefined | null;
  if (lshw === undefined || lshw === null) return '';
  const bytes = lshw instanceof Uint8Array ? lshw : lshw.buffer;
  if (!(bytes instanceof Uint8Array)) throw new LshwError('its lshw field is not binary data');
  return Buffer.from(bytes).toString('utf8');
}

interface LshwNode {
  '@_class'?: string;
  businfo?: unknown;
  logicalname?: unknown[];
  node?: LshwNode[];
}

export function parseLshw(xml: string): LshwDevices {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new LshwError(`the lshw document is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    isArray: (name) => name === 'node' || name === 'logicalname',
  });
  const root = parser.parse(xml) as { list?: { node?: LshwNode[] }; node?: LshwNode[] };
  const out: LshwDevices = { nics: new Map(), disks: new Map() };
  const visit = (nodes: LshwNode[] | undefined): void => {
    for (const n of nodes ?? []) {
      const businfo = typeof n.businfo === 'string' ? n.businfo.trim() : '';
      const names = (n.logicalname ?? []).filter((x): x is string => typeof x === 'string').map((x) => x.trim());
      const at = businfo.indexOf('@');
      if (at > 0 && names.length > 0) {
        const address = businfo.slice(at + 1).toLowerCase();
        if (n['@_class'] === 'network') out.nics.set(address, names[0]);
        if (n['@_class'] === 'disk') {
          const dev = names.find((x) => x.startsWith('/dev/'));
          if (dev) out.disks.set(address, dev.slice('/dev/'.length));
        }
      }
      visit(n.node);
    }
  };
  visit(root.list?.node ?? root.node);
  return out;
}

function listed(map: Map<string, string>): string {
  return [...map.entries()].map(([address, name]) => `${name} at ${address}`).join(', ') || 'none';
}

/**
 * The node with every aliased NIC and disk renamed to the machine's kernel name (the alias and
 * address are kept for messages). Reads MAAS only when the node uses aliases.
 */
export async function withKernelDeviceNames(session: MaasSession, node: NodeModel, systemId: string): Promise<NodeModel> {
  const aliasedNics = node.interfaces.some((i) => i.slaves.some((s) => s.address !== undefined));
  const aliasedDisks = node.storage.physicalDevices.some((d) => d.alias !== undefined);
  if (!aliasedNics && !aliasedDisks) return node;

  const bytes = await session.client.getBinary(`machines/${encodeURIComponent(systemId)}/`, { op: 'details' }, session.ctx.signal);
  let devices: LshwDevices;
  try {
    const xml = lshwFromDetails(bytes);
    if (!xml.trim()) {
      throw nodeError(node, 'InvalidRequest', `MAAS has no commissioning data (lshw) for machine ${systemId}, so the hardware profile's device aliases cannot be matched to its NICs and disks; commission it first (ConfigureHardware)`, { systemId });
    }
    devices = parseLshw(xml);
  } catch (err) {
    if (err instanceof LshwError) throw nodeError(node, 'InvalidRequest', `the commissioning data MAAS holds for machine ${systemId} cannot be read: ${err.message}`, { systemId });
    throw err;
  }

  const profile = node.hardwareProfile ? ` of hardware profile ${node.hardwareProfile}` : '';
  return {
    ...node,
    interfaces: node.interfaces.map((iface) => ({
      ...iface,
      slaves: iface.slaves.map((s) => {
        if (s.address === undefined) return s;
        const name = devices.nics.get(s.address.toLowerCase());
        if (!name) {
          throw nodeError(node, 'InvalidRequest', `device alias ${s.alias ?? s.address}${profile} (PCI ${s.address}, a slave of interface ${iface.name}) is not a NIC of MAAS machine ${systemId}; its commissioning data lists: ${listed(devices.nics)}`, { systemId, alias: s.alias ?? null });
        }
        return { ...s, name };
      }),
    })),
    storage: {
      ...node.storage,
      physicalDevices: node.storage.physicalDevices.map((d) => {
        if (d.alias === undefined) return d;
        const name = devices.disks.get(d.name.toLowerCase());
        if (!name) {
          throw nodeError(node, 'InvalidRequest', `device alias ${d.alias}${profile} (SCSI ${d.name}) is not a disk of MAAS machine ${systemId}; its commissioning data lists: ${listed(devices.disks)}`, { systemId, alias: d.alias });
        }
        return { ...d, name };
      }),
    },
  };
}
