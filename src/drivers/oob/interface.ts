import type { BootSettings, OobInterrogation } from '../../contracts/driver-results';
import type { Secret } from '../../secrets/secret';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';

export type { BootDevice, BootSettings, PowerState } from '../../contracts/driver-results';

/** One BMC, as an OOB driver needs it: built by the activity from the node model's `oob`
 * section, with the credential already resolved. */
export interface OobTarget {
  /** Node name, for messages. */
  node: string;
  type: string;
  /** Host name or IP address of the BMC. */
  address: string;
  port?: number;
  username?: string;
  password?: Secret;
  /** Every other `oob.*` key of the design (system_id, use_https, insecure, ca_bundle, ...). */
  params: Record<string, unknown>;
  /** The node's PXE MAC (NodeModel.bootMac), when the design gives one: ConfigNodePxe uses it to
   * pick the boot option and checks it against the NICs the BMC reports. */
  bootMac?: string;
}

export type { OobInterrogation } from '../../contracts/driver-results';

/**
 * Out-of-band driver: the actions Drydock's orchestrator asks of a BMC. Every action is
 * idempotent ("ensure"), honours ctx.signal, and throws DriverError (component 'bmc').
 */
export interface OobDriver {
  readonly type: string;
  /** Reach the BMC and authenticate; no state change. */
  validateOobServices(target: OobTarget, ctx: ActionContext): Promise<ServiceCheck>;
  /** Make the node's PXE-capable NIC the network boot device where the BMC allows it. */
  configNodePxe(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome>;
  setNodeBoot(target: OobTarget, boot: BootSettings, ctx: ActionContext): Promise<ActionOutcome>;
  /** Ensure off: no command when already off. */
  powerOffNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome>;
  /** Ensure on: no command when already on; never turned into a power cycle. */
  powerOnNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome>;
  /** Off then on (or a reset where the BMC offers one), waiting for the state each time. */
  powerCycleNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome>;
  interrogateOob(target: OobTarget, ctx: ActionContext): Promise<OobInterrogation>;
}
