import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CompiledSite, NodeModel } from '../src/design/model';
import { parseCredentialReference } from '../src/secrets/reference';
import type { SecretResolver } from '../src/secrets/resolver';
import { expandHome } from '../src/tools/home-path';
import { IpmiSim, startIpmiSim } from './ipmi/ipmi-sim';
import { MaasEmulator, startMaasEmulator } from './maas';
import { type ExpectedAsset, NodeAgent, type NodeAgentOptions } from './node-agent';
import type { EmulatorConfigInput } from './maas/config';
import { startSushyEmulator, SushyEmulator } from './redfish/sushy-emulator';
import { generateKey, LabSwitch, probeLabSwitchSupport, startLabSwitch } from './switch';

/**
 * A lab that matches a site design: for every node its BMC (sushy-emulator Systems behind the
 * Redfish addresses the design names, one ipmi_sim per IPMI BMC), the MAAS emulator at the
 * design's MAAS URL with the machines' NICs, disks and BMCs, and a Linux switch in a network
 * namespace per top-of-rack switch (where namespaces can be made). Everything binds the
 * addresses the design gives (loopback). Credentials are resolved from the design's references,
 * as the worker will resolve them, so the emulators accept exactly what the worker sends.
 */
export interface SiteLabOptions {
  site: CompiledSite;
  secrets: SecretResolver;
  /** Folder for the MAAS emulator's state. */
  stateDir: string;
  /** MAAS emulator settings (durations, faults) over the lab's defaults. */
  maas?: Omit<EmulatorConfigInput, 'machines' | 'apiKey'>;
  /** Start the switches (default: when this machine can make network namespaces). */
  switches?: boolean;
  /** The node agent that plays each deployed machine's boot actions (default on, roots under
   * `<stateDir>/nodes`); false: deployed machines run nothing. */
  nodeAgent?: false | Partial<NodeAgentOptions>;
  log?: (message: string) => void;
}

export interface SiteLab {
  redfish: SushyEmulator[];
  ipmi: Map<string, IpmiSim>;
  maas?: MaasEmulator;
  /** Plays the deployed machines' boot actions (lab/node-agent). */
  nodeAgent?: NodeAgent;
  switches: Map<string, LabSwitch>;
  /** Why switches were not started, when they were not. */
  switchesSkipped?: string;
  /** What runs where, a line per component, for people. */
  describe(): string[];
  /** The MAAS emulator's lab key of a node's machine (its PXE NIC's MAC): the machine keeps
   * MAAS's random hostname until drydock identifies it, so counts are found by this key. */
  maasLabKey(node: string): string | undefined;
  /** Power and boot commands each node's BMC received, as the emulators count them. */
  bmcCommands(node: string): { power: number; boot: number };
  /** Stops the MAAS emulator (its port then refuses connections; its state file keeps
   * everything, as MAAS keeps its state in its PostgreSQL database) and starts a new one on the
   * same port from that state file, once `down` resolves. `maas` is then the new emulator. */
  restartMaas(down: () => Promise<void>): Promise<MaasEmulator>;
  stop(): Promise<void>;
}

/** A stable, locally administered MAC per node and NIC. */
export function labMac(node: string, nic: string): string {
  const h = createHash('sha256').update(`${node}/${nic}`).digest();
  return ['52', ...[...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** NIC names of a node as the design names them (a kernel name, or the PCI address of a
 * hardware-profile alias), the PXE one (on the network it addresses with dhcp) first. */
function nicsOf(node: NodeModel): string[] {
  const dhcp = new Set(node.addressing.filter((a) => a.address === 'dhcp').map((a) => a.network));
  const pxeFirst = [...node.interfaces].sort((a, b) => Number(b.networks.some((n) => dhcp.has(n))) - Number(a.networks.some((n) => dhcp.has(n))));
  return [...new Set(pxeFirst.flatMap((i) => i.slaves.map((s) => s.name)))];
}

const PCI_ADDRESS = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i;

/**
 * The lab machine's NICs: a NIC the design names by kernel name keeps it; one named by a
 * hardware-profile alias (its PCI address) gets that address and the name systemd's predictable
 * naming gives it (0000:3b:00.1 -> enp59s0f1; the f<function> suffix only for multi-function
 * devices), which the MAAS driver must then find through the commissioning data.
 */
export function labNics(node: NodeModel): Array<{ name: string; mac: string; pciAddress?: string }> {
  const designed = nicsOf(node);
  const slotKey = (m: RegExpExecArray): string => `${m[1]}:${m[2]}:${m[3]}`;
  const perSlot = new Map<string, number>();
  for (const nic of designed) {
    const m = PCI_ADDRESS.exec(nic);
    if (m) perSlot.set(slotKey(m), (perSlot.get(slotKey(m)) ?? 0) + 1);
  }
  return designed.map((nic) => {
    const m = PCI_ADDRESS.exec(nic);
    if (!m) return { name: nic, mac: labMac(node.name, nic) };
    const [bus, slot, fn] = [parseInt(m[2], 16), parseInt(m[3], 16), Number(m[4])];
    const domain = parseInt(m[1], 16) === 0 ? '' : `P${parseInt(m[1], 16)}`;
    const name = `en${domain}p${bus}s${slot}${(perSlot.get(slotKey(m)) ?? 1) > 1 || fn > 0 ? `f${fn}` : ''}`;
    return { name, mac: labMac(node.name, nic), pciAddress: nic.toLowerCase() };
  });
}

/** The lab machine's disks: an aliased disk (named by its SCSI address) gets the next free sdX
 * name and that address; the first disk is the larger boot disk. */
export function labDisks(node: NodeModel): Array<{ name: string; size: number; scsiAddress?: string }> {
  const taken = new Set(node.storage.physicalDevices.filter((d) => d.alias === undefined).map((d) => d.name));
  let next = 0;
  const freeName = (): string => {
    for (;;) {
      const name = `sd${String.fromCharCode(97 + next++)}`;
      if (!taken.has(name)) return (taken.add(name), name);
    }
  };
  return node.storage.physicalDevices.map((d, i) => {
    const size = (i === 0 ? 960 : 1920) * 1e9;
    return d.alias === undefined ? { name: d.name, size } : { name: freeName(), size, scsiAddress: d.name };
  });
}

/** The Redfish System a node's BMC is: `oob.system_id`, else the node's name. */
function systemIdOf(node: NodeModel): string {
  const id = node.oob.params.system_id;
  return typeof id === 'string' && id !== '' ? id : node.name;
}

function secretOf(options: SiteLabOptions, node: NodeModel): string {
  if (!node.oob.credential) throw new Error(`node ${node.name} has no oob.credential: the lab cannot configure its BMC`);
  return options.secrets.resolve(node.oob.credential, `BMC password of node ${node.name}`).reveal();
}

/**
 * The unit and file assets the design gives a node, with the mode its tarball must carry: the
 * asset's `permissions` (octal), else 0600 as Drydock's tarbuilder (control/bootaction.py).
 */
export function designedAssets(site: CompiledSite, hostname: string): ExpectedAsset[] | undefined {
  const node = site.nodes.find((n) => n.name === hostname);
  if (!node) return undefined;
  return node.bootActions.flatMap((name) =>
    (site.bootActions[name]?.assets ?? []).flatMap((a) => (a.type !== 'pkg_list' && a.path ? [{ bootAction: name, type: a.type, path: a.path, mode: a.permissions !== undefined ? parseInt(a.permissions, 8) : 0o600 }] : [])),
  );
}

export async function startSiteLab(options: SiteLabOptions): Promise<SiteLab> {
  const { site } = options;
  const log = options.log ?? ((): void => undefined);
  const redfish: SushyEmulator[] = [];
  const ipmi = new Map<string, IpmiSim>();
  const switches = new Map<string, LabSwitch>();
  let maas: MaasEmulator | undefined;
  let nodeAgent: NodeAgent | undefined;
  let switchesSkipped: string | undefined;
  let startMaas: (() => Promise<MaasEmulator>) | undefined;
  const redfishOf = new Map<string, { emulator: SushyEmulator; uuid: string }>();

  const stop = async (): Promise<void> => {
    await maas?.stop();
    await nodeAgent?.stop();
    await Promise.allSettled([...redfish.map((r) => r.stop()), ...[...ipmi.values()].map((b) => b.stop()), ...[...switches.values()].map((s) => s.stop())]);
  };

  try {
    // 1. Redfish: one sushy-emulator per BMC address, one System per node behind it.
    const groups = new Map<string, NodeModel[]>();
    for (const node of site.nodes.filter((n) => n.oob.type === 'redfish')) {
      if (!node.oob.address || !node.oob.port) throw new Error(`node ${node.name}: the lab needs oob.address and oob.port for its Redfish BMC`);
      const key = `${node.oob.address}:${node.oob.port}`;
      groups.set(key, [...(groups.get(key) ?? []), node]);
    }
    for (const [key, nodes] of groups) {
      const first = nodes[0];
      const password = secretOf(options, first);
      for (const n of nodes) {
        if (n.oob.account !== first.oob.account || secretOf(options, n) !== password) throw new Error(`nodes ${first.name} and ${n.name} share the Redfish service ${key} but not its account`);
      }
      const emulator = await startSushyEmulator({
        ip: first.oob.address,
        port: first.oob.port,
        auth: { username: first.oob.account ?? 'admin', password },
        systems: nodes.map((n) => ({ name: systemIdOf(n), nics: nicsOf(n).slice(0, 1).map((nic) => ({ mac: labMac(n.name, nic) })) })),
      });
      redfish.push(emulator);
      for (const n of nodes) redfishOf.set(n.name, { emulator, uuid: emulator.systems.find((s) => s.name === systemIdOf(n))!.uuid });
      log(`Redfish BMCs of ${nodes.map((n) => n.name).join(', ')}: sushy-emulator at ${emulator.url}`);
    }

    // 2. IPMI: one ipmi_sim per node.
    for (const node of site.nodes.filter((n) => n.oob.type === 'ipmi')) {
      if (!node.oob.address || !node.oob.port) throw new Error(`node ${node.name}: the lab needs oob.address and oob.port for its IPMI BMC`);
      const bmc = await startIpmiSim({ name: node.name, username: node.oob.account ?? 'admin', password: secretOf(options, node), ip: node.oob.address, port: node.oob.port });
      ipmi.set(node.name, bmc);
    }
    if (ipmi.size > 0) log(`IPMI BMCs: ipmi_sim for ${[...ipmi.values()].map((b) => `${b.name} (${b.ip}:${b.port})`).join(', ')}`);

    // 3. MAAS at the design's URL, its machines enlisting when their BMC PXE-boots them.
    const nodeDriver = site.region.drivers.node;
    if (nodeDriver?.type === 'maas') {
      const url = new URL(nodeDriver.apiUrl);
      const apiKey = options.secrets.resolve(nodeDriver.apiKey, 'MAAS API key').reveal();
      const pxe = Object.values(site.networks).find((net) => site.nodes.some((n) => n.addressing.some((a) => a.network === net.name && a.address === 'dhcp')));
      const images = [...new Set(site.nodes.map((n) => n.platform.image).filter((i): i is string => Boolean(i)))];
      mkdirSync(options.stateDir, { recursive: true });
      const port = Number(url.port || 80);
      // The node agent follows every MAAS emulator this lab starts, a restarted one included.
      const agent = options.nodeAgent !== false ? new NodeAgent({ rootDir: `${options.stateDir}/nodes`, expectedAssets: (h) => designedAssets(site, h), log, ...options.nodeAgent }) : undefined;
      nodeAgent = agent;
      startMaas = async () => {
        const started = await startMaasEmulator(maasOptions(port));
        maas = started;
        if (agent) started.onDeployed((m) => agent.deployed(m));
        return started;
      };
      const maasOptions = (listenPort: number): Parameters<typeof startMaasEmulator>[0] => ({
        host: url.hostname,
        port: listenPort,
        statePath: `${options.stateDir}/maas-state.json`,
        config: {
          bmcPollMs: 500,
          durations: { enlistingSeconds: 10, commissioningSeconds: 8, deployingSeconds: 15, releasingSeconds: 4, importSeconds: 2 },
          ...options.maas,
          apiKey,
          bootImages: images.length ? images : ['jammy'],
          pxe: pxe ? { cidr: pxe.cidr } : undefined,
          machines: site.nodes.map((node) => ({
            interfaces: labNics(node),
            disks: labDisks(node),
            bmc:
              node.oob.type === 'redfish'
                ? { type: 'redfish' as const, address: node.oob.address!, port: node.oob.port, systemId: systemIdOf(node), username: node.oob.account ?? 'admin', password: secretOf(options, node) }
                : node.oob.type === 'ipmi'
                  ? { type: 'ipmi' as const, address: node.oob.address!, port: node.oob.port, username: node.oob.account ?? 'admin', password: secretOf(options, node) }
                  : undefined,
          })),
        },
      });
      await startMaas();
      log(`MAAS emulator at ${maas!.url} (${site.nodes.length} machines enlist when their BMC PXE-boots them)`);
    }

    // 4. Switches, where network namespaces can be made.
    const torSwitches = Object.values(site.racks).flatMap((rack) => Object.values(rack.torSwitches).filter((s) => s.ssh && s.mgmtIp));
    if (torSwitches.length > 0 && site.region.drivers.network?.type === 'linux-bridge') {
      const support = probeLabSwitchSupport();
      if (options.switches === false) switchesSkipped = 'not asked for';
      else if (!support.ok) switchesSkipped = support.reason ?? 'network namespaces cannot be made here';
      else {
        const ssh = torSwitches[0].ssh!;
        const keyRef = parseCredentialReference(ssh.key);
        if (keyRef.scheme !== 'file') throw new Error(`the lab writes the switch login key to a file: give tor_switches.*.ssh.key as file:/path (it is ${ssh.key})`);
        const keyPath = expandHome(keyRef.path);
        if (!existsSync(keyPath)) {
          mkdirSync(dirname(keyPath), { recursive: true });
          await generateKey(keyPath, 'drydock@lab');
        }
        chmodSync(keyPath, 0o600);
        const publicKey = readFileSync(`${keyPath}.pub`, 'utf8');
        const knownHosts: string[] = [];
        for (const tor of torSwitches) {
          const ports = [...new Set(site.nodes.flatMap((n) => n.interfaces.flatMap((i) => i.switchPorts.filter((p) => p.switch === tor.name).map((p) => p.port))))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
          const lab = await startLabSwitch({ ports, bridge: tor.ssh!.bridge, managementAddress: tor.mgmtIp, authorizedPublicKey: publicKey });
          switches.set(tor.name, lab);
          knownHosts.push(readFileSync(lab.knownHostsPath, 'utf8').trim());
          log(`switch ${tor.name}: Linux bridge ${lab.bridge} in namespace ${lab.namespace}, sshd at ${lab.address}:22, ports ${ports.join(' ')} (VLAN table ${lab.vlanMode})`);
        }
        const knownHostsFile = torSwitches.find((t) => t.ssh?.knownHosts)?.ssh?.knownHosts;
        if (knownHostsFile) {
          const path = expandHome(knownHostsFile);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, `${knownHosts.join('\n')}\n`);
        }
      }
      if (switchesSkipped) log(`switches not started: ${switchesSkipped}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const lab: SiteLab = {
    redfish,
    ipmi,
    maas,
    nodeAgent,
    switches,
    switchesSkipped,
    describe: () => [
      ...redfish.map((r) => `Redfish: sushy-emulator ${r.url} (${r.systems.map((s) => s.name).join(', ')})`),
      ...[...ipmi.values()].map((b) => `IPMI: ipmi_sim ${b.name} ${b.ip}:${b.port}`),
      ...(maas ? [`MAAS: emulator ${maas.url}`] : []),
      ...[...switches.entries()].map(([name, s]) => `switch ${name}: ${s.address} (namespace ${s.namespace})`),
    ],
    bmcCommands(node: string) {
      const bmc = ipmi.get(node);
      if (bmc) {
        const changes = bmc.changes();
        return { power: changes.filter((c) => c.startsWith('set power')).length, boot: changes.filter((c) => c.startsWith('set boot')).length };
      }
      const r = redfishOf.get(node);
      if (r) {
        const requests = r.emulator.requests();
        return {
          power: requests.filter((q) => q.startsWith(`POST /redfish/v1/Systems/${r.uuid}/Actions/ComputerSystem.Reset`)).length,
          boot: requests.filter((q) => q === `PATCH /redfish/v1/Systems/${r.uuid}`).length,
        };
      }
      return { power: 0, boot: 0 };
    },
    maasLabKey: (node) => {
      const model = site.nodes.find((n) => n.name === node);
      return model ? labNics(model)[0]?.mac.toLowerCase() : undefined;
    },
    async restartMaas(down) {
      if (!maas || !startMaas) throw new Error('this lab has no MAAS emulator');
      await maas.stop();
      await down();
      lab.maas = await startMaas();
      return lab.maas;
    },
    stop,
  };
  return lab;
}
