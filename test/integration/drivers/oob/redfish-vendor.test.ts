import { standaloneContext } from '../../../../src/drivers/context';
import { createOobDriver } from '../../../../src/drivers/oob';
import type { OobTarget } from '../../../../src/drivers/oob/interface';
import { startVendorRedfish, type VendorRedfishService } from '../../../../lab/redfish/vendor/server';
import { captured, capturedResetTypes, capturedSystems } from '../../lab/redfish-vendor/capture';
import { PASSWORD, patchWithEtag, USER, type Body } from '../../lab/redfish-vendor/http';
import { nodeWithOob, targetOf } from '../../../support/oob-nodes';
import { driverFailure } from '../../../support/driver-errors';
import { REDFISH_TREES, treeDir } from '../../../support/redfish-payloads';

// The Redfish driver against every tree of ../shared/redfish-payloads, each served by the lab's
// vendor-profile Redfish service (lab/redfish/vendor/, docs/lab-redfish.md), which answers writes the
// way that vendor documents. Test names carry "[tree] scenario:" so scripts/redfish-matrix.ts can count
// the support matrix of docs/oob-drivers.md from a run (`--json`).

type Tree = (typeof REDFISH_TREES)[number];

/**
 * What ConfigNodePxe must choose on each tree, read from its BootOptions: `mac` is a NIC of the System
 * whose PXE IPv4 entry must win over the same NIC's HTTP(S) and IPv6 entries (`option`); `override`
 * where the System has no usable PXE boot option (no BootOptions, or only HTTP boot ones).
 */
const PXE: Record<Tree, { mac?: string; option?: string; override?: true }> = {
  'dmtf/public-rackmount1': { mac: '12:44:6a:3b:04:11', override: true },
  'dmtf/public-bladed': { override: true },
  'dmtf/public-smartnic': { override: true },
  'dmtf/public-telemetry': { override: true },
  // Only "HTTP Device 1: NIC in Slot 5 Port 1" is a network entry: HTTP boot is not PXE.
  'libredfish/dell': { mac: 'e4:3d:1a:13:27:f0', override: true },
  // OCP Slot 10 Port 1: Boot0022 is its PXE IPv4 entry; Boot0024 HTTP(S) IPv4, Boot0023 PXE IPv6.
  'libredfish/hpe': { mac: '50:7c:6f:11:f2:a6', option: 'Boot0022' },
  // XCC lists one "Network" entry with no MAC in it.
  'libredfish/lenovo': { mac: '00:62:0b:4c:28:4e', option: 'Boot0003' },
  'libredfish/supermicro': { mac: '7c:c2:55:79:3f:8e', option: 'Boot0021' },
  // Boot000A (Alias Pxe) over Boot001A, which is named "PXE IPv4" but has Alias UefiHttp.
  'libredfish/nvidia_viking': { mac: '6c:fe:54:41:15:78', option: 'Boot000A' },
  // Boot0004 UEFI PXEv4 over Boot0006 UEFI HTTPv4 and Boot0005 UEFI PXEv6 of the same MAC.
  'libredfish/nvidia_gh200': { mac: 'f0:b2:b9:0b:fc:9e', option: 'Boot0004' },
  'pypi/hpe-ilo5-110': { override: true },
  'pypi/dell-r640': { override: true },
};

const FAST = { use_https: false, poll_interval_ms: 50, power_timeout_s: 20, busy_retries: 5 };
const driver = createOobDriver('redfish');

describe.each(REDFISH_TREES)('Redfish driver against the lab vendor service serving %s', (tree) => {
  const dir = treeDir(tree);
  let svc: VendorRedfishService;
  const systems = capturedSystems(dir);
  /** The first System that can be reset and carries a Boot object: the node under test. */
  const nodeSystem = systems.find((p) => {
    const c = captured(dir, p);
    return capturedResetTypes(dir, c) && c.Boot;
  })!;
  const capture = captured(dir, nodeSystem);
  const systemId = systems.length > 1 ? String(capture.Id) : undefined;
  const settingsPath = ((capture['@Redfish.Settings'] as Body | undefined)?.SettingsObject as Body | undefined)?.['@odata.id'] as string | undefined;

  beforeAll(async () => {
    svc = await startVendorRedfish({ treeDir: dir, credentials: { username: USER, password: PASSWORD }, powerDelayMs: 30 });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const target = (params: Record<string, unknown> = {}, bootMac?: string): OobTarget =>
    targetOf(
      nodeWithOob(
        'n1',
        { type: 'redfish', address: '127.0.0.1', port: Number(new URL(svc.url).port), account: USER, credential: 'env:RF_PASSWORD', params: { ...FAST, ...(systemId ? { system_id: systemId } : {}), ...params } },
        bootMac ? { bootMac } : {},
      ),
      { RF_PASSWORD: PASSWORD },
    );
  const state = (path: string): Body => svc.resource(path) as Body;
  const bootAt = (path: string): Body => (state(path).Boot ?? {}) as Body;

  it(`[${tree}] interrogate: power, identity and the host's MACs (not the BMC's ToManager NIC)`, async () => {
    const got = await driver.interrogateOob(target(), standaloneContext());
    expect(got.power).toBe(String(capture.PowerState).toLowerCase());
    expect(got.identity.uuid ?? null).toEqual(capture.UUID ?? null);
    expect(trim(got.details?.systemPath)).toBe(nodeSystem);
    const toManager = (((capture.EthernetInterfaces as Body | undefined) ? captured(dir, String((capture.EthernetInterfaces as Body)['@odata.id'])).Members : []) as Body[])
      .map((m) => String(m['@odata.id']))
      .filter((p) => /ToManager$/.test(p))
      .map((p) => String(captured(dir, p).MACAddress).toLowerCase());
    for (const mac of toManager) expect(got.identity.macs).not.toContain(mac);
  });

  it(`[${tree}] power off/on/cycle: each lands and reads back`, async () => {
    const ctx = standaloneContext();
    const off = await driver.powerOffNode(target(), ctx);
    expect(off.changed).toBe(true);
    expect(state(nodeSystem).PowerState).toBe('Off');
    const on = await driver.powerOnNode(target(), ctx);
    expect(on.changed).toBe(true);
    expect(state(nodeSystem).PowerState).toBe('On');
    const cycle = await driver.powerCycleNode(target(), ctx);
    expect(cycle.changed).toBe(true);
    expect(state(nodeSystem).PowerState).toBe('On');
  });

  it(`[${tree}] boot override PXE once: set where the System takes it and read back`, async () => {
    const out = await driver.setNodeBoot(target(), { device: 'pxe', persistent: false, mode: 'uefi' }, standaloneContext());
    expect(out.message).toContain('boot pxe once');
    const where = String(out.details?.writtenTo ?? nodeSystem);
    const read = bootAt(where);
    // Supermicro reads a UEFI Pxe override back as UefiBootNext (libredfish supermicro.rs): the message says so.
    expect(['Pxe', 'UefiBootNext']).toContain(read.BootSourceOverrideTarget);
    if (read.BootSourceOverrideTarget === 'UefiBootNext') expect(out.message).toMatch(/UefiBootNext/);
    if (where !== nodeSystem) expect(out.message).toMatch(/next boot/);
  });

  it(`[${tree}] boot override disk persistent: set where the System takes it and read back`, async () => {
    const enabledAllowed = (capture.Boot as Body)['BootSourceOverrideEnabled@Redfish.AllowableValues'] as string[] | undefined;
    if (enabledAllowed && !enabledAllowed.includes('Continuous')) {
      // Lenovo XCC allows only Once and Disabled: refused before any write, naming what is allowed.
      const err = await driverFailure(driver.setNodeBoot(target(), { device: 'disk', persistent: true, mode: 'uefi' }, standaloneContext()));
      expect(err.kind).toBe('Unsupported');
      expect(err.message).toContain(`allowed: ${enabledAllowed.join(', ')}`);
      return;
    }
    const out = await driver.setNodeBoot(target(), { device: 'disk', persistent: true, mode: 'uefi' }, standaloneContext());
    const where = String(out.details?.writtenTo ?? nodeSystem);
    expect(bootAt(where).BootSourceOverrideTarget).toBe('Hdd');
    expect(bootAt(where).BootSourceOverrideEnabled).toBe('Continuous');
  });

  it(`[${tree}] ConfigNodePxe without a boot MAC: a PXE entry (never HTTP boot) first, or a PXE override`, async () => {
    const out = await driver.configNodePxe(target(), standaloneContext());
    if (PXE[tree].override) {
      expect(out.details?.method).toBe('boot-source-override');
      return;
    }
    expect(out.details?.method).toBe('boot-order');
    const ref = String(out.details?.bootOption);
    const option = bootOption(dir, nodeSystem, ref);
    expect(option.Alias).not.toBe('UefiHttp');
    expect(`${String(option.DisplayName)} ${typeof option.UefiDevicePath === 'string' ? option.UefiDevicePath : ''}`).not.toMatch(/HTTP|\/Uri\(/i);
  });

  it(`[${tree}] ConfigNodePxe with a boot MAC: that NIC's PXE IPv4 entry first, read back where it was written`, async () => {
    const pxe = PXE[tree];
    if (pxe.option) {
      // Where the entry is already first (Lenovo's capture), another order is put in place first, so the driver has to write.
      const orderAt = settingsPath && Array.isArray((captured(dir, settingsPath).Boot as Body | undefined)?.BootOrder) ? settingsPath : nodeSystem;
      const order = bootAt(orderAt).BootOrder as string[];
      if (order[0] === pxe.option) expect((await patchWithEtag(svc.url, orderAt, { Boot: { BootOrder: [...order.slice(1), order[0]] } })).status).toBeLessThan(300);
    }
    const out = await driver.configNodePxe(target({}, pxe.mac), standaloneContext());
    if (pxe.override) {
      expect(out.details?.method).toBe('boot-source-override');
      return;
    }
    expect(out.details).toMatchObject({ method: 'boot-order', bootOption: pxe.option });
    const pendingJob = out.details?.pending === 'job';
    const where = String(out.details?.writtenTo ?? nodeSystem);
    expect(out.changed).toBe(true);
    if (!pendingJob) expect((bootAt(where).BootOrder as string[])[0]).toBe(pxe.option);
    if (where !== nodeSystem || pendingJob) expect(out.message).toMatch(/next boot|reboot/);
    if (settingsPath && where === settingsPath) expect(out.message).toContain(settingsPath);
  });

  it(`[${tree}] selection: by Id and by UUID; several Systems need system_id; an ambiguous name is refused`, async () => {
    const byId = await driver.validateOobServices(target({ system_id: capture.Id }), standaloneContext());
    expect(trim(byId.details?.systemPath)).toBe(nodeSystem);
    if (typeof capture.UUID === 'string' && systems.filter((p) => captured(dir, p).UUID === capture.UUID).length === 1) {
      const byUuid = await driver.validateOobServices(target({ system_id: capture.UUID.toLowerCase() }), standaloneContext());
      expect(trim(byUuid.details?.systemPath)).toBe(nodeSystem);
    }
    if (systems.length > 1) {
      const noId = targetOf(
        nodeWithOob('n1', { type: 'redfish', address: '127.0.0.1', port: Number(new URL(svc.url).port), account: USER, credential: 'env:RF_PASSWORD', params: FAST }),
        { RF_PASSWORD: PASSWORD },
      );
      expect((await driverFailure(driver.validateOobServices(noId, standaloneContext()))).kind).toBe('InvalidRequest');
    }
    const name = String(capture.Name);
    const sameName = systems.filter((p) => captured(dir, p).Name === name).length;
    if (sameName > 1 && name !== capture.Id) {
      const err = await driverFailure(driver.validateOobServices(target({ system_id: name }), standaloneContext()));
      expect(err.kind).toBe('InvalidRequest');
      expect(err.message).toContain(`matches ${sameName} Systems`);
    }
  });

  it(`[${tree}] session logout: the session is deleted after success and after failure`, async () => {
    const before = svc.writes().length;
    await driver.validateOobServices(target(), standaloneContext());
    await driverFailure(driver.validateOobServices(target({ system_id: 'no-such-system' }), standaloneContext()));
    const writes = svc.writes().slice(before);
    const logins = writes.filter((w) => w.method === 'POST' && w.status === 201);
    const logouts = writes.filter((w) => w.method === 'DELETE' && w.status === 204);
    expect(logins).toHaveLength(2);
    expect(logouts).toHaveLength(2);
  });
});

/** pypi/hpe-ilo5-110 writes its paths with a trailing slash. */
function trim(path: unknown): string {
  return String(path).replace(/\/+$/, '');
}

function bootOption(dir: string, systemPath: string, ref: string): Body {
  const col = captured(dir, String((captured(dir, systemPath).Boot as Body).BootOptions ? ((captured(dir, systemPath).Boot as Body).BootOptions as Body)['@odata.id'] : ''));
  for (const m of col.Members as Body[]) {
    const option = captured(dir, String(m['@odata.id']));
    if (option.BootOptionReference === ref) return option;
  }
  throw new Error(`no BootOption ${ref}`);
}
