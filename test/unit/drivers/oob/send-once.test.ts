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

  it('takes the record back when the command provably was not carried out (refused, rejected, busy), so a retry sends it', async () => {
    const refused = [
      new DriverError('bmc', 'Unreachable', 'refused (connection)', { details: { code: 'ECONNREFUSED' } }),
      new DriverError('bmc', 'Busy', 'refused (HTTP 503)', { details: { status: 503 } }),
      new DriverError('bmc', 'Busy', 'refused (HTTP 409)', { details: { status: 409 } }),
      new DriverError('bmc', 'Busy', 'refused (IPMI node busy)'),
      new DriverError('bmc', 'AuthFailed', 'refused (401)'),
      new DriverError('bmc', 'InvalidRequest', 'refused (400)', { details: { status: 400 } }),
    ];
    for (const err of refused) {
      const ctx = standaloneContext();
      await expect(sendOnce(ctx, record, 'on', before, () => Promise.reject(err))).rejects.toBe(err);
      expect(ctx.heartbeats.at(-1)).toEqual(before);
      expect(resumeRecord(ctx.heartbeats.at(-1), 'powerOnNode')).toBeUndefined();
    }
  });

  it('keeps the record when the command may have reached the BMC (a timeout, a reset, no answer, a 5xx other than 503, a cancellation, an unknown error): a retry never sends it twice', async () => {
    const maybe = [
      new DriverError('bmc', 'Timeout', 'no answer in 30 s'),
      new DriverError('bmc', 'Unreachable', 'connection reset', { details: { code: 'ECONNRESET' } }),
      new DriverError('bmc', 'Unreachable', 'no IPMI answer'),
      new DriverError('bmc', 'Unreachable', 'HTTP 504 from a proxy', { details: { status: 504 } }),
      new DriverError('bmc', 'Busy', 'HTTP 500', { details: { status: 500 } }),
      new Error('aborted'),
      new TypeError('bug'),
    ];
    for (const err of maybe) {
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
