import { spawnSync } from 'node:child_process';
import { standaloneContext } from '../../../../src/drivers/context';
import type { MaasMachine } from '../../../../src/drivers/node/maas/types';
import type { NodeIdentity } from '../../../../src/drivers/node/interface';
import { startIpmiSim } from '../../../../lab/ipmi/ipmi-sim';
import { startSushyEmulator } from '../../../../lab/redfish/sushy-emulator';
import { pollUntil } from '../../../../src/tools/poll';
import { clientFor, counts, driverFor, startLabMaas } from '../../../fixtures/maas-lab';
import { fixtureNode, fixtureSite, labMachineFor, macsFor, siteContext } from '../../../fixtures/site-model';

// The emulator's machines follow the lab's real BMC emulators: they enlist when their BMC
// PXE-boots them, MAAS's power driver drives the BMC over its own protocol (ipmitool against
// ipmi_sim, Redfish against sushy-emulator), and commissioning or deploying makes no progress
// until the BMC shows PXE boot and power on.
function ipmitool(port: number, ...args: string[]): string {
  const result = spawnSync('ipmitool', ['-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(port), '-U', 'admin', '-E', ...args], {
    env: { ...process.env, IPMI_PASSWORD: 'lab-secret' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`ipmitool ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

describe('MAAS emulator machines follow the lab BMCs', () => {
  it('IPMI (ipmi_sim): enlists on PXE boot, is found by BMC address, and MAAS powers it for commissioning', async () => {
    const bmc = await startIpmiSim({ name: 'n1', username: 'admin', password: 'lab-secret' });
    const n1 = fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1), oob: { type: 'ipmi', address: '127.0.0.1', port: bmc.port } });
    const emulator = await startLabMaas({ config: { machines: [labMachineFor(n1, { bmc: { type: 'ipmi', address: '127.0.0.1', port: bmc.port, username: 'admin', password: 'lab-secret' } })] } });
    try {
      const site = fixtureSite({ apiUrl: emulator.url, nodes: [n1] });
      const sc = siteContext(site);
      const driver = driverFor(emulator, site);
      expect(await driver.identifyNode(n1, sc, standaloneContext())).toEqual({ found: false });

      // The operator (or the OOB driver) PXE-boots the machine through its BMC: it enlists.
      ipmitool(bmc.port, 'chassis', 'bootdev', 'pxe');
      ipmitool(bmc.port, 'chassis', 'power', 'on');
      await pollUntil(async () => ((await clientFor(emulator).get<MaasMachine[]>('machines/')).length > 0 ? true : undefined), {
        timeoutMs: 30_000,
        what: 'n1 to enlist after its PXE boot',
      });
      const identity = await driver.identifyNode(n1, sc, standaloneContext());
      expect(identity).toMatchObject<NodeIdentity>({ found: true, status: 'New', matchedBy: 'bmc-address' });
      // MAAS recorded the BMC from enlistment, and powered the machine off afterwards.
      const params = await clientFor(emulator).get<Record<string, string>>(`machines/${identity.machineId}/`, { op: 'power_parameters' });
      expect(params).toMatchObject({ power_address: `127.0.0.1:${bmc.port}`, power_user: 'admin', power_driver: 'LAN_2_0' });
      await pollUntil(() => (bmc.state().power === 'off' ? true : undefined), { timeoutMs: 30_000, what: 'MAAS to power n1 off after enlistment' });

      const outcome = await driver.configureHardware(n1, sc, standaloneContext());
      expect(outcome).toMatchObject({ changed: true, details: { status: 'Ready' } });
      // MAAS's power driver set PXE boot and powered on (over IPMI), then powered off when done.
      await pollUntil(() => (bmc.state().power === 'off' && counts(emulator, 'n1').bmc_power_off === 2 ? true : undefined), {
        timeoutMs: 30_000,
        what: 'MAAS to power n1 off after commissioning',
      });
      expect(bmc.changes()).toEqual(['set boot pxe', 'set power 1', 'set power 0', 'set boot pxe', 'set power 1', 'set power 0']);
      expect(counts(emulator, 'n1')).toMatchObject({ enlist: 1, commission: 1, commissioned: 1, bmc_pxe: 1, bmc_power_on: 1, bmc_power_off: 2 });
    } finally {
      await emulator.stop();
      await bmc.stop();
    }
  });

  it('IPMI, power type manual: commissioning waits, with no progress, until the BMC shows PXE boot and power on', async () => {
    const bmc = await startIpmiSim({ name: 'n2', username: 'admin', password: 'lab-secret' });
    const n2 = fixtureNode('lab', { name: 'n2', host: 12, macs: macsFor(2) });
    const emulator = await startLabMaas({
      config: {
        machines: [labMachineFor(n2, { hostname: 'n2', enlist: 'at-start', power: 'manual', bmc: { type: 'ipmi', address: '127.0.0.1', port: bmc.port, username: 'admin', password: 'lab-secret' } })],
      },
    });
    const client = clientFor(emulator);
    try {
      const [machine] = await client.get<MaasMachine[]>('machines/', { hostname: 'n2' });
      expect(machine).toMatchObject({ status_name: 'New', power_type: 'manual' });
      await client.post(`machines/${machine.system_id}/`, 'commission', { enable_ssh: 0 });
      // The emulator reads the BMC again and again; the machine stays in Commissioning.
      await pollUntil(() => ((counts(emulator, 'n2').bmc_reads ?? 0) >= 5 ? true : undefined), { timeoutMs: 30_000, what: 'five BMC reads' });
      const waiting = await client.get<MaasMachine>(`machines/${machine.system_id}/`);
      expect(waiting.status_name).toBe('Commissioning');
      expect(waiting.power_state).toBe('off');
      expect(bmc.changes()).toEqual([]); // power_type manual: MAAS never touched the BMC
      expect(counts(emulator, 'n2').commissioned).toBeUndefined();

      ipmitool(bmc.port, 'chassis', 'bootdev', 'pxe');
      ipmitool(bmc.port, 'chassis', 'power', 'on');
      const ready = await pollUntil(
        async () => {
          const m = await client.get<MaasMachine>(`machines/${machine.system_id}/`);
          return m.status_name === 'Ready' ? m : undefined;
        },
        { timeoutMs: 30_000, what: 'n2 to finish commissioning once PXE-booted' },
      );
      expect(ready.blockdevice_set.map((d) => d.name)).toEqual(['sda', 'sdb']);
      expect(bmc.changes()).toEqual(['set boot pxe', 'set power 1']); // only the test's own commands
    } finally {
      await emulator.stop();
      await bmc.stop();
    }
  });

  it('Redfish (sushy-emulator): enlists on PXE boot; MAAS sets the boot override and resets the system for commissioning', async () => {
    const sushy = await startSushyEmulator({ systems: [{ name: 'n3', powerState: 'Off' }] });
    const system = sushy.systems[0];
    const n3 = fixtureNode('lab', { name: 'n3', host: 13, macs: macsFor(3), oob: { type: 'redfish', address: '127.0.0.1', port: sushy.port } });
    const emulator = await startLabMaas({
      config: { machines: [labMachineFor(n3, { bmc: { type: 'redfish', address: '127.0.0.1', port: sushy.port, systemId: system.uuid, username: 'admin', password: 'unused' } })] },
    });
    const redfish = async (method: string, path: string, body?: unknown) =>
      fetch(`${sushy.url}${system.path}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    try {
      const site = fixtureSite({ apiUrl: emulator.url, nodes: [n3] });
      const sc = siteContext(site);
      const driver = driverFor(emulator, site);
      expect((await redfish('PATCH', '', { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } })).status).toBeLessThan(300);
      expect((await redfish('POST', '/Actions/ComputerSystem.Reset', { ResetType: 'On' })).status).toBeLessThan(300);
      await pollUntil(async () => ((await clientFor(emulator).get<MaasMachine[]>('machines/')).length > 0 ? true : undefined), {
        timeoutMs: 60_000,
        what: 'n3 to enlist once sushy-emulator shows PXE boot and power on',
      });
      const identity = await driver.identifyNode(n3, sc, standaloneContext());
      expect(identity).toMatchObject({ found: true, matchedBy: 'bmc-address' });
      // Boot from disk again: whatever PXE override the system has after this, MAAS set it.
      expect((await redfish('PATCH', '', { Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous' } })).status).toBeLessThan(300);

      const outcome = await driver.configureHardware(n3, sc, standaloneContext());
      expect(outcome).toMatchObject({ changed: true, details: { status: 'Ready' } });
      const after = (await (await redfish('GET', '')).json()) as { Boot: { BootSourceOverrideTarget: string } };
      expect(after.Boot.BootSourceOverrideTarget).toBe('Pxe');
      expect(counts(emulator, 'n3')).toMatchObject({ enlist: 1, commission: 1, commissioned: 1, bmc_pxe: 1 });
    } finally {
      await emulator.stop();
      await sushy.stop();
    }
  });
});
