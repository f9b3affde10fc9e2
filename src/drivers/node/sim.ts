import type { NodeModel, SimDriverConfig } from '../../design/model';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';
import { outcome, SimBase } from '../sim/base';
import type { SimLedger } from '../sim/ledger';
import type { NodeDriver, NodeIdentity, NodeInterrogation, SiteContext } from './interface';

/** The node sim driver (`drivers.node.type: sim`): a bootstrapper whose machines enlist when
 * they PXE-boot and move New -> Ready -> Deployed in the SimLedger. */
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
  createStorageTemplate(_site: SiteContext, _nodes: NodeModel[], ctx: ActionContext): Promise<ActionOutcome> {
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
