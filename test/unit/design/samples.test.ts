import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileDesign, loadDesign, processDesign, selectNodes } from '../../../src/design';
import type { Finding, ProcessOptions } from '../../../src/design';
import { REPO_ROOT } from '../../support/paths';
import { brief } from './support/site';

/**
 * The verdicts Drydock's own tests expect of its sample designs (test/fixtures/drydock-samples,
 * see the README there), reached without Drydock's bugs.
 */
const SAMPLES = join(REPO_ROOT, 'test', 'fixtures', 'drydock-samples');

function sources(file: string): Array<{ name: string; text: string }> {
  return [{ name: file, text: readFileSync(join(SAMPLES, file), 'utf8') }];
}

function processSample(file: string, options: ProcessOptions = {}): ReturnType<typeof processDesign> {
  return processDesign(sources(file), options);
}

const errors = (findings: Finding[], code?: string): Finding[] => findings.filter((f) => f.severity === 'error' && (code === undefined || f.code === code));
const codesOf = (findings: Finding[]): string[] => [...new Set(errors(findings).map((f) => f.code))].sort();

describe('Drydock sample designs', () => {
  it('deckhand_fullsite.yaml is a valid site (warnings allowed) with the documented shape', () => {
    const r = processSample('deckhand_fullsite.yaml');
    expect(brief(errors(r.findings))).toEqual([]);
    expect(r.ok).toBe(true);
    const loaded = loadDesign(sources('deckhand_fullsite.yaml'));
    expect(loaded.documents).toHaveLength(20);
    expect(loaded.documents.filter((d) => d.kind === 'HostProfile')).toHaveLength(2);
    const site = r.site!;
    expect(site.nodes.map((n) => n.name)).toEqual(['compute01', 'compute02', 'controller01']);
    expect(Object.keys(site.region.repositories.repos)).toEqual(['docker']);
    expect(site.region.repositories.removeUnlisted).toBe(true);
    expect(site.racks.rack1.location.grid).toBe('EG12');
    // Its nodes sit in racks rack2 and rack3, which no Rack document defines: warnings only.
    expect(r.findings.filter((f) => f.code === 'undefined-reference').map((f) => `${f.severity} ${f.message}`)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^warning .*Rack rack2 is not defined/), expect.stringMatching(/^warning .*Rack rack3 is not defined/)]),
    );
  });

  it('deckhand_fullsite.yaml compiles inheritance, negation, aliases, kernel references and boot-action targets', () => {
    const site = processSample('deckhand_fullsite.yaml').site!;
    const controller = site.nodes.find((n) => n.name === 'controller01')!;
    const compute = site.nodes.find((n) => n.name === 'compute01')!;
    expect(controller.profiles).toEqual(['k8-node', 'defaults']);
    expect(controller.interfaces.find((i) => i.name === 'bond0')?.networks).toEqual(['mgmt']); // '!private'
    expect(compute.interfaces.find((i) => i.name === 'bond0')?.networks).toEqual(['mgmt', 'private']);
    expect(compute.interfaces.find((i) => i.name === 'bond0')?.slaves).toEqual([
      { name: '0000:00:03.0', alias: 'prim_nic01', address: '0000:00:03.0' },
      { name: '0000:00:04.0', alias: 'prim_nic02', address: '0000:00:04.0' },
    ]);
    expect(compute.platform.kernelParams).toEqual({ quiet: true, console: 'ttyS2', isolcpus: '2,4', hugepagesz: '1G', hugepages: '300' });
    expect(compute.oob).toMatchObject({ type: 'ipmi', network: 'oob', account: 'admin', address: '172.16.100.21' });
    expect(site.nodes.find((n) => n.name === 'compute02')?.labels).toEqual({ foo: 'baz' });
    expect(site.bootActions.hw_filtered.targetNodes).toEqual(['compute01']);
    expect(site.bootActions.helloworld.targetNodes).toEqual(['compute01', 'compute02', 'controller01']);
    expect(site.bootActions.hw_filtered.signaling).toBe(false);
    expect(compute.bootActions.sort()).toEqual(['helloworld', 'hw_filtered']);
  });

  it('deckhand_fullsite_no_nodes.yaml is valid, and a node filter selects nothing', () => {
    const r = processSample('deckhand_fullsite_no_nodes.yaml');
    expect(brief(errors(r.findings))).toEqual([]);
    expect(r.site?.nodes).toEqual([]);
    expect(selectNodes(r.site!)).toEqual([]);
    expect(selectNodes(r.site!, { filterSetType: 'union', filterSet: [{ filterType: 'union', nodeNames: ['compute01'] }] })).toEqual([]);
    expect(Object.values(r.site!.bootActions).map((b) => b.targetNodes)).toEqual(Object.values(r.site!.bootActions).map(() => []));
  });

  it('fullsite.yaml (legacy format) loads and compiles without errors, with the documented shape', () => {
    const loaded = loadDesign(sources('fullsite.yaml'));
    const compiled = compileDesign(loaded);
    expect(brief(errors([...loaded.findings, ...compiled.findings]))).toEqual([]);
    expect(loaded.documents).toHaveLength(17);
    expect(loaded.documents.every((d) => d.format === 'legacy')).toBe(true);
    expect(compiled.design.hostProfiles.size).toBe(2);
    const nodes = compiled.site!.nodes;
    expect(nodes).toHaveLength(2);
    const controller = nodes.find((n) => n.name === 'controller01')!;
    expect(controller.hardwareProfile).toBe('HPGen9v3');
    expect(controller.interfaces.find((i) => i.name === 'bond0')?.slaves).toHaveLength(2);
    expect(controller.interfaces.find((i) => i.name === 'pxe')?.slaves).toHaveLength(1);
  });

  it('fullsite.yaml: validation finds the one real problem Drydock does not check at load time', () => {
    // Link gp allows public and mgmt only, yet k8-node puts bond0 (on gp) on private too.
    const r = processSample('fullsite.yaml');
    expect(brief(errors(r.findings))).toEqual([expect.stringMatching(/unique-network BaremetalNode\/compute01 interfaces\.bond0\.networks\[private\]/)]);
  });

  it('validation.yaml passes every rule, including platform selection', () => {
    const r = processSample('validation.yaml', { availableImages: { images: ['xenial'], kernels: ['ga-16.04', 'hwe-16.04'] } });
    expect(brief(errors(r.findings))).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.findings.filter((f) => f.code === 'platform-selection')).toEqual([]);
  });

  it('deckhand_bootaction.yaml: helloworld has 3 assets; the document with an unquoted 0xffff key is rejected', () => {
    const loaded = loadDesign(sources('deckhand_bootaction.yaml'));
    const ba = loaded.documents.find((d) => d.kind === 'BootAction' && d.name === 'helloworld');
    expect(ba?.kind === 'BootAction' ? ba.data.assets : []).toHaveLength(3);
    expect(loaded.rejected.map((d) => `${d.kind}/${d.name}`)).toEqual(['BootAction/pkg_install']);
    expect(brief(errors(loaded.findings))).toEqual([expect.stringMatching(/yaml-key-type BootAction\/pkg_install assets\[1\]\.data\.0xffff: key 0xffff is read by YAML as the number 65535/)]);
    expect(errors(loaded.findings)[0].source).toEqual({ file: 'deckhand_bootaction.yaml', line: 78, column: 9 });
  });

  it('absent_bootaction.yaml: a node no boot action targets gets a bootaction-defined warning', () => {
    const r = processSample('absent_bootaction.yaml');
    expect(r.findings.filter((f) => f.code === 'bootaction-defined')).toEqual([expect.objectContaining({ severity: 'warning', document: { kind: 'BaremetalNode', name: 'controller01' } })]);
    // No Network documents: the static addresses fail IP locality.
    expect(errors(r.findings, 'ip-locality')).toHaveLength(3);
    expect(r.ok).toBe(false);
  });

  it('invalid_boot_storage_small.yaml: root below 20 GB and boot below 1 GB on each node (4 findings)', () => {
    const r = processSample('invalid_boot_storage_small.yaml');
    const found = errors(r.findings, 'boot-storage-rational');
    expect(found).toHaveLength(4);
    expect(found.map((f) => `${f.document?.name} ${f.field}`).sort()).toEqual([
      'compute01 storage.physical_devices.sda.partitions[boot].size',
      'compute01 storage.physical_devices.sda.partitions[root].size',
      'controller01 storage.physical_devices.sda.partitions[boot].size',
      'controller01 storage.physical_devices.sda.partitions[root].size',
    ]);
  });

  it('invalid_hugepages.yaml: hugepages without hugepagesz', () => {
    const found = errors(processSample('invalid_hugepages.yaml').findings, 'hugepages-validity');
    expect(found.length).toBeGreaterThan(0);
    expect(found[0].message).toMatch(/hugepages without hugepagesz/);
    expect(found[0].source?.line).toBe(254);
  });

  it('invalid_mountpoint.yaml: two logical volumes mount /var/log', () => {
    const found = errors(processSample('invalid_mountpoint.yaml').findings, 'storage-mountpoints');
    expect(found.length).toBeGreaterThan(0);
    expect(found[0].message).toMatch(/mounts at \/var\/log/);
  });

  it('invalid_network_cidr.yaml: host bits set, with the corrected CIDR', () => {
    const r = processSample('invalid_network_cidr.yaml');
    expect(brief(errors(r.findings))).toEqual([expect.stringMatching(/cidr-validity Network\/oob cidr: CIDR 172\.16\.100\.1\/24 has host bits set; MAAS accepts 172\.16\.100\.0\/24/)]);
  });

  it('invalid_validation.yaml: the many errors at once', () => {
    const r = processSample('invalid_validation.yaml');
    expect(codesOf(r.findings)).toEqual(
      expect.arrayContaining([
        'boot-storage-rational',
        'hostname-validity',
        'ip-locality',
        'mtu-rational',
        'network-bond-rational',
        'no-duplicate-ips',
        'storage-mountpoints',
        'storage-partitioning',
        'storage-sizing',
      ]),
    );
    const hostnames = errors(r.findings, 'hostname-validity').map((f) => f.message);
    expect(hostnames.some((m) => m.includes('"bad__name"'))).toBe(true);
    expect(hostnames.some((m) => m.includes('sitenameisverylongsoitshouldbeinvalidperrfcifikeepaddingoctetsafewmore'))).toBe(true);
    // Drydock's test expects the three IP-locality messages: a gateway outside its network, an
    // undefined network, an address outside its network.
    const ipLocality = errors(r.findings, 'ip-locality').map((f) => f.message);
    expect(ipLocality).toHaveLength(3);
    expect(ipLocality).toEqual(expect.arrayContaining([
      expect.stringMatching(/gateway 141\.16\.1\.1 is not within the CIDR 172\.16\.1\.0\/24 of network mgmt/),
      expect.stringMatching(/address 141\.16\.1\.20 on network invalid, which is not defined/),
      expect.stringMatching(/address 172\.16\.1\.21 of node bad__name is not within the CIDR 172\.16\.2\.0\/24 of network private/),
    ]));
    // Drydock reports 8 StorageSizing messages only through a loop bug: per node, one disk whose
    // partitions add up to 100% and one negative logical volume.
    const sizing = errors(r.findings, 'storage-sizing');
    expect(sizing).toHaveLength(4);
    // The duplicated `address` key Drydock silently resolves is an error here.
    expect(errors(r.findings, 'yaml-duplicate-key')).toHaveLength(1);
  });

  it('invalid_bootaction.yaml: three schema errors', () => {
    const loaded = loadDesign(sources('invalid_bootaction.yaml'));
    expect(brief(errors(loaded.findings))).toEqual([
      expect.stringMatching(/schema BootAction\/helloworld assets\[0\]\.data_pipeline\[0\]: "foo" is not allowed here/),
      expect.stringMatching(/schema BootAction\/helloworld assets\[1\]\.permissions: must be an octal file mode given as a string/),
      expect.stringMatching(/schema BootAction\/invalid_pkg_list assets\[0\]\.data: must be a string, or for a pkg_list a mapping/),
    ]);
    expect(errors(loaded.findings).map((f) => f.source?.line)).toEqual([18, 23, 42]);
  });

  it('invalid_network.yaml: unknown key foo in a Network', () => {
    const loaded = loadDesign(sources('invalid_network.yaml'));
    expect(brief(errors(loaded.findings))).toEqual(expect.arrayContaining([expect.stringMatching(/schema Network\/oob foo: unknown field "foo"/)]));
    expect(errors(loaded.findings).find((f) => f.field === 'foo')?.source).toEqual({ file: 'invalid_network.yaml', line: 11, column: 3 });
  });

  it('invalid_hostProfile.yaml: unknown key foo in a HostProfile', () => {
    const loaded = loadDesign(sources('invalid_hostProfile.yaml'));
    expect(brief(errors(loaded.findings))).toEqual([expect.stringMatching(/schema HostProfile\/defaults foo: unknown field "foo"/)]);
  });

  it.each(['network.yaml', 'hostProfile.yaml', 'baremetalNode.yaml'])('%s is schema-valid', (file) => {
    const loaded = loadDesign(sources(file));
    expect(brief(errors(loaded.findings))).toEqual([]);
    expect(loaded.documents).toHaveLength(1);
  });

  it('network.yaml and hostProfile.yaml alone validate (as fragments, with warnings)', () => {
    expect(processSample('network.yaml').ok).toBe(true);
    expect(processSample('hostProfile.yaml').ok).toBe(true);
  });

  it('baremetalNode.yaml alone names a host profile that is not there', () => {
    const r = processSample('baremetalNode.yaml');
    expect(brief(errors(r.findings, 'unknown-profile'))).toEqual([expect.stringMatching(/host_profile "k8-node" names no HostProfile document/)]);
  });

  it("ip_locality_no_networks.yaml: 'no networks' is a warning; static addresses on undefined networks are errors", () => {
    const r = processSample('ip_locality_no_networks.yaml');
    const ip = r.findings.filter((f) => f.code === 'ip-locality');
    expect(ip.filter((f) => f.severity === 'warning').map((f) => f.message)).toEqual([expect.stringMatching(/no Network documents/)]);
    expect(ip.filter((f) => f.severity === 'error').length).toBeGreaterThan(0);
  });

  it('deckhand_routedomain.yaml: route domains become static routes to the other members', () => {
    const compiled = compileDesign(loadDesign(sources('deckhand_routedomain.yaml')));
    const rack3 = compiled.design.networks.get('storage_rack3')!.model;
    expect(rack3.routes.map((x) => x.subnet).sort()).toEqual(['172.16.1.0/24', '172.16.2.0/24']);
    expect(rack3.routes.every((x) => x.gateway === '172.16.3.1' && x.metric === 10 && x.routedomain === 'storage')).toBe(true);
  });
});
