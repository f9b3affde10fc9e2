/**
 * Network driver for Linux switches (Cumulus- or SONiC-style): each switch is a VLAN-aware Linux
 * bridge managed over SSH with `ip` and `bridge vlan`. Declarative: every action reads the
 * ports' VLANs, sends only the commands that make them match the design, then reads them back.
 *
 * An action first checks everything it can without touching the switches — the design (port
 * names, switches, networks), then every switch's bridge and ports — so a bad design, a missing
 * port, a wrong key or a host key that does not match fails before any change. Within this
 * process at most one action talks to a switch at a time (a per-switch mutex).
 */
import type { NodeModel } from '../../../design/model';
import type { SecretResolver } from '../../../secrets/resolver';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../../context';
import { DriverError, isDriverError } from '../../errors';
import { KeyedMutex } from '../../keyed-mutex';
import type { SiteContext } from '../../../contracts/site-context';
import type { NetworkDriver, PortState } from '../interface';
import { describeDesired, describeVlans, matchesDesired, parseLinks, parseVlans, SwitchOutputError, vlanCommands, type DesiredVlans, type LinkState, type VlanEntry } from './bridge-state';
import { nodePorts, productionPorts, provisioningPorts, switchEndpoint, type DesiredPort, type PortTarget } from './port-plan';
import { describeSwitch, SwitchSession, switchError, type SwitchEndpoint } from './ssh-session';

export interface LinuxBridgeDriverOptions {
  secrets: SecretResolver;
  /** SSH connect + handshake + authentication (default 15 s). */
  connectTimeoutMs?: number;
  /** Each command on the switch (default 30 s). */
  commandTimeoutMs?: number;
  /** Serialises configuration sessions per switch; defaults to one shared by the whole process. */
  mutex?: KeyedMutex;
}

/** One per process on purpose: two driver instances (two site configs) must still not
 * configure the same switch at the same time. */
const PROCESS_SWITCH_MUTEX = new KeyedMutex();

interface SwitchGroup<P extends PortTarget> {
  endpoint: SwitchEndpoint;
  ports: P[];
}

interface OpenSwitch<P extends PortTarget> {
  group: SwitchGroup<P>;
  session: SwitchSession;
  reading: SwitchReading;
}

interface SwitchReading {
  links: Map<string, LinkState>;
  vlans: Map<string, VlanEntry[]>;
}

function portLabel(port: PortTarget): string {
  return `${port.switch.name}/${port.port}`;
}

function groupBySwitch<P extends PortTarget>(ports: P[]): Array<SwitchGroup<P>> {
  const groups = new Map<string, SwitchGroup<P>>();
  for (const port of ports) {
    const key = `${port.switch.rack}/${port.switch.name}`;
    let group = groups.get(key);
    if (!group) {
      group = { endpoint: switchEndpoint(port.switch), ports: [] };
      groups.set(key, group);
    }
    group.ports.push(port);
  }
  return [...groups.values()];
}

function desiredOf(port: DesiredPort): DesiredVlans {
  return { untagged: port.untagged?.vid, tagged: port.tagged.map((t) => t.vid) };
}

function describePort(port: DesiredPort): string {
  const parts = [
    port.untagged ? `untagged ${port.untagged.vid} (${port.untagged.network})` : undefined,
    port.tagged.length ? `tagged ${port.tagged.map((t) => `${t.vid} (${t.network})`).join(', ')}` : undefined,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no VLANs';
}

function switchKey(endpoint: SwitchEndpoint): string {
  return `${endpoint.address}:${endpoint.port}`;
}

/** The error to raise when several switches failed: a non-retryable one first (retrying will
 * not fix it), else the first; the message counts the others. */
function worstOf(errors: unknown[]): unknown {
  const chosen = errors.find((e) => isDriverError(e) && !e.retryable) ?? errors[0];
  if (errors.length > 1 && isDriverError(chosen)) {
    const others = errors.filter((e) => e !== chosen).map((e) => (e instanceof Error ? e.message : String(e)));
    return new DriverError(chosen.component, chosen.kind, `${chosen.message} (and ${others.length} more: ${others.join('; ')})`, {
      target: chosen.target,
      details: chosen.details,
      retryAfterSeconds: chosen.retryAfterSeconds,
    });
  }
  return chosen;
}

export class LinuxBridgeNetworkDriver implements NetworkDriver {
  readonly type = 'linux-bridge';
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly mutex: KeyedMutex;

  constructor(private readonly options: LinuxBridgeDriverOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 30_000;
    this.mutex = options.mutex ?? PROCESS_SWITCH_MUTEX;
  }

  async validateNetworkServices(site: SiteContext, ctx: ActionContext): Promise<ServiceCheck> {
    const managed: SwitchEndpoint[] = [];
    const unmanaged: string[] = [];
    for (const rack of Object.values(site.racks).sort((a, b) => a.name.localeCompare(b.name))) {
      for (const sw of Object.values(rack.torSwitches).sort((a, b) => a.name.localeCompare(b.name))) {
        if (sw.ssh) managed.push(switchEndpoint({ name: sw.name, rack: rack.name, model: sw }));
        else unmanaged.push(`${sw.name} (rack ${rack.name})`);
      }
    }
    const unmanagedText = unmanaged.length ? `; not managed (no ssh settings): ${unmanaged.join(', ')}` : '';
    if (managed.length === 0) {
      return { ok: false, message: `no tor_switch in the design has ssh settings, so the linux-bridge driver has no switch to manage${unmanagedText}`, details: { switches: 0, unmanaged: unmanaged.length } };
    }
    const results = await Promise.allSettled(
      managed.map(async (endpoint) => {
        const session = await this.open(endpoint, ctx);
        try {
          const links = await this.readLinks(session, ctx);
          this.checkBridge(endpoint, links);
          const ports = [...links.values()].filter((l) => l.master === endpoint.bridge).length;
          return `${endpoint.name} (${endpoint.address}:${endpoint.port}, bridge ${endpoint.bridge}, ${ports} port${ports === 1 ? '' : 's'})`;
        } finally {
          session.close();
        }
      }),
    );
    ctx.heartbeat({ phase: 'validated', switches: managed.length });
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length > 0) throw worstOf(failures);
    const reached = results.map((r) => (r.status === 'fulfilled' ? r.value : ''));
    return {
      ok: true,
      message: `${managed.length} switch${managed.length === 1 ? '' : 'es'} reachable over SSH (host key verified, key accepted) with a VLAN-aware bridge: ${reached.join(', ')}${unmanagedText}`,
      details: { switches: managed.length, unmanaged: unmanaged.length },
    };
  }

  async interrogatePort(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<PortState[]> {
    const ports = nodePorts(node, site);
    if (ports.length === 0) return [];
    const groups = groupBySwitch(ports);
    return this.withSwitches(groups, ctx, node, async (switches) =>
      ports.map((port) => {
        const { group, reading } = switches.find((s) => s.group.ports.includes(port)) as OpenSwitch<PortTarget>;
        const entries = reading.vlans.get(port.port) ?? [];
        return {
          switch: port.switch.name,
          port: port.port,
          untagged: entries.find((e) => e.pvid)?.vid,
          tagged: entries.filter((e) => !e.untagged).map((e) => e.vid),
          up: reading.links.get(port.port)?.adminUp,
          interfaces: port.interfaces,
          bridge: group.endpoint.bridge,
          vlans: entries,
        };
      }),
    );
  }

  async configurePortProvisioning(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.configure(node, ctx, 'provisioning', provisioningPorts(node, site));
  }

  async configurePortProduction(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.configure(node, ctx, 'production', productionPorts(node, site));
  }

  private async configure(node: NodeModel, ctx: ActionContext, purpose: 'provisioning' | 'production', ports: DesiredPort[]): Promise<ActionOutcome> {
    const groups = groupBySwitch(ports);
    const release = await this.mutex.acquireAll(groups.map((g) => switchKey(g.endpoint)), ctx.signal);
    try {
      ctx.heartbeat({ phase: 'reading', purpose, switches: groups.map((g) => g.endpoint.name) });
      return await this.withSwitches(groups, ctx, node, async (switches) => {
        const plans = switches.map(({ group, session, reading }) => {
          const vlanLines: string[] = [];
          const linkLines: string[] = [];
          const changes: string[] = [];
          for (const port of group.ports) {
            const current = reading.vlans.get(port.port) ?? [];
            const lines = vlanCommands(port.port, current, desiredOf(port));
            const down = reading.links.get(port.port)?.adminUp === false;
            if (down) linkLines.push(`link set dev ${port.port} up`);
            if (lines.length > 0 || down) changes.push(`${portLabel(port)}: ${describeVlans(current)}${down ? ', admin down' : ''} -> ${describePort(port)}${down ? ', up' : ''}`);
            vlanLines.push(...lines);
          }
          return { group, session, vlanLines, linkLines, changes };
        });

        const allChanges = plans.flatMap((p) => p.changes);
        if (allChanges.length === 0) {
          return {
            changed: false,
            message: `node ${node.name}: ${ports.length} port${ports.length === 1 ? '' : 's'} already configured for ${purpose} (${ports.map((p) => `${portLabel(p)} ${describePort(p)}`).join('; ')})`,
            details: { purpose, ports: ports.length, changedPorts: 0, commands: 0 },
          };
        }

        let commands = 0;
        for (const { group, session, vlanLines, linkLines, changes } of plans) {
          if (changes.length === 0) continue;
          if (vlanLines.length > 0) await this.run(session, 'bridge -batch -', ctx, `${vlanLines.join('\n')}\n`);
          if (linkLines.length > 0) await this.run(session, 'ip -batch -', ctx, `${linkLines.join('\n')}\n`);
          commands += vlanLines.length + linkLines.length;
          ctx.log(`switch ${group.endpoint.name}: ${changes.join('; ')}`, { node: node.name, purpose });
          ctx.heartbeat({ phase: 'applied', purpose, switch: group.endpoint.name, commands });

          // Read back: a switch that took the commands but shows something else is not a
          // VLAN-aware Linux bridge as this driver knows it.
          const after = await this.readVlans(session, ctx);
          for (const port of group.ports) {
            const now = after.get(port.port) ?? [];
            if (!matchesDesired(now, desiredOf(port))) {
              throw switchError(group.endpoint, 'Unsupported', `${describeSwitch(group.endpoint)}: after configuring, port ${port.port} shows ${describeVlans(now)} instead of ${describeDesired(desiredOf(port))}`, { port: port.port });
            }
          }
        }
        return {
          changed: true,
          message: `node ${node.name}: configured for ${purpose}: ${allChanges.join('; ')}`,
          details: { purpose, ports: ports.length, changedPorts: allChanges.length, commands },
        };
      });
    } finally {
      release();
    }
  }

  /** Opens a session to every switch, reads its links and VLANs and checks the bridge and every
   * port, then runs `fn`; the sessions are closed when it ends. Nothing is changed before every
   * switch has been reached and checked. */
  private async withSwitches<P extends PortTarget, T>(groups: Array<SwitchGroup<P>>, ctx: ActionContext, node: NodeModel, fn: (switches: Array<OpenSwitch<P>>) => Promise<T>): Promise<T> {
    const opened = await Promise.allSettled(groups.map((g) => this.open(g.endpoint, ctx)));
    const sessions = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const closeAll = (): void => sessions.forEach((s) => s.close());
    ctx.signal.addEventListener('abort', closeAll, { once: true });
    try {
      const failures = opened.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (failures.length > 0) throw worstOf(failures);
      const switches: Array<OpenSwitch<P>> = [];
      for (const [i, group] of groups.entries()) {
        const session = (opened[i] as PromiseFulfilledResult<SwitchSession>).value;
        const links = await this.readLinks(session, ctx);
        this.checkBridge(group.endpoint, links);
        for (const port of group.ports) this.checkPort(group.endpoint, links, port, node);
        switches.push({ group, session, reading: { links, vlans: await this.readVlans(session, ctx) } });
      }
      return await fn(switches);
    } finally {
      ctx.signal.removeEventListener('abort', closeAll);
      closeAll();
    }
  }

  private checkBridge(endpoint: SwitchEndpoint, links: Map<string, LinkState>): void {
    const sw = describeSwitch(endpoint);
    const bridge = links.get(endpoint.bridge);
    if (!bridge) {
      const bridges = [...links.values()].filter((l) => l.kind === 'bridge').map((l) => l.name);
      throw switchError(endpoint, 'NotFound', `${sw} has no bridge ${endpoint.bridge} (tor_switches.${endpoint.name}.ssh.bridge); its bridges: ${bridges.length ? bridges.join(', ') : 'none'}`, { bridge: endpoint.bridge });
    }
    if (bridge.kind !== 'bridge') throw switchError(endpoint, 'InvalidRequest', `${sw}: ${endpoint.bridge} is a ${bridge.kind ?? 'physical'} device, not a bridge (tor_switches.${endpoint.name}.ssh.bridge)`, { bridge: endpoint.bridge });
    if (!bridge.vlanFiltering) {
      throw switchError(endpoint, 'Unsupported', `${sw}: bridge ${endpoint.bridge} is not VLAN-aware (vlan_filtering 0); the linux-bridge driver needs \`ip link set ${endpoint.bridge} type bridge vlan_filtering 1\` on the switch`, { bridge: endpoint.bridge });
    }
  }

  private checkPort(endpoint: SwitchEndpoint, links: Map<string, LinkState>, port: PortTarget, node: NodeModel): void {
    const sw = describeSwitch(endpoint);
    const link = links.get(port.port);
    const from = `node ${node.name} interface ${port.interfaces.join('/')}, switch_ports`;
    if (!link) throw switchError(endpoint, 'NotFound', `${sw} has no port ${port.port} (named by ${from})`, { port: port.port, node: node.name });
    if (link.master !== endpoint.bridge) {
      throw switchError(endpoint, 'NotFound', `${sw}: port ${port.port} (named by ${from}) is not a port of bridge ${endpoint.bridge} (${link.master ? `its master is ${link.master}` : 'it is in no bridge'})`, { port: port.port, node: node.name });
    }
  }

  private async open(endpoint: SwitchEndpoint, ctx: ActionContext): Promise<SwitchSession> {
    return SwitchSession.open(endpoint, { secrets: this.options.secrets, connectTimeoutMs: this.connectTimeoutMs, signal: ctx.signal });
  }

  private run(session: SwitchSession, command: string, ctx: ActionContext, stdin?: string): Promise<string> {
    return session.run(command, { stdin, timeoutMs: this.commandTimeoutMs, signal: ctx.signal });
  }

  private async readLinks(session: SwitchSession, ctx: ActionContext): Promise<Map<string, LinkState>> {
    return this.parsed(session, () => this.run(session, 'ip -j -d link show', ctx), parseLinks);
  }

  private async readVlans(session: SwitchSession, ctx: ActionContext): Promise<Map<string, VlanEntry[]>> {
    return this.parsed(session, () => this.run(session, 'bridge -j vlan show', ctx), parseVlans);
  }

  private async parsed<T>(session: SwitchSession, read: () => Promise<string>, parse: (text: string) => T): Promise<T> {
    const text = await read();
    try {
      return parse(text);
    } catch (err) {
      if (err instanceof SwitchOutputError) throw switchError(session.endpoint, 'Unsupported', `${describeSwitch(session.endpoint)}: ${err.message}`);
      throw err;
    }
  }
}
