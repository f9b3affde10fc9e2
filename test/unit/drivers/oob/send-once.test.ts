import { standaloneContext } from '../../../../src/drivers/context';
import { DriverError } from '../../../../src/drivers/errors';
import { resumeRecord, sendOnce, sentPhrase } from '../../../../src/drivers/oob/resume';

const record = { action: 'powerOnNode', step: 'on-requested' };
const before = { action: 'powerOnNode', step: 'not-started' };

describe('sendOnce: the record is written ahead of a command that must take effect once', () => {
  it('writes the pending record first, then the command the BMC accepted', async () => {
    const ctx = standaloneContext();
    let heartbeatsAtSend = -1;
    const sent = await sendOnce(ctx, record, 'on', before, () => {
      heartbeatsAtSend = ctx.heartbeats.length;
      return Promise.resolve('ForceOn');
    });
    expect(heartbeatsAtSend).toBe(1);
    expect(ctx.heartbeats).toEqual([
      { ...record, sent: { command: 'on', at: expect.any(Number) as number, pending: true } },
      { ...record, sent: { command: 'ForceOn', at: sent.at } },
    ]);
  });

  it('takes the record back when the command provably did not reach the BMC (refused, rejected), so a retry sends it', async () => {
    for (const kind of ['Unreachable', 'Busy', 'AuthFailed', 'InvalidRequest'] as const) {
      const ctx = standaloneContext();
      await expect(sendOnce(ctx, record, 'on', before, () => Promise.reject(new DriverError('bmc', kind, `refused (${kind})`)))).rejects.toThrow(kind);
      expect(ctx.heartbeats.at(-1)).toEqual(before);
      expect(resumeRecord(ctx.heartbeats.at(-1), 'powerOnNode')).toBeUndefined();
    }
  });

  it('keeps the record when the command may have reached the BMC (a timeout, a cancellation, an unknown error): a retry never sends it twice', async () => {
    for (const err of [new DriverError('bmc', 'Timeout', 'no answer in 30 s'), new Error('aborted'), new TypeError('bug')]) {
      const ctx = standaloneContext();
      await expect(sendOnce(ctx, record, 'on', before, () => Promise.reject(err))).rejects.toBe(err);
      const left = resumeRecord(ctx.heartbeats.at(-1), 'powerOnNode');
      expect(left).toEqual({ step: 'on-requested', sent: { command: 'on', at: expect.any(Number) as number, pending: true } });
      expect(sentPhrase(left!.sent!, (c) => c, left!.sent!.at + 41_000)).toBe('the on command was about to be sent 41 s ago when the first attempt was interrupted (it may have reached the BMC)');
    }
  });

  it('an accepted command reads as accepted', () => {
    expect(sentPhrase({ command: 'On', at: 0 }, (c) => `Redfish ${c}`, 5_000)).toBe('Redfish On was accepted 5 s ago by the first attempt');
  });
});
