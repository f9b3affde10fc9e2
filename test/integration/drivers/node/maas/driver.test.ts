import type { CompiledSite, NodeModel } from '../../../../../src/design/model';
import { standaloneContext } from '../../../../../src/drivers/context';
import { DriverError } from '../../../../../src/drivers/errors';
import type { SiteContext } from '../../../../../src/contracts/site-context';
import type { NodeDriver } from '../../../../../src/drivers/node/interface';
import type { MaasClient } from '../../../../../src/drivers/node/maas/client';
import type {
  MaasBootResource,
  MaasFabric,

  MaasIpRange,
  MaasMachine,
  MaasPackageRepository,
  MaasSshKey,
  MaasStaticRoute,
  MaasSubnet,
  MaasTag,
  MaasVolumeGroup,
} from '../../../../../src/drivers/node/maas/types';
import type { MaasEmulator } from '../../../../../lab/maas';
import { clientFor, counts, driverFor, FAST_DRIVER, requests, startLabMaas, writes } from '../../../../fixtures/maas-lab';
import { ED25519_KEY, fixtureNode, fixtureSite, labMachineFor, macsFor, siteContext } from '../../../../fixtures/site-model';
import { driverFailure } from '../../../../support/driver-errors';

// The MAAS driver, every action, against the lab's MAAS emulator (real MAAS cannot run here).
// The machines are in MAAS from the start and have no BMC: BMC following is covered by
// maas-bmc.test.ts. Tests run in order and share one emulator, as a deployment would.
const ctx = () => standaloneContext();

const failure = driverFailure;

async function machineNamed(client: MaasClient, hostname: string): Promise<MaasMachine> {
  const [machine] = await client.get<MaasMachine[]>('machines/', { hostname });
  if (!machine) throw new Error(`no machine ${hostname}`);
  return client.get<MaasMachine>(`machines/${machine.system_id}/`);
}

/** Each NIC's address links (mode, subnet, address), LINK_UP links left out. */
function addresses(machine: MaasMachine): Record<string, string[]> {
  return Object.fromEntries(
    machine.interface_set.map((i) => [i.name, i.links.filter((l) => l.mode !== 'link_up').map((l) => `${l.mode} ${l.subnet?.cidr ?? '-'} ${l.ip_address ?? ''}`.trim())]),
  );
}

describe('MAAS driver against the MAAS emulator (real MAAS cannot run here)', () => {
  let emulator: MaasEmulator;
  let client: MaasClient;
  let site: CompiledSite;
  let sc: SiteContext;
  let driver: NodeDriver;
  const n1 = fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1) });
  const n2 = fixtureNode('lab', { name: 'n2', host: 12, macs: macsFor(2) });
  const n3 = fixtureNode('lab', { name: 'n3', host: 13, macs: macsFor(3) });
  const ghost = fixtureNode('lab', { name: 'ghost', host: 99, macs: macsFor(9) });

  beforeAll(async () => {
    emulator = await startLabMaas({
      config: {
        machines: [
          labMachineFor(n1, { hostname: 'n1', enlist: 'at-start', initialStatus: 'Ready' }),
          // n2's machine enlisted under a name MAAS made up: IdentifyNode finds it by boot MAC.
          labMachineFor(n2, { hostname: 'keen-owl', enlist: 'at-start', initialStatus: 'Ready' }),
          labMachineFor(n3, { hostname: 'n3', enlist: 'at-start', initialStatus: 'New' }),
        ],
      },
    });
    client = clientFor(emulator);
    site = fixtureSite({ apiUrl: emulator.url, nodes: [n1, n2, n3] });
    sc = siteContext(site);
    driver = driverFor(emulator, site);
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('ValidateNodeServices: MAAS answers, the key is accepted, images and a rack controller exist', async () => {
    const check = await driver.validateNodeServices(ctx());
    expect(check.ok).toBe(true);
    expect(check.message).toMatch(/^MAAS 3\.4\.0-lab at http:\/\/127\.0\.0\.1:\d+\/MAAS, API key of user admin accepted, 2 boot resources, 1 rack controller/);
  });

  it('CreateNetworkTemplate: fabrics, VLANs, subnets, ranges, routes, domains; a second run changes nothing', async () => {
    const first = await driver.createNetworkTemplate(sc, ctx());
    expect(first.changed).toBe(true);
    const fabrics = await client.get<MaasFabric[]>('fabrics/');
    // fabric-0, which MAAS discovered holding the PXE subnet, is renamed after the link; the
    // fabrics MAAS made for the machines' other NICs (fabric-1...) stay as they are
    const names = fabrics.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['gp', 'pxe-rack1']));
    expect(names.filter((n) => !/^fabric-[1-9]\d*$/.test(n)).sort()).toEqual(['gp', 'pxe-rack1']);
    expect(fabrics.find((f) => f.name === 'pxe-rack1')!.id).toBe(0);
    const gp = fabrics.find((f) => f.name === 'gp')!;
    expect(gp.vlans.map((v) => [v.vid, v.name, v.mtu])).toEqual([
      [0, 'untagged', 9000],
      [100, 'mgmt', 9000],
      [200, 'storage', 9000],
    ]);
    const subnets = await client.get<MaasSubnet[]>('subnets/');
    const byCidr = Object.fromEntries(subnets.map((s) => [s.cidr, s]));
    expect(byCidr['10.21.0.0/24']).toMatchObject({ name: 'mgmt', gateway_ip: '10.21.0.1', dns_servers: ['10.21.0.2'], vlan: { vid: 100, fabric: 'gp' } });
    expect(byCidr['10.20.0.0/24']).toMatchObject({ name: 'pxe', gateway_ip: '10.20.0.1', vlan: { fabric: 'pxe-rack1', dhcp_on: true } });
    const ranges = await client.get<MaasIpRange[]>('ipranges/');
    expect(ranges.map((r) => `${r.subnet.cidr} ${r.type} ${r.start_ip}-${r.end_ip}`).sort()).toEqual([
      '10.20.0.0/24 dynamic 10.20.0.200-10.20.0.250',
      '10.20.0.0/24 reserved 10.20.0.1-10.20.0.9',
      '10.22.0.0/24 reserved 10.22.0.240-10.22.0.250',
    ]);
    const routes = await client.get<MaasStaticRoute[]>('static-routes/');
    expect(routes.map((r) => `${r.source.cidr} -> ${r.destination.cidr} via ${r.gateway_ip} (${r.metric})`)).toEqual(['10.21.0.0/24 -> 10.22.0.0/24 via 10.21.0.254 (50)']);
    expect((await client.get<Array<{ name: string }>>('domains/')).map((d) => d.name)).toContain('lab.example');

    const before = writes(emulator);
    const second = await driver.createNetworkTemplate(sc, ctx());
    expect(second).toMatchObject({ changed: false });
    expect(writes(emulator)).toBe(before);
  });

  it('ConfigureUserCredentials, ConfigureNodeProvisioner, PrepareHardwareConfig, CreateStorageTemplate: applied once', async () => {
    for (const step of [
      () => driver.configureUserCredentials(sc, ctx()),
      () => driver.configureNodeProvisioner(sc, ctx()),
      () => driver.prepareHardwareConfig(sc, ctx()),
      () => driver.createStorageTemplate(sc, [n1, n2, n3], ctx()),
    ]) {
      expect((await step()).changed).toBe(true);
      const before = writes(emulator);
      expect((await step()).changed).toBe(false);
      expect(writes(emulator)).toBe(before);
    }
    expect((await client.get<MaasSshKey[]>('account/prefs/sshkeys/')).map((k) => k.key)).toEqual([ED25519_KEY]);
    const docker = (await client.get<MaasPackageRepository[]>('package-repositories/')).find((r) => r.name === 'docker')!;
    expect(docker).toMatchObject({ url: 'https://download.docker.com/linux/ubuntu', distributions: ['jammy'], components: ['stable'], arches: ['amd64'], disabled_pockets: ['updates', 'security', 'backports'] });
    expect((await client.get<MaasTag[]>('tags/')).find((t) => t.name === 'nvme')?.definition).toContain('NVMe');
    expect(await client.get('maas/', { op: 'get_config', name: 'enable_disk_erasing_on_release' })).toBe(true);
  });

  it('CreateBootMedia: selects and imports the images the nodes use, and says which one MAAS cannot get', async () => {
    const noble: NodeModel = { ...n3, platform: { ...n3.platform, image: 'ubuntu/noble', kernel: 'hwe-24.04' } };
    const outcome = await driver.createBootMedia(sc, [n1, noble], ctx());
    expect(outcome.changed).toBe(true);
    expect(outcome.message).toMatch(/selected ubuntu\/noble for import.*started importing ubuntu\/noble/);
    const resources = await client.get<MaasBootResource[]>('boot-resources/');
    expect(resources.filter((r) => r.name === 'ubuntu/noble').map((r) => r.architecture).sort()).toEqual(['amd64/ga-24.04', 'amd64/hwe-24.04']);
    expect((await driver.createBootMedia(sc, [n1, noble], ctx())).changed).toBe(false);

    const unknown: NodeModel = { ...n3, platform: { ...n3.platform, image: 'plucky' } };
    const err = await failure(driver.createBootMedia(sc, [unknown], ctx()));
    expect(err.type).toBe('MaasNotFound');
    expect(err.message).toMatch(/finished importing but still lacks ubuntu\/plucky/);
  });

  it('IdentifyNode: by hostname, by boot MAC (and names the machine), or not found', async () => {
    expect(await driver.identifyNode(n1, sc, ctx())).toMatchObject({ found: true, status: 'Ready', matchedBy: 'hostname' });
    const byMac = await driver.identifyNode(n2, sc, ctx());
    expect(byMac).toMatchObject({ found: true, matchedBy: 'boot-mac' });
    const renamed = await machineNamed(client, 'n2');
    expect(renamed.system_id).toBe(byMac.machineId);
    expect(renamed.fqdn).toBe('n2.lab.example');
    expect(await driver.identifyNode(n2, sc, ctx())).toMatchObject({ found: true, matchedBy: 'hostname' });
    expect(await driver.identifyNode(ghost, sc, ctx())).toEqual({ found: false });
  });

  it('ConfigureHardware: commissions a New machine until Ready, once', async () => {
    const outcome = await driver.configureHardware(n3, sc, ctx());
    expect(outcome).toMatchObject({ changed: true, details: { status: 'Ready' } });
    expect(outcome.message).toMatch(/commissioned \(8 CPUs, 16384 MiB, 2 disks, 3 interfaces\)/);
    expect((await driver.configureHardware(n3, sc, ctx())).changed).toBe(false);
    expect(counts(emulator, 'n3').commission).toBe(1);
  });

  it('ApplyNodeNetworking three times: every NIC holds exactly its designed addresses, runs 2 and 3 change nothing', async () => {
    const designed = {
      eno1: ['static 10.20.0.0/24 10.20.0.11'],
      ens3: [],
      ens4: [],
      bond0: ['static 10.21.0.0/24 10.21.0.11'],
      'bond0.200': ['static 10.22.0.0/24 10.22.0.11'],
    };
    for (let run = 1; run <= 3; run++) {
      const before = writes(emulator);
      const outcome = await driver.applyNodeNetworking(n1, sc, ctx());
      expect(outcome.changed).toBe(run === 1);
      if (run > 1) expect(writes(emulator)).toBe(before);
      const machine = await machineNamed(client, 'n1');
      expect(addresses(machine)).toEqual(designed);
      const ifaces = Object.fromEntries(machine.interface_set.map((i) => [i.name, i]));
      expect(ifaces.bond0).toMatchObject({ type: 'bond', parents: ['ens3', 'ens4'], effective_mtu: 9000, vlan: { vid: 100, fabric: 'gp' } });
      expect(ifaces.bond0.params).toMatchObject({ bond_mode: '802.3ad', bond_xmit_hash_policy: 'layer3+4', bond_lacp_rate: 'fast', bond_miimon: 100, bond_updelay: 200, bond_downdelay: 200 });
      expect(ifaces['bond0.200']).toMatchObject({ type: 'vlan', parents: ['bond0'], vlan: { vid: 200 } });
      expect(ifaces.eno1.vlan).toMatchObject({ fabric: 'pxe-rack1', vid: 0 });
      const gateway = ifaces.bond0.links.find((l) => l.mode === 'static')!;
      expect(machine.default_gateways?.ipv4).toEqual({ gateway_ip: '10.21.0.1', link_id: gateway.id });
    }
    expect(requests(emulator, 'POST nodes/{system_id}/interfaces/?op=create_bond')).toBe(1);
    expect(requests(emulator, 'POST nodes/{system_id}/interfaces/{id}/?op=link_subnet')).toBe(3);
  });

  it('ApplyNodeNetworking changes only what differs when the design changes', async () => {
    const moved: NodeModel = { ...n1, addressing: n1.addressing.map((a) => (a.network === 'storage' ? { ...a, address: '10.22.0.111' } : a)) };
    const unlinks = requests(emulator, 'POST nodes/{system_id}/interfaces/{id}/?op=unlink_subnet');
    const links = requests(emulator, 'POST nodes/{system_id}/interfaces/{id}/?op=link_subnet');
    const before = writes(emulator);
    const outcome = await driver.applyNodeNetworking(moved, sc, ctx());
    expect(outcome.message).toMatch(/2 changes: unlinked bond0\.200 from 10\.22\.0\.0\/24 \(static 10\.22\.0\.11\); linked bond0\.200 to 10\.22\.0\.0\/24 \(static 10\.22\.0\.111\)/);
    expect(writes(emulator) - before).toBe(2);
    expect(requests(emulator, 'POST nodes/{system_id}/interfaces/{id}/?op=unlink_subnet') - unlinks).toBe(1);
    expect(requests(emulator, 'POST nodes/{system_id}/interfaces/{id}/?op=link_subnet') - links).toBe(1);
    expect((await driver.applyNodeNetworking(n1, sc, ctx())).changed).toBe(true); // back to the fixture
  });

  it('ApplyNodeStorage three times: the designed layout, then nothing to change', async () => {
    for (let run = 1; run <= 3; run++) {
      const before = writes(emulator);
      const outcome = await driver.applyNodeStorage(n1, sc, ctx());
      expect(outcome.changed).toBe(run === 1);
      if (run > 1) expect(writes(emulator)).toBe(before);
      const machine = await machineNamed(client, 'n1');
      const sda = machine.blockdevice_set.find((d) => d.name === 'sda')!;
      expect(sda.partitions.map((p) => [p.bootable, p.filesystem?.fstype ?? null, p.filesystem?.mount_point ?? null])).toEqual([
        [true, 'fat32', '/boot/efi'],
        [false, 'ext4', '/boot'],
        [false, 'ext4', '/'],
        [false, 'lvm-pv', null],
      ]);
      expect(machine.boot_disk?.name).toBe('sda');
      const [vg] = await client.get<MaasVolumeGroup[]>(`nodes/${machine.system_id}/volume-groups/`);
      expect(vg.name).toBe('vg_data');
      expect(vg.devices.map((d) => (d.type === 'partition' ? 'sda-part4' : (d as { name: string }).name)).sort()).toEqual(['sda-part4', 'sdb']);
      expect(vg.logical_volumes.map((lv) => [lv.name, lv.filesystem?.fstype, lv.filesystem?.mount_point, lv.filesystem?.mount_options ?? null])).toEqual([
        ['vg_data-log', 'xfs', '/var/log', null],
        ['vg_data-docker', 'ext4', '/var/lib/docker', 'noatime'],
        ['vg_data-scratch', 'ext4', '/scratch', null],
      ]);
      const docker = vg.logical_volumes.find((lv) => lv.name === 'vg_data-docker')!;
      expect(Math.abs(docker.size - vg.size / 2)).toBeLessThanOrEqual(4 * 1024 * 1024);
    }
  });

  it('ApplyNodeStorage rebuilds only the volume group when a logical volume changes', async () => {
    const bigger: NodeModel = structuredClone(n1);
    bigger.storage.volumeGroups[0].logicalVolumes[0].size = '20g';
    const partitionDeletes = requests(emulator, 'DELETE nodes/{system_id}/blockdevices/{device_id}/partition/{id}');
    const outcome = await driver.applyNodeStorage(bigger, sc, ctx());
    expect(outcome.message).toMatch(/deleted volume group vg_data; created volume group vg_data/);
    expect(requests(emulator, 'DELETE nodes/{system_id}/blockdevices/{device_id}/partition/{id}')).toBe(partitionDeletes);
    expect((await driver.applyNodeStorage(bigger, sc, ctx())).changed).toBe(false);
    expect((await driver.applyNodeStorage(n1, sc, ctx())).changed).toBe(true);
  });

  it('ApplyNodePlatform: a kernel-parameter tag and the node tags, once', async () => {
    expect((await driver.applyNodePlatform(n1, sc, ctx())).changed).toBe(true);
    const before = writes(emulator);
    expect((await driver.applyNodePlatform(n1, sc, ctx())).changed).toBe(false);
    expect(writes(emulator)).toBe(before);
    const machine = await machineNamed(client, 'n1');
    expect(machine.tag_names.sort()).toEqual(['compute', 'n1_kp']);
    expect(await client.get<MaasTag>('tags/n1_kp/')).toMatchObject({ kernel_opts: 'console=ttyS1,115200 intel_iommu=on quiet' });
  });

  it('DeployNode: allocates and deploys with the image, kernel, package list and labels; once', async () => {
    const outcome = await driver.deployNode(n1, sc, ctx());
    expect(outcome).toMatchObject({ changed: true, details: { status: 'Deployed' } });
    expect(outcome.message).toMatch(/deployed \(ubuntu\/jammy, ga-22\.04\)/);
    const machine = await machineNamed(client, 'n1');
    expect(machine.workload_annotations).toEqual({ role: 'worker', rack: 'rack1' });
    const lab = (await (await fetch(`${emulator.url}/lab/machines`)).json()) as Array<{ hostname: string; user_data: string }>;
    expect(lab.find((m) => m.hostname === 'n1')!.user_data).toBe('#cloud-config\npackages:\n  - - chrony\n    - 4.2-2ubuntu2\n  - docker.io\n');
    expect(await driver.deployNode(n1, sc, ctx())).toMatchObject({ changed: false });
    expect(counts(emulator, 'n1')).toMatchObject({ allocate: 1, deploy: 1, deployed: 1 });
    expect(await driver.applyNodeNetworking(n1, sc, ctx())).toMatchObject({ changed: false, message: expect.stringMatching(/is Deployed; its networking is applied at deployment/) as unknown });
  });

  it("InterrogateNode: the machine's details, without credentials", async () => {
    const { identity, details } = await driver.interrogateNode(n1, sc, ctx());
    expect(identity).toMatchObject({ found: true, status: 'Deployed' });
    expect(details).toMatchObject({ hostname: 'n1', distroSeries: 'jammy', bootDisk: 'sda', cpuCount: 8 });
    expect((details.interfaces as Array<{ name: string; links: Array<{ ip: string | null }> }>).find((i) => i.name === 'bond0')!.links).toEqual([{ mode: 'static', subnet: '10.21.0.0/24', ip: '10.21.0.11' }]);
    expect(JSON.stringify(details)).not.toMatch(/power_pass|password/);
  });

  it('DestroyNode: releases with disk erase until Ready, once', async () => {
    expect(await driver.destroyNode(n1, sc, ctx())).toMatchObject({ changed: true, details: { status: 'Ready' } });
    expect(await driver.destroyNode(n1, sc, ctx())).toMatchObject({ changed: false });
    expect(counts(emulator, 'n1')).toMatchObject({ release: 1, disks_erased: 1 });
    const machine = await machineNamed(client, 'n1');
    expect(machine.osystem).toBe('');
    expect(await driver.destroyNode(ghost, sc, ctx())).toMatchObject({ changed: false });
  });

  describe('bad input gets a clear, non-retryable error and changes nothing', () => {
    async function noWrites(promise: Promise<unknown>): Promise<DriverError> {
      const before = writes(emulator);
      const err = await failure(promise);
      expect(err.retryable).toBe(false);
      expect(writes(emulator)).toBe(before);
      return err;
    }

    it('a machine that does not exist', async () => {
      const err = await noWrites(driver.configureHardware(ghost, sc, ctx()));
      expect(err.type).toBe('MaasNotFound');
      expect(err.message).toMatch(/node ghost: MAAS at http:\/\/127\.0\.0\.1:\d+\/MAAS has no machine matching hostname ghost, BMC address 172\.16\.0\.99, boot MAC 52:54:00:09:00:01/);
    });

    it('an interface the machine does not have', async () => {
      const typo: NodeModel = structuredClone(n2);
      typo.interfaces[1].slaves[1].name = 'ens9';
      const err = await noWrites(driver.applyNodeNetworking(typo, sc, ctx()));
      expect(err.type).toBe('MaasNotFound');
      expect(err.message).toMatch(/node n2: interface bond0 uses device ens9, but MAAS machine \w+ has no interface named ens9 \(it has eno1, ens3, ens4\)/);
    });

    it('a fabric that does not exist', async () => {
      const other = structuredClone(site);
      other.links.gp2 = { ...other.links.gp, name: 'gp2', allowedNetworks: [] };
      const node: NodeModel = structuredClone(n2);
      node.interfaces[1].deviceLink = 'gp2';
      const err = await noWrites(driver.applyNodeNetworking(node, siteContext(other), ctx()));
      expect(err.message).toMatch(/interface bond0 uses NetworkLink gp2, but MAAS has no fabric named gp2; run CreateNetworkTemplate first/);
    });

    it('an address outside its network', async () => {
      const node: NodeModel = { ...n2, addressing: [{ network: 'mgmt', address: '10.99.0.5' }] };
      const err = await noWrites(driver.applyNodeNetworking(node, sc, ctx()));
      expect(err.type).toBe('InvalidRequest');
      expect(err.message).toMatch(/address 10\.99\.0\.5 on network mgmt \(interface bond0\) is not inside 10\.21\.0\.0\/24/);
    });

    it('a disk the machine does not have', async () => {
      const node: NodeModel = structuredClone(n2);
      node.storage.physicalDevices[1].name = 'nvme0n1';
      const err = await noWrites(driver.applyNodeStorage(node, sc, ctx()));
      expect(err.message).toMatch(/storage device nvme0n1 does not exist on MAAS machine \w+ \(it has sda, sdb\)/);
    });

    it('a wrong API key: MaasAuthFailed naming the reference, never the key', async () => {
      const [consumer, token] = emulator.apiKey.split(':');
      const wrong = driverFor(emulator, site, FAST_DRIVER, `${consumer}:${token}:not-the-secret`);
      const err = await noWrites(wrong.applyNodeNetworking(n2, sc, ctx()));
      expect(err.type).toBe('MaasAuthFailed');
      expect(err.message).toMatch(/rejected the API key from "env:MAAS_API_KEY" \(HTTP 401 on GET machines\/\?hostname=n2\)/);
      expect(err.message).not.toContain('not-the-secret');
      expect(err.message).not.toContain(token);
    });

    it('an API key reference that cannot be resolved, or a key of the wrong form', async () => {
      expect(() => driverFor(emulator, { ...site, region: { ...site.region, drivers: { node: { type: 'maas', apiUrl: emulator.url, apiKey: 'env:NOT_SET_ANYWHERE' } } } })).toThrow(
        /MAAS API key for http:\/\/127\.0\.0\.1:\d+\/MAAS: the environment variable NOT_SET_ANYWHERE .* is not set/,
      );
      expect(() => driverFor(emulator, site, FAST_DRIVER, 'just-one-part')).toThrow(/the MAAS API key from "env:MAAS_API_KEY" is not in the form consumer_key:token_key:token_secret/);
    });
  });
});



describe('CreateNetworkTemplate racing an identical CreateNetworkTemplate (two runs on one site)', () => {
  it('the create that loses the race re-reads and carries on: both succeed, each object exists once', async () => {
    const node = fixtureNode('lab', { name: 'r1', host: 21, macs: macsFor(4) });
    const emulator = await startLabMaas({ config: { machines: [labMachineFor(node, { hostname: 'r1', enlist: 'at-start', initialStatus: 'Ready' })] } });
    try {
      const site = fixtureSite({ apiUrl: emulator.url, nodes: [node] });
      const sc = siteContext(site);
      const [a, b] = await Promise.all([driverFor(emulator, site).createNetworkTemplate(sc, ctx()), driverFor(emulator, site).createNetworkTemplate(sc, ctx())]);
      const messages = `${a.message}\n${b.message}`;
      // Both read before either wrote, so one of them lost at least the first create.
      expect(messages).toContain('created meanwhile by another run');
      const client = clientFor(emulator);
      const fabrics = await client.get<MaasFabric[]>('fabrics/');
      const names = fabrics.map((f) => f.name);
      expect(names.length).toBe(new Set(names).size);
      const subnets = await client.get<MaasSubnet[]>('subnets/');
      expect(subnets.length).toBe(new Set(subnets.map((s) => s.cidr)).size);
      const ranges = await client.get<MaasIpRange[]>('ipranges/');
      expect(ranges.length).toBe(new Set(ranges.map((r) => `${r.type} ${r.start_ip}`)).size);
      const again = await driverFor(emulator, site).createNetworkTemplate(sc, ctx());
      expect(again.changed).toBe(false);
    } finally {
      await emulator.stop();
    }
  });
});
