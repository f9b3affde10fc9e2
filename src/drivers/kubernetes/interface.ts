import type { NodeModel } from '../../design/model';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';

/** Kubernetes driver: keeps a Node object's labels equal to the design's node labels.
 * Errors are DriverError (component 'kubernetes'). */
export interface KubernetesDriver {
  readonly type: string;
  validateKubernetesServices(ctx: ActionContext): Promise<ServiceCheck>;
  relabelNode(node: NodeModel, ctx: ActionContext): Promise<ActionOutcome>;
}
