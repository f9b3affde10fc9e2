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
 *
 * Every method takes the node's BMC (`target`: address, port, account, resolved credential and
 * the design's `oob.*` params) and `ctx` (cancellation, heartbeats, the previous attempt's last
 * heartbeat as `resumeFrom`). A cancelled action rejects with `ctx.signal`'s reason, not a
 * DriverError. Besides the kinds each method names, every method of a driver that talks to a
 * BMC (redfish, ipmi) can throw the **connection errors**:
 *   - Unreachable: connection refused or reset, no route, DNS failure, no IPMI answer;
 *   - Timeout: no answer within the request timeout (an ipmitool run past its watchdog);
 *   - Busy: the BMC kept answering 409/429/503 (Retry-After honoured) or answered 412/500,
 *     or IPMI reports itself busy;
 *   - AuthFailed: account or password refused, IPMI privilege too low, a TLS certificate that
 *     fails verification;
 *   - InvalidRequest: the node's `oob` section cannot be used (no address, no account or
 *     credential for IPMI, a param of the wrong type, an unreadable ca_bundle, a TLS handshake
 *     failure), or the BMC refused a request (other 4xx), or (Redfish) several Systems and no
 *     system_id;
 *   - NotFound: (Redfish) no System matches system_id, the service lists none, or a 404;
 *   - Unsupported: the service is not what the driver speaks (not Redfish JSON, a redirect to
 *     another origin, no SessionService for auth: session, HTTP 405/501; ipmitool missing, a
 *     cipher suite refused, an IPMI answer drydock cannot parse).
 * The manual driver sends nothing and throws nothing. The sim driver throws only the failures
 * a design injects (`oob.fail`: Busy when retryable, else InvalidRequest).
 */
export interface OobDriver {
  /** The `oob.type` this driver serves (redfish, ipmi, manual, sim). */
  readonly type: string;
  /**
   * Reach the BMC and authenticate; no state change.
   * @param target the node's BMC
   * @param ctx cancellation and heartbeats
   * @returns `ok: true` and what answered (Redfish version, System, authentication mode; IPMI
   *   manufacturer, firmware and power state), or, for manual, that there is no BMC to check
   * @throws DriverError the connection errors only: this is how they are diagnosed
   */
  validateOobServices(target: OobTarget, ctx: ActionContext): Promise<ServiceCheck>;
  /**
   * Make the node's PXE-capable NIC the network boot device where the BMC allows it: Redfish
   * moves the PXE boot option (the one of `target.bootMac` when it can tell) first in
   * Boot.BootOrder, else sets a persistent Pxe override; IPMI sets a persistent PXE boot flag.
   * @param target the node's BMC; `bootMac` picks the boot option and is checked against the NICs
   * @param ctx cancellation and heartbeats
   * @returns `changed: false` when PXE already came first; a warning in the message when the
   *   design's boot MAC is not among the NICs the BMC reports; manual: `awaitConfirmation`
   * @throws DriverError the connection errors; Unsupported when the System offers neither a
   *   BootOrder with a PXE option nor a Pxe override, or the BMC reads back another device
   */
  configNodePxe(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Ensure the boot override: device, next boot only or every boot, UEFI or legacy.
   * @param target the node's BMC
   * @param boot the wanted device, persistence and mode
   * @param ctx cancellation and heartbeats
   * @returns `changed: false` when the override already held (nothing sent); notes in the
   *   message when the BMC cannot set the mode or reads the persistence back differently;
   *   manual: `awaitConfirmation`
   * @throws DriverError the connection errors; Unsupported when the System has no Boot
   *   property, does not allow the value, or reads back another device or mode after the write
   */
  setNodeBoot(target: OobTarget, boot: BootSettings, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Ensure off: no command when already off; waits until the BMC reads Off. Takes effect once,
   * like powerCycleNode: the accepted command and its time are in the heartbeat (`sent`); a retry
   * never sends it again, leaves a node that reached Off and changed since, and fails with
   * OperationFailed when the accepted command never took effect (oob/power-once.ts).
   * @param target the node's BMC (`power_timeout`, `poll_interval` params)
   * @param ctx cancellation and heartbeats (each reading)
   * @returns `changed: false` when it was already off; else the command sent and the wait;
   *   manual: `awaitConfirmation`
   * @throws DriverError the connection errors; Timeout when the power does not read Off within
   *   the power timeout; OperationFailed when a retry finds the accepted command never took
   *   effect; Unsupported when (Redfish) the System has no Reset action or allows
   *   none of the off ResetTypes
   */
  powerOffNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Ensure on: no command when already on; never turned into a power cycle. Waits until On.
   * Takes effect once, as powerOffNode does (oob/power-once.ts).
   * @param target the node's BMC (`power_timeout`, `poll_interval` params)
   * @param ctx cancellation and heartbeats (each reading)
   * @returns `changed: false` when it was already on; else the command sent and the wait;
   *   manual: `awaitConfirmation`
   * @throws DriverError the connection errors; Timeout when the power does not read On within
   *   the power timeout; OperationFailed when a retry finds the accepted command never took
   *   effect; Unsupported when (Redfish) the System has no Reset action or allows
   *   none of the on ResetTypes
   */
  powerOnNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Off then on (or a reset where `power_cycle: reset` asks for one), waiting for the state
   * each time; a node that is off is only powered on. Takes effect once: the heartbeat records
   * each command the BMC accepted and when (`sent`); a retry reads `ctx.resumeFrom`, never sends
   * an accepted command again, and leaves a node whose state changed after the command (the
   * bootstrapper powers nodes off), saying so (oob/power-cycle.ts).
   * @param target the node's BMC (`power_cycle`, `power_timeout`, `poll_interval` params)
   * @param ctx cancellation, heartbeats (each step) and the previous attempt's last step
   * @returns always `changed: true`, with the commands sent and the waits; manual:
   *   `awaitConfirmation`
   * @throws DriverError the connection errors; Timeout when Off or On is not reached within the
   *   power timeout; Unsupported when (Redfish) the System has no Reset action or allows none
   *   of the ResetTypes a step needs
   */
  powerCycleNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Read power, boot override and identity; no state change.
   * @param target the node's BMC
   * @param ctx cancellation and heartbeats
   * @returns the power state, the boot override in drydock's and the BMC's words, identity
   *   (manufacturer, model, serial, UUID, MACs) and details (System id, firmware)
   * @throws DriverError the connection errors only (IPMI: a FRU inventory read that fails with
   *   anything but AuthFailed or Unreachable is left out of the answer, not thrown)
   */
  interrogateOob(target: OobTarget, ctx: ActionContext): Promise<OobInterrogation>;
}
