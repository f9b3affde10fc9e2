import { standaloneContext } from '../../../../src/drivers/context';
import { powerCycle } from '../../../../src/drivers/oob/power-cycle';
import { ensurePower } from '../../../../src/drivers/oob/power-once';
import type { PowerReading } from '../../../../src/drivers/oob/power-wait';
import { resumeRecord } from '../../../../src/drivers/oob/resume';

/** A BMC whose node reads `script` after the command, one entry per reading (the last repeats). */
function scripted(before: PowerReading['power'], script: Array<PowerReading['power']>) {
  const sent: string[] = [];
  let i = 0;
  const read = (): Promise<PowerReading> => {
    const power = sent.length === 0 ? before : (script[Math.min(i++, script.length - 1)] ?? before);
    return Promise.resolve({ power, raw: power === 'on' ? 'On' : 'Off' });
  };
  return { sent, read, send: (what: string) => (sent.push(what), Promise.resolve(what)) };
}

describe('a node the bootstrapper changes back while the step watches', () => {
  it('power cycle of a node that was off: on once, then off three times: left as found at once, no timeout, nothing sent again', async () => {
    const bmc = scripted('off', ['on', 'off', 'off', 'off']);
    const ctx = standaloneContext();
    const outcome = await powerCycle({ node: 'n1', mode: 'off-on', powerTimeoutMs: 60_000, pollIntervalMs: 1, ctx, read: bmc.read, send: (w) => bmc.send(w), label: (c) => c });
    expect(bmc.sent).toEqual(['on']);
    expect(outcome).toMatchObject({ changed: true, details: { wasOff: true, sent: 'on', leftAsFound: true } });
    expect(outcome.message).toContain('someone else');
    // The record says the node got there, for a retry that would come after.
    expect(resumeRecord(ctx.heartbeats.at(-1), 'powerCycleNode')?.lastPower).toBe('on');
  });

  it('a BMC that reports the old state once or twice while the change lands is waited for, not taken as undone', async () => {
    const bmc = scripted('off', ['on', 'off', 'off', 'on', 'on']);
    const outcome = await powerCycle({ node: 'n2', mode: 'off-on', powerTimeoutMs: 60_000, pollIntervalMs: 1, ctx: standaloneContext(), read: bmc.read, send: (w) => bmc.send(w), label: (c) => c });
    expect(outcome.details).toMatchObject({ wasOff: true, sent: 'on' });
    expect(outcome.details).not.toHaveProperty('leftAsFound');
  });

  it('ensure on: on, then off three times: left as found instead of a BmcTimeout', async () => {
    const bmc = scripted('off', ['on', 'off', 'off', 'off']);
    const outcome = await ensurePower({ node: 'n3', powerTimeoutMs: 60_000, pollIntervalMs: 1, ctx: standaloneContext(), read: bmc.read, send: () => bmc.send('on'), label: (c) => c }, 'on');
    expect(bmc.sent).toEqual(['on']);
    expect(outcome.details).toMatchObject({ sent: 'on', leftAsFound: true });
  });
});
