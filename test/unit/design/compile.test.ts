/* eslint-disable @typescript-eslint/no-unsafe-member-access -- the tests edit free-form document data (see data() in support/site.ts) */
import { compileDesign, loadDesign } from '../../../src/design';
import type { CompileResult, NodeModel } from '../../../src/design';
import { baseSite, brief, data, doc, Doc, node, yamlOf } from './support/site';

function compile(docs: Doc[]): CompileResult {
  return compileDesign(loadDesign([{ name: 'site.yaml', text: yamlOf(docs) }]));
}

function nodeOf(r: CompileResult, name: string): NodeModel {
  const n = r.design.nodes.find((x) => x.model.name === name);
  if (!n) throw new Error(`no node ${name}; findings: ${brief(r.findings).join('; ')}`);
  return n.model;
}

/** The base site with a middle profile between `base` and the nodes. */
function chained(mid: Record<string, unknown>, nodeData: Record<string, unknown> = {}): Doc[] {
  const docs = baseSite().filter((d) => !d.schema.includes('BaremetalNode'));
  docs.push(doc('HostProfile', 'mid', { host_profile: 'base', ...mid }));
  docs.push(node('n1', 11, { host_profile: 'mid', ...nodeData }));
  return docs;
}

describe('compileDesign: host profile inheritance', () => {
  it('records the profile chain, most specific first', () => {
    expect(nodeOf(compile(chained({})), 'n1').profiles).toEqual(['mid', 'base']);
  });

  it('lets a child override a scalar and unset it with "!"', () => {
    const n = nodeOf(compile(chained({ platform: { image: 'noble', kernel: '!' } })), 'n1');
    expect(n.platform.image).toBe('noble');
    expect(n.platform.kernel).toBeUndefined();
  });

  it('merges lists and removes "!item" entries', () => {
    const n = nodeOf(compile(chained({ metadata: { tags: ['!base', 'gpu'] } }, { metadata: { rack: 'rack1', tags: ['fast'] } })), 'n1');
    expect(n.tags).toEqual(['fast', 'gpu']);
  });

  it('merges dicts and removes "!key" entries (owner_data, kernel_params, oob)', () => {
    const n = nodeOf(
      compile(chained({ metadata: { owner_data: { '!role': '', tier: 'gold' } }, platform: { kernel_params: { '!console': null, quiet: true, iommu: 'pt', smt: false } }, oob: { '!account': null, account: 'ops' } })),
      'n1',
    );
    expect(n.labels).toEqual({ tier: 'gold' });
    expect(n.platform.kernelParams).toEqual({ quiet: true, iommu: 'pt' });
    expect(n.oob.account).toBe('ops');
  });

  it('merges interfaces by name: fields inherit, lists merge, "!name" and null remove', () => {
    const r = compile(chained({ interfaces: { '!pxe': null, bond0: { networks: ['!storage'], labels: { role: 'data' } }, bond1: { device_link: 'gp', slaves: ['nic2'], networks: ['storage'] } } }, { interfaces: { bond1: null } }));
    const n = nodeOf(r, 'n1');
    expect(n.interfaces.map((i) => i.name)).toEqual(['bond0']);
    const bond0 = n.interfaces[0];
    expect(bond0.deviceLink).toBe('gp');
    expect(bond0.networks).toEqual(['mgmt']);
    expect(bond0.slaves.map((s) => s.alias)).toEqual(['nic1', 'nic2']);
    expect(bond0.labels).toEqual({ role: 'data' });
  });

  it('merges storage by name, keeping every parent device and partition the child does not mention', () => {
    const r = compile(
      chained({
        storage: {
          physical_devices: {
            disk1: { partitions: [{ name: 'root', size: '40g' }, { name: '!boot' }, { name: 'srv', size: '10%', filesystem: { mountpoint: '/srv' } }] },
          },
          volume_groups: { data: { logical_volumes: [{ name: 'varlog', size: '30%' }, { name: 'tmp', size: '5%' }] } },
        },
      }),
    );
    const n = nodeOf(r, 'n1');
    expect(n.storage.physicalDevices.map((d) => d.alias ?? d.name)).toEqual(['disk1', 'sdb']);
    const disk1 = n.storage.physicalDevices[0];
    expect(disk1.name).toBe('0:0:0:0'); // the scsi alias resolved
    expect(disk1.partitions.map((p) => [p.name, p.size, p.filesystem?.mountpoint])).toEqual([
      ['root', '40g', '/'],
      ['srv', '10%', '/srv'],
    ]);
    expect(disk1.partitions[0].bootable).toBe(true); // inherited field by field
    expect(n.storage.volumeGroups[0].logicalVolumes.map((lv) => [lv.name, lv.size, lv.filesystem?.fstype])).toEqual([
      ['varlog', '30%', 'xfs'],
      ['tmp', '5%', undefined],
    ]);
  });

  it("applies Drydock's filesystem defaults (ext4, defaults)", () => {
    const r = compile(chained({ storage: { volume_groups: { data: { logical_volumes: [{ name: 'x', size: '1%', filesystem: { mountpoint: '/x' } }] } } } }));
    expect(nodeOf(r, 'n1').storage.volumeGroups[0].logicalVolumes[1].filesystem).toEqual({ mountpoint: '/x', fstype: 'ext4', mountOptions: 'defaults' });
  });

  it('resolves hardware-profile aliases for NICs (pci) and disks (scsi) only', () => {
    const docs = baseSite();
    data(docs, 'HostProfile', 'base').interfaces.pxe.slaves = ['disk1'];
    data(docs, 'HostProfile', 'base').storage.physical_devices.nic1 = { volume_group: 'data' };
    const n = nodeOf(compile(docs), 'n1');
    expect(n.interfaces[0].slaves).toEqual([{ name: 'disk1' }]);
    expect(n.storage.physicalDevices.find((d) => d.name === 'nic1')?.alias).toBeUndefined();
  });

  it('resolves kernel-parameter references and reports the unresolvable once per document', () => {
    const docs = baseSite();
    data(docs, 'HostProfile', 'base').platform.kernel_params = {
      isolcpus: 'hardwareprofile:cpuset.pinned',
      hugepagesz: 'hardwareprofile:hugepages.huge.size',
      hugepages: 'hardwareprofile:hugepages.huge.count',
      rcu_nocbs: 'hardwareprofile:cpuset.nope',
    };
    const r = compile(docs);
    expect(nodeOf(r, 'n1').platform.kernelParams).toMatchObject({ isolcpus: '2-7', hugepagesz: '1G', hugepages: '16' });
    expect(brief(r.findings)).toEqual(['error kernel-param-reference HostProfile/base platform.kernel_params.rcu_nocbs: kernel parameter rcu_nocbs of node n1: hardware profile hw1 has no cpu_sets entry "nope" (it has: pinned)']);
  });

  it('takes the OOB address from the OOB network, unless oob.address is given', () => {
    const docs = baseSite();
    data(docs, 'BaremetalNode', 'n2').oob = { address: 'bmc-n2.example.com', port: 6230, system_id: 'abc' };
    const r = compile(docs);
    expect(nodeOf(r, 'n1').oob).toEqual({ type: 'ipmi', network: 'oob', account: 'admin', credential: 'env:BMC_PASSWORD', address: '10.0.100.11', params: {} });
    expect(nodeOf(r, 'n2').oob).toMatchObject({ address: 'bmc-n2.example.com', port: 6230, params: { system_id: 'abc' } });
  });

  it('produces a JSON-serialisable site', () => {
    const site = compile(baseSite()).site;
    expect(JSON.parse(JSON.stringify(site))).toEqual(site);
  });
});

describe('compileDesign: broken chains and documents', () => {
  it('reports an inheritance cycle once and leaves its nodes out of the site', () => {
    const docs = chained({});
    data(docs, 'HostProfile', 'base').host_profile = 'mid';
    const r = compile(docs);
    expect(brief(r.findings.filter((f) => f.severity === 'error'))).toEqual([expect.stringMatching(/profile-cycle HostProfile\/\w+ host_profile: host profile inheritance cycle: (mid -> base -> mid|base -> mid -> base)/)]);
    expect(r.site?.nodes).toEqual([]);
    expect(r.findings.find((f) => f.code === 'unknown-profile' && f.severity === 'info')?.message).toMatch(/left out of the compiled site/);
  });

  it('reports a profile that inherits from itself', () => {
    const docs = baseSite();
    data(docs, 'HostProfile', 'base').host_profile = 'base';
    expect(brief(compile(docs).findings.filter((f) => f.code === 'profile-cycle'))).toEqual([expect.stringMatching(/cycle: base -> base/)]);
  });

  it('reports unknown parents and hardware profiles at the referring line, with a suggestion', () => {
    const docs = baseSite();
    data(docs, 'BaremetalNode', 'n1').host_profile = 'bsae';
    data(docs, 'HostProfile', 'base').hardware_profile = 'hw2';
    const r = compile(docs);
    expect(brief(r.findings.filter((f) => f.severity === 'error'))).toEqual([
      'error unknown-profile HostProfile/base hardware_profile: hardware_profile "hw2" names no HardwareProfile document (did you mean "hw1"?)',
      'error unknown-profile BaremetalNode/n1 host_profile: host_profile "bsae" names no HostProfile document (did you mean "base"?)',
    ]);
    expect(r.findings.every((f) => f.source && f.source.line > 1)).toBe(true);
    expect(r.site?.nodes.map((n) => n.name)).toEqual(['n2']);
  });

  it('survives a chain of 5,000 profiles without overflowing the stack', () => {
    const docs = baseSite();
    for (let i = 0; i < 5000; i++) docs.push(doc('HostProfile', `p${i}`, { host_profile: i === 0 ? 'base' : `p${i - 1}` }));
    data(docs, 'BaremetalNode', 'n1').host_profile = 'p4999';
    const n = nodeOf(compile(docs), 'n1');
    expect(n.profiles).toHaveLength(5001);
    expect(n.platform.image).toBe('jammy');
  });

  it('keeps the first of two documents with the same kind and name', () => {
    const docs = baseSite();
    docs.push(doc('Network', 'oob', { cidr: '192.168.0.0/24' }));
    const r = compile(docs);
    expect(brief(r.findings)).toEqual([expect.stringMatching(/^error duplicate-document Network\/oob: Network\/oob is defined twice; the first definition \(site\.yaml:\d+\) is used/)]);
    expect(r.site?.networks.oob.cidr).toBe('10.0.100.0/24');
  });

  it('does not report references to a document that has schema errors again', () => {
    const docs = baseSite();
    data(docs, 'HostProfile', 'base').bogus = true;
    const r = compile(docs);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.design.rejected.has('HostProfile/base')).toBe(true);
    expect(r.site?.nodes).toEqual([]);
  });

  it('reports a second Region and warns when there is none', () => {
    const two = baseSite();
    two.push(doc('Region', 'site2', {}));
    expect(brief(compile(two).findings)).toEqual([expect.stringMatching(/^error region Region\/site2: a site has one Region document/)]);
    const none = compile(baseSite().filter((d) => !d.schema.includes('Region')));
    expect(none.site).toBeUndefined();
    expect(brief(none.findings)).toEqual([expect.stringMatching(/^warning region : the design has no Region document/)]);
    expect(none.design.nodes).toHaveLength(2);
  });
});

describe('compileDesign: site-wide parts', () => {
  it('expands route domains into routes to the other members', () => {
    const docs = baseSite();
    data(docs, 'Network', 'storage').routedomain = 'sr';
    data(docs, 'Network', 'storage').routes = [{ routedomain: 'sr', gateway: '10.0.2.1' }];
    docs.push(doc('Network', 'storage2', { cidr: '10.0.3.0/24', routedomain: 'sr', routes: [{ routedomain: 'sr', gateway: '10.0.3.1', metric: 5 }] }));
    const site = compile(docs).site!;
    expect(site.networks.storage.routes).toEqual([{ subnet: '10.0.3.0/24', gateway: '10.0.2.1', metric: 100, routedomain: 'sr' }]);
    expect(site.networks.storage2.routes).toEqual([{ subnet: '10.0.2.0/24', gateway: '10.0.3.1', metric: 5, routedomain: 'sr' }]);
    expect(site.networks.mgmt.routes).toEqual([{ subnet: '0.0.0.0/0', gateway: '10.0.1.1', metric: 10 }]);
  });

  it('compiles the extensions: site drivers, switch SSH, switch ports', () => {
    const docs = baseSite();
    data(docs, 'Region', 'site1').drivers = { node: { type: 'maas', api_url: 'http://maas:5240/MAAS', api_key: 'env:MAAS_KEY' }, network: { type: 'linux-bridge' }, kubernetes: { type: 'sim', latency_ms: 5 } };
    data(docs, 'Rack', 'rack1').tor_switches.leaf1.ssh = { user: 'cumulus', key: 'file:/k', known_hosts: '/etc/ssh/known_hosts' };
    data(docs, 'BaremetalNode', 'n1').interfaces = { bond0: { switch_ports: [{ switch: 'leaf1', port: 'swp1' }] } };
    const site = compile(docs).site!;
    expect(site.region.drivers).toEqual({ node: { type: 'maas', apiUrl: 'http://maas:5240/MAAS', apiKey: 'env:MAAS_KEY' }, network: { type: 'linux-bridge' }, kubernetes: { type: 'sim', latencyMs: 5 } });
    expect(site.racks.rack1.torSwitches.leaf1).toEqual({ name: 'leaf1', mgmtIp: '10.0.100.250', ssh: { port: 22, user: 'cumulus', key: 'file:/k', knownHosts: '/etc/ssh/known_hosts', bridge: 'br0' } });
    expect(site.nodes[0].interfaces.find((i) => i.name === 'bond0')?.switchPorts).toEqual([{ switch: 'leaf1', port: 'swp1' }]);
    expect(site.nodes[1].interfaces.find((i) => i.name === 'bond0')?.switchPorts).toEqual([]);
  });

  it('computes boot-action targets from node filters, rack labels included', () => {
    const docs = baseSite();
    docs.push(doc('Rack', 'rack2', { labels: { zone: 'b' } }), node('n3', 13, { metadata: { rack: 'rack2' } }));
    docs.push(doc('BootAction', 'zone-a', { node_filter: { filter_set_type: 'union', filter_set: [{ filter_type: 'union', rack_labels: { zone: 'a' } }] }, assets: [{ type: 'pkg_list', data: { curl: null } }] }));
    const site = compile(docs).site!;
    expect(site.bootActions['zone-a'].targetNodes).toEqual(['n1', 'n2']);
    expect(site.bootActions.hello.targetNodes).toEqual(['n1', 'n2', 'n3']);
    expect(site.nodes.find((n) => n.name === 'n3')?.bootActions).toEqual(['hello']);
  });
});
