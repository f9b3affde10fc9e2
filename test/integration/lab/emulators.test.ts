import { spawnSync } from 'node:child_process';
import { startIpmiSim } from '../../../lab/ipmi/ipmi-sim';
import { startSushyEmulator } from '../../../lab/redfish/sushy-emulator';
import { pollUntil } from '../../../src/tools/poll';

// The lab launchers themselves, exercised with the emulators' own clients (curl-like fetch and
// ipmitool), independent of our drivers.
describe('lab emulators', () => {
  it('sushy-emulator serves the configured systems on loopback, behind basic auth when asked', async () => {
    const sushy = await startSushyEmulator({
      systems: [{ name: 'lab-a', nics: [{ mac: '52:54:00:00:00:01' }] }, { name: 'lab-b' }],
      auth: { username: 'admin', password: 'lab-secret' },
    });
    try {
      expect(sushy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const root = await fetch(`${sushy.url}/redfish/v1/`);
      expect(root.status).toBe(200); // the service root stays open
      expect((await fetch(`${sushy.url}/redfish/v1/Systems`)).status).toBe(401);
      const auth = `Basic ${Buffer.from('admin:lab-secret').toString('base64')}`;
      const systems = (await (await fetch(`${sushy.url}/redfish/v1/Systems`, { headers: { authorization: auth } })).json()) as { Members: Array<{ '@odata.id': string }> };
      expect(systems.Members.map((m) => m['@odata.id']).sort()).toEqual(sushy.systems.map((s) => s.path).sort());
      expect(sushy.requests()).toContain('GET /redfish/v1/Systems');
    } finally {
      await sushy.stop();
    }
    expect(sushy.process.exited()).toBe(true);
  });

  it('ipmi_sim keeps chassis power and boot device in its state files', async () => {
    const bmc = await startIpmiSim({ name: 'lab-ipmi', username: 'admin', password: 'lab-secret' });
    const ipmitool = (...args: string[]) =>
      spawnSync('ipmitool', ['-I', 'lanplus', '-C', '3', '-H', bmc.ip, '-p', String(bmc.port), '-U', 'admin', '-E', ...args], {
        env: { ...process.env, IPMI_PASSWORD: 'lab-secret' },
        encoding: 'utf8',
      });
    try {
      expect(bmc.state()).toEqual({ power: 'off', boot: 'default' });
      expect(ipmitool('chassis', 'power', 'status').stdout).toContain('Chassis Power is off');
      expect(ipmitool('chassis', 'bootdev', 'pxe').status).toBe(0);
      expect(ipmitool('chassis', 'power', 'on').status).toBe(0);
      await pollUntil(() => (bmc.state().power === 'on' ? true : undefined), { timeoutMs: 10_000, what: 'power on' });
      expect(bmc.state()).toEqual({ power: 'on', boot: 'pxe' });
      expect(bmc.changes()).toEqual(['set boot pxe', 'set power 1']);
    } finally {
      await bmc.stop();
    }
  });
});
