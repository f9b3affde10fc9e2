import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';
import type { BmcLocks } from './bmc-lock';
import type { BootDevice, BootSettings, OobDriver, OobInterrogation, OobTarget } from './interface';
import { configPxe, setBoot } from './redfish-boot';
import { powerCycle, powerOff, powerOn } from './redfish-power';
import { listMacs, powerOf, type SystemHandle, withSystem } from './redfish-system';

/**
 * Redfish (DMTF) out-of-band driver. One connection per action: service root, authentication
 * (session or basic), the node's ComputerSystem, then the action; the session is deleted at the
 * end whatever happens. Power is in redfish-power.ts, boot in redfish-boot.ts, what they share
 * in redfish-system.ts. See docs/oob-drivers.md for the parameters and the error mapping.
 */
const DEVICE_OF: Record<string, BootDevice | 'none'> = { Pxe: 'pxe', Hdd: 'disk', Cd: 'cdrom', None: 'none' };

export class RedfishDriver implements OobDriver {
  readonly type = 'redfish';

  constructor(private readonly deps: { locks: BmcLocks }) {}

  async validateOobServices(target: OobTarget, ctx: ActionContext): Promise<ServiceCheck> {
    return this.withSystem(target, ctx, async (h) => {
      const version = typeof h.conn.root.RedfishVersion === 'string' ? h.conn.root.RedfishVersion : 'unknown version';
      const auth = h.conn.authMode === 'none' ? 'no authentication' : h.conn.authMode === 'session' ? 'session authentication' : 'basic authentication';
      return {
        ok: true,
        message: `Redfish ${version} at ${h.settings.baseUrl}: System "${h.data.Name ?? h.data.Id}" (${h.path}) found with ${auth}`,
        details: { baseUrl: h.settings.baseUrl, systemPath: h.path, systemId: h.data.Id ?? null, redfishVersion: version, authMode: h.conn.authMode },
      };
    });
  }

  configNodePxe(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.withSystem(target, ctx, configPxe);
  }

  setNodeBoot(target: OobTarget, boot: BootSettings, ctx: ActionContext): Promise<ActionOutcome> {
    return this.withSystem(target, ctx, (h) => setBoot(h, boot));
  }

  powerOnNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.withSystem(target, ctx, powerOn);
  }

  powerOffNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.withSystem(target, ctx, powerOff);
  }

  powerCycleNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.withSystem(target, ctx, powerCycle);
  }

  async interrogateOob(target: OobTarget, ctx: ActionContext): Promise<OobInterrogation> {
    return this.withSystem(target, ctx, async (h) => {
      const reading = powerOf(h.data);
      const boot = h.data.Boot;
      const macs = await listMacs(h);
      return {
        power: reading.power,
        boot: boot
          ? {
              device: boot.BootSourceOverrideTarget ? (DEVICE_OF[boot.BootSourceOverrideTarget] ?? 'other') : 'none',
              enabled: boot.BootSourceOverrideEnabled === 'Once' ? 'once' : boot.BootSourceOverrideEnabled === 'Continuous' ? 'continuous' : 'disabled',
              mode: boot.BootSourceOverrideMode === 'UEFI' ? 'uefi' : boot.BootSourceOverrideMode === 'Legacy' ? 'legacy' : undefined,
              raw: [boot.BootSourceOverrideTarget, boot.BootSourceOverrideEnabled, boot.BootSourceOverrideMode].filter(Boolean).join(' / '),
            }
          : undefined,
        identity: {
          manufacturer: h.data.Manufacturer ?? undefined,
          model: h.data.Model ?? undefined,
          serial: h.data.SerialNumber ?? undefined,
          uuid: h.data.UUID ?? undefined,
          macs,
        },
        details: {
          systemId: h.data.Id ?? null,
          systemName: h.data.Name ?? null,
          systemPath: h.path,
          powerState: reading.raw,
          biosVersion: h.data.BiosVersion ?? null,
          redfishVersion: typeof h.conn.root.RedfishVersion === 'string' ? h.conn.root.RedfishVersion : null,
        },
      };
    });
  }

  private withSystem<T>(target: OobTarget, ctx: ActionContext, fn: (h: SystemHandle) => Promise<T>): Promise<T> {
    return withSystem(target, ctx, this.deps.locks, fn);
  }
}
