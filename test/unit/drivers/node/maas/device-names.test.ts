import { Binary, serialize } from 'bson';
import { LshwError, lshwFromDetails, parseLshw } from '../../../../../src/drivers/node/maas/device-names';
import { lshwXml } from '../../../../../lab/maas/lshw';

const details = (lshw: string | Buffer | undefined | number): Buffer =>
  Buffer.from(serialize(lshw === undefined ? { lldp: new Binary(Buffer.alloc(0)) } : { lshw: typeof lshw === 'number' ? lshw : new Binary(Buffer.from(lshw)) }));

describe('commissioning data (lshw) for device aliases', () => {
  it("reads NICs and disks at any depth, the disk's /dev name among several logical names", () => {
    const xml = `<?xml version="1.0" standalone="yes" ?>
<list><node id="host" class="system"><node id="core" class="bus"><node id="pci" class="bridge">
  <node id="network:0" class="network"><businfo>pci@0000:3B:00.1</businfo><logicalname>ens1f1</logicalname></node>
  <node id="raid" class="storage"><node id="disk" class="disk"><businfo>scsi@0:2.0.0</businfo>
    <logicalname>/dev/sdc</logicalname><logicalname>/</logicalname></node>
    <node id="volume" class="volume"><businfo>scsi@0:2.0.0,1</businfo><logicalname>/dev/sdc1</logicalname></node></node>
  <node id="network:1" class="network" disabled="true"><businfo>pci@0000:5e:00.0</businfo></node>
</node></node></node></list>`;
    const d = parseLshw(xml);
    expect(Object.fromEntries(d.nics)).toEqual({ '0000:3b:00.1': 'ens1f1' });
    expect(Object.fromEntries(d.disks)).toEqual({ '0:2.0.0': 'sdc' });
  });

  it('matches what the MAAS emulator generates', () => {
    const xml = lshwXml({ hostname: 'n1', memory: 1024 }, { interfaces: [{ name: 'eno1', mac: '52:54:00:00:00:01', pciAddress: '0000:18:00.0' }, { name: 'ens2', mac: '52:54:00:00:00:02' }], disks: [{ name: 'sda', size: 1e12 }, { name: 'nvme0n1', size: 2e12, scsiAddress: '4:0.0.0' }] });
    const d = parseLshw(xml);
    expect(Object.fromEntries(d.nics)).toEqual({ '0000:18:00.0': 'eno1', '0000:00:04.0': 'ens2' });
    expect(Object.fromEntries(d.disks)).toEqual({ '2:0.0.0': 'sda', '4:0.0.0': 'nvme0n1' });
  });

  it('malformed input is an LshwError, never a crash', () => {
    expect(() => parseLshw('<list><node class="network"><businfo>pci@x</node></list>')).toThrow(LshwError);
    expect(() => parseLshw('<list><node class="network"><businfo>pci@x</node></list>')).toThrow(/not well-formed XML \(line 1: /);
    expect(() => lshwFromDetails(Buffer.from('not bson at all'))).toThrow(/the answer is not BSON/);
    expect(() => lshwFromDetails(details(42))).toThrow(/its lshw field is not binary data/);
    expect(lshwFromDetails(details(undefined))).toBe('');
    expect(Object.fromEntries(parseLshw('<list></list>').nics)).toEqual({});
    // A device without businfo or logical name is not listed.
    expect(parseLshw('<list><node class="network"><logicalname>eth0</logicalname></node><node class="disk"><businfo>scsi@1:0.0.0</businfo></node></list>').disks.size).toBe(0);
  });
});
