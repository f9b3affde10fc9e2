import { standaloneContext } from '../../../../src/drivers/context';
import { BmcLocks, createOobDriver } from '../../../../src/drivers/oob';
import { startSushyEmulator, SushyEmulator } from '../../../../lab/redfish/sushy-emulator';
import { freePort } from '../../../../src/tools/ports';
import { everythingAbout, nodeWithOob, recordingContext, targetOf } from '../../../support/oob-nodes';
import { startRedfishProxy, selfSignedCertificate } from '../../../support/redfish-proxy';
import { driverFailure } from '../../../support/driver-errors';

// The Redfish driver against real sushy-emulator instances (fake driver, basic auth from an
// htpasswd file). Where sushy-tools lacks something (sessions, busy answers, TLS, BootOrder) a
// proxy written for these tests sits in front of it; those test names say so.

const PASSWORD = 'rf-Secret-7f3a';
const ENV = { RF_PASSWORD: PASSWORD, RF_WRONG: 'not-the-password' };
const FAST = { use_https: false, poll_interval_ms: 250, power_timeout_s: 40 };

let multi: SushyEmulator; // several systems, one per test that changes state
let solo: SushyEmulator; // a single system, behind the proxies

const driver = createOobDriver('redfish');

function node(name: string, sushy: { port: number }, params: Record<string, unknown> = {}, extra: { credential?: string; bootMac?: string; address?: string } = {}) {
  return nodeWithOob(
    name,
    { type: 'redfish', address: extra.address ?? '127.0.0.1', port: sushy.port, account: 'admin', credential: extra.credential ?? 'env:RF_PASSWORD', params: { ...FAST, ...params } },
    extra.bootMac ? { bootMac: extra.bootMac } : {},
  );
}

function target(name: string, sushy: { port: number }, params: Record<string, unknown> = {}, extra: { credential?: string; bootMac?: string } = {}) {
  return targetOf(node(name, sushy, params, extra), ENV);
}

/** The Reset POSTs sushy received for one system. */
function resets(sushy: SushyEmulator, systemName: string): number {
  const system = sushy.systems.find((s) => s.name === systemName);
  if (!system) throw new Error(`no system ${systemName}`);
  return sushy.requests().filter((r) => r === `POST ${system.path}/Actions/ComputerSystem.Reset`).length;
}

async function powerStateOf(sushy: SushyEmulator, systemName: string): Promise<string> {
  const system = sushy.systems.find((s) => s.name === systemName);
  const response = await fetch(`${sushy.url}${system?.path}`, { headers: { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` } });
  return ((await response.json()) as { PowerState: string }).PowerState;
}

const failure = driverFailure;

beforeAll(async () => {
  [multi, solo] = await Promise.all([
    startSushyEmulator({
      auth: { username: 'admin', password: PASSWORD },
      systems: [
        { name: 'rf-on-off', powerState: 'Off' },
        { name: 'rf-cycle', powerState: 'On' },
        { name: 'rf-cycle-off', powerState: 'Off' },
        { name: 'rf-reset', powerState: 'On' },
        { name: 'rf-resume', powerState: 'Off' },
        { name: 'rf-once', powerState: 'Off' },
        { name: 'rf-late', powerState: 'Off' },
        { name: 'rf-boot', powerState: 'Off' },
        { name: 'rf-deadline', powerState: 'Off' },
        { name: 'rf-on-once', powerState: 'Off' },
        { name: 'rf-off-once', powerState: 'On' },
        { name: 'rf-on-late', powerState: 'Off' },
        { name: 'rf-on-landing', powerState: 'Off' },
        { name: 'rf-pxe', powerState: 'Off', nics: [{ mac: '52:54:00:aa:00:01' }, { mac: '52:54:00:aa:00:02' }] },
      ],
    }),
    startSushyEmulator({ auth: { username: 'admin', password: PASSWORD }, systems: [{ name: 'solo', powerState: 'Off', nics: [{ mac: '52:54:00:bb:00:01' }] }] }),
  ]);
});

afterAll(async () => {
  await Promise.all([multi?.stop(), solo?.stop()]);
});

describe('Redfish driver against sushy-emulator: finding the System', () => {
  it('finds a System by name (following sushy 307 redirect), by Id and by UUID', async () => {
    const system = multi.systems.find((s) => s.name === 'rf-pxe')!;
    const byName = await driver.validateOobServices(target('n-find', multi, { system_id: 'rf-pxe' }), standaloneContext());
    expect(byName).toMatchObject({ ok: true, details: { systemPath: system.path, authMode: 'basic' } });
    expect(byName.message).toContain('System "rf-pxe"');
    const byUuid = await driver.validateOobServices(target('n-find', multi, { system_id: system.uuid.toUpperCase() }), standaloneContext());
    expect(byUuid.details?.systemPath).toBe(system.path);
    expect(multi.requests()).toContain('GET /redfish/v1/Systems/rf-pxe');
  });

  it('refuses to guess with two or more Systems and no system_id (InvalidRequest listing them)', async () => {
    const err = await failure(driver.validateOobServices(target('n-ambiguous', multi), standaloneContext()));
    expect(err.type).toBe('InvalidRequest');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/node n-ambiguous: the Redfish service at http:\/\/127\.0\.0\.1:\d+ has 14 Systems/);
    for (const name of ['rf-on-off', 'rf-boot', 'rf-pxe']) expect(err.message).toContain(name);
    expect(err.message).toContain('set oob param system_id');
  });

  it('uses the only System when the service has one and no system_id is given', async () => {
    const check = await driver.validateOobServices(target('n-solo', solo), standaloneContext());
    expect(check.details?.systemPath).toBe(solo.systems[0].path);
  });

  it('says which Systems exist when system_id matches none (BmcNotFound)', async () => {
    const err = await failure(driver.validateOobServices(target('n-missing', multi, { system_id: 'no-such-system' }), standaloneContext()));
    expect(err.type).toBe('BmcNotFound');
    expect(err.message).toContain('no System with Id, Name or UUID "no-such-system"');
    expect(err.message).toContain('rf-cycle');
  });
});

// Each test has a System of its own, so they run concurrently (sushy takes 1-11 s per change).
describe('Redfish driver against sushy-emulator: power', () => {
  it.concurrent('ensures on: one Reset when off, none when already on (never a cycle)', async () => {
    const t = target('n-on', multi, { system_id: 'rf-on-off' });
    const first = await driver.powerOnNode(t, standaloneContext());
    expect(first).toMatchObject({ changed: true, details: { resetType: 'On' } });
    expect(await powerStateOf(multi, 'rf-on-off')).toBe('On');
    expect(resets(multi, 'rf-on-off')).toBe(1);

    const second = await driver.powerOnNode(t, standaloneContext());
    expect(second).toMatchObject({ changed: false, message: 'power on (no change: already on)' });
    expect(resets(multi, 'rf-on-off')).toBe(1);

    const off = await driver.powerOffNode(t, standaloneContext());
    expect(off).toMatchObject({ changed: true, details: { resetType: 'ForceOff' } });
    expect(await powerStateOf(multi, 'rf-on-off')).toBe('Off');
    const offAgain = await driver.powerOffNode(t, standaloneContext());
    expect(offAgain).toMatchObject({ changed: false, message: 'power off (no change: already off)' });
    expect(resets(multi, 'rf-on-off')).toBe(2);
  });

  it.concurrent('power-cycles an On system as ForceOff, wait, On, wait, heartbeating each step', async () => {
    const ctx = standaloneContext();
    const outcome = await driver.powerCycleNode(target('n-cycle', multi, { system_id: 'rf-cycle' }), ctx);
    expect(outcome).toMatchObject({ changed: true, details: { sent: 'ForceOff,On' } });
    expect(resets(multi, 'rf-cycle')).toBe(2);
    expect(await powerStateOf(multi, 'rf-cycle')).toBe('On');
    const steps = ctx.heartbeats.map((h) => (h as { step?: string }).step);
    expect(steps).toEqual(expect.arrayContaining(['off-requested', 'off-reached', 'on-requested']));
    expect(ctx.heartbeats.some((h) => (h as { lastReading?: string }).lastReading === 'Off')).toBe(true);
  });

  it.concurrent('power-cycles an Off system by powering it on (one On, no ForceOff)', async () => {
    const outcome = await driver.powerCycleNode(target('n-cycle-off', multi, { system_id: 'rf-cycle-off' }), standaloneContext());
    expect(outcome).toMatchObject({ changed: true, details: { wasOff: true, sent: 'On' } });
    expect(resets(multi, 'rf-cycle-off')).toBe(1);
    expect(await powerStateOf(multi, 'rf-cycle-off')).toBe('On');
  });

  it.concurrent('power-cycles with one restart ResetType when power_cycle is reset', async () => {
    const outcome = await driver.powerCycleNode(target('n-reset', multi, { system_id: 'rf-reset', power_cycle: 'reset' }), standaloneContext());
    expect(outcome).toMatchObject({ changed: true, details: { sent: 'ForceRestart' } });
    expect(resets(multi, 'rf-reset')).toBe(1);
    expect(await powerStateOf(multi, 'rf-reset')).toBe('On');
  });

  it.concurrent('resumes a power cycle from the previous attempt heartbeat (off reached): sends only On', async () => {
    const ctx = standaloneContext({ resumeFrom: { action: 'powerCycleNode', step: 'off-reached' } });
    const outcome = await driver.powerCycleNode(target('n-resume', multi, { system_id: 'rf-resume' }), ctx);
    expect(outcome).toMatchObject({ changed: true, details: { sent: 'On', resumedFrom: 'off-reached' } });
    expect(outcome.message).toContain('no second cycle');
    expect(resets(multi, 'rf-resume')).toBe(1);

    // Resumed once On was requested and the System is on: nothing is sent at all.
    const again = await driver.powerCycleNode(target('n-resume', multi, { system_id: 'rf-resume' }), standaloneContext({ resumeFrom: { action: 'powerCycleNode', step: 'on-requested' } }));
    expect(again.details?.sent).toBeNull();
    expect(resets(multi, 'rf-resume')).toBe(1);
  });

  it.concurrent('a retried power cycle whose On was accepted and landed leaves a node the bootstrapper powered off since (no second On)', async () => {
    const t = target('n-once', multi, { system_id: 'rf-once' });
    const first = standaloneContext();
    await driver.powerCycleNode(t, first);
    expect(resets(multi, 'rf-once')).toBe(1);
    // The worker died after the last heartbeat; meanwhile the bootstrapper (MAAS) powered the node off.
    const lastHeartbeat = first.heartbeats[first.heartbeats.length - 1];
    expect(lastHeartbeat).toMatchObject({ step: 'on-requested', sent: { command: 'On' }, lastPower: 'on' });
    await driver.powerOffNode(t, standaloneContext());
    expect(resets(multi, 'rf-once')).toBe(2);
    const retry = await driver.powerCycleNode(t, standaloneContext({ resumeFrom: lastHeartbeat }));
    expect(retry).toMatchObject({ changed: true, details: { sent: null, resumedFrom: 'on-requested', leftAsFound: true } });
    expect(retry.message).toContain('On was accepted');
    expect(retry.message).toContain('someone else (the bootstrapper');
    expect(resets(multi, 'rf-once')).toBe(2);
    expect(await powerStateOf(multi, 'rf-once')).toBe('Off');
  });

  it.concurrent('a retried power cycle whose On was accepted longer ago than power_timeout_s sends nothing again, whatever the node reads', async () => {
    const t = target('n-late', multi, { system_id: 'rf-late', power_timeout_s: 5 });
    const retry = await driver.powerCycleNode(t, standaloneContext({ resumeFrom: { action: 'powerCycleNode', step: 'on-requested', sent: { command: 'On', at: Date.now() - 60_000 } } }));
    expect(retry).toMatchObject({ changed: true, details: { sent: null, leftAsFound: true } });
    expect(retry.message).toMatch(/On was accepted \d+ s ago by the first attempt; the node now reads Off/);
    expect(resets(multi, 'rf-late')).toBe(0);
  });

  it.concurrent('a retried power-on whose On was accepted and landed leaves a node the bootstrapper powered off since (no second On)', async () => {
    const t = target('n-on-once', multi, { system_id: 'rf-on-once' });
    const first = standaloneContext();
    await driver.powerOnNode(t, first);
    const lastHeartbeat = first.heartbeats[first.heartbeats.length - 1];
    expect(lastHeartbeat).toMatchObject({ action: 'powerOnNode', step: 'on-requested', sent: { command: 'On' }, lastPower: 'on' });
    expect((lastHeartbeat as { sent: { at: number } }).sent.at).toBeLessThanOrEqual(Date.now());
    await driver.powerOffNode(t, standaloneContext()); // the bootstrapper
    expect(resets(multi, 'rf-on-once')).toBe(2);
    const retry = await driver.powerOnNode(t, standaloneContext({ resumeFrom: lastHeartbeat }));
    expect(retry).toMatchObject({ changed: true, details: { sent: null, resumedFrom: 'on-requested', leftAsFound: true } });
    expect(retry.message).toMatch(/On was accepted \d+ s ago by the first attempt, and the node did power on; it now reads Off: someone else/);
    expect(resets(multi, 'rf-on-once')).toBe(2);
    expect(await powerStateOf(multi, 'rf-on-once')).toBe('Off');
  });

  it.concurrent('a retried power-off whose ForceOff was accepted and landed leaves a node powered on since (no second ForceOff)', async () => {
    const t = target('n-off-once', multi, { system_id: 'rf-off-once' });
    const first = standaloneContext();
    await driver.powerOffNode(t, first);
    const lastHeartbeat = first.heartbeats[first.heartbeats.length - 1];
    expect(lastHeartbeat).toMatchObject({ action: 'powerOffNode', step: 'off-requested', sent: { command: 'ForceOff' }, lastPower: 'off' });
    await driver.powerOnNode(t, standaloneContext()); // someone else
    const retry = await driver.powerOffNode(t, standaloneContext({ resumeFrom: lastHeartbeat }));
    expect(retry).toMatchObject({ changed: true, details: { sent: null, resumedFrom: 'off-requested', leftAsFound: true } });
    expect(resets(multi, 'rf-off-once')).toBe(2);
    expect(await powerStateOf(multi, 'rf-off-once')).toBe('On');
  });

  it.concurrent('a retried power-on whose On was accepted longer ago than power_timeout_s and never landed fails (BmcOperationFailed, not retried) and sends nothing', async () => {
    const t = target('n-on-late', multi, { system_id: 'rf-on-late', power_timeout_s: 2 });
    const err = await failure(driver.powerOnNode(t, standaloneContext({ resumeFrom: { action: 'powerOnNode', step: 'on-requested', sent: { command: 'On', at: Date.now() - 60_000 } } })));
    expect(err.type).toBe('BmcOperationFailed');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/node n-on-late: On was accepted \d+ s ago by the first attempt, and the node still reads Off after power_timeout_s \(2 s\); drydock does not send it again/);
    expect(resets(multi, 'rf-on-late')).toBe(0);
  });

  it.concurrent('a retried power-on whose On was accepted a moment ago waits for it to land instead of sending it again', async () => {
    const t = target('n-on-landing', multi, { system_id: 'rf-on-landing' });
    // The first attempt's On (sent here as the driver would), then its record.
    const system = multi.systems.find((x) => x.name === 'rf-on-landing')!;
    const auth = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };
    await fetch(`${multi.url}${system.path}/Actions/ComputerSystem.Reset`, { method: 'POST', headers: auth, body: JSON.stringify({ ResetType: 'On' }) });
    const retry = await driver.powerOnNode(t, standaloneContext({ resumeFrom: { action: 'powerOnNode', step: 'on-requested', sent: { command: 'On', at: Date.now() } } }));
    expect(retry).toMatchObject({ changed: true, details: { sent: null, resumedFrom: 'on-requested' } });
    expect(retry.message).toContain('nothing sent again');
    expect(resets(multi, 'rf-on-landing')).toBe(1);
    expect(await powerStateOf(multi, 'rf-on-landing')).toBe('On');
  });

  it.concurrent('fails with BmcTimeout, naming the last reading, when the state does not arrive by the deadline', async () => {
    // sushy lands power changes 1-11 s after the request, so a 0.3 s deadline cannot be met.
    const err = await failure(driver.powerOnNode(target('n-deadline', multi, { system_id: 'rf-deadline', power_timeout_s: 0.3, poll_interval_ms: 100 }), standaloneContext()));
    expect(err.type).toBe('BmcTimeout');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('node n-deadline: power did not reach on within 0.3 s (last reading: Off); raise oob param power_timeout_s');
  });
});

describe('Redfish driver against sushy-emulator: boot and identity', () => {
  it('sets the boot override (target, Once/Continuous, UEFI/Legacy) and reads it back', async () => {
    const t = target('n-boot', multi, { system_id: 'rf-boot' });
    const once = await driver.setNodeBoot(t, { device: 'pxe', persistent: false, mode: 'uefi' }, standaloneContext());
    // sushy-tools always reads Enabled back as Continuous: the driver says so instead of hiding it.
    expect(once).toMatchObject({ changed: true, details: { target: 'Pxe', enabled: 'Once', mode: 'UEFI', enabledReadBack: 'Continuous' } });
    expect(once.message).toContain('reads BootSourceOverrideEnabled back as Continuous');

    const cd = await driver.setNodeBoot(t, { device: 'cdrom', persistent: true, mode: 'legacy' }, standaloneContext());
    expect(cd).toMatchObject({ changed: true, details: { target: 'Cd', enabled: 'Continuous', mode: 'Legacy' } });
    const same = await driver.setNodeBoot(t, { device: 'cdrom', persistent: true, mode: 'legacy' }, standaloneContext());
    expect(same.changed).toBe(false);
    expect(same.message).toContain('no change: already set');

    const seen = await driver.interrogateOob(t, standaloneContext());
    expect(seen.boot).toMatchObject({ device: 'cdrom', enabled: 'continuous', mode: 'legacy' });
    await driver.setNodeBoot(t, { device: 'disk', persistent: true, mode: 'uefi' }, standaloneContext());
    expect((await driver.interrogateOob(t, standaloneContext())).boot).toMatchObject({ device: 'disk', mode: 'uefi' });
  });

  it('ConfigNodePxe sets Pxe as the persistent override when the System has no BootOrder, and says so', async () => {
    const t = target('n-pxe', multi, { system_id: 'rf-pxe' }, { bootMac: '52:54:00:AA:00:02' });
    const outcome = await driver.configNodePxe(t, standaloneContext());
    expect(outcome.changed).toBe(true);
    expect(outcome.details).toMatchObject({ method: 'boot-source-override', target: 'Pxe', enabled: 'Continuous' });
    expect(outcome.message).toContain('this System exposes no BootOrder, so the firmware picks the PXE NIC');
    expect(outcome.message).not.toContain('warning');
    const again = await driver.configNodePxe(t, standaloneContext());
    expect(again.changed).toBe(false);

    const wrongMac = await driver.configNodePxe(target('n-pxe', multi, { system_id: 'rf-pxe' }, { bootMac: '52:54:00:ff:ff:ff' }), standaloneContext());
    expect(wrongMac.message).toContain("warning: the design's boot MAC 52:54:00:ff:ff:ff is not among the NICs this BMC reports (52:54:00:aa:00:01, 52:54:00:aa:00:02)");
  });

  it('interrogates power, boot override and identity (manufacturer, UUID, MACs)', async () => {
    const system = multi.systems.find((s) => s.name === 'rf-pxe')!;
    const seen = await driver.interrogateOob(target('n-pxe', multi, { system_id: 'rf-pxe' }), standaloneContext());
    expect(seen).toMatchObject({
      power: 'off',
      boot: { device: 'pxe', enabled: 'continuous' },
      identity: { manufacturer: 'Sushy Emulator', uuid: system.uuid, macs: ['52:54:00:aa:00:01', '52:54:00:aa:00:02'] },
      details: { systemName: 'rf-pxe', systemPath: system.path, powerState: 'Off', redfishVersion: '1.5.0' },
    });
    expect(seen.identity.model).toBeUndefined(); // sushy reports Model null
  });
});

describe('Redfish driver against sushy-emulator: failures', () => {
  it('a wrong password is BmcAuthFailed (not retryable), and the password appears nowhere', async () => {
    const ctx = recordingContext();
    const before = resets(multi, 'rf-boot');
    const err = await failure(driver.powerOnNode(target('n-wrong', multi, { system_id: 'rf-boot' }, { credential: 'env:RF_WRONG' }), ctx));
    expect(err.type).toBe('BmcAuthFailed');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('refused user admin');
    expect(err.message).toContain('HTTP 401');
    for (const secret of [PASSWORD, ENV.RF_WRONG, Buffer.from(`admin:${ENV.RF_WRONG}`).toString('base64')]) {
      expect(everythingAbout(err)).not.toContain(secret);
      expect(ctx.lines.join('\n')).not.toContain(secret);
    }
    expect(resets(multi, 'rf-boot')).toBe(before);
  });

  it('a BMC that is down is BmcUnreachable (retryable)', async () => {
    const port = await freePort();
    const err = await failure(driver.interrogateOob(target('n-down', { port }), standaloneContext()));
    expect(err.type).toBe('BmcUnreachable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`cannot reach the BMC at http://127.0.0.1:${port}`);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('malformed oob params are InvalidRequest naming the node and the key', async () => {
    const err = await failure(driver.interrogateOob(target('n-bad', multi, { use_https: 'yes' }), standaloneContext()));
    expect(err.type).toBe('InvalidRequest');
    expect(err.message).toBe('node n-bad: oob param use_https must be true or false (got "yes")');
    const noAddress = await failure(driver.interrogateOob(targetOf(nodeWithOob('n-noaddr', { type: 'redfish' }), ENV), standaloneContext()));
    expect(noAddress.message).toContain('node n-noaddr: oob.address is not set');
  });

  it('a cancelled action stops at once (its signal reaches axios and the waits)', async () => {
    const controller = new AbortController();
    const running = driver.powerOnNode(target('n-cancel', solo, {}), standaloneContext({ signal: controller.signal }));
    controller.abort(new Error('cancelled by the test'));
    await expect(running).rejects.toThrow('cancelled by the test');
  });
});

describe('Redfish driver behind a session-speaking proxy written in this test (sushy-tools offers only basic auth)', () => {
  it('authenticates with a Redfish session (X-Auth-Token), never sends basic auth, and deletes the session', async () => {
    const proxy = await startRedfishProxy({ upstream: solo.url, upstreamAuth: { username: 'admin', password: PASSWORD }, session: { username: 'admin', password: PASSWORD } });
    try {
      const t = target('n-session', proxy);
      const check = await driver.validateOobServices(t, standaloneContext());
      expect(check).toMatchObject({ ok: true, details: { authMode: 'session' } });
      expect(check.message).toContain('session authentication');
      const seen = await driver.interrogateOob(t, standaloneContext());
      expect(seen.identity.macs).toEqual(['52:54:00:bb:00:01']);
      expect(proxy.sessions).toEqual({ created: 2, deleted: 2, active: 0 });
      expect(proxy.log.filter((e) => e.auth === 'basic')).toEqual([]);
      expect(proxy.log.filter((e) => e.method === 'GET' && e.path.startsWith('/redfish/v1/Systems')).every((e) => e.auth === 'token')).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('a wrong password at the session service is BmcAuthFailed, and no session is left', async () => {
    const proxy = await startRedfishProxy({ upstream: solo.url, upstreamAuth: { username: 'admin', password: PASSWORD }, session: { username: 'admin', password: PASSWORD } });
    try {
      const err = await failure(driver.validateOobServices(target('n-session', proxy, {}, { credential: 'env:RF_WRONG' }), standaloneContext()));
      expect(err.type).toBe('BmcAuthFailed');
      expect(err.message).toContain('at the session service (HTTP 401: Invalid username or password)');
      expect(everythingAbout(err)).not.toContain(ENV.RF_WRONG);
      expect(proxy.sessions.active).toBe(0);
    } finally {
      await proxy.stop();
    }
  });

  it('auth: session against a service without SessionService is BmcUnsupported', async () => {
    const err = await failure(driver.validateOobServices(target('n-nosession', solo, { auth: 'session' }), standaloneContext()));
    expect(err.type).toBe('BmcUnsupported');
    expect(err.message).toContain('advertises no SessionService');
  });
});

describe('Redfish driver behind a busy proxy written in this test (503/409 with Retry-After before sushy)', () => {
  it('waits out 503 + Retry-After and then succeeds', async () => {
    const proxy = await startRedfishProxy({ upstream: solo.url, busy: { status: 503, times: 2, retryAfter: '1', match: (method) => method === 'PATCH' } });
    try {
      const outcome = await driver.setNodeBoot(target('n-busy', proxy), { device: 'pxe', persistent: true, mode: 'uefi' }, standaloneContext());
      expect(outcome.changed).toBe(true);
      const patches = proxy.log.filter((e) => e.method === 'PATCH');
      expect(patches.map((e) => e.status)).toEqual([503, 503, 204]);
      // Retry-After: 1 was honoured before each retry.
      expect(patches[1].at - patches[0].at).toBeGreaterThanOrEqual(950);
      expect(patches[2].at - patches[1].at).toBeGreaterThanOrEqual(950);
    } finally {
      await proxy.stop();
    }
  });

  it('waits out 409 + Retry-After on the Reset and powers on with exactly one accepted Reset', async () => {
    const proxy = await startRedfishProxy({ upstream: solo.url, busy: { status: 409, times: 2, retryAfter: '1', match: (method, path) => method === 'POST' && path.endsWith('ComputerSystem.Reset') } });
    try {
      const t = target('n-busy', proxy);
      const outcome = await driver.powerOnNode(t, standaloneContext());
      expect(outcome).toMatchObject({ changed: true, details: { resetType: 'On' } });
      const posted = proxy.log.filter((e) => e.resetType);
      expect(posted.map((e) => `${e.status} ${e.resetType}`)).toEqual(['409 On', '409 On', '204 On']);
      expect(posted[2].at - posted[1].at).toBeGreaterThanOrEqual(950);
    } finally {
      await proxy.stop();
    }
  });

  it('gives up with BmcBusy (retryable, with the Retry-After) when the service stays busy', async () => {
    const proxy = await startRedfishProxy({ upstream: solo.url, busy: { status: 503, times: 10, retryAfter: '1', match: () => true } });
    try {
      const err = await failure(driver.interrogateOob(target('n-busy', proxy, { busy_retries: 1 }), standaloneContext()));
      expect(err.type).toBe('BmcBusy');
      expect(err.retryable).toBe(true);
      expect(err.retryAfterSeconds).toBe(1);
      expect(proxy.busyAnswers).toBe(2);
      const tooLong = await startRedfishProxy({ upstream: solo.url, busy: { status: 503, times: 10, retryAfter: '600', match: () => true } });
      try {
        const long = await failure(driver.interrogateOob(target('n-busy', tooLong), standaloneContext()));
        expect(long).toMatchObject({ type: 'BmcBusy', retryAfterSeconds: 600 });
        expect(tooLong.busyAnswers).toBe(1); // a wait beyond max_retry_after_s goes to the retry policy
      } finally {
        await tooLong.stop();
      }
    } finally {
      await proxy.stop();
    }
  });
});

describe('Redfish driver over HTTPS through a TLS proxy written in this test (sushy serves plain HTTP)', () => {
  it('verifies the certificate by default, accepts it with ca_bundle, skips verification only with insecure: true', async () => {
    const cert = selfSignedCertificate();
    const proxy = await startRedfishProxy({ upstream: solo.url, tls: { key: cert.key, cert: cert.cert } });
    try {
      const https = { use_https: true };
      const refused = await failure(driver.validateOobServices(target('n-tls', proxy, https), standaloneContext()));
      expect(refused.type).toBe('BmcAuthFailed');
      expect(refused.message).toContain("the BMC's TLS certificate");
      expect(refused.message).toContain('ca_bundle');
      expect(await driver.validateOobServices(target('n-tls', proxy, { ...https, ca_bundle: cert.certPath }), standaloneContext())).toMatchObject({ ok: true });
      expect(await driver.validateOobServices(target('n-tls', proxy, { ...https, insecure: true }), standaloneContext())).toMatchObject({ ok: true });
      const missing = await failure(driver.validateOobServices(target('n-tls', proxy, { ...https, ca_bundle: '/nonexistent/ca.pem' }), standaloneContext()));
      expect(missing.type).toBe('InvalidRequest');
      expect(missing.message).toContain('cannot read the CA bundle /nonexistent/ca.pem (oob param ca_bundle): ENOENT');
    } finally {
      await proxy.stop();
      cert.cleanup();
    }
  });
});

describe('Redfish ConfigNodePxe with a BootOrder (BootOrder/BootOptions faked by the test proxy: sushy-tools has none)', () => {
  it("moves the PXE boot option for the node's boot MAC to the front of Boot.BootOrder", async () => {
    const systemPath = solo.systems[0].path;
    const patches: unknown[] = [];
    const options: Record<string, Record<string, unknown>> = {
      [`${systemPath}/BootOptions/0001`]: { Id: '0001', BootOptionReference: 'Boot0001', DisplayName: 'ubuntu (disk)', UefiDevicePath: 'HD(1,GPT,...)' },
      [`${systemPath}/BootOptions/0002`]: { Id: '0002', BootOptionReference: 'Boot0002', DisplayName: 'UEFI PXEv4 (MAC:525400BB0009)', UefiDevicePath: 'PciRoot(0x0)/MAC(525400BB0009,0x1)/IPv4(0.0.0.0)' },
      [`${systemPath}/BootOptions/0003`]: { Id: '0003', BootOptionReference: 'Boot0003', DisplayName: 'UEFI PXEv4 (MAC:525400BB0001)', UefiDevicePath: 'PciRoot(0x0)/MAC(525400BB0001,0x1)/IPv4(0.0.0.0)' },
    };
    let order = ['Boot0001', 'Boot0002', 'Boot0003'];
    const proxy = await startRedfishProxy({
      upstream: solo.url,
      rewrite: (method, path, json) => (method === 'GET' && path === systemPath ? { ...json, Boot: { ...(json.Boot as object), BootOrder: order, BootOptions: { '@odata.id': `${systemPath}/BootOptions` } } } : json),
      answer: (method, path, body) => {
        if (method === 'GET' && path === `${systemPath}/BootOptions`) return { status: 200, json: { Members: Object.keys(options).map((id) => ({ '@odata.id': id })) } };
        if (method === 'GET' && options[path]) return { status: 200, json: options[path] };
        if (method === 'PATCH' && path === systemPath) {
          patches.push(body);
          order = (body as { Boot: { BootOrder: string[] } }).Boot.BootOrder;
          return { status: 204 };
        }
        return undefined;
      },
    });
    try {
      const t = target('n-order', proxy, {}, { bootMac: '52:54:00:bb:00:01' });
      const outcome = await driver.configNodePxe(t, standaloneContext());
      expect(outcome).toMatchObject({ changed: true, details: { method: 'boot-order', bootOption: 'Boot0003', matchedBootMac: true } });
      expect(patches).toEqual([{ Boot: { BootOrder: ['Boot0003', 'Boot0001', 'Boot0002'] } }]);
      const again = await driver.configNodePxe(t, standaloneContext());
      expect(again.changed).toBe(false);
      expect(patches).toHaveLength(1);
    } finally {
      await proxy.stop();
    }
  });
});

describe('per-BMC lock with Redfish (requests counted by a proxy written in this test)', () => {
  it('keeps one request in flight per BMC while actions on three Systems behind it run at once', async () => {
    const proxy = await startRedfishProxy({ upstream: multi.url, delayMs: 20 });
    try {
      const run = (locks: BmcLocks) => {
        const locked = createOobDriver('redfish', { locks });
        return Promise.all(
          ['rf-pxe', 'rf-boot', 'rf-cycle'].map((system, i) => locked.interrogateOob(target(`n-lock-${i}`, proxy, { system_id: system }), standaloneContext())),
        );
      };
      const locks = new BmcLocks();
      const seen = await run(locks);
      expect(seen.map((s) => s.details?.systemName)).toEqual(['rf-pxe', 'rf-boot', 'rf-cycle']);
      expect(proxy.maxInFlight).toBe(1);
      expect(locks.maxConcurrency).toBe(1);
      expect(proxy.received).toBeGreaterThan(12);

      // The same three actions with a lock registry each do overlap: the check above can fail.
      proxy.maxInFlight = 0;
      await Promise.all([run(new BmcLocks()), run(new BmcLocks())]);
      expect(proxy.maxInFlight).toBeGreaterThan(1);
    } finally {
      await proxy.stop();
    }
  });
});
