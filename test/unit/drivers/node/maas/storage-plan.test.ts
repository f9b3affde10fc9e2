import { planNodeStorage, validateStorageDesign } from '../../../../../src/drivers/node/maas/storage-plan';
import { ALIGNMENT, alignDown, parseSize, sizeMatches } from '../../../../../src/drivers/node/maas/sizes';
import type { MaasBlockDevice, MaasMachine } from '../../../../../src/drivers/node/maas/types';
import { DriverError } from '../../../../../src/drivers/errors';
import { fixtureNode, macsFor } from '../../../../fixtures/site-model';

function disk(id: number, name: string, size: number): MaasBlockDevice {
  return { id, name, type: 'physical', size, block_size: 512, available_size: size, used_size: 0, path: `/dev/${name}`, filesystem: null, partition_table_type: null, partitions: [], used_for: 'Unused', tags: [] };
}

function machine(disks: MaasBlockDevice[]): MaasMachine {
  return { system_id: 'abc123', bios_boot_method: 'uefi', architecture: 'amd64/generic', blockdevice_set: disks } as unknown as MaasMachine;
}

describe("Drydock's storage sizes", () => {
  it.each([
    ['20m', { kind: 'fixed', bytes: 20_000_000 }],
    ['20MB', { kind: 'fixed', bytes: 20_000_000 }],
    ['1g', { kind: 'fixed', bytes: 1_000_000_000 }],
    ['2t', { kind: 'fixed', bytes: 2_000_000_000_000 }],
    ['512mi', { kind: 'fixed', bytes: 512 * 1024 ** 2 }],
    ['4GiB', { kind: 'fixed', bytes: 4 * 1024 ** 3 }],
    ['>10g', { kind: 'rest', minBytes: 10_000_000_000 }],
    ['50%', { kind: 'percent', percent: 50, min: false }],
    ['>25%', { kind: 'percent', percent: 25, min: true }],
  ])('parses %s', (text, expected) => {
    expect(parseSize(text)).toEqual(expected);
  });

  it.each(['', '10', 'ten gigs', '10x', '0g', '101%', '-5g', '>', '10 g b'])('rejects %j', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });

  it('compares sizes within MAAS alignment', () => {
    expect(alignDown(1_000_000_000)).toBe(952 * 1024 * 1024);
    expect(sizeMatches(alignDown(1_000_000_000), 1_000_000_000)).toBe(true);
    expect(sizeMatches(1_000_000_000 + 2 * ALIGNMENT, 1_000_000_000)).toBe(false);
  });
});

describe('ApplyNodeStorage planning', () => {
  const node = fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1) });

  it('lays out the fixture: sized partitions, the rest as a physical volume, root on sda', () => {
    const plan = planNodeStorage(node, machine([disk(1, 'sda', 200e9), disk(2, 'sdb', 100e9)]));
    expect(plan.rootDevice).toBe('sda');
    const sda = plan.devices.find((d) => d.name === 'sda')!;
    expect(sda.partitions.map((p) => p.name)).toEqual(['efi', 'boot', 'root', 'pv1']);
    expect(sda.partitions[0].bytes).toBe(512 * 1024 * 1024);
    const used = sda.partitions.reduce((s, p) => s + p.bytes, 0);
    expect(used).toBeLessThanOrEqual(200e9 - 5 * 1024 * 1024);
    expect(200e9 - 5 * 1024 * 1024 - used).toBeLessThan(ALIGNMENT);
    expect(plan.vgs[0].members).toEqual([{ device: 'sda', partition: 3 }, { device: 'sdb' }]);
  });

  it('names the missing device and the devices the machine has', () => {
    expect(() => planNodeStorage(node, machine([disk(1, 'sda', 200e9), disk(3, 'nvme0n1', 100e9)]))).toThrow(
      /node n1: storage device sdb does not exist on MAAS machine abc123 \(it has sda, nvme0n1\)/,
    );
  });

  it('says when the partitions do not fit', () => {
    const err = (() => {
      try {
        planNodeStorage(node, machine([disk(1, 'sda', 20e9), disk(2, 'sdb', 100e9)]));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DriverError);
    expect((err as DriverError).type).toBe('InvalidRequest');
    expect((err as DriverError).message).toMatch(/storage device sda: the sizes add up to .* but only .* is available/);
  });

  it('rejects bad designs before MAAS is asked anything', () => {
    const bad = structuredClone(node);
    bad.storage.physicalDevices[0].partitions[1].size = '1 gigabyte';
    expect(() => validateStorageDesign(bad)).toThrow(/partition boot on sda has size "1 gigabyte", which is not a number with a unit/);
    const twoRests = structuredClone(node);
    twoRests.storage.physicalDevices[0].partitions[2].size = '>5g';
    expect(() => validateStorageDesign(twoRests)).toThrow(/partition root and partition pv1 both ask for the rest/);
    const unknownVg = structuredClone(node);
    unknownVg.storage.physicalDevices[1].volumeGroup = 'vg_nope';
    expect(() => validateStorageDesign(unknownVg)).toThrow(/storage device sdb joins volume group vg_nope, which the node does not define/);
    const twice = structuredClone(node);
    twice.storage.volumeGroups[0].logicalVolumes[0].filesystem!.mountpoint = '/boot';
    expect(() => validateStorageDesign(twice)).toThrow(/mounts \/boot, which another filesystem of the node already mounts/);
    expect(() => validateStorageDesign(node)).not.toThrow();
  });
});
