import { DriverError } from '../errors';
import { BmcLocks, processBmcLocks } from './bmc-lock';
import type { OobDriver } from './interface';
import { IpmiDriver } from './ipmi';
import { ManualDriver } from './manual';
import { RedfishDriver } from './redfish';
import { processSimLedger, SimLedger, SimOobDriver } from '../sim';

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


type Factory = (deps: Required<Pick<OobDriverDeps, 'locks'>> & OobDriverDeps) => OobDriver;

/**
 * Driver per `oob.type`. `sim` is the benchmark driver (its latency comes from the node's
 * `oob.latency_ms`, applied per action by SimOobDriver). Drydock's `libvirt` type has no driver here.
 */
export const oobDriverRegistry: Record<string, Factory> = {
  redfish: (deps) => new RedfishDriver({ locks: deps.locks }),
  ipmi: (deps) => new IpmiDriver({ locks: deps.locks, ipmitoolPath: deps.ipmitoolPath }),
  manual: () => new ManualDriver(),
  sim: (deps) => new SimOobDriver(deps.simLedger ?? processSimLedger),
};

/** The driver for a node's `oob.type`; an unknown type is an InvalidRequest naming the node. */
export function createOobDriver(type: string, deps: OobDriverDeps = {}, node?: string): OobDriver {
  const factory = Object.hasOwn(oobDriverRegistry, type) ? oobDriverRegistry[type] : undefined;
  if (!factory) {
    throw new DriverError('bmc', 'InvalidRequest', `${node ? `node ${node}: ` : ''}oob type "${type}" has no driver (available: ${Object.keys(oobDriverRegistry).sort().join(', ')})`, {
      target: node,
      details: { oobType: type },
    });
  }
  return factory({ ...deps, locks: deps.locks ?? processBmcLocks });
}
