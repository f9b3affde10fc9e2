import type { NodeModel, SimDriverConfig } from '../../design/model';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';
import { outcome, SimBase } from '../sim/base';
import type { SimLedger } from '../sim/ledger';
import type { KubernetesDriver } from './interface';

/** The Kubernetes sim driver (`drivers.kubernetes.type: sim`): node labels kept in the SimLedger. */
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
