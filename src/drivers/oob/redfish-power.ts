import type { ActionOutcome } from '../context';
import { DriverError } from '../errors';
import type { PowerReading } from './power-wait';
import { ensurePower } from './power-once';
import { type ComputerSystem, powerOf, type SystemHandle } from './redfish-system';
import { powerCycle as sharedPowerCycle } from './power-cycle';

/*
 * Redfish power (after Ironic's redfish/power.py): ensure on, ensure off and a resumable power
 * cycle through ComputerSystem.Reset, each waiting until the System reads the wanted state.
 */
const ON_TYPES = ['On', 'ForceOn'];
const OFF_TYPES = ['ForceOff', 'GracefulShutdown'];
const RESTART_TYPES = ['ForceRestart', 'GracefulRestart', 'PowerCycle'];

/** Ensure on / ensure off, once: a System already powering on (off) is only waited for; a
 * retried attempt decides from the previous attempt's record of the accepted Reset
 * (power-once.ts) and never sends it again. */
export function powerOn(h: SystemHandle): Promise<ActionOutcome> {
  return ensure(h, 'on');
}

export function powerOff(h: SystemHandle): Promise<ActionOutcome> {
  return ensure(h, 'off');
}

function ensure(h: SystemHandle, want: 'on' | 'off'): Promise<ActionOutcome> {
  return ensurePower(
    {
      node: h.target.node,
      powerTimeoutMs: h.settings.powerTimeoutMs,
      pollIntervalMs: h.settings.pollIntervalMs,
      ctx: h.ctx,
      first: powerOf(h.data),
      read: () => readPower(h),
      landing: (reading) => reading.raw === (want === 'on' ? 'PoweringOn' : 'PoweringOff'),
      async send() {
        const resetType = await pickResetType(h, want === 'on' ? ON_TYPES : OFF_TYPES, `power ${want}`);
        await reset(h, resetType);
        return resetType;
      },
      label: (command) => command,
      details: (command) => ({ resetType: command }),
    },
    want,
  );
}

/**
 * Off, wait, on, wait (power_cycle: off-on, the default), or one restart ResetType (power_cycle:
 * reset); a node that is off is simply powered on. Resumable from the heartbeat of a previous
 * attempt, which records what the BMC accepted and when: see power-cycle.ts.
 */
export function powerCycle(h: SystemHandle): Promise<ActionOutcome> {
  return sharedPowerCycle({
    node: h.target.node,
    mode: h.settings.powerCycle === 'reset' ? 'reset' : 'off-on',
    powerTimeoutMs: h.settings.powerTimeoutMs,
    pollIntervalMs: h.settings.pollIntervalMs,
    ctx: h.ctx,
    read: () => readPower(h),
    async send(what) {
      const resetType = await pickResetType(h, what === 'on' ? ON_TYPES : what === 'off' ? OFF_TYPES : RESTART_TYPES, what === 'reset' ? 'power cycle' : `power ${what}`);
      await reset(h, resetType);
      return resetType;
    },
    label: (command) => command,
  });
}

async function readPower(h: SystemHandle): Promise<PowerReading> {
  const { data } = await h.conn.get<ComputerSystem>(h.path, `the System ${h.path}`);
  return powerOf(data);
}

/** The first of `preferred` the System allows; the System's ActionInfo is read when the
 * allowable values are not inline. A System that lists none allows the standard values. */
async function pickResetType(h: SystemHandle, preferred: string[], what: string): Promise<string> {
  const action = h.data.Actions?.['#ComputerSystem.Reset'];
  if (!action?.target) {
    throw new DriverError('bmc', 'Unsupported', `node ${h.target.node}: the System at ${h.path} offers no ComputerSystem.Reset action, so drydock cannot ${what} through this BMC`, {
      target: h.target.node,
    });
  }
  let allowed = action['ResetType@Redfish.AllowableValues'];
  if (!allowed && action['@Redfish.ActionInfo']) {
    const info = await h.conn.get<{ Parameters?: Array<{ Name?: string; AllowableValues?: string[] }> }>(action['@Redfish.ActionInfo'], 'the Reset ActionInfo');
    allowed = info.data.Parameters?.find((p) => p.Name === 'ResetType')?.AllowableValues;
  }
  if (!allowed) return preferred[0];
  const choice = preferred.find((t) => allowed.includes(t));
  if (!choice) {
    throw new DriverError('bmc', 'Unsupported', `node ${h.target.node}: to ${what}, drydock needs one of the ResetTypes ${preferred.join(', ')}; the System at ${h.path} allows only ${allowed.join(', ')}`, {
      target: h.target.node,
      details: { allowed: allowed.join(',') },
    });
  }
  return choice;
}

async function reset(h: SystemHandle, resetType: string): Promise<void> {
  const targetPath = h.data.Actions?.['#ComputerSystem.Reset']?.target as string;
  h.ctx.log(`node ${h.target.node}: Redfish Reset ${resetType}`, { path: targetPath });
  await h.conn.post(targetPath, { ResetType: resetType });
}
