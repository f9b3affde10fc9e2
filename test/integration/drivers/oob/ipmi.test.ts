import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { standaloneContext } from '../../../../src/drivers/context';
import { BmcLocks, createOobDriver } from '../../../../src/drivers/oob';
import { IpmiSim, startIpmiSim } from '../../../../lab/ipmi/ipmi-sim';
import { pollUntil } from '../../../../src/tools/poll';
import { everythingAbout, nodeWithOob, recordingContext, targetOf } from '../../../support/oob-nodes';
import { driverFailure } from '../../../support/driver-errors';

// The IPMI driver (ipmitool -I lanplus) against real OpenIPMI ipmi_sim BMCs, one per test that
// changes state, all started once for the file.

const PASSWORD = 'ipmi-Secret-9c1d';
const ENV = { IPMI_PW: PASSWORD, IPMI_WRONG: 'wrong-ipmi-password' };
const FAST = { min_command_gap_ms: 20, poll_interval_ms: 100, power_timeout_s: 20 };

const bmcs: Record<string, IpmiSim> = {};
const driver = createOobDriver('ipmi');

function target(name: string, bmc: { ip: string; port: number }, params: Record<string, unknown> = {}, extra: { account?: string; credential?: string } = {}) {
  return targetOf(
    nodeWithOob(name, { type: 'ipmi', address: bmc.ip, port: bmc.port, account: extra.account ?? 'admin', credential: extra.credential ?? 'env:IPMI_PW', params: { ...FAST, ...params } }),
    ENV,
  );
}

const failure = driverFailure;

/** ipmitool processes that are children of this (jest worker) process. */
function ipmitoolChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const match = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (match && match[1] === 'ipmitool' && Number(match[2]) === process.pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

beforeAll(async () => {
  const specs: Array<[string, 'on' | 'off']> = [
    ['ipmi-power', 'off'],
    ['ipmi-cycle', 'on'],
    ['ipmi-cycle-off', 'off'],
    ['ipmi-reset', 'on'],
    ['ipmi-resume', 'off'],
    ['ipmi-once', 'off'],
    ['ipmi-late', 'off'],
    ['ipmi-boot', 'off'],
    ['ipmi-lock', 'off'],
    ['ipmi-on-once', 'off'],
    ['ipmi-off-once', 'on'],
    ['ipmi-on-late', 'off'],
  ];
  const started = await Promise.all(specs.map(([name, power]) => startIpmiSim({ name, username: 'admin', password: PASSWORD, initialPower: power })));
  for (const bmc of started) bmcs[bmc.name] = bmc;
});

afterAll(async () => {
  await Promise.all(Object.values(bmcs).map((b) => b.stop()));
});

describe('IPMI driver against ipmi_sim: power', () => {
  it('ensures on and off: one chassis command when needed, none when the state already holds', async () => {
    const bmc = bmcs['ipmi-power'];
    const t = target('n-power', bmc);
    expect(await driver.powerOnNode(t, standaloneContext())).toMatchObject({ changed: true, details: { sent: 'on' } });
    expect(bmc.state().power).toBe('on');
    expect(await driver.powerOnNode(t, standaloneContext())).toMatchObject({ changed: false, message: 'power on (no change: already on)' });
    expect(bmc.changes()).toEqual(['set power 1']);
    expect(await driver.powerOffNode(t, standaloneContext())).toMatchObject({ changed: true, details: { sent: 'off' } });
    expect(await driver.powerOffNode(t, standaloneContext())).toMatchObject({ changed: false, message: 'power off (no change: already off)' });
    expect(bmc.changes()).toEqual(['set power 1', 'set power 0']);
    expect(bmc.state().power).toBe('off');
  });

  it('power-cycles an on node as an explicit off then on', async () => {
    const bmc = bmcs['ipmi-cycle'];
    const ctx = standaloneContext();
    const outcome = await driver.powerCycleNode(target('n-cycle', bmc), ctx);
    expect(outcome).toMatchObject({ changed: true, details: { sent: 'off,on' } });
    expect(bmc.changes()).toEqual(['set power 0', 'set power 1']);
    expect(bmc.state().power).toBe('on');
    expect(ctx.heartbeats.map((h) => (h as { step?: string }).step)).toEqual(expect.arrayContaining(['off-requested', 'off-reached', 'on-requested']));
  });

  it('power-cycles an off node by powering it on (chassis power cycle fails on many BMCs when off)', async () => {
    const bmc = bmcs['ipmi-cycle-off'];
    const outcome = await driver.powerCycleNode(target('n-cycle-off', bmc), standaloneContext());
    expect(outcome).toMatchObject({ changed: true, details: { wasOff: true, sent: 'on' } });
    expect(outcome.message).toContain('the node was off, so it was powered on');
    expect(bmc.changes()).toEqual(['set power 1']);
  });

  it('uses chassis power cycle when power_cycle is reset', async () => {
    const bmc = bmcs['ipmi-reset'];
    const outcome = await driver.powerCycleNode(target('n-reset', bmc, { power_cycle: 'reset' }), standaloneContext());
    expect(outcome).toMatchObject({ changed: true, details: { sent: 'cycle' } });
    // ipmi_sim turns the power off at once and on about a second later.
    expect(bmc.changes()).toEqual(['set power 0', 'set power 1']);
    expect(bmc.state().power).toBe('on');
  });

  it('resumes a power cycle after Off was reached: sends only on', async () => {
    const bmc = bmcs['ipmi-resume'];
    const outcome = await driver.powerCycleNode(target('n-resume', bmc), standaloneContext({ resumeFrom: { action: 'powerCycleNode', step: 'off-reached' } }));
    expect(outcome).toMatchObject({ changed: true, details: { sent: 'on', resumedFrom: 'off-reached' } });
    expect(bmc.changes()).toEqual(['set power 1']);
  });

  it('a retried power cycle whose on was accepted and landed leaves a node the bootstrapper powered off since (power 1; power 0; no second power 1)', async () => {
    const bmc = bmcs['ipmi-once'];
    const t = target('n-once', bmc);
    const first = standaloneContext();
    await driver.powerCycleNode(t, first);
    const lastHeartbeat = first.heartbeats[first.heartbeats.length - 1];
    expect(lastHeartbeat).toMatchObject({ step: 'on-requested', sent: { command: 'on' }, lastPower: 'on' });
    await driver.powerOffNode(t, standaloneContext()); // the bootstrapper
    const retry = await driver.powerCycleNode(t, standaloneContext({ resumeFrom: lastHeartbeat }));
    expect(retry).toMatchObject({ changed: true, details: { sent: null, resumedFrom: 'on-requested', leftAsFound: true } });
    expect(retry.message).toContain('chassis power on was accepted');
    expect(bmc.changes()).toEqual(['set power 1', 'set power 0']);
    expect(bmc.state().power).toBe('off');
  });

  it('a retried power cycle whose on was accepted longer ago than power_timeout_s sends nothing again', async () => {
    const bmc = bmcs['ipmi-late'];
    const retry = await driver.powerCycleNode(target('n-late', bmc, { power_timeout_s: 2 }), standaloneContext({ resumeFrom: { action: 'powerCycleNode', step: 'on-requested', sent: { command: 'on', at: Date.now() - 60_000 } } }));
    expect(retry).toMatchObject({ changed: true, details: { sent: null, leftAsFound: true } });
    expect(bmc.changes()).toEqual([]);
  });
});

describe('IPMI driver against ipmi_sim: power on and off take effect once', () => {
  it('a retried power-on whose on was accepted and landed leaves a node the bootstrapper powered off since (power 1; power 0; no second power 1)', async () => {
    const bmc = bmcs['ipmi-on-once'];
    const t = target('n-on-once', bmc);
    const first = standaloneContext();
    await driver.powerOnNode(t, first);
    const lastHeartbeat = first.heartbeats[first.heartbeats.length - 1];
    expect(lastHeartbeat).toMatchObject({ action: 'powerOnNode', step: 'on-requested', sent: { command: 'on' }, lastPower: 'on' });
    await driver.powerOffNode(t, standaloneContext()); // the bootstrapper
    const retry = await driver.powerOnNode(t, standaloneContext({ resumeFrom: lastHeartbeat }));
    expect(retry).toMatchObject({ changed: true, details: { sent: null, resumedFrom: 'on-requested', leftAsFound: true } });
    expect(retry.message).toContain('chassis power on was accepted');
    expect(bmc.changes()).toEqual(['set power 1', 'set power 0']);
    expect(bmc.state().power).toBe('off');
  });

  it('a retried power-off whose off was accepted and landed leaves a node powered on since (power 0; power 1; no second power 0)', async () => {
    const bmc = bmcs['ipmi-off-once'];
    const t = target('n-off-once', bmc);
    const first = standaloneContext();
    await driver.powerOffNode(t, first);
    const lastHeartbeat = first.heartbeats[first.heartbeats.length - 1];
    expect(lastHeartbeat).toMatchObject({ action: 'powerOffNode', step: 'off-requested', sent: { command: 'off' }, lastPower: 'off' });
    await driver.powerOnNode(t, standaloneContext()); // someone else
    const retry = await driver.powerOffNode(t, standaloneContext({ resumeFrom: lastHeartbeat }));
    expect(retry).toMatchObject({ changed: true, details: { sent: null, resumedFrom: 'off-requested', leftAsFound: true } });
    expect(bmc.changes()).toEqual(['set power 0', 'set power 1']);
    expect(bmc.state().power).toBe('on');
  });

  it('a retried power-on whose on was accepted longer ago than power_timeout_s and never landed fails (BmcOperationFailed, not retried) and sends nothing', async () => {
    const bmc = bmcs['ipmi-on-late'];
    const err = await failure(driver.powerOnNode(target('n-on-late', bmc, { power_timeout_s: 1 }), standaloneContext({ resumeFrom: { action: 'powerOnNode', step: 'on-requested', sent: { command: 'on', at: Date.now() - 60_000 } } })));
    expect(err.type).toBe('BmcOperationFailed');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('chassis power on was accepted');
    expect(bmc.changes()).toEqual([]);
  });
});

describe('IPMI driver against ipmi_sim: boot and identity', () => {
  it('sets pxe, disk and cdrom with the efiboot/persistent options and verifies the device', async () => {
    const bmc = bmcs['ipmi-boot'];
    const t = target('n-boot', bmc);
    const pxe = await driver.setNodeBoot(t, { device: 'pxe', persistent: true, mode: 'uefi' }, standaloneContext());
    expect(pxe).toMatchObject({ changed: true, details: { command: 'chassis bootdev pxe options=persistent,efiboot', readBackPersistent: false, readBackMode: 'legacy' } });
    // ipmi_sim keeps only the device: the driver reports what the BMC did not take.
    expect(pxe.message).toContain('warning: the BMC reports the boot flags as not valid');
    expect(pxe.message).toContain('"next boot only" although persistent was requested');
    expect(pxe.message).toContain('legacy boot although uefi was requested');
    expect(bmc.state().boot).toBe('pxe');

    const disk = await driver.setNodeBoot(t, { device: 'disk', persistent: false, mode: 'legacy' }, standaloneContext());
    expect(disk.details?.command).toBe('chassis bootdev disk');
    expect(bmc.state().boot).toBe('default'); // ipmitool's "disk" is "boot from default hard drive"
    const cdrom = await driver.setNodeBoot(t, { device: 'cdrom', persistent: false, mode: 'uefi' }, standaloneContext());
    expect(cdrom.details?.command).toBe('chassis bootdev cdrom options=efiboot');
    expect(bmc.state().boot).toBe('cdrom');
    expect(bmc.changes()).toEqual(['set boot pxe', 'set boot default', 'set boot cdrom']);
  });

  it('a retried SetNodeBoot whose earlier attempt sent bootdev (or was about to) reads the device and sends nothing again, though ipmi_sim keeps no persistence or mode', async () => {
    const bmc = bmcs['ipmi-boot'];
    const t = target('n-boot', bmc);
    const pxe = { device: 'pxe', persistent: true, mode: 'uefi' } as const;
    await driver.setNodeBoot(t, { device: 'disk', persistent: false, mode: 'legacy' }, standaloneContext());
    const first = standaloneContext();
    await driver.setNodeBoot(t, pxe, first);
    const changes = bmc.changes().length;
    // The record written ahead of the command, then the accepted command.
    expect(first.heartbeats).toEqual([
      { action: 'setNodeBoot', step: 'boot-requested', want: pxe, sent: { command: 'chassis bootdev pxe options=persistent,efiboot', at: expect.any(Number) as number, pending: true } },
      { action: 'setNodeBoot', step: 'boot-requested', want: pxe, sent: { command: 'chassis bootdev pxe options=persistent,efiboot', at: expect.any(Number) as number } },
    ]);
    const retry = await driver.setNodeBoot(t, pxe, standaloneContext({ resumeFrom: first.heartbeats[1] }));
    expect(retry).toMatchObject({ changed: true, details: { resumedFrom: 'boot-requested' } });
    expect(retry.message).toContain('was accepted');
    expect(retry.message).toContain('not sent again');
    const interrupted = await driver.setNodeBoot(t, pxe, standaloneContext({ resumeFrom: first.heartbeats[0] }));
    expect(interrupted.message).toContain('was about to be sent');
    expect(bmc.changes().length).toBe(changes);
    // A record of other settings is no reason to skip: those are sent.
    await driver.setNodeBoot(t, { device: 'disk', persistent: false, mode: 'legacy' }, standaloneContext({ resumeFrom: first.heartbeats[1] }));
    expect(bmc.changes().slice(changes)).toEqual(['set boot default']);
  });

  it('ConfigNodePxe sets PXE persistently, keeping the reported boot mode, and says IPMI cannot choose the NIC', async () => {
    const bmc = bmcs['ipmi-boot'];
    const outcome = await driver.configNodePxe(target('n-boot', bmc), standaloneContext());
    expect(outcome).toMatchObject({ changed: true, details: { method: 'bootdev-persistent', command: 'chassis bootdev pxe options=persistent', mode: 'legacy' } });
    expect(outcome.message).toContain('IPMI cannot choose the NIC');
    expect(bmc.state().boot).toBe('pxe');
  });

  it('interrogates power, boot flags and what the BMC says of itself', async () => {
    const bmc = bmcs['ipmi-boot'];
    const seen = await driver.interrogateOob(target('n-boot', bmc), standaloneContext());
    expect(seen).toMatchObject({
      power: 'off',
      boot: { device: 'pxe', enabled: 'disabled', mode: 'legacy', raw: 'Force PXE; next boot only; flag not valid' },
      identity: { manufacturer: 'MontaVista Software, Inc.', macs: [] },
      details: { bmc: `${bmc.ip}:${bmc.port}`, firmware: '9.08', ipmiVersion: '2.0', fruAvailable: false },
    });
    expect(seen.identity.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const check = await driver.validateOobServices(target('n-boot', bmc), standaloneContext());
    expect(check.message).toBe(`IPMI BMC at ${bmc.ip}:${bmc.port} answers user admin (cipher suite 3; MontaVista Software, Inc. Unknown (0xF02), firmware 9.08); chassis power is off`);
  });
});

describe('IPMI driver against ipmi_sim: failures', () => {
  it('a wrong password is BmcAuthFailed (RAKP 2 HMAC), not retryable, and the password appears nowhere', async () => {
    const ctx = recordingContext();
    const err = await failure(driver.powerOnNode(target('n-wrong', bmcs['ipmi-boot'], {}, { credential: 'env:IPMI_WRONG' }), ctx));
    expect(err.type).toBe('BmcAuthFailed');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('refused the password of user admin (RAKP 2 HMAC is invalid)');
    for (const secret of [PASSWORD, ENV.IPMI_WRONG]) {
      expect(everythingAbout(err)).not.toContain(secret);
      expect(ctx.lines.join('\n')).not.toContain(secret);
    }
    expect(bmcs['ipmi-boot'].state().power).toBe('off');
  });

  it('a wrong user is BmcAuthFailed (unauthorized name)', async () => {
    const err = await failure(driver.interrogateOob(target('n-user', bmcs['ipmi-boot'], {}, { account: 'nobody' }), standaloneContext()));
    expect(err.type).toBe('BmcAuthFailed');
    expect(err.message).toContain('does not know user nobody (unauthorized name)');
  });

  it('a cipher suite the BMC refuses is BmcUnsupported naming the cipher_suite param', async () => {
    const err = await failure(driver.interrogateOob(target('n-cipher', bmcs['ipmi-boot'], { cipher_suite: 17 }), standaloneContext()));
    expect(err.type).toBe('BmcUnsupported');
    expect(err.message).toContain('refuses cipher suite 17');
    expect(err.message).toContain('set oob param cipher_suite');
  });

  it('a BMC that is down (emulator stopped) is BmcUnreachable (retryable)', async () => {
    const down = await startIpmiSim({ name: 'ipmi-down', username: 'admin', password: PASSWORD });
    await down.stop();
    const err = await failure(driver.interrogateOob(target('n-down', down, { ipmi_timeout_s: 1, ipmi_retries: 1 }), standaloneContext()));
    expect(err.type).toBe('BmcUnreachable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`no IPMI answer from ${down.ip}:${down.port}`);
  });

  it('malformed params and a missing credential are InvalidRequest naming the node', async () => {
    const bad = await failure(driver.interrogateOob(target('n-bad', bmcs['ipmi-boot'], { cipher_suite: 'fast' }), standaloneContext()));
    expect(bad.message).toBe('node n-bad: oob param cipher_suite must be a whole number from 0 to 17 (got "fast")');
    const gap = await failure(driver.interrogateOob(target('n-bad', bmcs['ipmi-boot'], { min_command_gap_ms: -5 }), standaloneContext()));
    expect(gap.message).toBe('node n-bad: oob param min_command_gap_ms must be a whole number from 0 to 60000 (got -5)');
    const noCredential = await failure(
      driver.interrogateOob(targetOf(nodeWithOob('n-nocred', { type: 'ipmi', address: '127.0.0.1', account: 'admin' }), ENV), standaloneContext()),
    );
    expect(noCredential.message).toBe('node n-nocred: an IPMI BMC needs oob.account and oob.credential (a reference to the password)');
    expect(() => targetOf(nodeWithOob('n-noenv', { type: 'ipmi', address: '127.0.0.1', account: 'admin', credential: 'env:NOT_SET_ANYWHERE' }), ENV)).toThrow(
      'BMC password of node n-noenv: the environment variable NOT_SET_ANYWHERE (from "env:NOT_SET_ANYWHERE") is not set',
    );
  });
});

describe('ipmitool as a child process', () => {
  it('is killed when the action is cancelled, and never has the password in its argv', async () => {
    // A BMC that does not answer keeps ipmitool retrying for a long while (10 s timeouts, 3 tries).
    const down = await startIpmiSim({ name: 'ipmi-gone', username: 'admin', password: PASSWORD });
    await down.stop();
    const controller = new AbortController();
    const running = driver.powerOnNode(target('n-cancel', down, { ipmi_timeout_s: 10, ipmi_retries: 3 }), standaloneContext({ signal: controller.signal }));
    const [pid] = await pollUntil(() => (ipmitoolChildren().length ? ipmitoolChildren() : undefined), { timeoutMs: 10_000, intervalMs: 20, what: 'ipmitool to start' });
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv).toEqual(expect.arrayContaining(['-I', 'lanplus', '-E', '-C', '3', '-U', 'admin', 'chassis', 'power', 'status']));
    expect(argv.join(' ')).not.toContain(PASSWORD);
    controller.abort(new Error('cancelled by the test'));
    await expect(running).rejects.toThrow('cancelled by the test');
    expect(ipmitoolChildren()).toEqual([]);
  });

  it('keeps one command in flight per BMC and the minimum gap between commands (seen by a wrapper around ipmitool)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-ipmitool-wrapper-'));
    const log = join(dir, 'calls.log');
    const wrapper = join(dir, 'ipmitool');
    const real = execFileSync('sh', ['-c', 'command -v ipmitool'], { encoding: 'utf8' }).trim();
    writeFileSync(wrapper, `#!/bin/sh\necho "start $(date +%s%N) $*" >> "${log}"\n"${real}" "$@"\nrc=$?\necho "end $(date +%s%N)" >> "${log}"\nexit $rc\n`);
    chmodSync(wrapper, 0o755);
    try {
      const locks = new BmcLocks();
      const wrapped = createOobDriver('ipmi', { locks, ipmitoolPath: wrapper });
      const t = target('n-lock', bmcs['ipmi-lock'], { min_command_gap_ms: 150 });
      await Promise.all([wrapped.interrogateOob(t, standaloneContext()), wrapped.powerOnNode(t, standaloneContext()), wrapped.setNodeBoot(t, { device: 'pxe', persistent: false, mode: 'legacy' }, standaloneContext())]);
      const events = readFileSync(log, 'utf8').trim().split('\n');
      expect(events.length).toBeGreaterThan(16);
      // Strictly alternating start/end: never two commands at once.
      events.forEach((line, i) => expect(line.startsWith(i % 2 === 0 ? 'start ' : 'end ')).toBe(true));
      const times = events.map((line) => Number(BigInt(line.split(' ')[1]) / 1_000_000n));
      for (let i = 2; i < times.length; i += 2) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(140);
      expect(events.join('\n')).not.toContain(PASSWORD);
      expect(locks.maxConcurrency).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
