import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import type { CompiledSite, NodeModel } from '../../../../../src/design/model';
import type { SiteContext } from '../../../../../src/contracts/site-context';
import { standaloneContext } from '../../../../../src/drivers/context';
import type { NodeDriver } from '../../../../../src/drivers/node/interface';
import type { MaasEmulator } from '../../../../../lab/maas';
import { driverFor, startLabMaas } from '../../../../fixtures/maas-lab';
import { fixtureNode, fixtureSite, labMachineFor, macsFor, siteContext } from '../../../../fixtures/site-model';
import { acceptedParams, booleanFields, CHECKED_VERSIONS, concretePath, handlerFor, loadSpec } from '../../../../support/maas-reference';

// Every request the MAAS driver sends, checked against MAAS's own source (real-maas-spec.json)
// for each supported branch from 3.4. The requests are not listed by hand: the driver runs every
// action (and the change paths of its apply steps) against the emulator, whose request log keeps
// each request's method, route, op, parameter names and values. The ops the driver's code names
// are checked to be in that log, so an action nobody exercised here fails the test.
const DRIVER_DIR = join(__dirname, '../../../../../src/drivers/node/maas');
const ctx = () => standaloneContext();
const spec = loadSpec();

/** The fields of the MAAS objects the driver reads (types.ts), by the handler that renders them. */
const RENDERED_BY: Record<string, string> = {
  MaasVlan: 'VlanHandler',
  MaasFabric: 'FabricHandler',
  MaasSubnet: 'SubnetHandler',
  MaasIpRange: 'IPRangeHandler',
  MaasStaticRoute: 'StaticRouteHandler',
  MaasDomain: 'DomainHandler',
  MaasInterface: 'InterfaceHandler',
  MaasPartition: 'PartitionHandler',
  MaasBlockDevice: 'BlockDeviceHandler',
  MaasVolumeGroup: 'VolumeGroupHandler',
  MaasMachine: 'MachineHandler',
  MaasTag: 'TagHandler',
  MaasSshKey: 'SSHKeyHandler',
  MaasPackageRepository: 'PackageRepositoryHandler',
  MaasBootSource: 'BootSourceHandler',
  MaasBootSourceSelection: 'BootSourceSelectionHandler',
};

/**
 * Ops the driver names on paths this run does not reach (they need hardware-profile device
 * aliases, a designed default gateway that moved, or a whole-disk filesystem being rebuilt);
 * checked against MAAS by the handler their call site targets. maas-device-aliases.test.ts and
 * maas-driver.test.ts exercise them against the emulator.
 */
const NOT_EXERCISED: Record<string, { handler: string; method: string }> = {
  details: { handler: 'MachineHandler', method: 'GET' },
  set_default_gateway: { handler: 'InterfaceHandler', method: 'POST' },
  unformat: { handler: 'BlockDeviceHandler', method: 'POST' },
  unmount: { handler: 'BlockDeviceHandler', method: 'POST' },
  set_boot_disk: { handler: 'BlockDeviceHandler', method: 'POST' },
};

/** MAAS reads every key=value pair of these (nodes.py WorkloadAnnotationsMixin reads
 * request.data; its docstring names the parameter `key`). */
const ANY_KEY = new Set(['POST set_workload_annotations']);

function interfacesOf(file: string): Record<string, Array<{ field: string; optional: boolean }>> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: Record<string, Array<{ field: string; optional: boolean }>> = {};
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) {
      out[node.name.text] = node.members.filter(ts.isPropertySignature).map((m) => ({ field: m.name.getText(source), optional: m.questionToken !== undefined }));
    }
  });
  return out;
}

describe('every request the MAAS driver sends exists in MAAS 3.4 and later', () => {
  let emulator: MaasEmulator;
  let site: CompiledSite;
  let sc: SiteContext;
  let driver: NodeDriver;
  const n1 = fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1) });
  const n2 = fixtureNode('lab', { name: 'n2', host: 12, macs: macsFor(2) });
  const n3 = fixtureNode('lab', { name: 'n3', host: 13, macs: macsFor(3) });

  beforeAll(async () => {
    emulator = await startLabMaas({
      config: {
        machines: [
          labMachineFor(n1, { hostname: 'n1', enlist: 'at-start', initialStatus: 'Ready' }),
          labMachineFor(n2, { hostname: 'keen-owl', enlist: 'at-start', initialStatus: 'Ready' }),
          labMachineFor(n3, { hostname: 'n3', enlist: 'at-start', initialStatus: 'New' }),
        ],
      },
    });
    site = fixtureSite({ apiUrl: emulator.url, nodes: [n1, n2, n3] });
    sc = siteContext(site);
    driver = driverFor(emulator, site);

    // Every action, and the change paths of the declarative ones.
    await driver.validateNodeServices(ctx());
    await driver.createNetworkTemplate(sc, ctx());
    await driver.configureUserCredentials(sc, ctx());
    await driver.configureNodeProvisioner(sc, ctx());
    await driver.prepareHardwareConfig(sc, ctx());
    await driver.createStorageTemplate(sc, [n1, n2, n3], ctx());
    const noble: NodeModel = { ...n3, platform: { ...n3.platform, image: 'ubuntu/noble', kernel: 'hwe-24.04' } };
    await driver.createBootMedia(sc, [n1, noble], ctx());
    await driver.identifyNode(n1, sc, ctx());
    await driver.identifyNode(n2, sc, ctx());
    await driver.configureHardware(n3, sc, ctx());
    await driver.applyNodeNetworking(n1, sc, ctx());
    const moved: NodeModel = { ...n1, addressing: n1.addressing.map((a) => (a.network === 'storage' ? { ...a, address: '10.22.0.111' } : a)) };
    await driver.applyNodeNetworking(moved, sc, ctx());
    const flat: NodeModel = { ...n1, interfaces: n1.interfaces.filter((i) => i.name === 'pxe'), addressing: n1.addressing.filter((a) => a.network === 'pxe') };
    await driver.applyNodeNetworking(flat, sc, ctx());
    await driver.applyNodeNetworking(n1, sc, ctx());
    await driver.applyNodeStorage(n1, sc, ctx());
    const bigger: NodeModel = structuredClone(n1);
    bigger.storage.volumeGroups[0].logicalVolumes[0].size = '20g';
    await driver.applyNodeStorage(bigger, sc, ctx());
    const plain: NodeModel = structuredClone(n1);
    plain.storage.physicalDevices[0].partitions = plain.storage.physicalDevices[0].partitions.slice(0, 3);
    plain.storage.physicalDevices = plain.storage.physicalDevices.slice(0, 1);
    plain.storage.volumeGroups = [];
    await driver.applyNodeStorage(plain, sc, ctx());
    await driver.applyNodeStorage(n1, sc, ctx());
    await driver.applyNodePlatform(n1, sc, ctx());
    await driver.applyNodePlatform({ ...n1, platform: { ...n1.platform, kernelParams: { quiet: true } } }, sc, ctx());
    await driver.applyNodePlatform({ ...n1, platform: { ...n1.platform, kernelParams: {} } }, sc, ctx());
    await driver.applyNodePlatform(n1, sc, ctx());
    await driver.deployNode(n1, sc, ctx());
    await driver.interrogateNode(n1, sc, ctx());
    await driver.destroyNode(n1, sc, ctx());
  }, 120_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  const log = () => [...emulator.server.requestLog.entries()];

  it('the driver reached only routes the emulator serves', () => {
    expect(log().map(([t]) => t).filter((t) => t.endsWith('(unknown)'))).toEqual([]);
  });

  it('every op the driver code names was sent in this run (the request log covers the driver)', () => {
    const ops = new Set(CHECKED_VERSIONS.flatMap((v) => Object.values(spec.versions[v].handlers).flatMap((h) => Object.keys(h.exports).map((k) => k.split(' ')[1]).filter(Boolean))));
    const named = new Set<string>();
    for (const file of readdirSync(DRIVER_DIR).filter((f) => f.endsWith('.ts'))) {
      const code = readFileSync(join(DRIVER_DIR, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const m of code.matchAll(/'([a-z_]+)'/g)) if (ops.has(m[1])) named.add(m[1]);
    }
    const sent = new Set(log().map(([t]) => /\?op=(\w+)/.exec(t)?.[1]).filter(Boolean));
    expect([...named].filter((op) => !sent.has(op) && !(op in NOT_EXERCISED)).sort()).toEqual([]);
    for (const branch of CHECKED_VERSIONS) {
      for (const [op, { handler, method }] of Object.entries(NOT_EXERCISED)) expect([branch, Object.keys(spec.versions[branch].handlers[handler].exports)]).toEqual([branch, expect.arrayContaining([`${method} ${op}`])]);
    }
  });

  it.each(CHECKED_VERSIONS)('MAAS %s has every request, with those parameter names and values its forms accept', (branch) => {
    const version = spec.versions[branch];
    const problems: string[] = [];
    for (const [template, params] of log()) {
      const m = /^(GET|POST|PUT|DELETE) ([^?]+)(?:\?op=(\w+))?$/.exec(template)!;
      const [, method, path, op] = m;
      const found = handlerFor(version, concretePath(path));
      if (!found) {
        problems.push(`${template}: no MAAS route`);
        continue;
      }
      const exp = version.handlers[found.handler]?.exports[`${method}${op ? ` ${op}` : ''}`];
      if (!exp) {
        problems.push(`${template}: ${found.handler} has no ${method}${op ? ` ${op}` : ''}`);
        continue;
      }
      const accepted = acceptedParams(exp);
      const booleans = booleanFields(exp);
      for (const [name, values] of params) {
        if (!accepted.has(name) && !found.groups.includes(name) && !ANY_KEY.has(`${method} ${op}`)) problems.push(`${template}: ${found.handler} does not read "${name}" (${exp.where})`);
        if (booleans.has(name)) for (const v of values) if (v !== 'true' && v !== 'false') problems.push(`${template}: boolean "${name}" sent as "${v}" (Django reads it as ${v === '' ? 'false' : 'true'})`);
      }
    }
    expect(problems).toEqual([]);
  });

  // A required field must be in every branch's answer; an optional one (`?`, read with a
  // fallback) in at least one.
  it('MAAS 3.4 and later render every field the driver reads', () => {
    const types = interfacesOf(join(DRIVER_DIR, 'types.ts'));
    const missing: string[] = [];
    for (const [name, handler] of Object.entries(RENDERED_BY)) {
      expect(types[name]).toBeDefined();
      for (const { field, optional } of types[name]) {
        const rendered = CHECKED_VERSIONS.filter((b) => spec.versions[b].handler_fields[handler]?.fields.includes(field));
        if (optional ? rendered.length === 0 : rendered.length < CHECKED_VERSIONS.length) missing.push(`${name}.${field} (${handler}: in ${rendered.join(', ') || 'no branch'})`);
      }
    }
    expect(missing).toEqual([]);
  });

  afterAll(() => {
    // For the closing note: how many distinct requests were checked.
    process.stdout.write(`driver requests checked against MAAS's source: ${emulator ? emulator.server.requestLog.size : 0}\n`);
  });
});
