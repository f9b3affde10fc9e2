import type { SimDriverConfig } from '../../design/model';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';
import { outcome, SimActor } from '../sim/base';
import type { SimLedger } from '../sim/ledger';
import type { BootSettings, OobDriver, OobInterrogation, OobTarget } from './interface';

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
