import { driverFromRegistry, type DriverRegistry } from '../registry';
import { BmcLocks, processBmcLocks } from './bmc-lock';
import type { OobDriver } from './interface';
import { IpmiDriver } from './ipmi';
import { ManualDriver } from './manual';
import { RedfishDriver } from './redfish';
import { SimOobDriver } from './sim';
import { processSimLedger, type SimLedger } from '../sim/ledger';

export type { OobDriver, OobTarget, BootSettings, OobInterrogation, PowerState, BootDevice } from './interface';
export { oobTargetFromNode } from './target';
export { BmcLocks, processBmcLocks } from './bmc-lock';

/** What OOB drivers are built with. Every field has a process-wide default. */
export interface OobDriverDeps {
  /** The per-BMC lock registry; default: the one shared by the whole process. */
  locks?: BmcLocks;
  /** The ipmitool binary; default `ipmitool` on PATH. */
  ipmitoolPath?: string;
  /** State and call counts of the `sim` driver (benchmarks); default: one per process. */
  simLedger?: SimLedger;
}

/** The `oob.type`s with a driver; what else a node's `oob` section says reaches the driver in
 * each call's OobTarget. */
export type OobDriverType = { type: 'redfish' } | { type: 'ipmi' } | { type: 'manual' } | { type: 'sim' };

/**
 * Driver per `oob.type`. `sim` is the benchmark driver (its latency comes from the node's
 * `oob.latency_ms`, applied per action by SimOobDriver). Drydock's `libvirt` type has no driver
 * here.
 */
export const oobDriverRegistry: DriverRegistry<OobDriverType, Required<Pick<OobDriverDeps, 'locks'>> & OobDriverDeps, OobDriver> = {
  redfish: (_config, deps) => new RedfishDriver({ locks: deps.locks }),
  ipmi: (_config, deps) => new IpmiDriver({ locks: deps.locks, ipmitoolPath: deps.ipmitoolPath }),
  manual: () => new ManualDriver(),
  sim: (_config, deps) => new SimOobDriver(deps.simLedger ?? processSimLedger),
};

/** The driver for a node's `oob.type`; an unknown type is an InvalidRequest naming the node. */
export function createOobDriver(type: string, deps: OobDriverDeps = {}, node?: string): OobDriver {
  const factory = driverFromRegistry(oobDriverRegistry, type, {
    component: 'bmc',
    message: (t, available) => `${node ? `node ${node}: ` : ''}oob type "${t}" has no driver (available: ${available.join(', ')})`,
    target: node,
    details: { oobType: type },
  });
  return factory({ type } as OobDriverType /* checked against the registry's keys just above */, { ...deps, locks: deps.locks ?? processBmcLocks });
}
