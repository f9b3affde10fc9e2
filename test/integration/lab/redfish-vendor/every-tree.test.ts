import { startVendorRedfish, type VendorRedfishService } from '../../../../lab/redfish/vendor/server';
import { pollUntil } from '../../../../src/tools/poll';
import { REDFISH_TREES, treeDir } from '../../../support/redfish-payloads';
import { captured, capturedResetTypes, capturedSystems } from './capture';
import { boot, call, messageIds, PASSWORD, patchWithEtag, USER, type Body } from './http';

type Tree = (typeof REDFISH_TREES)[number];

/**
 * Where each tree takes boot writes, as its vendor profile documents them (lab/redfish/vendor/profiles/*):
 * `system` applies at once, `settings` goes to the System's `@Redfish.Settings` object and applies at
 * the next reset, `job` answers 202 with a job applied at the next reset (Dell).
 */
const BOOT_RULES: Record<Tree, { override: 'system' | 'settings'; order?: 'system' | 'settings' | 'job' }> = {
  'dmtf/public-rackmount1': { override: 'system' },
  'dmtf/public-bladed': { override: 'system' },
  'dmtf/public-smartnic': { override: 'system' },
  'dmtf/public-telemetry': { override: 'system' },
  'libredfish/dell': { override: 'system', order: 'job' },
  'libredfish/hpe': { override: 'system', order: 'system' },
  'libredfish/lenovo': { override: 'system', order: 'settings' },
  'libredfish/supermicro': { override: 'system', order: 'system' },
  'libredfish/nvidia_viking': { override: 'settings', order: 'settings' },
  'libredfish/nvidia_gh200': { override: 'settings', order: 'settings' },
  'pypi/hpe-ilo5-110': { override: 'system' },
  'pypi/dell-r640': { override: 'system', order: 'job' },
};

const POLL = { timeoutMs: 10_000, intervalMs: 50 };

describe.each(REDFISH_TREES)('lab vendor Redfish service serving %s', (tree) => {
  const dir = treeDir(tree);
  let svc: VendorRedfishService;
  const url = (): string => svc.url;

  beforeAll(async () => {
    svc = await startVendorRedfish({ treeDir: dir, credentials: { username: USER, password: PASSWORD }, powerDelayMs: 100 });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** The first System that can be reset and carries a Boot object. */
  const bootableSystem = (): { path: string; capture: Body; resetTypes: string[] } => {
    for (const path of capturedSystems(dir)) {
      const capture = captured(dir, path);
      const resetTypes = capturedResetTypes(dir, capture);
      if (resetTypes && capture.Boot) return { path, capture, resetTypes };
    }
    throw new Error(`${tree}: no resettable System with Boot`);
  };

  const systemBoot = async (path: string): Promise<Body> => boot(await call(url(), 'GET', path));

  /** Restarts the host with the first restart type the System allows (else off, then on). */
  const restart = async (path: string, resetTypes: string[]): Promise<void> => {
    const target = String(((captured(dir, path).Actions as Body)['#ComputerSystem.Reset'] as Body).target);
    const restartType = ['ForceRestart', 'GracefulRestart', 'PowerCycle'].find((t) => resetTypes.includes(t));
    if (restartType) {
      expect((await call(url(), 'POST', target, { body: { ResetType: restartType } })).status).toBeLessThan(300);
      return;
    }
    await powerTo(path, target, resetTypes, 'Off');
    await powerTo(path, target, resetTypes, 'On');
  };

  const powerTo = async (path: string, target: string, resetTypes: string[], to: 'On' | 'Off'): Promise<void> => {
    const choices = to === 'Off' ? ['ForceOff', 'GracefulShutdown', 'PushPowerButton'] : ['On', 'ForceOn', 'PushPowerButton'];
    const resetType = choices.find((t) => resetTypes.includes(t));
    expect(resetType).toBeDefined();
    const answer = await call(url(), 'POST', target, { body: { ResetType: resetType } });
    expect(answer.status).toBeLessThan(300);
    await pollUntil(async () => ((await call(url(), 'GET', path)).body?.PowerState === to ? true : undefined), { ...POLL, what: `${path} PowerState ${to}` });
  };

  it('serves the service root without credentials and every System with them, ETags as captured', async () => {
    const root = await call(url(), 'GET', '/redfish/v1/', { auth: null });
    expect(root.status).toBe(200);
    expect(String(root.body?.['@odata.id']).replace(/\/$/, '')).toBe('/redfish/v1');

    const systems = capturedSystems(dir);
    expect(systems.length).toBeGreaterThan(0);
    expect(svc.systems).toEqual(systems);
    for (const path of systems) {
      const capture = captured(dir, path);
      const got = await call(url(), 'GET', path);
      expect(got.status).toBe(200);
      expect(String(got.body?.['@odata.id']).replace(/\/$/, '')).toBe(path);
      expect(got.body?.UUID).toEqual(capture.UUID);
      if (typeof capture['@odata.etag'] === 'string') expect(got.body?.['@odata.etag']).toBe(capture['@odata.etag']);
      if (svc.profile.etagHeader === 'computed') expect(got.headers.get('etag')).toBeTruthy();
      else expect(got.headers.get('etag')).toBeNull();
      // Everything but the service root needs credentials (DSP0266).
      const anonymous = await call(url(), 'GET', path, { auth: null });
      expect(anonymous.status).toBe(401);
      expect(messageIds(anonymous).length).toBeGreaterThan(0);
    }
  });

  it('logs in with a session, serves with its token, logs out, and refuses the token afterwards', async () => {
    const root = (await call(url(), 'GET', '/redfish/v1', { auth: null })).body!;
    const sessionsPath = String(((root.Links as Body).Sessions as Body)['@odata.id']);
    const wrong = await call(url(), 'POST', sessionsPath, { auth: null, body: { UserName: USER, Password: 'wrong' } });
    expect(wrong.status).toBe(401);
    expect(messageIds(wrong).length).toBeGreaterThan(0);

    const login = await call(url(), 'POST', sessionsPath, { auth: null, body: { UserName: USER, Password: PASSWORD } });
    expect(login.status).toBe(201);
    const token = login.headers.get('x-auth-token');
    const location = login.headers.get('location');
    expect(token).toBeTruthy();
    expect(location).toMatch(new RegExp(`^${sessionsPath.replace(/\/$/, '')}/`));
    const headers = { 'X-Auth-Token': token! };
    expect((await call(url(), 'GET', capturedSystems(dir)[0], { auth: null, headers })).status).toBe(200);
    const listed = await call(url(), 'GET', sessionsPath, { auth: null, headers });
    expect((listed.body?.Members as Body[]).map((m) => m['@odata.id'])).toContain(location);

    expect((await call(url(), 'DELETE', location!, { auth: null, headers })).status).toBe(204);
    expect((await call(url(), 'GET', capturedSystems(dir)[0], { auth: null, headers })).status).toBe(401);
    // The login's password never reaches the record of writes.
    expect(JSON.stringify(svc.writes())).not.toContain(PASSWORD);
  });

  it('changes PowerState on ComputerSystem.Reset and refuses a ResetType the System does not list', async () => {
    const { path, capture, resetTypes } = bootableSystem();
    const target = String(((capture.Actions as Body)['#ComputerSystem.Reset'] as Body).target);
    const bad = await call(url(), 'POST', target, { body: { ResetType: 'NoSuchResetType' } });
    expect(bad.status).toBe(400);
    expect(messageIds(bad).some((id) => id.endsWith('.ActionParameterValueNotInList'))).toBe(true);

    const before = svc.writes().length;
    await powerTo(path, target, resetTypes, 'Off');
    await powerTo(path, target, resetTypes, 'On');
    const resets = svc.writes().slice(before).filter((w) => w.method === 'POST' && w.path === target.replace(/\/$/, ''));
    expect(resets).toHaveLength(2);
  });

  it('takes a boot override where the vendor documents it, and refuses one outside AllowableValues', async () => {
    const rule = BOOT_RULES[tree];
    const { path, capture, resetTypes } = bootableSystem();
    const captureBoot = capture.Boot as Body;
    const allowed = captureBoot['BootSourceOverrideTarget@Redfish.AllowableValues'] as string[] | undefined;
    if (allowed) {
      const outside = await patchWithEtag(url(), rule.override === 'settings' ? settingsPath(capture) : path, { Boot: { BootSourceOverrideTarget: 'NotATarget' } });
      expect(outside.status).toBe(400);
      expect(messageIds(outside).some((id) => id.endsWith('.PropertyValueNotInList'))).toBe(true);
    }
    const target = captureBoot.BootSourceOverrideTarget === 'Pxe' && captureBoot.BootSourceOverrideEnabled === 'Once' ? 'Hdd' : 'Pxe';
    if (rule.override === 'system') {
      const answer = await patchWithEtag(url(), path, { Boot: { BootSourceOverrideTarget: target, BootSourceOverrideEnabled: 'Once' } });
      expect(answer.status).toBeLessThan(300);
      const read = await systemBoot(path);
      // Supermicro reads a UEFI Pxe override back as UefiBootNext (profiles/supermicro.ts).
      expect(read.BootSourceOverrideTarget).toBe(tree === 'libredfish/supermicro' && target === 'Pxe' ? 'UefiBootNext' : target);
      expect(read.BootSourceOverrideEnabled).toBe('Once');
      return;
    }
    // The System names a settings object: the System itself refuses, the settings object holds the
    // write until a reset applies it.
    const onSystem = await patchWithEtag(url(), path, { Boot: { BootSourceOverrideTarget: target, BootSourceOverrideEnabled: 'Continuous' } });
    expect(onSystem.status).toBe(400);
    expect(messageIds(onSystem).some((id) => id.endsWith('.PropertyNotWritable'))).toBe(true);
    const settings = settingsPath(capture);
    const answer = await patchWithEtag(url(), settings, { Boot: { BootSourceOverrideTarget: target, BootSourceOverrideEnabled: 'Continuous' } });
    expect(answer.status).toBeLessThan(300);
    expect(boot(await call(url(), 'GET', settings)).BootSourceOverrideTarget).toBe(target);
    expect((await systemBoot(path)).BootSourceOverrideTarget).toBe(captureBoot.BootSourceOverrideTarget);
    await restart(path, resetTypes);
    await pollUntil(async () => ((await systemBoot(path)).BootSourceOverrideTarget === target ? true : undefined), { ...POLL, what: `${path} override applied at reset` });
    expect((await systemBoot(path)).BootSourceOverrideEnabled).toBe('Continuous');
  });

  it('refuses a stale If-Match with 412 and changes nothing; If-Match: * and the current ETag pass', async () => {
    const rule = BOOT_RULES[tree];
    const { path, capture } = bootableSystem();
    const where = rule.override === 'settings' ? settingsPath(capture) : path;
    const current = boot(await call(url(), 'GET', where));
    const change = { Boot: { BootSourceOverrideTarget: current.BootSourceOverrideTarget === 'Hdd' ? 'Pxe' : 'Hdd' } };
    const before = await call(url(), 'GET', where);
    const stale = await call(url(), 'PATCH', where, { body: change, headers: { 'If-Match': 'W/"stale0000"' } });
    expect(stale.status).toBe(412);
    expect(messageIds(stale).some((id) => id.endsWith('.PreconditionFailed'))).toBe(true);
    expect((await call(url(), 'GET', where)).body).toEqual(before.body);
    expect((await call(url(), 'PATCH', where, { body: change, headers: { 'If-Match': '*' } })).status).toBeLessThan(300);
    expect((await patchWithEtag(url(), where, { Boot: { BootSourceOverrideTarget: current.BootSourceOverrideTarget } })).status).toBeLessThan(300);
  });

  it('takes a boot order where the vendor documents it', async () => {
    const rule = BOOT_RULES[tree];
    const { path, capture, resetTypes } = bootableSystem();
    const order = (capture.Boot as Body).BootOrder as string[] | undefined;
    if (!rule.order) {
      // The capture has no BootOrder to change (DMTF mockups, iLO 5 1.10 sample).
      expect(order).toBeUndefined();
      return;
    }
    const reversed = [...order!].reverse();
    if (rule.order === 'system') {
      const answer = await patchWithEtag(url(), path, { Boot: { BootOrder: reversed } });
      expect(answer.status).toBeLessThan(300);
      expect((await systemBoot(path)).BootOrder).toEqual(reversed);
      return;
    }
    if (rule.order === 'job') {
      const answer = await patchWithEtag(url(), path, { Boot: { BootOrder: reversed } });
      expect(answer.status).toBe(202);
      const job = answer.headers.get('location');
      expect(job).toMatch(/\/Jobs\/JID_\d+$/);
      expect((await call(url(), 'GET', job!)).body?.JobState).toBe('Scheduled');
      expect((await systemBoot(path)).BootOrder).toEqual(order);
      await restart(path, resetTypes);
      await pollUntil(async () => ((await call(url(), 'GET', job!)).body?.JobState === 'Completed' ? true : undefined), { ...POLL, what: `${job} completed` });
      expect((await systemBoot(path)).BootOrder).toEqual(reversed);
      return;
    }
    const onSystem = await patchWithEtag(url(), path, { Boot: { BootOrder: reversed } });
    expect(onSystem.status).toBe(400);
    expect(messageIds(onSystem).some((id) => id.endsWith('.PropertyNotWritable'))).toBe(true);
    expect((await systemBoot(path)).BootOrder).toEqual(order);
    const settings = settingsPath(capture);
    const answer = await patchWithEtag(url(), settings, { Boot: { BootOrder: reversed } });
    expect(answer.status).toBeLessThan(300);
    expect(boot(await call(url(), 'GET', settings)).BootOrder).toEqual(reversed);
    expect((await systemBoot(path)).BootOrder).toEqual(order);
    await restart(path, resetTypes);
    await pollUntil(async () => (JSON.stringify((await systemBoot(path)).BootOrder) === JSON.stringify(reversed) ? true : undefined), { ...POLL, what: `${path} BootOrder applied at reset` });
  });
});

function settingsPath(system: Body): string {
  return String(((system['@Redfish.Settings'] as Body).SettingsObject as Body)['@odata.id']);
}
