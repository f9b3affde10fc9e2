import type { NodeModel } from '../../design/model';
import type { PortState } from '../../contracts/driver-results';
import type { SiteContext } from '../../contracts/site-context';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';

export type { PortState } from '../../contracts/driver-results';

/**
 * Network driver: moves a node's switch ports between the provisioning and production
 * configurations. Declarative: reads the port's VLANs, changes only what differs. Errors are
 * DriverError (component 'switch').
 *
 * `site` is the compiled design without its node list (racks, tor_switches with their SSH
 * settings, networks, links); `node` a compiled node model (interfaces with `switch_ports`);
 * `ctx` carries cancellation and heartbeats. A cancelled action rejects with `ctx.signal`'s
 * reason, not a DriverError. When an action spans several switches and more than one fails,
 * the first non-retryable error is thrown, naming the others. Besides the kinds each method
 * names, every method of the linux-bridge driver can throw the **SSH errors**:
 *   - Unreachable: no route, connection refused or closed, DNS failure;
 *   - Timeout: no SSH handshake, or a command not finished, within its timeout;
 *   - AuthFailed: the key refused, a host key that does not match the pinned fingerprint or
 *     known_hosts (nothing is sent then), no known_hosts entry, a command not permitted;
 *   - InvalidRequest: the switch's `ssh` settings cannot be used (no host key pinned, a bad
 *     fingerprint, an unreadable known_hosts, a key reference that cannot be resolved or an
 *     unusable key), or a command the switch rejects;
 *   - Busy: a device busy on the switch;
 *   - NotFound: a device the command names does not exist;
 *   - Unsupported: the switch is not what the driver speaks (a command not found, an
 *     operation not supported, output it cannot read, another SSH failure).
 * The sim driver throws only the failures a design injects (`fail`: Busy when retryable, else
 * InvalidRequest), and Timeout when cancelled.
 */
export interface NetworkDriver {
  /** The Region's `drivers.network.type` this driver serves (linux-bridge, sim). */
  readonly type: string;
  /**
   * Reach every switch of the site that has SSH settings and authenticate, and check its
   * bridge; no state change.
   * @param site the site design
   * @param ctx cancellation and heartbeats
   * @returns `ok: false` when no tor_switch has SSH settings; else the switches checked (and
   *   those left unmanaged)
   * @throws DriverError the SSH errors; NotFound when a switch has no bridge of the configured
   *   name; InvalidRequest when that device is no bridge; Unsupported when the bridge is not
   *   VLAN-aware
   */
  validateNetworkServices(site: SiteContext, ctx: ActionContext): Promise<ServiceCheck>;
  /**
   * Read the VLANs of the node's switch ports; no state change.
   * @param node the node (its interfaces' `switch_ports`)
   * @param site the site design
   * @param ctx cancellation and heartbeats
   * @returns one PortState per switch port the design cables to the node
   * @throws DriverError the SSH errors; InvalidRequest when the node's switch_ports cannot be
   *   used (a port name that is not valid, a switch in several racks) or the configured bridge
   *   is no bridge; NotFound when a switch is no tor_switch of the node's rack, or the switch
   *   has no such port or bridge; Unsupported when the bridge is not VLAN-aware
   */
  interrogatePort(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<PortState[]>;
  /**
   * Ports carry only the PXE network, untagged, so the node can network-boot.
   * @param node the node (its interfaces' `switch_ports`, its dhcp-addressed network)
   * @param site the site design
   * @param ctx cancellation and heartbeats
   * @returns the ports changed; `changed: false` when every port already matched
   * @throws DriverError the SSH errors; InvalidRequest when the design gives no single PXE
   *   network (none or several addressed with dhcp, no interface carrying it untagged) or a
   *   port cannot be used; NotFound when a switch, bridge or port is absent; Unsupported when
   *   the bridge is not VLAN-aware, or a port reads back otherwise after the change
   */
  configurePortProvisioning(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Ports carry the designed networks: the link's default network untagged, the others tagged
   * when the link trunks 802.1q.
   * @param node the node (interfaces, their links and networks, `switch_ports`)
   * @param site the site design
   * @param ctx cancellation and heartbeats
   * @returns the ports changed; `changed: false` when every port already matched
   * @throws DriverError the SSH errors; InvalidRequest when the design does not fit a port (a
   *   network without a vlan carried tagged, two networks on one VLAN, tagged networks on a
   *   link that does not trunk, a VLAN id out of 1-4094); NotFound when a switch, bridge or
   *   port is absent; Unsupported when the bridge is not VLAN-aware, or a port reads back
   *   otherwise after the change
   */
  configurePortProduction(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
}
