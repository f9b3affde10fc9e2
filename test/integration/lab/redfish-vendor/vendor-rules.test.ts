import { startVendorRedfish, type VendorRedfishOptions, type VendorRedfishService } from '../../../../lab/redfish/vendor/server';
import { pollUntil } from '../../../../src/tools/poll';
import { treeDir } from '../../../support/redfish-payloads';
import { captured } from './capture';
import { boot, call, etagOf, messageIds, PASSWORD, USER, type Answer, type Body } from './http';

const POLL = { timeoutMs: 10_000, intervalMs: 50 };

/** Starts the service on one tree for one test; stops it afterwards. */
async function withService(tree: string, options: Partial<VendorRedfishOptions>, body: (svc: VendorRedfishService) => Promise<void>): Promise<void> {
  const svc = await startVendorRedfish({ treeDir: treeDir(tree), credentials: { username: USER, password: PASSWORD }, powerDelayMs: 50, ...options });
  try {
    await body(svc);
  } finally {
    await svc.stop();
  }
}

function errorOf(answer: Answer): Body {
  return (answer.body?.error ?? {}) as Body;
}

describe('AMI MegaRAC (libredfish/nvidia_viking): boot settings only at /SD, If-Match required', () => {
  const system = '/redfish/v1/Systems/DGX';
  const sd = '/redfish/v1/Systems/DGX/SD';

  it('answers 428 without a precondition, 412 on a stale ETag, 204 with the current one; the ETag changes with the write', async () => {
    await withService('libredfish/nvidia_viking', {}, async (svc) => {
      const change = { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } };
      const bare = await call(svc.url, 'PATCH', sd, { body: change });
      expect(bare.status).toBe(428);
      expect(messageIds(bare)).toEqual(['Base.1.0.PreconditionRequired']);

      const stale = await call(svc.url, 'PATCH', sd, { body: change, headers: { 'If-Match': '"0000000000"' } });
      expect(stale.status).toBe(412);
      expect(messageIds(stale)).toEqual(['Base.1.0.PreconditionFailed']);

      // The ETag is only in the body, as captured (libredfish/nvidia_viking/.../SD/index.json).
      const first = await call(svc.url, 'GET', sd);
      expect(first.headers.get('etag')).toBeNull();
      const tag = String(first.body?.['@odata.etag']);
      expect(tag).toBe(String(captured(treeDir('libredfish/nvidia_viking'), sd)['@odata.etag']));
      const ok = await call(svc.url, 'PATCH', sd, { body: change, headers: { 'If-Match': tag } });
      expect(ok.status).toBe(204);
      const after = await etagOf(svc.url, sd);
      expect(after).not.toBe(tag);
      // The old tag is stale now.
      expect((await call(svc.url, 'PATCH', sd, { body: change, headers: { 'If-Match': tag } })).status).toBe(412);
      // The System still reports the current boot settings until a reset.
      expect(boot(await call(svc.url, 'GET', system)).BootSourceOverrideTarget).toBe('None');
      // Nothing was applied by the refused writes: exactly one accepted PATCH of SD.
      const accepted = svc.writes().filter((w) => w.method === 'PATCH' && w.path === sd && w.status === 204);
      expect(accepted).toHaveLength(1);
      expect(accepted[0].headers.ifMatch).toBe(tag);
    });
  });

  it('accepts If-None-Match as the precondition (as libredfish sends a BootOrder) and applies SD at the reset', async () => {
    await withService('libredfish/nvidia_viking', {}, async (svc) => {
      const order = (boot(await call(svc.url, 'GET', sd)).BootOrder as string[]).slice().reverse();
      const tag = String((await call(svc.url, 'GET', sd)).body?.['@odata.etag']);
      expect((await call(svc.url, 'PATCH', sd, { body: { Boot: { BootOrder: order } }, headers: { 'If-None-Match': tag } })).status).toBe(204);
      const refusedOnSystem = await call(svc.url, 'PATCH', system, { body: { Boot: { BootOrder: order } }, headers: { 'If-Match': String((await call(svc.url, 'GET', system)).body?.['@odata.etag']) } });
      expect(refusedOnSystem.status).toBe(400);
      expect(messageIds(refusedOnSystem)).toEqual(['Base.1.0.PropertyNotWritable']);
      expect(errorOf(refusedOnSystem)['@Message.ExtendedInfo']).toBeDefined();
      expect((await call(svc.url, 'POST', `${system}/Actions/ComputerSystem.Reset`, { body: { ResetType: 'ForceRestart' } })).status).toBe(204);
      await pollUntil(async () => (JSON.stringify(boot(await call(svc.url, 'GET', system)).BootOrder) === JSON.stringify(order) ? true : undefined), { ...POLL, what: 'SD BootOrder applied' });
    });
  });

  it('takes other System properties at the System (204), refusing read-only ones and values outside their list', async () => {
    await withService('libredfish/nvidia_viking', {}, async (svc) => {
      const withTag = async (): Promise<Record<string, string>> => ({ 'If-Match': String((await call(svc.url, 'GET', system)).body?.['@odata.etag']) });
      expect((await call(svc.url, 'PATCH', system, { body: { AssetTag: 'rack-7' }, headers: await withTag() })).status).toBe(204);
      expect((await call(svc.url, 'GET', system)).body?.AssetTag).toBe('rack-7');
      const led = await call(svc.url, 'PATCH', system, { body: { IndicatorLED: 'Disco' }, headers: await withTag() });
      expect(led.status).toBe(400);
      expect(messageIds(led)).toEqual(['Base.1.0.PropertyValueNotInList']);
      const uuid = await call(svc.url, 'PATCH', system, { body: { UUID: '00000000-0000-0000-0000-000000000000' }, headers: await withTag() });
      expect(uuid.status).toBe(400);
      expect(messageIds(uuid)).toEqual(['Base.1.0.PropertyNotWritable']);
    });
  });

  it('checks ResetType against ResetActionInfo (PowerCycle is not in the DGX list)', async () => {
    await withService('libredfish/nvidia_viking', {}, async (svc) => {
      const answer = await call(svc.url, 'POST', `${system}/Actions/ComputerSystem.Reset`, { body: { ResetType: 'PowerCycle' } });
      expect(answer.status).toBe(400);
      expect(messageIds(answer)).toEqual(['Base.1.0.ActionParameterValueNotInList']);
      const missing = await call(svc.url, 'POST', `${system}/Actions/ComputerSystem.Reset`, { body: {} });
      expect(missing.status).toBe(400);
      expect(messageIds(missing)).toEqual(['Base.1.0.ActionParameterMissing']);
    });
  });
});

describe('Lenovo XCC (libredfish/lenovo): BootOrder only at /Pending, override at the System', () => {
  it('refuses BootOrder on the System, keeps it pending at /Pending until a reset, answers /Pending with the resource', async () => {
    await withService('libredfish/lenovo', {}, async (svc) => {
      const order = ['Boot0002', 'Boot0003'];
      const refused = await call(svc.url, 'PATCH', '/redfish/v1/Systems/1', { body: { Boot: { BootOrder: order } } });
      expect(refused.status).toBe(400);
      expect(messageIds(refused)).toEqual(['Base.1.0.PropertyNotWritable']);
      // Override and BootOrder together: the override applies, BootOrder is reported as not written.
      const mixed = await call(svc.url, 'PATCH', '/redfish/v1/Systems/1', { body: { Boot: { BootOrder: order, BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } } });
      expect(mixed.status).toBe(200);
      expect(messageIds(mixed)).toEqual(['Base.1.0.PropertyNotWritable']);
      expect(boot(mixed).BootSourceOverrideTarget).toBe('Pxe');
      expect(boot(mixed).BootOrder).toEqual(['Boot0003', 'Boot0002']);

      const pending = await call(svc.url, 'PATCH', '/redfish/v1/Systems/1/Pending', { body: { Boot: { BootOrder: order } } });
      expect(pending.status).toBe(200);
      expect(boot(pending).BootOrder).toEqual(order);
      // Only BootOrder is a pending property at /Pending (the capture holds nothing else).
      const notThere = await call(svc.url, 'PATCH', '/redfish/v1/Systems/1/Pending', { body: { Boot: { BootSourceOverrideTarget: 'Hdd' } } });
      expect(notThere.status).toBe(400);
      const empty = await call(svc.url, 'PATCH', '/redfish/v1/Systems/1/Pending', { body: { Boot: { BootOrder: [] } } });
      expect(empty.status).toBe(400);
      expect(messageIds(empty)).toEqual(['Base.1.0.PropertyValueTypeError']);

      expect(boot(await call(svc.url, 'GET', '/redfish/v1/Systems/1')).BootOrder).toEqual(['Boot0003', 'Boot0002']);
      expect((await call(svc.url, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: 'ForceRestart' } })).status).toBe(204);
      await pollUntil(async () => (JSON.stringify(boot(await call(svc.url, 'GET', '/redfish/v1/Systems/1')).BootOrder) === JSON.stringify(order) ? true : undefined), { ...POLL, what: 'Pending BootOrder applied' });
      // The Once override was used by that boot (DSP0268 BootSourceOverrideEnabled).
      expect(boot(await call(svc.url, 'GET', '/redfish/v1/Systems/1')).BootSourceOverrideEnabled).toBe('Disabled');
    });
  });
});

describe('NVIDIA GH200 OpenBMC (libredfish/nvidia_gh200): boot settings at /Settings', () => {
  it('holds override and order at /Settings until the reset; HGX_Baseboard_0 has no reset action', async () => {
    await withService('libredfish/nvidia_gh200', {}, async (svc) => {
      const settings = '/redfish/v1/Systems/System_0/Settings';
      const answer = await call(svc.url, 'PATCH', settings, { body: { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Continuous' } } });
      expect(answer.status).toBe(200);
      expect(boot(await call(svc.url, 'GET', '/redfish/v1/Systems/System_0')).BootSourceOverrideTarget).toBe('Hdd');
      const notAllowed = await call(svc.url, 'PATCH', settings, { body: { Boot: { BootSourceOverrideTarget: 'UefiHttp' } } });
      expect(notAllowed.status).toBe(400);
      expect(messageIds(notAllowed)).toEqual(['Base.1.0.PropertyValueNotInList']);
      expect((await call(svc.url, 'POST', '/redfish/v1/Systems/HGX_Baseboard_0/Actions/ComputerSystem.Reset', { body: { ResetType: 'On' } })).status).toBe(404);
      expect((await call(svc.url, 'POST', '/redfish/v1/Systems/System_0/Actions/ComputerSystem.Reset', { body: { ResetType: 'PowerCycle' } })).status).toBe(204);
      await pollUntil(async () => (boot(await call(svc.url, 'GET', '/redfish/v1/Systems/System_0')).BootSourceOverrideTarget === 'Pxe' ? true : undefined), { ...POLL, what: 'Settings applied' });
    });
  });
});

describe('Dell iDRAC (libredfish/dell): BootOrder as a job, SYS518 while busy after a reset', () => {
  it('answers a BootOrder PATCH with 202 and a job, and SYS518 (HTTP 500) during the configured POST window', async () => {
    await withService('libredfish/dell', { busyWindowMs: 400 }, async (svc) => {
      const system = '/redfish/v1/Systems/System.Embedded.1';
      const job = await call(svc.url, 'PATCH', system, { body: { Boot: { BootOrder: ['Boot0002', 'Boot0000'] } } });
      expect(job.status).toBe(202);
      expect(job.headers.get('location')).toMatch(/^\/redfish\/v1\/Managers\/iDRAC\.Embedded\.1\/Jobs\/JID_\d{12}$/);
      const queue = await call(svc.url, 'GET', '/redfish/v1/Managers/iDRAC.Embedded.1/Jobs');
      expect(queue.body?.Members).toEqual([{ '@odata.id': job.headers.get('location') }]);
      // The override applies directly (200 with the System).
      const override = await call(svc.url, 'PATCH', system, { body: { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } } });
      expect(override.status).toBe(200);
      expect(boot(override).BootSourceOverrideTarget).toBe('Pxe');
      const invalid = await call(svc.url, 'PATCH', system, { body: { Boot: { BootSourceOverrideTarget: 'Usb' } } });
      expect(invalid.status).toBe(400);
      const error = errorOf(invalid);
      expect(error.code).toBe('Base.1.0.GeneralError');
      const info = error['@Message.ExtendedInfo'] as Body[];
      expect(info[0]).toMatchObject({ MessageId: 'Base.1.0.PropertyValueNotInList', MessageArgs: ['Usb', 'BootSourceOverrideTarget'] });
      expect(info[0].Resolution).toBeTruthy();

      expect((await call(svc.url, 'POST', `${system}/Actions/ComputerSystem.Reset`, { body: { ResetType: 'ForceRestart' } })).status).toBe(204);
      const busy = await pollUntil(
        async () => {
          const a = await call(svc.url, 'PATCH', system, { body: { Boot: { BootSourceOverrideTarget: 'Hdd' } } });
          return a.status === 500 ? a : undefined;
        },
        { ...POLL, what: 'the POST window' },
      );
      expect(messageIds(busy)).toEqual(['IDRAC.2.7.SYS518']);
      // A driver that retries gets through once the window has passed.
      const through = await pollUntil(
        async () => {
          const a = await call(svc.url, 'PATCH', system, { body: { Boot: { BootSourceOverrideTarget: 'Hdd' } } });
          return a.status === 200 ? a : undefined;
        },
        { ...POLL, what: 'the end of the POST window' },
      );
      expect(boot(through).BootSourceOverrideTarget).toBe('Hdd');
      expect(boot(through).BootOrder).toEqual(['Boot0002', 'Boot0000']);
    });
  });
});

describe('HPE iLO 5 (libredfish/hpe): power-state refusals and the POST window', () => {
  it('refuses a reset into the current power state with InvalidOperationForSystemState in the iLO frame', async () => {
    await withService('libredfish/hpe', {}, async (svc) => {
      const target = '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset';
      const on = await call(svc.url, 'POST', target, { body: { ResetType: 'On' } });
      expect(on.status).toBe(400);
      expect(errorOf(on).code).toBe('iLO.0.10.ExtendedInfo');
      expect(errorOf(on)['@Message.ExtendedInfo']).toEqual([{ MessageId: 'iLO.2.16.InvalidOperationForSystemState', MessageArgs: ['Power is on'] }]);
      const off = await call(svc.url, 'POST', target, { body: { ResetType: 'ForceOff' } });
      expect(off.status).toBe(200);
      expect(messageIds(off)).toEqual(['Base.1.4.Success']);
      await pollUntil(async () => ((await call(svc.url, 'GET', '/redfish/v1/Systems/1')).body?.PowerState === 'Off' ? true : undefined), { ...POLL, what: 'Off' });
      expect(messageIds(await call(svc.url, 'POST', target, { body: { ResetType: 'ForceOff' } }))).toEqual(['iLO.2.16.InvalidOperationForSystemState']);
    });
  });

  it('refuses boot override writes during POST (UnableToModifyDuringSystemPOST), then accepts them; stale If-Match is 412', async () => {
    await withService('libredfish/hpe', { busyWindowMs: 400 }, async (svc) => {
      const system = '/redfish/v1/Systems/1';
      const first = await call(svc.url, 'GET', system);
      expect(first.headers.get('etag')).toBe(first.body?.['@odata.etag']);
      expect(String(first.headers.get('etag'))).toMatch(/^W\/"/);
      const stale = await call(svc.url, 'PATCH', system, { body: { Boot: { BootSourceOverrideTarget: 'Pxe' } }, headers: { 'If-Match': 'W/"00000000"' } });
      expect(stale.status).toBe(412);
      expect((await call(svc.url, 'POST', `${system}/Actions/ComputerSystem.Reset`, { body: { ResetType: 'ForceRestart' } })).status).toBe(200);
      const busy = await pollUntil(
        async () => {
          const a = await call(svc.url, 'PATCH', system, { body: { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } } });
          return a.status === 400 ? a : undefined;
        },
        { ...POLL, what: 'the POST window' },
      );
      expect(errorOf(busy)['@Message.ExtendedInfo']).toEqual([{ MessageId: 'iLO.2.37.UnableToModifyDuringSystemPOST', MessageArgs: ['BootSourceOverrideTarget'] }]);
      const resetBusy = await call(svc.url, 'POST', `${system}/Actions/ComputerSystem.Reset`, { body: { ResetType: 'ForceRestart' } });
      if (resetBusy.status === 400) expect(messageIds(resetBusy)).toEqual(['iLO.2.15.InvalidOperationForSystemState']);
      await pollUntil(
        async () => ((await call(svc.url, 'PATCH', system, { body: { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } } })).status === 200 ? true : undefined),
        { ...POLL, what: 'the end of the POST window' },
      );
      const tag = await etagOf(svc.url, system);
      expect(tag).not.toBe(first.headers.get('etag'));
      const accepted = await call(svc.url, 'PATCH', system, { body: { Boot: { BootSourceOverrideTarget: 'Hdd' } }, headers: { 'If-Match': tag! } });
      expect(accepted.status).toBe(200);
      // iLO answers an accepted PATCH with Base Success in its frame, not with the resource.
      expect(errorOf(accepted).code).toBe('iLO.0.10.ExtendedInfo');
      expect(messageIds(accepted)).toEqual(['Base.1.4.Success']);
      expect(boot(await call(svc.url, 'GET', system)).BootSourceOverrideTarget).toBe('Hdd');
    });
  });
});

describe('Supermicro X13 (libredfish/supermicro): UEFI Pxe reads back as UefiBootNext', () => {
  it('stores Pxe as UefiBootNext in UEFI mode and Hdd as Hdd', async () => {
    await withService('libredfish/supermicro', {}, async (svc) => {
      const pxe = await call(svc.url, 'PATCH', '/redfish/v1/Systems/1', { body: { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' } } });
      expect(pxe.status).toBe(200);
      expect(boot(await call(svc.url, 'GET', '/redfish/v1/Systems/1')).BootSourceOverrideTarget).toBe('UefiBootNext');
      await call(svc.url, 'PATCH', '/redfish/v1/Systems/1', { body: { Boot: { BootSourceOverrideTarget: 'Hdd' } } });
      expect(boot(await call(svc.url, 'GET', '/redfish/v1/Systems/1')).BootSourceOverrideTarget).toBe('Hdd');
    });
  });
});

describe('DMTF generic (dmtf/public-rackmount1): DSP0266 rules', () => {
  it('serves an ETag header, honours If-Match, and records every write for GET /lab/requests', async () => {
    await withService('dmtf/public-rackmount1', {}, async (svc) => {
      const system = '/redfish/v1/Systems/437XR1138R2';
      const tag = (await call(svc.url, 'GET', system)).headers.get('etag');
      expect(tag).toMatch(/^"/);
      const stale = await call(svc.url, 'PATCH', system, { body: { Boot: { BootSourceOverrideTarget: 'Hdd' } }, headers: { 'If-Match': '"stale"' } });
      expect(stale.status).toBe(412);
      expect(errorOf(stale).code).toBe('Base.1.5.PreconditionFailed');
      const ok = await call(svc.url, 'PATCH', system, { body: { Boot: { BootSourceOverrideTarget: 'Hdd' } }, headers: { 'If-Match': tag! } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('etag')).not.toBe(tag);
      const unknown = await call(svc.url, 'PATCH', system, { body: { Boot: { NoSuchProperty: 1 } } });
      expect(messageIds(unknown)).toEqual(['Base.1.5.PropertyUnknown']);
      const malformed = await fetch(new URL(system, svc.url), { method: 'PATCH', headers: { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` }, body: '{not json' });
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as { error: Body }).error.code).toBe('Base.1.5.MalformedJSON');
      expect((await call(svc.url, 'DELETE', system)).status).toBe(405);

      const recorded = (await call(svc.url, 'GET', '/lab/requests', { auth: null })).body as unknown as Array<Record<string, unknown>>;
      expect(recorded.map((w) => `${String(w.method)} ${String(w.status)}`)).toEqual(['PATCH 412', 'PATCH 200', 'PATCH 400', 'PATCH 400', 'DELETE 405']);
      expect(recorded[1]).toMatchObject({ path: system, body: { Boot: { BootSourceOverrideTarget: 'Hdd' } }, headers: { ifMatch: tag, auth: 'basic' } });
      expect(svc.writes()).toHaveLength(5);
    });
  });
});
