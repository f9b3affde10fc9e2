import type { NodeModel, SimDriverConfig } from '../../design/model';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';
import type { SiteContext } from '../node/interface';
import { outcome, SimBase } from '../sim/base';
import type { SimLedger } from '../sim/ledger';
import type { NetworkDriver, PortState } from './interface';

/** The network sim driver (`drivers.network.type: sim`): switch ports whose mode lives in the SimLedger. */
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
