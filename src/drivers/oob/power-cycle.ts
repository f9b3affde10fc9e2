import type { ActionContext, ActionOutcome } from '../context';
import { type PowerReading, waitForPower, waitForPowerUntil } from './power-wait';
import { resumeRecord, type SentCommand, sendOnce, sentPhrase } from './resume';

/** What the shared power-cycle logic needs from a driver (Redfish or IPMI). */
export interface CyclePort {
  node: string;
  /** off-on (explicit off, then on) or reset (one restart command). */
  mode: 'off-on' | 'reset';
  powerTimeoutMs: number;
  pollIntervalMs: number;
  ctx: ActionContext;
  read(): Promise<PowerReading>;
  /** Sends the command and returns its name as recorded (a ResetType, or on/off/cycle). */
  send(what: 'on' | 'off' | 'reset'): Promise<string>;
  /** How a command reads in a message: "On", "chassis power on". */
  label(command: string): string;
}

const ACTION = 'powerCycleNode';

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

/**
 * A resumable power cycle that takes effect once. Every command the BMC accepted is recorded
 * with its time in the heartbeat details (`sent`); a retried attempt decides from that record
 * and the time since, never sending an accepted command again: a state that changed after the
 * command was accepted (MAAS powers nodes off after enlistment and around commissioning) is
 * someone else's doing, and is left as it is. A node that is off is simply powered on.
 */
export async function powerCycle(port: CyclePort): Promise<ActionOutcome> {
  const { ctx } = port;
  const progress = { action: ACTION };
  const record = resumeRecord(ctx.resumeFrom, ACTION);
  const sentNow: string[] = [];
  const send = async (what: 'on' | 'off' | 'reset', step: string, before: string): Promise<SentCommand> => {
    const sent = await sendOnce(ctx, { ...progress, step }, what, { ...progress, step: before }, () => port.send(what));
    sentNow.push(sent.command);
    return sent;
  };
  const wait = (want: 'on' | 'off', step: string, sent?: SentCommand) =>
    waitForPower(() => port.read(), want, { node: port.node, timeoutMs: port.powerTimeoutMs, intervalMs: port.pollIntervalMs, ctx, progress: { ...progress, step, ...(sent ? { sent } : {}) } });
  const waitUntil = (want: 'on' | 'off', step: string, sent: SentCommand | undefined, deadline: number) =>
    waitForPowerUntil(() => port.read(), want, deadline, { node: port.node, intervalMs: port.pollIntervalMs, ctx, progress: { ...progress, step, ...(sent ? { sent } : {}) } });

  if (record && (record.step === 'on-requested' || record.step === 'reset-requested')) {
    return resumeAfterOn(port, record, waitUntil);
  }

  let offWaitMs = 0;
  let resumedNote = '';
  if (record?.step === 'off-requested') {
    // Off was accepted by an earlier attempt: wait for it to land (never send it again).
    const { sent } = record;
    const deadline = (sent?.at ?? Date.now()) + port.powerTimeoutMs;
    const reading = await port.read();
    let reachedOff = reading.power === 'off';
    if (!reachedOff && record.lastPower !== 'off') reachedOff = (await waitUntil('off', 'off-requested', sent, deadline)).reached;
    if (!reachedOff) {
      const what = sent ? sentPhrase(sent, (c) => port.label(c)) : 'Off was requested by the first attempt';
      return {
        changed: true,
        message: `power cycle (resumed after the first attempt was interrupted): ${what}, and the node now reads ${reading.raw}: ${record.lastPower === 'off' ? 'it did power off, and someone else (the bootstrapper) has powered it on since' : 'it did not power off within power_timeout_s, and drydock does not send it again'}; left as found (a power action takes effect once)`,
        details: { sent: null, resumedFrom: record.step, acceptedAt: sent?.at ?? null, leftAsFound: true },
      };
    }
    ctx.heartbeat({ ...progress, step: 'off-reached' });
    resumedNote = ' (resumed after the first attempt was interrupted: it had sent Off)';
  } else if (record?.step === 'off-reached') {
    const reading = await port.read();
    if (reading.power === 'on') {
      return {
        changed: true,
        message: `power cycle (resumed after the first attempt was interrupted): the first attempt had powered the node off; it now reads ${reading.raw}, so On is not sent (the first attempt may have sent it just before it was stopped)`,
        details: { sent: null, resumedFrom: record.step },
      };
    }
    resumedNote = ' (resumed after off-reached: no second cycle; the first attempt had powered the node off)';
  } else {
    const reading = await port.read();
    if (reading.power === 'off') {
      const sent = await send('on', 'on-requested', 'not-started');
      const waited = await wait('on', 'on-requested', sent);
      if (waited.undone) return undone(port, 'power cycle: the node was off, so it was powered on', sent, waited, { wasOff: true });
      return { changed: true, message: `power cycle: the node was off, so it was powered on (${port.label(sent.command)}; on after ${seconds(waited.waitedMs)} s)`, details: { wasOff: true, sent: sent.command } };
    }
    if (port.mode === 'reset') {
      const sent = await send('reset', 'reset-requested', 'not-started');
      const waited = await wait('on', 'reset-requested', sent);
      if (waited.undone) return undone(port, 'power cycled', sent, waited, {});
      return { changed: true, message: `power cycled (${port.label(sent.command)}; on after ${seconds(waited.waitedMs)} s)`, details: { sent: sent.command, waitedMs: waited.waitedMs } };
    }
    const off = await send('off', 'off-requested', 'not-started');
    const offWait = await wait('off', 'off-requested', off);
    // Off, then on again by someone else: On is not sent (the node is on, by their doing).
    if (offWait.undone) return undone(port, 'power cycle: Off', off, offWait, {});
    offWaitMs = offWait.waitedMs;
    ctx.heartbeat({ ...progress, step: 'off-reached' });
  }

  const on = await send('on', 'on-requested', 'off-reached');
  const onWait = await wait('on', 'on-requested', on);
  if (onWait.undone) return undone(port, `power cycle: ${sentNow.map((c) => port.label(c)).join(' then ')}${resumedNote}`, on, onWait, { resumedFrom: record?.step ?? null, offWaitMs });
  return {
    changed: true,
    message: `power cycled: ${sentNow.map((c) => port.label(c)).join(' then ')}${resumedNote}; off after ${seconds(offWaitMs)} s, on after ${seconds(onWait.waitedMs)} s`,
    details: { sent: sentNow.join(','), resumedFrom: record?.step ?? null, offWaitMs, onWaitMs: onWait.waitedMs },
  };
}

/** On (or a restart) was accepted by an earlier attempt: confirm it landed, or leave the node as
 * someone else left it. Nothing is sent. */
async function resumeAfterOn(
  port: CyclePort,
  record: NonNullable<ReturnType<typeof resumeRecord>>,
  waitUntil: (want: 'on' | 'off', step: string, sent: SentCommand | undefined, deadline: number) => Promise<{ reached: boolean; undone: boolean; waitedMs: number; last: string }>,
): Promise<ActionOutcome> {
  const { sent } = record;
  const what = () => (sent ? sentPhrase(sent, (c) => port.label(c)) : 'the first attempt had requested On');
  const base = { sent: null, resumedFrom: record.step, acceptedAt: sent?.at ?? null };
  const reading = await port.read();
  const sawOn = record.lastPower === 'on';
  const deadline = (sent?.at ?? Date.now()) + port.powerTimeoutMs;
  // Off after the previous attempt saw it on: someone else powered it off. Off with the window
  // of the accepted command not yet over: the command may still be landing.
  if (reading.power === 'on' || (!sawOn && Date.now() < deadline)) {
    const waited = await waitUntil('on', record.step, sent, reading.power === 'on' ? 0 : deadline);
    if (waited.reached) {
      return { changed: true, message: `power cycled (resumed after the first attempt was interrupted: ${what()}; the node is on; nothing sent again, no second cycle)`, details: { ...base, onWaitMs: waited.waitedMs } };
    }
    return leftAsFound(what(), waited.last, reading.power === 'on' || sawOn || waited.undone, base);
  }
  return leftAsFound(what(), reading.raw, sawOn || Date.now() >= deadline, base);
}

/** The command landed and someone else changed the node back while this attempt watched. */
function undone(port: CyclePort, what: string, sent: SentCommand, waited: { waitedMs: number; last: string }, details: Record<string, unknown>): ActionOutcome {
  return {
    changed: true,
    message: `${what} (${port.label(sent.command)}); the node reached the state, then read ${waited.last} again within ${seconds(waited.waitedMs)} s: someone else (the bootstrapper, which powers nodes off after enlistment) has changed it since, so drydock leaves it (a power action takes effect once)`,
    details: { ...details, sent: sent.command, undoneAfterMs: waited.waitedMs, leftAsFound: true },
  };
}

function leftAsFound(what: string, raw: string, othersActed: boolean, base: Record<string, unknown>): ActionOutcome {
  const why = othersActed
    ? 'someone else (the bootstrapper, which powers nodes off around enlistment and commissioning) has powered it off since'
    : 'it did not read on while this attempt watched (the record of the first attempt ends before it could tell whether the node powered on; the bootstrapper powers nodes off after enlistment)';
  return {
    changed: true,
    message: `power cycle (resumed after the first attempt was interrupted): ${what}; the node now reads ${raw}: ${why}, so drydock leaves it and sends nothing again (a power action takes effect once)`,
    details: { ...base, leftAsFound: true },
  };
}
