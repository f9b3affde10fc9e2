import type { NodeModel } from '../../design/model';
import type { PortState } from '../../contracts/driver-results';
import type { SiteContext } from '../../contracts/site-context';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';

export type { PortState } from '../../contracts/driver-results';

/**
 * Network driver: moves a node's switch ports between the provisioning and production
 * configurations. Declarative: reads the port's VLANs, changes only what differs. Errors are
 * DriverError (component 'switch').
 */
export interface NetworkDriver {
  readonly type: string;
  /** Reach every switch of the site (or of the given racks) and authenticate. */
  validateNetworkServices(site: SiteContext, ctx: ActionContext): Promise<ServiceCheck>;
  interrogatePort(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<PortState[]>;
  /** Ports carry only the PXE network, untagged, so the node can network-boot. */
  configurePortProvisioning(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /** Ports carry the designed networks: the link's default network untagged, the others tagged
   * when the link trunks 802.1q. */
  configurePortProduction(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
}
