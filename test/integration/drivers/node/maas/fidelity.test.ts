import type { CompiledSite } from '../../../../../src/design/model';
import { standaloneContext } from '../../../../../src/drivers/context';
import type { NodeDriver } from '../../../../../src/drivers/node/interface';
import type { MaasClient } from '../../../../../src/drivers/node/maas/client';
import type { MaasBlockDevice, MaasMachine } from '../../../../../src/drivers/node/maas/types';
import type { MaasEmulator } from '../../../../../lab/maas';
import { clientFor, driverFor, startLabMaas } from '../../../../fixtures/maas-lab';
import { fixtureNode, fixtureSite, labMachineFor, macsFor, siteContext } from '../../../../fixtures/site-model';
import { driverFailure } from '../../../../support/driver-errors';

// Issue 11: the driver and the MAAS emulator where real MAAS 3.x differs from what both used to
// agree on. Each test failed before its fix (see the commit messages).
const ctx = () => standaloneContext();

interface LabMachine {
  hostname: string;
  status: string;
  commission_options: Record<string, boolean> | null;
}

async function labMachine(emulator: MaasEmulator, hostname: string): Promise<LabMachine> {
  const response = await fetch(`${emulator.url}/lab/machines`);
  const all = (await response.json()) as LabMachine[];
  return all.find((m) => m.hostname === hostname)!;
}

async function machineNamed(client: MaasClient, hostname: string): Promise<MaasMachine> {
  const [machine] = await client.get<MaasMachine[]>('machines/', { hostname });
  return machine;
}

describe('MAAS 3.4 fidelity: the driver against the emulator where MAAS says no', () => {
  let emulator: MaasEmulator;
  let client: MaasClient;
  let site: CompiledSite;
  let driver: NodeDriver;
  const fresh = fixtureNode('lab', { name: 'fresh', host: 21, macs: macsFor(21) });
  const held = fixtureNode('lab', { name: 'held', host: 22, macs: macsFor(22) });
  const stuck = fixtureNode('lab', { name: 'stuck', host: 23, macs: macsFor(23) });

  beforeAll(async () => {
    emulator = await startLabMaas({
      config: {
        durations: { commissioningSeconds: 0.3, deployingSeconds: 0.5, releasingSeconds: 1, importSeconds: 0.3 },
        machines: [
          labMachineFor(fresh, { hostname: 'fresh', enlist: 'at-start', initialStatus: 'New' }),
          labMachineFor(held, { hostname: 'held', enlist: 'at-start', initialStatus: 'Ready' }),
          labMachineFor(stuck, { hostname: 'stuck', enlist: 'at-start', initialStatus: 'Ready' }),
        ],
      },
    });
    client = clientFor(emulator);
    site = fixtureSite({ apiUrl: emulator.url, nodes: [fresh, held, stuck] });
    driver = driverFor(emulator, site);
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('defect 1: ConfigureHardware starts commissioning with enable_ssh and skip_bmc_config false, as Django reads them', async () => {
    await driver.configureHardware(fresh, siteContext(site), ctx());
    const lab = await labMachine(emulator, 'fresh');
    expect(lab.status).toBe('Ready');
    expect(lab.commission_options).toEqual({ enable_ssh: false, skip_bmc_config: false, skip_networking: false, skip_storage: false });
  });

  it('defect 2: a machine in "Releasing failed" (MAAS\'s label) is released again by DestroyNode', async () => {
    const { system_id: id } = await machineNamed(client, 'stuck');
    await client.post('machines/', 'allocate', { system_id: id });
    await client.post(`machines/${id}/`, 'release', { erase: false });
    await client.post(`machines/${id}/`, 'abort', {});
    expect((await client.get<MaasMachine>(`machines/${id}/`)).status_name).toBe('Releasing failed');
    const outcome = await driver.destroyNode(stuck, siteContext(site), ctx());
    expect(outcome.changed).toBe(true);
    expect((await client.get<MaasMachine>(`machines/${id}/`)).status_name).toBe('Ready');
  });

  it('defect 3: storage changes on an Allocated machine: MAAS answers 409 as text; the driver says release first, and does not retry', async () => {
    const machine = await machineNamed(client, 'held');
    const id = machine.system_id;
    await client.post('machines/', 'allocate', { system_id: id });
    const before = emulator.stats().requests;

    const err = await driverFailure(driver.applyNodeStorage(held, siteContext(site), ctx()));
    expect(err.kind).toBe('InvalidRequest');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/is Allocated, and MAAS changes storage only on Ready machines; release it first \(DestroyNode\)/);
    // nothing was written
    const after = emulator.stats().requests;
    const writes = (r: Record<string, number>) => Object.entries(r).filter(([t]) => !t.startsWith('GET ')).reduce((n, [, c]) => n + c, 0);
    expect(writes(after)).toBe(writes(before));

    // MAAS's own answers, as the driver's client classifies them
    const devices = await client.get<MaasBlockDevice[]>(`nodes/${id}/blockdevices/`);
    const response = await fetch(`${emulator.url}/api/2.0/nodes/${id}/blockdevices/${devices[0].id}/partitions/`, { method: 'POST', headers: { Authorization: authHeader(emulator) } });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await response.text()).toBe('Cannot create partition because the machine is not Ready.');
    const refused = await driverFailure(client.post(`nodes/${id}/blockdevices/${devices[0].id}/partitions/`, undefined, { size: 8 * 1024 ** 3 }));
    expect(refused.kind).toBe('InvalidRequest');
    expect(refused.message).toMatch(/HTTP 409.*machine \S+ is Allocated: MAAS changes storage only on Ready machines .*release it first/);
    // format and mount stay allowed on Allocated machines
    const free = devices.find((d) => d.partitions.length === 0 && !d.filesystem)!;
    await client.post(`nodes/${id}/blockdevices/${free.id}/`, 'format', { fstype: 'ext4' });
    await client.post(`nodes/${id}/blockdevices/${free.id}/`, 'mount', { mount_point: '/srv' });
  });

  it("answers MAAS's error bodies: an unknown machine, an unknown endpoint (without auth), describe/ without auth", async () => {
    const missing = await fetch(`${emulator.url}/api/2.0/machines/nosuch/`, { headers: { Authorization: authHeader(emulator) } });
    expect([missing.status, await missing.text()]).toEqual([404, 'No Machine matches the given query.']);
    const unknown = await fetch(`${emulator.url}/api/2.0/no-such-thing/`);
    expect([unknown.status, await unknown.text()]).toEqual([404, 'Unknown API endpoint: /MAAS/api/2.0/no-such-thing/.']);
    const describe = await fetch(`${emulator.url}/api/2.0/describe/`);
    expect(describe.status).toBe(200);
    const doc = (await describe.json()) as { resources: Array<{ name: string; anon: unknown; auth: { uri: string; actions: Array<{ name: string }> } | null }> };
    const machine = doc.resources.find((r) => r.name === 'MachineHandler')!;
    expect(machine.auth!.uri).toBe(`${emulator.url}/api/2.0/machines/{system_id}/`);
    expect(machine.auth!.actions.map((a) => a.name)).toEqual(expect.arrayContaining(['read', 'update', 'delete', 'deploy', 'commission', 'release']));
    const node = doc.resources.find((r) => r.name === 'NodeHandler')!;
    expect(node.auth!.actions.map((a) => a.name)).not.toContain('query_power_state');
  });

  it('defect 3: only a 409 or 503 with Retry-After is Busy', async () => {
    emulator.setFaults({ failNext: [{ method: 'POST', path: '^tags/$', count: 1, status: 409 }] });
    const busy = await driverFailure(client.post('tags/', undefined, { name: 'busy-tag' }));
    expect(busy.kind).toBe('Busy');
    expect(busy.retryAfterSeconds).toBe(0);
    emulator.setFaults({});
  });
});

function authHeader(emulator: MaasEmulator): string {
  const [consumer, token, secret] = emulator.apiKey.split(':');
  return `OAuth oauth_version="1.0", oauth_signature_method="PLAINTEXT", oauth_consumer_key="${consumer}", oauth_token="${token}", oauth_signature="&${secret}", oauth_nonce="n${Date.now()}", oauth_timestamp="${Math.floor(Date.now() / 1000)}"`;
}

describe('MAAS versions: supported 3.x, per-release rules, 2.x refused', () => {
  it('defect 4: MAAS 3.0 refuses interface edits on New machines; the driver says commission first instead of trying', async () => {
    const node = fixtureNode('lab', { name: 'old', host: 31, macs: macsFor(31) });
    const emulator = await startLabMaas({ config: { maasVersion: '3.0.2', machines: [labMachineFor(node, { hostname: 'old', enlist: 'at-start', initialStatus: 'New' })] } });
    try {
      const site = fixtureSite({ apiUrl: emulator.url, nodes: [node] });
      const driver = driverFor(emulator, site);
      const client = clientFor(emulator);
      expect((await driver.validateNodeServices(ctx())).message).toMatch(/^MAAS 3\.0\.2 at /);
      const before = emulator.stats().requests;
      const err = await driverFailure(driver.applyNodeNetworking(node, siteContext(site), ctx()));
      expect(err.kind).toBe('InvalidRequest');
      expect(err.message).toMatch(/is New; networking can only be applied when it is Ready or Allocated or Broken or Failed testing \(commission it with ConfigureHardware/);
      expect(Object.keys(emulator.stats().requests).filter((t) => !t.startsWith('GET ') && !(t in before))).toEqual([]);
      const { system_id: id } = await machineNamed(client, 'old');
      const machine = await client.get<MaasMachine>(`machines/${id}/`);
      const refused = await driverFailure(client.post(`nodes/${id}/interfaces/`, 'create_vlan', { parent: machine.interface_set[0].id, vlan: 1 }));
      expect(refused.message).toMatch(/HTTP 409.*Cannot create VLAN interface because the machine is not Ready, Failed testing, Allocated, or Broken\..*machine \S+ is New: commission it first \(ConfigureHardware\)/);
    } finally {
      await emulator.stop();
    }
  });

  it('defect 4: a MAAS 2.x region is refused by ValidateNodeServices, naming the supported releases', async () => {
    const emulator = await startLabMaas({ config: { maasVersion: '2.9.2' } });
    try {
      const site = fixtureSite({ apiUrl: emulator.url, nodes: [] });
      const err = await driverFailure(driverFor(emulator, site).validateNodeServices(ctx()));
      expect(err.kind).toBe('Unsupported');
      expect(err.message).toMatch(/reports version "2\.9\.2", which drydock-temporal does not support: it supports MAAS 3\.0 and later 3\.x releases \(API 2\.0\)/);
    } finally {
      await emulator.stop();
    }
  });
});
