import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../../../activities/driver-context';
import { OOB_ACTIVITY_OPTIONS, oobTaskQueue } from '../../../../src/contracts/oob';
import { standaloneContext } from '../../../../src/drivers/context';
import { DriverError } from '../../../../src/drivers/errors';
import { BmcLocks, createOobDriver, oobDriverRegistry, oobTargetFromNode } from '../../../../src/drivers/oob';
import { ManualDriver } from '../../../../src/drivers/oob/manual';
import { OobParams, powerSettings } from '../../../../src/drivers/oob/params';
import { isNotReady, parseRetryAfter, redfishMessage } from '../../../../src/drivers/oob/redfish-errors';
import { resumeStep } from '../../../../src/drivers/oob/resume';
import { SecretResolver } from '../../../../src/secrets/resolver';
import { nodeWithOob } from '../../../support/oob-nodes';

const params = (values: Record<string, unknown>) => new OobParams({ node: 'n1', type: 'redfish', params: values });

describe('oob params', () => {
  it('accepts YAML values and their string spellings, with defaults', () => {
    expect(params({ a: true, b: 'false' }).boolean('a', false)).toBe(true);
    expect(params({ b: 'false' }).boolean('b', true)).toBe(false);
    expect(params({}).boolean('a', true)).toBe(true);
    expect(params({ p: '17' }).integer('p', 3, { min: 0, max: 17 })).toBe(17);
    expect(params({ t: 0.5 }).secondsAsMs('t', 1, { min: 0.1, max: 10 })).toBe(500);
    expect(params({ t: '2.5' }).secondsAsMs('t', 1, { min: 0.1, max: 10 })).toBe(2500);
    expect(params({ s: 42 }).string('s')).toBe('42');
    expect(powerSettings(params({}))).toEqual({ powerTimeoutMs: 120_000, pollIntervalMs: 2000, powerCycle: 'off-on' });
  });

  it.each([
    [{ use_https: 1 }, () => params({ use_https: 1 }).boolean('use_https', true), 'node n1: oob param use_https must be true or false (got 1)'],
    [{ cipher_suite: 3.5 }, () => params({ cipher_suite: 3.5 }).integer('cipher_suite', 3, { min: 0, max: 17 }), 'node n1: oob param cipher_suite must be a whole number from 0 to 17 (got 3.5)'],
    [{ cipher_suite: 18 }, () => params({ cipher_suite: 18 }).integer('cipher_suite', 3, { min: 0, max: 17 }), 'node n1: oob param cipher_suite must be a whole number from 0 to 17 (got 18)'],
    [{ power_timeout_s: '1m' }, () => powerSettings(params({ power_timeout_s: '1m' })), 'node n1: oob param power_timeout_s must be a number of seconds from 0.1 to 3600 (got "1m")'],
    [{ power_cycle: 'toggle' }, () => powerSettings(params({ power_cycle: 'toggle' })), 'node n1: oob param power_cycle must be one of off-on, reset (got "toggle")'],
    [{ system_id: ['a'] }, () => params({ system_id: ['a'] }).string('system_id'), 'node n1: oob param system_id must be a non-empty string (got ["a"])'],
  ])('refuses %j with an InvalidRequest naming the node and key', (_values, read, message) => {
    let thrown: unknown;
    try {
      read();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DriverError);
    expect(thrown).toMatchObject({ type: 'InvalidRequest', retryable: false, message, });
    expect(typeof (thrown as DriverError).details.param).toBe('string');
  });
});

describe('driver registry and targets', () => {
  it('has ipmi, redfish, manual and sim; an unknown type is InvalidRequest naming the node and the type', () => {
    expect(Object.keys(oobDriverRegistry).sort()).toEqual(['ipmi', 'manual', 'redfish', 'sim']);
    expect(createOobDriver('ipmi').type).toBe('ipmi');
    expect(() => createOobDriver('libvirt', {}, 'n7')).toThrow('node n7: oob type "libvirt" has no driver (available: ipmi, manual, redfish, sim)');
    expect(() => createOobDriver('constructor')).toThrow('oob type "constructor" has no driver');
  });

  it('resolves the credential reference when the target is built, and never echoes a value', () => {
    const node = nodeWithOob('n1', { type: 'ipmi', address: '10.0.0.5', account: 'admin', credential: 'env:BMC_PW', params: { cipher_suite: 17 } }, { bootMac: '52:54:00:00:00:01' });
    const target = oobTargetFromNode(node, new SecretResolver({ env: { BMC_PW: 'hunter2' } }));
    expect(target).toMatchObject({ node: 'n1', type: 'ipmi', address: '10.0.0.5', username: 'admin', params: { cipher_suite: 17 }, bootMac: '52:54:00:00:00:01' });
    expect(target.password?.reveal()).toBe('hunter2');
    expect(JSON.stringify(target)).not.toContain('hunter2');
    expect(() => oobTargetFromNode(node, new SecretResolver({ env: {} }))).toThrow(DriverError);
    expect(() => oobTargetFromNode(nodeWithOob('n2', { type: 'ipmi', credential: 'env:bad name' }), new SecretResolver({ env: {} }))).toThrow('BMC password of node n2: "env:bad name" is not a valid env: reference');
    // A manual node's credential is never resolved.
    expect(oobTargetFromNode(nodeWithOob('n3', { type: 'manual', credential: 'env:UNSET' }), new SecretResolver({ env: {} })).password).toBeUndefined();
    expect(() => oobTargetFromNode({ ...nodeWithOob('n4', { type: 'ipmi' }), oob: { type: '', params: {} } }, new SecretResolver())).toThrow('node n4: the node has no oob section with a type');
  });
});

describe('manual driver', () => {
  it('asks for each action and reports power unknown', async () => {
    const driver = new ManualDriver();
    const target = { node: 'n1', type: 'manual', address: '', params: {}, bootMac: '52:54:00:00:00:09' };
    const ctx = { ...standaloneContext(), workflowId: 'deploy-site-1' };
    const boot = await driver.setNodeBoot(target, { device: 'pxe', persistent: false, mode: 'uefi' }, ctx);
    expect(boot).toEqual({
      changed: true,
      message: 'waiting for a person: Set node n1 to boot from PXE (network) on the next boot only, in UEFI mode, then run `drydock confirm deploy-site-1 --node n1`',
      awaitConfirmation: { prompt: 'Set node n1 to boot from PXE (network) on the next boot only, in UEFI mode, then run `drydock confirm deploy-site-1 --node n1`' },
    });
    expect((await driver.configNodePxe(target, ctx)).awaitConfirmation?.prompt).toContain('make the NIC with MAC 52:54:00:00:00:09 the first boot device');
    for (const outcome of [await driver.powerOnNode(target, ctx), await driver.powerOffNode(target, ctx), await driver.powerCycleNode(target, ctx)]) {
      expect(outcome.changed).toBe(true);
      expect(outcome.awaitConfirmation?.prompt).toMatch(/node n1.*drydock confirm deploy-site-1 --node n1/);
    }
    expect(await driver.interrogateOob()).toEqual({ power: 'unknown', identity: { macs: [] }, details: { managedBy: 'hand' } });
    expect((await driver.validateOobServices(target)).ok).toBe(true);
    // Outside a workflow (drydock oob) nobody waits for a confirmation: the prompt says only what to do.
    expect((await driver.powerOffNode(target, standaloneContext())).awaitConfirmation?.prompt).toBe('Power node n1 off (leave it off)');
  });
});

describe('per-BMC lock', () => {
  it('runs one command at a time per key, keys in parallel, with the minimum gap', async () => {
    const locks = new BmcLocks();
    const events: string[] = [];
    const command = (key: string, id: string) =>
      locks.run(
        key,
        async () => {
          events.push(`start ${id} ${Date.now()}`);
          await new Promise((r) => setTimeout(r, 30));
          events.push(`end ${id} ${Date.now()}`);
        },
        { minGapMs: 50 },
      );
    await Promise.all([command('a:623', 'a1'), command('a:623', 'a2'), command('b:623', 'b1'), command('a:623', 'a3')]);
    const a = events.filter((e) => / a\d /.test(e));
    expect(a.map((e) => e.split(' ').slice(0, 2).join(' '))).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    const at = (e: string) => Number(e.split(' ')[2]);
    expect(at(a[2]) - at(a[1])).toBeGreaterThanOrEqual(49);
    expect(at(a[4]) - at(a[3])).toBeGreaterThanOrEqual(49);
    // b ran while a1 was running (different BMC).
    expect(events.indexOf(events.find((e) => e.startsWith('start b1'))!)).toBeLessThan(events.indexOf(events.find((e) => e.startsWith('end a1'))!));
    expect(locks.maxConcurrency).toBe(1);
  });

  it('lets a waiter leave when its action is cancelled, without blocking the queue', async () => {
    const locks = new BmcLocks();
    let release!: () => void;
    const first = locks.run('k', () => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    const second = locks.run('k', async () => 'never', { signal: controller.signal });
    const third = locks.run('k', async () => 'third');
    controller.abort(new Error('cancelled'));
    await expect(second).rejects.toThrow('cancelled');
    release();
    await first;
    await expect(third).resolves.toBe('third');
  });
});

describe('Redfish helpers', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it("quotes the service's own error message", () => {
    expect(redfishMessage({ error: { message: 'A general error', '@Message.ExtendedInfo': [{ Message: 'Property X is read-only' }, { Message: 'A general error' }] } }, ': ')).toBe(': A general error; Property X is read-only');
    expect(redfishMessage('<html>')).toBe('');
  });

  it('classifies "not ready" answers by MessageId whatever the status, but not a reset into the current power state', () => {
    const answer = (status: number, MessageId: string, MessageArgs: string[] = []) => ({ status, data: { error: { code: 'x', '@Message.ExtendedInfo': [{ MessageId, MessageArgs }] } } });
    expect(isNotReady(answer(500, 'IDRAC.2.7.SYS518'))).toBe(true);
    expect(isNotReady(answer(400, 'iLO.2.37.UnableToModifyDuringSystemPOST', ['BootSourceOverrideTarget']))).toBe(true);
    expect(isNotReady(answer(400, 'iLO.2.15.InvalidOperationForSystemState'))).toBe(true);
    expect(isNotReady(answer(400, 'iLO.2.16.InvalidOperationForSystemState', ['Power is on']))).toBe(false);
    expect(isNotReady(answer(400, 'Base.1.0.PropertyValueNotInList'))).toBe(false);
    expect(isNotReady({ status: 400, data: '<html>' })).toBe(false);
  });
});

describe('heartbeat resume points', () => {
  it('only resumes from details of the same action with a known step', () => {
    expect(resumeStep({ action: 'powerCycleNode', step: 'off-reached', lastReading: 'Off' }, 'powerCycleNode')).toBe('off-reached');
    expect(resumeStep({ action: 'powerOnNode', step: 'on-requested' }, 'powerCycleNode')).toBeUndefined();
    expect(resumeStep({ action: 'powerCycleNode', step: 'halfway' }, 'powerCycleNode')).toBeUndefined();
    expect(resumeStep(undefined, 'powerCycleNode')).toBeUndefined();
    expect(resumeStep('off-reached', 'powerCycleNode')).toBeUndefined();
  });
});

describe('DriverError -> ApplicationFailure', () => {
  it('keeps the type, the retryability, the details and Retry-After', () => {
    const busy = toApplicationFailure(new DriverError('bmc', 'Busy', 'node n1: busy', { target: 'n1', details: { status: 503 }, retryAfterSeconds: 7 })) as ApplicationFailure;
    expect(busy).toBeInstanceOf(ApplicationFailure);
    expect(busy).toMatchObject({ type: 'BmcBusy', message: 'node n1: busy', nonRetryable: false, details: [{ status: 503, target: 'n1' }], nextRetryDelay: '7s' });
    const auth = toApplicationFailure(new DriverError('bmc', 'AuthFailed', 'node n1: refused')) as ApplicationFailure;
    expect(auth).toMatchObject({ type: 'BmcAuthFailed', nonRetryable: true, details: [{}] });
    const other = new Error('a bug');
    expect(toApplicationFailure(other)).toBe(other);
  });
});

describe('OOB activity contract', () => {
  it('routes a node to the task queue of its BMC network segment', () => {
    expect(oobTaskQueue(nodeWithOob('n1', { type: 'ipmi', network: 'oob-rack1' }), 'drydock')).toBe('drydock@oob-rack1');
    expect(oobTaskQueue(nodeWithOob('n2', { type: 'manual' }), 'drydock')).toBe('drydock');
    expect(OOB_ACTIVITY_OPTIONS.heartbeatTimeout).toBe('30s');
  });
});
