import type { CompiledSite, NodeModel } from '../../../../../src/design/model';
import { standaloneContext } from '../../../../../src/drivers/context';
import type { SiteContext } from '../../../../../src/contracts/site-context';
import type { NodeDriver } from '../../../../../src/drivers/node/interface';
import type { MaasClient } from '../../../../../src/drivers/node/maas/client';
import { lshwFromDetails, parseLshw } from '../../../../../src/drivers/node/maas/device-names';
import type { MaasMachine, MaasVolumeGroup } from '../../../../../src/drivers/node/maas/types';
import type { MaasEmulator } from '../../../../../lab/maas';
import { clientFor, driverFor, startLabMaas, writes } from '../../../../fixtures/maas-lab';
import { fixtureNode, fixtureSite, labMachineFor, macsFor, siteContext } from '../../../../fixtures/site-model';
import { driverFailure } from '../../../../support/driver-errors';

// Hardware-profile device aliases (NICs by PCI address, disks by SCSI address), as Drydock sites
// write them, resolved through the commissioning data (lshw) the MAAS emulator serves at
// `?op=details` (BSON), as MAAS does. Real MAAS cannot run here.
const ctx = () => standaloneContext();

/** A node whose NICs and disks are named by aliases, as the compiler leaves them. */
function aliased(node: NodeModel, overrides: { bondSlave?: string } = {}): NodeModel {
  return {
    ...node,
    interfaces: [
      { ...node.interfaces[0], slaves: [{ name: '0000:18:00.0', alias: 'pxe_nic', address: '0000:18:00.0' }] },
      {
        ...node.interfaces[1],
        slaves: [
          { name: '0000:3b:00.0', alias: 'data_nic_a', address: '0000:3b:00.0' },
          { name: overrides.bondSlave ?? '0000:3b:00.1', alias: 'data_nic_b', address: overrides.bondSlave ?? '0000:3b:00.1' },
        ],
      },
    ],
    storage: {
      ...node.storage,
      physicalDevices: node.storage.physicalDevices.map((d, i) => ({ ...d, name: `2:0.${i}.0`, alias: i === 0 ? 'boot_disk' : 'data_disk' })),
    },
  };
}

function labMachine(node: NodeModel, extra: Parameters<typeof labMachineFor>[1]) {
  const base = labMachineFor(node, extra);
  const pci = ['0000:18:00.0', '0000:3b:00.0', '0000:3b:00.1'];
  return { ...base, interfaces: base.interfaces.map((nic, i) => ({ ...nic, pciAddress: pci[i] })) };
}

describe('MAAS driver: hardware-profile device aliases resolved through the commissioning lshw (MAAS emulator)', () => {
  let emulator: MaasEmulator;
  let client: MaasClient;
  let site: CompiledSite;
  let sc: SiteContext;
  let driver: NodeDriver;
  const n1 = fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1) });
  const fresh = fixtureNode('lab', { name: 'fresh', host: 12, macs: macsFor(2) });

  beforeAll(async () => {
    emulator = await startLabMaas({
      config: {
        machines: [labMachine(n1, { hostname: 'n1', enlist: 'at-start', initialStatus: 'Ready' }), labMachine(fresh, { hostname: 'fresh', enlist: 'at-start', initialStatus: 'New' })],
      },
    });
    client = clientFor(emulator);
    site = fixtureSite({ apiUrl: emulator.url, nodes: [n1, fresh] });
    sc = siteContext(site);
    driver = driverFor(emulator, site);
    await driver.createNetworkTemplate(sc, ctx());
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  async function machine(hostname: string): Promise<MaasMachine> {
    const [m] = await client.get<MaasMachine[]>('machines/', { hostname });
    return client.get<MaasMachine>(`machines/${m.system_id}/`);
  }

  it('serves ?op=details as BSON whose lshw names each NIC and disk with its bus address', async () => {
    const m = await machine('n1');
    const xml = lshwFromDetails(await client.getBinary(`machines/${m.system_id}/`, { op: 'details' }));
    const devices = parseLshw(xml);
    expect(Object.fromEntries(devices.nics)).toEqual({ '0000:18:00.0': 'eno1', '0000:3b:00.0': 'ens3', '0000:3b:00.1': 'ens4' });
    expect(Object.fromEntries(devices.disks)).toEqual({ '2:0.0.0': 'sda', '2:0.1.0': 'sdb' });
    // A machine never commissioned has no lshw, as in MAAS.
    const f = await machine('fresh');
    expect(lshwFromDetails(await client.getBinary(`machines/${f.system_id}/`, { op: 'details' }))).toBe('');
  });

  it('ApplyNodeNetworking and ApplyNodeStorage lay out the aliased NICs and disks under their kernel names; a second run changes nothing', async () => {
    const node = aliased(n1);
    const net = await driver.applyNodeNetworking(node, sc, ctx());
    expect(net.changed).toBe(true);
    const storage = await driver.applyNodeStorage(node, sc, ctx());
    expect(storage.changed).toBe(true);

    const m = await machine('n1');
    const bond = m.interface_set.find((i) => i.name === 'bond0')!;
    expect(bond.parents.sort()).toEqual(['ens3', 'ens4']);
    const eno1 = m.interface_set.find((i) => i.name === 'eno1')!;
    expect(eno1.links.map((l) => l.ip_address)).toContain('10.20.0.11');
    const sda = m.blockdevice_set.find((d) => d.name === 'sda')!;
    expect(sda.partitions.map((p) => p.filesystem?.mount_point ?? null)).toEqual(['/boot/efi', '/boot', '/', null]);
    const vgs = await client.get<MaasVolumeGroup[]>(`nodes/${m.system_id}/volume-groups/`);
    expect(vgs.map((v) => v.name)).toEqual(['vg_data']);

    const before = writes(emulator);
    expect((await driver.applyNodeNetworking(node, sc, ctx())).changed).toBe(false);
    expect((await driver.applyNodeStorage(node, sc, ctx())).changed).toBe(false);
    expect(writes(emulator)).toBe(before);
  });

  it('an alias whose address the machine does not have: InvalidRequest naming the alias and what lshw lists; nothing written', async () => {
    const before = writes(emulator);
    const err = await driverFailure(driver.applyNodeNetworking(aliased(n1, { bondSlave: '0000:af:00.1' }), sc, ctx()));
    expect(err.kind).toBe('InvalidRequest');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/device alias data_nic_b of hardware profile lab-server \(PCI 0000:af:00\.1, a slave of interface bond0\) is not a NIC of MAAS machine \w+; its commissioning data lists: eno1 at 0000:18:00\.0, ens3 at 0000:3b:00\.0, ens4 at 0000:3b:00\.1/);
    expect(writes(emulator)).toBe(before);
  });
});
