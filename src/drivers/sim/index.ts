import type { NodeModel, SimDriverConfig } from '../../design/model';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';
import { DriverError } from '../errors';
import type { KubernetesDriver } from '../kubernetes/interface';
import type { NetworkDriver, PortState } from '../network/interface';
import type { NodeDriver, NodeIdentity, NodeInterrogation, SiteContext } from '../node/interface';
import type { BootSettings, OobDriver, OobInterrogation, OobTarget } from '../oob/interface';
import { SimLedger } from './ledger';

export { processSimLedger, SimLedger } from './ledger';

/**
 * Simulation drivers, selectable in a design like any other (`type: sim`): every action takes
 * the configured latency, keeps the simulated state in a SimLedger and counts its calls. They
 * are for benchmarks and demos of orchestration at scale; tests of real behaviour use the lab's
 * emulators.
 */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new DriverError('sim', 'Timeout', 'cancelled'));
      },
      { once: true },
    );
  });
}

class SimBase {
  constructor(
    protected readonly ledger: SimLedger,
    protected readonly config: SimDriverConfig,
    private readonly driver: string,
  ) {}

  protected act<T>(action: string, node: string | undefined, ctx: ActionContext, body: () => T): Promise<T> {
    return this.run(action, node, ctx, body);
  }

  async run<T>(action: string, node: string | undefined, ctx: ActionContext, body: () => T): Promise<T> {
    const start = Date.now();
    ctx.heartbeat({ action, phase: 'start' });
    const injected = this.config.fail?.find((f) => f.action === action && f.node === node);
    try {
      await sleep(this.config.latencyMs, ctx.signal);
      if (injected) {
        const fired = this.ledger.failureFired(`${action}:${node}`);
        if (injected.times === undefined || fired < injected.times) {
          throw new DriverError('sim', injected.retryable ? 'Busy' : 'InvalidRequest', `injected failure of ${action} on ${node}`, { target: node });
        }
      }
      return body();
    } finally {
      this.ledger.calls.push({ driver: this.driver, action, node, start, end: Date.now(), ...(ctx.signal.aborted ? { aborted: true } : {}) });
    }
  }
}

class SimActor extends SimBase {}

const outcome = (changed: boolean, message: string): ActionOutcome => ({ changed, message });

/** The OOB sim driver takes its latency per node, from `oob.latency_ms` (default 0). */
export class SimOobDriver implements OobDriver {
  readonly type = 'sim';
  constructor(private readonly ledger: SimLedger) {}

  private act<T>(action: string, t: OobTarget, ctx: ActionContext, body: () => T): Promise<T> {
    const latencyMs = Number(t.params.latency_ms ?? 0);
    const fail = Array.isArray(t.params.fail) ? (t.params.fail as SimDriverConfig['fail']) : undefined;
    return new SimActor(this.ledger, { type: 'sim', latencyMs: Number.isFinite(latencyMs) ? latencyMs : 0, fail }, 'oob').run(action, t.node, ctx, body);
  }

  validateOobServices(t: OobTarget, ctx: ActionContext): Promise<ServiceCheck> {
    return this.act('ValidateOobServices', t, ctx, () => ({ ok: true, message: `sim BMC of ${t.node} answers` }));
  }
  configNodePxe(t: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('ConfigNodePxe', t, ctx, () => outcome(false, 'sim BMC: PXE NIC first'));
  }
  setNodeBoot(t: OobTarget, boot: BootSettings, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('SetNodeBoot', t, ctx, () => {
      const s = this.ledger.node(t.node);
      const changed = s.boot !== boot.device;
      s.boot = boot.device;
      return outcome(changed, `boot device ${boot.device}`);
    });
  }
  powerOffNode(t: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('PowerOffNode', t, ctx, () => {
      const s = this.ledger.node(t.node);
      const changed = s.power !== 'off';
      s.power = 'off';
      return outcome(changed, 'power off');
    });
  }
  powerOnNode(t: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('PowerOnNode', t, ctx, () => {
      const s = this.ledger.node(t.node);
      const changed = s.power !== 'on';
      s.power = 'on';
      if (s.boot === 'pxe') s.known = true;
      return outcome(changed, 'power on');
    });
  }
  powerCycleNode(t: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('PowerCycleNode', t, ctx, () => {
      const s = this.ledger.node(t.node);
      s.power = 'on';
      if (s.boot === 'pxe') s.known = true; // it PXE-booted into the bootstrapper
      return outcome(true, 'power cycled');
    });
  }
  interrogateOob(t: OobTarget, ctx: ActionContext): Promise<OobInterrogation> {
    return this.act('InterrogateOob', t, ctx, () => {
      const s = this.ledger.node(t.node);
      return { power: s.power, boot: { device: s.boot === 'pxe' ? 'pxe' : 'disk', enabled: 'once' }, identity: { manufacturer: 'sim', model: 'sim', serial: t.node, macs: [] } };
    });
  }
}

export class SimNodeDriver extends SimBase implements NodeDriver {
  readonly type = 'sim';
  constructor(ledger: SimLedger, config: SimDriverConfig) {
    super(ledger, config, 'node');
  }
  validateNodeServices(ctx: ActionContext): Promise<ServiceCheck> {
    return this.act('ValidateNodeServices', undefined, ctx, () => ({ ok: true, message: 'sim bootstrapper answers' }));
  }
  createNetworkTemplate(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('CreateNetworkTemplate', undefined, ctx, () => outcome(false, `${Object.keys(site.networks).length} network(s) in place`));
  }
  configureUserCredentials(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('ConfigureUserCredentials', undefined, ctx, () => outcome(false, `${site.region.authorizedKeys.length} SSH key(s) in place`));
  }
  configureNodeProvisioner(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('ConfigureNodeProvisioner', undefined, ctx, () => outcome(false, `${Object.keys(site.region.repositories.repos).length} repositories in place`));
  }
  createStorageTemplate(_site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('CreateStorageTemplate', undefined, ctx, () => outcome(false, 'storage defaults in place'));
  }
  createBootMedia(_site: SiteContext, nodes: NodeModel[], ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('CreateBootMedia', undefined, ctx, () => outcome(false, `boot media for ${nodes.length} node(s) in place`));
  }
  prepareHardwareConfig(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('PrepareHardwareConfig', undefined, ctx, () => outcome(false, `${site.region.tagDefinitions.length} tag(s) in place`));
  }
  identifyNode(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<NodeIdentity> {
    return this.act('IdentifyNode', node.name, ctx, () => {
      const s = this.ledger.node(node.name);
      return s.known ? { found: true, machineId: `sim-${node.name}`, status: s.status, matchedBy: 'hostname' as const } : { found: false };
    });
  }
  configureHardware(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('ConfigureHardware', node.name, ctx, () => {
      const s = this.ledger.node(node.name);
      if (s.status !== 'New') return outcome(false, `already ${s.status}`);
      s.status = 'Ready';
      return outcome(true, 'commissioned: Ready');
    });
  }
  interrogateNode(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<NodeInterrogation> {
    return this.act('InterrogateNode', node.name, ctx, () => {
      const s = this.ledger.node(node.name);
      return { identity: { found: s.known, machineId: `sim-${node.name}`, status: s.status }, details: { power: s.power } };
    });
  }
  applyNodeNetworking(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('ApplyNodeNetworking', node.name, ctx, () => outcome(true, `${node.interfaces.length} interface(s) configured`));
  }
  applyNodeStorage(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('ApplyNodeStorage', node.name, ctx, () => outcome(true, `${node.storage.physicalDevices.length} device(s) configured`));
  }
  applyNodePlatform(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('ApplyNodePlatform', node.name, ctx, () => outcome(true, `${node.platform.image ?? 'default image'}, ${Object.keys(node.platform.kernelParams).length} kernel parameter(s)`));
  }
  deployNode(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('DeployNode', node.name, ctx, () => {
      const s = this.ledger.node(node.name);
      if (s.status === 'Deployed') return outcome(false, 'already Deployed');
      s.status = 'Deployed';
      return outcome(true, 'Deployed');
    });
  }
  destroyNode(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('DestroyNode', node.name, ctx, () => {
      const s = this.ledger.node(node.name);
      const changed = s.status !== 'Ready';
      s.status = 'Ready';
      return outcome(changed, 'released: Ready');
    });
  }
}

export class SimNetworkDriver extends SimBase implements NetworkDriver {
  readonly type = 'sim';
  constructor(ledger: SimLedger, config: SimDriverConfig) {
    super(ledger, config, 'network');
  }
  validateNetworkServices(site: SiteContext, ctx: ActionContext): Promise<ServiceCheck> {
    return this.act('ValidateNetworkServices', undefined, ctx, () => ({ ok: true, message: `${Object.keys(site.racks).length} rack(s) of sim switches answer` }));
  }
  interrogatePort(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<PortState[]> {
    return this.act('InterrogatePort', node.name, ctx, () => node.interfaces.flatMap((i) => i.switchPorts.map((p) => ({ switch: p.switch, port: p.port, tagged: [] }))));
  }
  configurePortProvisioning(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('ConfigurePortProvisioning', node.name, ctx, () => {
      const s = this.ledger.node(node.name);
      const changed = s.ports !== 'provisioning';
      s.ports = 'provisioning';
      return outcome(changed, 'ports in provisioning');
    });
  }
  configurePortProduction(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('ConfigurePortProduction', node.name, ctx, () => {
      const s = this.ledger.node(node.name);
      const changed = s.ports !== 'production';
      s.ports = 'production';
      return outcome(changed, 'ports in production');
    });
  }
}

export class SimKubernetesDriver extends SimBase implements KubernetesDriver {
  readonly type = 'sim';
  constructor(ledger: SimLedger, config: SimDriverConfig) {
    super(ledger, config, 'kubernetes');
  }
  validateKubernetesServices(ctx: ActionContext): Promise<ServiceCheck> {
    return this.act('ValidateKubernetesServices', undefined, ctx, () => ({ ok: true, message: 'sim API server answers' }));
  }
  relabelNode(node: NodeModel, ctx: ActionContext): Promise<ActionOutcome> {
    return this.act('RelabelNode', node.name, ctx, () => {
      const s = this.ledger.node(node.name);
      const changed = JSON.stringify(s.labels) !== JSON.stringify(node.labels);
      s.labels = { ...node.labels };
      return outcome(changed, `${Object.keys(node.labels).length} label(s)`);
    });
  }
}
