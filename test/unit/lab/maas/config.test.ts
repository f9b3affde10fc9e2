import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEmulatorConfig, parseEmulatorConfig } from '../../../../lab/maas/config';

describe('MAAS emulator configuration', () => {
  it('fills defaults for an empty configuration', () => {
    const config = parseEmulatorConfig({});
    expect(config.durations).toEqual({ enlistingSeconds: 3, commissioningSeconds: 5, deployingSeconds: 10, releasingSeconds: 2, importSeconds: 3 });
    expect(config.bootImages).toEqual(['jammy']);
    expect(config.machines).toEqual([]);
    expect(config.faults.errorRate).toBe(0);
  });

  it('names every bad field', () => {
    expect(() =>
      parseEmulatorConfig({
        durations: { deployingSeconds: -1 },
        machines: [{ interfaces: [{ name: 'eno1', mac: 'not-a-mac' }], bmc: { type: 'snmp', address: 'x', username: 'u', password: 'p' } }],
        faults: { errorRate: 2 },
        typo: true,
      }),
    ).toThrow(/durations\.deployingSeconds[\s\S]*machines\.0\.interfaces\.0\.mac: a MAC address[\s\S]*machines\.0\.bmc\.type[\s\S]*faults\.errorRate[\s\S]*Unrecognized key: "typo"/);
  });

  it('refuses a MAC used twice', () => {
    expect(() =>
      parseEmulatorConfig({
        machines: [{ interfaces: [{ name: 'eno1', mac: '52:54:00:00:00:01' }] }, { interfaces: [{ name: 'eno1', mac: '52:54:00:00:00:01' }] }],
      }),
    ).toThrow(/machines\.1\.interfaces: MAC 52:54:00:00:00:01 is used twice/);
  });

  it('refuses a malformed or repeated PCI or SCSI address', () => {
    expect(() => parseEmulatorConfig({ machines: [{ interfaces: [{ name: 'eno1', mac: '52:54:00:00:00:01', pciAddress: '3b:00.0' }], disks: [{ name: 'sda', size: 1e12, scsiAddress: 'scsi0' }] }] })).toThrow(
      /machines\.0\.interfaces\.0\.pciAddress: a PCI address such as 0000:3b:00\.1[\s\S]*machines\.0\.disks\.0\.scsiAddress: a SCSI address such as 2:0\.0\.0/,
    );
    expect(() =>
      parseEmulatorConfig({
        machines: [{ interfaces: [{ name: 'eno1', mac: '52:54:00:00:00:01', pciAddress: '0000:00:04.0' }, { name: 'eno2', mac: '52:54:00:00:00:02' }] }],
      }),
    ).toThrow(/machines\.0\.interfaces: PCI address 0000:00:04\.0 is used twice/);
    expect(() => parseEmulatorConfig({ machines: [{ interfaces: [{ name: 'eno1', mac: '52:54:00:00:00:01' }], disks: [{ name: 'sda', size: 1e12, scsiAddress: '2:0.1.0' }, { name: 'sdb', size: 1e12 }] }] })).toThrow(
      /machines\.0\.disks: SCSI address 2:0\.1\.0 is used twice/,
    );
  });

  it('names the file and line of a YAML error, and the file of a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'maas-config-'));
    try {
      const path = join(dir, 'maas.yaml');
      writeFileSync(path, 'durations:\n  deployingSeconds: 1\nmachines: [\n  - {interfaces: }\n');
      expect(() => loadEmulatorConfig(path)).toThrow(new RegExp(`${path}:\\d+: not valid YAML`));
      writeFileSync(path, 'bootImages: jammy\n');
      expect(() => loadEmulatorConfig(path)).toThrow(new RegExp(`${path}: bootImages`));
      expect(() => loadEmulatorConfig(join(dir, 'absent.yaml'))).toThrow(/cannot read .*absent\.yaml: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
