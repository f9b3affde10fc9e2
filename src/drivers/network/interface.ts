import type { NodeModel } from '../../design/model';
import type { SiteContext } from '../node/interface';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';

export interface PortState {
  switch: string;
  port: string;
  /** VLAN id carried untagged (PVID), if any. */
  untagged?: number;
  tagged: number[];
  up?: boolean;
  /** The node interfaces cabled to the port (from the design). */
  interfaces?: string[];
  /** The bridge the port belongs to (linux-bridge driver). */
  bridge?: string;
  /** Every VLAN of the port with its flags, as the switch reports it (also those that fit
   * neither `untagged` nor `tagged`, e.g. egress-untagged VLANs other than the PVID). */
  vlans?: Array<{ vid: number; pvid: boolean; untagged: boolean }>;
}

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
