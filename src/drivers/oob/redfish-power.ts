import type { ActionOutcome } from '../context';
import { DriverError } from '../errors';
import { waitForPower, PowerReading } from './power-wait';
import { type ComputerSystem, powerOf, seconds, type SystemHandle } from './redfish-system';
import { resumeStep } from './resume';

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
 * Off, wait, on, wait (power_cycle: off-on, the default), resumable from the heartbeat of a
 * previous attempt: a retry after Off was sent never sends a second cycle. A node that is off
 * is simply powered on. power_cycle: reset sends one restart ResetType instead.
 */
export async function powerCycle(h: SystemHandle): Promise<ActionOutcome> {
  const ctx = h.ctx;
  const progress = { action: 'powerCycleNode' };
  const resumed = resumeStep(ctx.resumeFrom, 'powerCycleNode');
  let step = resumed ?? 'start';
  let reading = powerOf(h.data);
  const sent: string[] = [];
  let offWaitMs = 0;

  if (step === 'start' && reading.power === 'off') {
    const onType = await pickResetType(h, ON_TYPES, 'power on');
    await reset(h, onType);
    ctx.heartbeat({ ...progress, step: 'on-requested', resetType: onType });
    const waited = await waitFor(h, 'on', { ...progress, step: 'on-requested' });
    return { changed: true, message: `power cycle: the node was off, so it was powered on (${onType}; on after ${seconds(waited.waitedMs)} s)`, details: { wasOff: true, sent: onType } };
  }

  if (step === 'start' && h.settings.powerCycle === 'reset') {
    const restart = await pickResetType(h, RESTART_TYPES, 'power cycle');
    await reset(h, restart);
    ctx.heartbeat({ ...progress, step: 'reset-requested', resetType: restart });
    const waited = await waitFor(h, 'on', { ...progress, step: 'reset-requested' });
    return { changed: true, message: `power cycled (${restart}; on after ${seconds(waited.waitedMs)} s)`, details: { sent: restart, waitedMs: waited.waitedMs } };
  }

  if (step === 'start' || step === 'off-requested') {
    if (reading.power !== 'off') {
      const offType = await pickResetType(h, OFF_TYPES, 'power off');
      // Resumed after Off was sent and the System still reads On: the Off may still be
      // landing or may have been lost; a second ForceOff is harmless either way.
      await reset(h, offType);
      sent.push(offType);
      ctx.heartbeat({ ...progress, step: 'off-requested', resetType: offType });
      offWaitMs = (await waitFor(h, 'off', { ...progress, step: 'off-requested' })).waitedMs;
    }
    step = 'off-reached';
    ctx.heartbeat({ ...progress, step });
    reading = { power: 'off', raw: 'Off' };
  } else {
    reading = await readPower(h);
  }

  // off-reached, on-requested, reset-requested: only On remains to be ensured.
  if (reading.power !== 'on') {
    const onType = await pickResetType(h, ON_TYPES, 'power on');
    await reset(h, onType);
    sent.push(onType);
    ctx.heartbeat({ ...progress, step: 'on-requested', resetType: onType });
  }
  const onWait = await waitFor(h, 'on', { ...progress, step: 'on-requested' });
  const resumedNote = resumed ? ` (resumed after ${resumed}: no second cycle)` : '';
  return {
    changed: true,
    message: `power cycled: ${sent.length ? sent.join(' then ') : 'nothing left to send'}${resumedNote}; off after ${seconds(offWaitMs)} s, on after ${seconds(onWait.waitedMs)} s`,
    details: { sent: sent.join(',') || null, resumedFrom: resumed ?? null, offWaitMs, onWaitMs: onWait.waitedMs },
  };
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
