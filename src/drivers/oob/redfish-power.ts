import type { ActionOutcome } from '../context';
import { DriverError } from '../errors';
import { waitForPower, PowerReading } from './power-wait';
import { type ComputerSystem, powerOf, seconds, type SystemHandle } from './redfish-system';
import { powerCycle as sharedPowerCycle } from './power-cycle';

/*
 * Redfish power (after Ironic's redfish/power.py): ensure on, ensure off and a resumable power
 * cycle through ComputerSystem.Reset, each waiting until the System reads the wanted state.
 */
const ON_TYPES = ['On', 'ForceOn'];
const OFF_TYPES = ['ForceOff', 'GracefulShutdown'];
const RESTART_TYPES = ['ForceRestart', 'GracefulRestart', 'PowerCycle'];

/** Ensure on: no command when already on; a System already powering on is only waited for. */
export async function powerOn(h: SystemHandle): Promise<ActionOutcome> {
  const reading = powerOf(h.data);
  if (reading.power === 'on') return { changed: false, message: 'power on (no change: already on)', details: { powerState: reading.raw } };
  const progress = { action: 'powerOnNode' };
  let resetType: string | null = null;
  if (reading.raw !== 'PoweringOn') {
    resetType = await pickResetType(h, ON_TYPES, 'power on');
    await reset(h, resetType);
    h.ctx.heartbeat({ ...progress, step: 'on-requested', resetType });
  }
  const waited = await waitFor(h, 'on', progress);
  return { changed: true, message: `powered on (${resetType ?? 'already powering on'}; on after ${seconds(waited.waitedMs)} s)`, details: { resetType, waitedMs: waited.waitedMs } };
}

/** Ensure off: no command when already off; a System already powering off is only waited for. */
export async function powerOff(h: SystemHandle): Promise<ActionOutcome> {
  const reading = powerOf(h.data);
  if (reading.power === 'off') return { changed: false, message: 'power off (no change: already off)', details: { powerState: reading.raw } };
  const progress = { action: 'powerOffNode' };
  let resetType: string | null = null;
  if (reading.raw !== 'PoweringOff') {
    resetType = await pickResetType(h, OFF_TYPES, 'power off');
    await reset(h, resetType);
    h.ctx.heartbeat({ ...progress, step: 'off-requested', resetType });
  }
  const waited = await waitFor(h, 'off', progress);
  return { changed: true, message: `powered off (${resetType ?? 'already powering off'}; off after ${seconds(waited.waitedMs)} s)`, details: { resetType, waitedMs: waited.waitedMs } };
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

function waitFor(h: SystemHandle, want: 'on' | 'off', progress: Record<string, unknown>): Promise<{ waitedMs: number }> {
  return waitForPower(() => readPower(h), want, {
    node: h.target.node,
    timeoutMs: h.settings.powerTimeoutMs,
    intervalMs: h.settings.pollIntervalMs,
    ctx: h.ctx,
    progress,
  });
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
