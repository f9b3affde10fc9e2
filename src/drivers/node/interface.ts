import type { NodeIdentity, NodeInterrogation } from '../../contracts/driver-results';
import type { SiteContext } from '../../contracts/site-context';
import type { NodeModel } from '../../design/model';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';

export type { SiteContext } from '../../contracts/site-context';
export type { NodeIdentity, NodeInterrogation } from '../../contracts/driver-results';

/**
 * Node bootstrapper driver (MAAS first): Drydock's node actions. Apply actions are declarative
 * (read, diff, change only what differs) so a re-run after a crash duplicates nothing. Long
 * actions (ConfigureHardware = commissioning, DeployNode) heartbeat and resume from
 * ctx.resumeFrom. Errors are DriverError (component 'maas' for the MAAS driver).
 *
 * `site` is the compiled design without its node list; `node` a compiled node model; `ctx`
 * carries cancellation, heartbeats and the previous attempt's last heartbeat. A cancelled
 * action rejects with `ctx.signal`'s reason, not a DriverError. Besides the kinds each method
 * names, every method of the MAAS driver can throw the **API errors**:
 *   - Unreachable: no connection, DNS failure, or MAAS failing with HTTP 5xx (but 503);
 *   - Timeout: no answer within the request timeout;
 *   - Busy: HTTP 409, 429 or 503 (Retry-After honoured; GETs are retried first);
 *   - AuthFailed: HTTP 401 (the API key is not current) or 403 (the user is no administrator);
 *   - NotFound: HTTP 404 on an object the driver addressed;
 *   - InvalidRequest: MAAS rejected a request (other 4xx), or the CA bundle cannot be read.
 * The sim driver throws only the failures a design injects (`fail`: Busy when retryable, else
 * InvalidRequest), and Timeout when cancelled.
 */
export interface NodeDriver {
  /** The Region's `drivers.node.type` this driver serves (maas, sim). */
  readonly type: string;
  /**
   * Reach the bootstrapper and check it can serve the site; no state change.
   * @param ctx cancellation and heartbeats
   * @returns `ok: false` with the problems when MAAS answers but cannot deploy (the user is no
   *   administrator, boot images missing or still importing, no rack controller)
   * @throws DriverError the API errors only: this is how they are diagnosed
   */
  validateNodeServices(ctx: ActionContext): Promise<ServiceCheck>;
  /**
   * Site: fabrics, VLANs, subnets, IP ranges, static routes, DNS domains, as the design's
   * networks and links say.
   * @param site the site design
   * @param ctx cancellation and heartbeats
   * @returns what was created or changed; `changed: false` when everything was in place
   * @throws DriverError the API errors; InvalidRequest when the networks cannot be laid out
   *   in MAAS (a network allowed on two links, a route to a subnet nobody has, a link whose
   *   networks MAAS holds on different fabrics); NotFound when the design has DHCP ranges and
   *   MAAS has no rack controller to serve them
   */
  createNetworkTemplate(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Site: the region's authorized SSH keys, added to the API user (none removed).
   * @param site the site design (Region `authorized_keys`)
   * @param ctx cancellation and heartbeats
   * @returns the keys added; `changed: false` when every key was there
   * @throws DriverError the API errors; InvalidRequest when a key is not an OpenSSH public key
   */
  configureUserCredentials(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Site: package repositories and provisioner settings.
   * @param site the site design (Region `repositories`)
   * @param ctx cancellation and heartbeats
   * @returns the repositories and settings changed; `changed: false` when all were in place
   * @throws DriverError the API errors; Unsupported when a repository is not an apt repository
   */
  configureNodeProvisioner(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Site: storage layout defaults the bootstrapper needs before per-node storage is applied,
   * and an up-front check of the nodes' storage designs (so a bad one fails before any node
   * is touched).
   * @param site the site design
   * @param nodes the nodes whose storage designs are checked
   * @param ctx cancellation and heartbeats
   * @returns the defaults changed; `changed: false` when they were in place
   * @throws DriverError the API errors; InvalidRequest when a node's storage design cannot be
   *   applied (a size that does not parse, an undefined or unused volume group, two `>` sizes
   *   in one space, a mount point used twice)
   */
  createStorageTemplate(site: SiteContext, nodes: NodeModel[], ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Site: ensure the boot resources (images, kernels) the nodes' platforms need are imported,
   * waiting for the import.
   * @param site the site design
   * @param nodes the nodes whose platforms name the images
   * @param ctx cancellation and heartbeats (during the import)
   * @returns the images imported; `changed: false` when all were there
   * @throws DriverError the API errors; InvalidRequest when an image is not an Ubuntu release
   *   name; NotFound when MAAS has no boot source, or still lacks an image after the import;
   *   Timeout when the import outlasts the import timeout
   */
  createBootMedia(site: SiteContext, nodes: NodeModel[], ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Site: hardware tags (region tag definitions) used for hardware configuration.
   * @param site the site design (Region `tag_definitions`)
   * @param ctx cancellation and heartbeats
   * @returns the tags created or changed; `changed: false` when all were in place
   * @throws DriverError the API errors; InvalidRequest when a tag name is not a valid MAAS tag
   */
  prepareHardwareConfig(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Find the node's machine by hostname, BMC address or boot MAC, and give a machine found by
   * BMC address or MAC the node's hostname (and domain).
   * @param node the node
   * @param site the site design (for the node's DNS domain)
   * @param ctx cancellation and heartbeats
   * @returns `found: false` when no machine matches (it has not PXE-booted yet); else the
   *   machine id, its status and how it matched
   * @throws DriverError the API errors; InvalidRequest when the machine that matches by BMC
   *   address or MAC is not the one already called by the node's hostname
   */
  identifyNode(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<NodeIdentity>;
  /**
   * Commission the machine (until Ready), unless it already is; resumable from the heartbeat.
   * @param node the node
   * @param site the site design
   * @param ctx cancellation, heartbeats (each status read) and the previous attempt's progress
   * @returns `changed: false` when it was already commissioned
   * @throws DriverError the API errors; NotFound when no machine matches the node;
   *   InvalidRequest when its status does not allow commissioning, or someone else moved it to
   *   another status meanwhile; OperationFailed when MAAS reports Failed commissioning;
   *   Timeout when commissioning outlasts the commissioning timeout
   */
  configureHardware(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * What the bootstrapper knows of the node's machine, without credentials; no state change.
   * @param node the node
   * @param site the site design
   * @param ctx cancellation and heartbeats
   * @returns `identity.found: false` and what was looked for when no machine matches; else the
   *   identity and the machine's details (status, power, interfaces, disks, tags)
   * @throws DriverError the API errors only
   */
  interrogateNode(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<NodeInterrogation>;
  /**
   * The machine's interfaces as the design lays them out: bonds, VLAN interfaces, links to
   * subnets with their addressing. A deployed machine is left alone (and says so).
   * @param node the node (interfaces, addressing, hardware profile's device aliases)
   * @param site the site design (networks, links)
   * @param ctx cancellation and heartbeats
   * @returns what was changed; `changed: false` when every interface matched
   * @throws DriverError the API errors; NotFound when no machine matches the node, or a fabric,
   *   subnet or interface the design names is absent (run CreateNetworkTemplate first); Busy
   *   while the machine is commissioning, deploying or releasing; InvalidRequest when its
   *   status does not allow edits, or the design does not fit the machine (an address outside
   *   its network, a device alias that is not one of its NICs, no commissioning data)
   */
  applyNodeNetworking(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * The machine's disks as the design lays them out: partitions, filesystems, mounts, volume
   * groups, logical volumes, the boot disk. A device that matches is left alone; one that
   * differs is cleared and rebuilt. The whole plan is checked before the first write. A
   * deployed machine is left alone (and says so).
   * @param node the node (storage design, hardware profile's device aliases)
   * @param site the site design
   * @param ctx cancellation and heartbeats
   * @returns what was changed; `changed: false` when every disk matched
   * @throws DriverError the API errors; NotFound when no machine matches the node, or it has no
   *   disk the design names; Busy while the machine is commissioning, deploying or releasing;
   *   InvalidRequest when its status is not Ready or Allocated, or the layout does not fit
   *   (sizes add up to more than the disk, a volume group without members, ...)
   */
  applyNodeStorage(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Kernel parameters (as tags), image and kernel selection. A deployed machine is left alone.
   * @param node the node (platform: image, kernel, kernel parameters)
   * @param site the site design
   * @param ctx cancellation and heartbeats
   * @returns what was changed; `changed: false` when everything matched
   * @throws DriverError the API errors; NotFound when no machine matches the node, or its image
   *   or kernel is not imported (run CreateBootMedia); Busy while the machine is commissioning,
   *   deploying or releasing; InvalidRequest when its status does not allow edits, or a tag
   *   made of a kernel parameter is no valid MAAS tag name
   */
  applyNodePlatform(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Allocate and deploy (until Deployed), unless already deployed; resumable from the
   * heartbeat, and a machine left in Failed deployment is released and deployed again.
   * @param node the node (platform, user data, packages)
   * @param site the site design
   * @param ctx cancellation, heartbeats (each status read) and the previous attempt's progress
   * @returns `changed: false` when it was already deployed
   * @throws DriverError the API errors; NotFound when no machine matches the node;
   *   InvalidRequest when it is not commissioned (Ready) yet, or someone else moved it to
   *   another status meanwhile; OperationFailed when MAAS reports Failed deployment (or the
   *   release before a new attempt fails); Timeout when deployment outlasts the deploy timeout
   */
  deployNode(node: NodeModel, site: SiteContext, ctx: ActionContext, deploy?: DeployOptions): Promise<ActionOutcome>;
  /**
   * Release with disk erase (until Ready), unless already released; resumable.
   * @param node the node
   * @param site the site design
   * @param ctx cancellation, heartbeats (each status read) and the previous attempt's progress
   * @returns `changed: false` when no machine matches or there is nothing to release
   * @throws DriverError the API errors; OperationFailed when MAAS reports Releasing failed or
   *   Failed disk erasing; InvalidRequest when someone else moved the machine to another status
   *   meanwhile; Timeout when the release outlasts the release timeout
   */
  destroyNode(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome>;

  /**
   * Optional: what the bootstrapper collected about the node while commissioning it (MAAS: the
   * lshw XML of `machines/{id}/?op=details`), for the build-data store; [] when it has none.
   */
  commissioningData?(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<CommissioningData[]>;
}

/** What DeployNode's activity adds to a deployment. */
/** One element of commissioning data (Drydock's build data: generator, data_format, data_element). */
export interface CommissioningData {
  generator: string;
  dataFormat: string;
  data: string;
}

export interface DeployOptions {
  /**
   * The user data for the deploy request (boot actions: it carries the node's key, so it is made
   * only when the deploy is really requested, and never logged or returned). Undefined: the
   * driver's own (the boot actions' package list).
   */
  userData?: () => Promise<string | undefined>;
}
