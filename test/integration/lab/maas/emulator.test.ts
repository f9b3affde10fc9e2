import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { standaloneContext } from '../../../../src/drivers/context';
import { DriverError } from '../../../../src/drivers/errors';
import { oauthAuthorizationHeader, parseMaasApiKey } from '../../../../src/drivers/node/maas/oauth';
import type { MaasFabric, MaasMachine } from '../../../../src/drivers/node/maas/types';
import type { MaasEmulator } from '../../../../lab/maas';
import { Secret } from '../../../../src/secrets/secret';
import { pollUntil } from '../../../../src/tools/poll';
import { clientFor, counts, driverFor, requests, startLabMaas } from '../../../fixtures/maas-lab';
import { fixtureNode, fixtureSite, labMachineFor, macsFor, siteContext } from '../../../fixtures/site-model';

// The lab's MAAS emulator itself: MAAS's paths and shapes, OAuth checking, state kept in a file
// across restarts, and fault injection.
const n1 = fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1) });

function signed(emulator: MaasEmulator, key = emulator.apiKey): Record<string, string> {
  return { authorization: oauthAuthorizationHeader(parseMaasApiKey(new Secret(key, 'test'))) };
}

describe('MAAS emulator', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'maas-emulator-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('checks the OAuth signature: 401 without a header, with a wrong secret, token or consumer; /version/ is open', async () => {
    const emulator = await startLabMaas();
    try {
      const machines = `${emulator.url}/api/2.0/machines/`;
      expect((await fetch(`${emulator.url}/api/2.0/version/`)).status).toBe(200);
      const none = await fetch(machines);
      expect(none.status).toBe(401);
      const [consumer, token, secret] = emulator.apiKey.split(':');
      const cases: Array<[string, RegExp]> = [
        [`${consumer}:${token}:wrong`, /Invalid signature/],
        [`${consumer}:wrongtoken:${secret}`, /Invalid access token/],
        [`wrongconsumer:${token}:${secret}`, /Invalid API key/],
      ];
      for (const [key, message] of cases) {
        const response = await fetch(machines, { headers: signed(emulator, key) });
        expect(response.status).toBe(401);
        expect(await response.text()).toMatch(message);
      }
      const ok = await fetch(machines, { headers: signed(emulator) });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual([]);
      // and the driver turns a 401 into a non-retryable MaasAuthFailed
      const site = fixtureSite({ apiUrl: emulator.url });
      const err = await driverFor(emulator, site, undefined, `${consumer}:${token}:wrong`).validateNodeServices(standaloneContext()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DriverError);
      expect(err).toMatchObject({ type: 'MaasAuthFailed', retryable: false });
    } finally {
      await emulator.stop();
    }
  });

  it("answers with MAAS's paths, parameters and object shapes", async () => {
    const emulator = await startLabMaas({ config: { machines: [labMachineFor(n1, { hostname: 'n1', enlist: 'at-start', initialStatus: 'Ready' })] } });
    const client = clientFor(emulator);
    try {
      const [machine] = await client.get<MaasMachine[]>('machines/', { hostname: 'n1' });
      expect(machine).toMatchObject({
        hostname: 'n1',
        status: 4,
        status_name: 'Ready',
        power_type: 'manual',
        boot_interface: { name: 'eno1', mac_address: n1.bootMac, links: [{ mode: 'auto', subnet: { cidr: '10.20.0.0/24' } }] },
        boot_disk: { name: 'sda', size: 200_000_000_000 },
        resource_uri: `/MAAS/api/2.0/machines/${machine.system_id}/`,
      });
      expect(machine.system_id).toMatch(/^[a-z0-9]{6}$/);
      expect(machine.interface_set.map((i) => i.name)).toEqual(['eno1', 'ens3', 'ens4']);
      // MAAS's default flat layout on a UEFI machine: an ESP and / on the boot disk
      expect(machine.blockdevice_set[0].partitions.map((p) => p.filesystem?.mount_point)).toEqual(['/boot/efi', '/']);
      expect(await client.get('machines/', { op: 'power_parameters' })).toEqual({ [machine.system_id]: {} });
      expect(await client.get('machines/', { mac_address: n1.bootMac!.toUpperCase() })).toHaveLength(1);
      // op= dispatch, validation errors as {"field": [...]}, state violations as 409
      await expect(client.post(`machines/${machine.system_id}/`, 'frobnicate')).rejects.toThrow(/HTTP 400\): Unrecognised signature: method=POST op=frobnicate/);
      await expect(client.post(`machines/${machine.system_id}/`, 'deploy', { distro_series: 'hirsute' })).rejects.toThrow(/distro_series: 'hirsute' is not a valid distro_series/);
      await expect(client.post(`machines/${machine.system_id}/`, 'release')).resolves.toMatchObject({ status_name: 'Ready' }); // nothing to do
      const eno1 = machine.interface_set[0];
      await expect(client.post(`nodes/${machine.system_id}/interfaces/${eno1.id}/`, 'link_subnet', { mode: 'STATIC', subnet: '10.20.0.0/24', ip_address: '10.30.0.5' })).rejects.toThrow(
        /ip_address: IP address is not in the given subnet '10\.20\.0\.0\/24'/,
      );
      await expect(client.post('fabrics/', undefined, { name: 'fabric-0' })).rejects.toThrow(/name: Fabric with this Name already exists/);
      const fabric = await client.post<MaasFabric>('fabrics/', undefined, { name: 'extra' });
      expect(fabric.vlans).toMatchObject([{ vid: 0, name: 'untagged', fabric: 'extra' }]);
      await expect(client.get('nothing-here/')).rejects.toThrow(/HTTP 404/);
    } finally {
      await emulator.stop();
    }
  });

  it('keeps its state in a file: a restart loses nothing, an operation in flight completes', async () => {
    const statePath = join(dir, 'maas.json');
    const config = { durations: { deployingSeconds: 1 }, machines: [labMachineFor(n1, { hostname: 'n1', enlist: 'at-start' as const, initialStatus: 'Ready' as const })] };
    const first = await startLabMaas({ statePath, config });
    const client = clientFor(first);
    const [machine] = await client.get<MaasMachine[]>('machines/', { hostname: 'n1' });
    await client.post<MaasFabric>('fabrics/', undefined, { name: 'survivor' });
    await client.post('machines/', 'allocate', { system_id: machine.system_id });
    await client.post(`machines/${machine.system_id}/`, 'deploy', { distro_series: 'jammy' });
    expect(statSync(statePath).mode & 0o777).toBe(0o600);
    const port = first.port;
    const apiKey = first.apiKey;
    await first.stop();
    expect(JSON.parse(readFileSync(statePath, 'utf8'))).toMatchObject({ version: 1 });

    const second = await startLabMaas({ statePath, config, port });
    try {
      expect(second.apiKey).toBe(apiKey);
      const again = clientFor(second);
      expect((await again.get<MaasFabric[]>('fabrics/')).map((f) => f.name)).toContain('survivor');
      const machines = await again.get<MaasMachine[]>('machines/');
      expect(machines).toHaveLength(1); // not enlisted a second time
      const deployed = await pollUntil(
        async () => {
          const m = await again.get<MaasMachine>(`machines/${machine.system_id}/`);
          return m.status_name === 'Deployed' ? m : undefined;
        },
        { timeoutMs: 10_000, what: 'the deployment started before the restart to finish' },
      );
      expect(deployed.distro_series).toBe('jammy');
      expect(counts(second, 'n1')).toMatchObject({ allocate: 1, deploy: 1, deployed: 1 });
      expect(requests(second, 'POST fabrics/')).toBe(1); // counters survive too
    } finally {
      await second.stop();
    }
  });

  it('injects faults: error rates by method, slow answers, machines that fail commissioning or deployment', async () => {
    const n2 = fixtureNode('lab', { name: 'n2', host: 12, macs: macsFor(2) });
    const emulator = await startLabMaas({
      config: {
        machines: [labMachineFor(n1, { hostname: 'n1', enlist: 'at-start', initialStatus: 'New' }), labMachineFor(n2, { hostname: 'n2', enlist: 'at-start', initialStatus: 'Ready' })],
        faults: { failCommissioning: ['n1'], failDeployment: ['n2'] },
      },
    });
    const client = clientFor(emulator);
    try {
      emulator.setFaults({ errorRate: 1, errorMethods: ['PUT'], failCommissioning: ['n1'], failDeployment: ['n2'] });
      const put = await fetch(`${emulator.url}/api/2.0/fabrics/0/`, { method: 'PUT', headers: signed(emulator), body: new URLSearchParams({ name: 'x' }) });
      expect(put.status).toBe(503);
      expect(put.headers.get('retry-after')).toBe('0');
      expect((await client.get<MaasFabric>('fabrics/0/')).name).toBe('fabric-0'); // not served
      emulator.setFaults({ slowRate: 1, slowMs: 50, failCommissioning: ['n1'], failDeployment: ['n2'] });
      await client.get('version/');
      expect(emulator.stats().faults).toEqual({ errors: 1, slowed: 1 });
      emulator.setFaults({ failCommissioning: ['n1'], failDeployment: ['n2'] });

      const site = fixtureSite({ apiUrl: emulator.url, nodes: [n1, n2] });
      const driver = driverFor(emulator, site);
      const commissioning = await driver.configureHardware(n1, siteContext(site), standaloneContext()).catch((e: unknown) => e);
      expect(commissioning).toMatchObject({ type: 'MaasOperationFailed', retryable: false });
      expect((commissioning as Error).message).toMatch(/ended commissioning in status "Failed commissioning": A commissioning script failed \(lab fault injection\)/);
      const deployment = await driver.deployNode(n2, siteContext(site), standaloneContext()).catch((e: unknown) => e);
      expect(deployment).toMatchObject({ type: 'MaasOperationFailed' });
      expect((deployment as Error).message).toMatch(/ended deploying in status "Failed deployment"/);
      // faults are also set over HTTP, as the demo does
      const response = await fetch(`${emulator.url}/lab/faults`, { method: 'PUT', body: JSON.stringify({ errorRate: 3 }) });
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/faults: errorRate/);
    } finally {
      await emulator.stop();
    }
  });
});
