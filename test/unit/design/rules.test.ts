/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment -- the tests edit free-form document data (see data() in support/site.ts) */
import { CODES } from '../../../src/design';
import type { Finding, ProcessOptions } from '../../../src/design';
import { RULES } from '../../../src/design/rules';
import { baseSite, brief, data, doc, Doc, node, run, withCode } from './support/site';

/**
 * Every validation rule against a valid design (the base site, or the base site with what the
 * rule needs to have something to check) and an invalid one (one change that breaks the rule).
 */
interface Case {
  /** Changes to the base site that keep it valid but give the rule something to check. */
  valid?: (docs: Doc[]) => void;
  /** One change that breaks the rule. */
  invalid: (docs: Doc[]) => void;
  /** What the invalid design must report: field and a piece of the message. */
  expect: { field?: string; message: RegExp; severity?: Finding['severity']; document?: string };
  options?: ProcessOptions;
}

const CASES: Record<string, Case> = {
  'boot-storage-rational': {
    invalid: (d) => {
      data(d, 'HostProfile', 'base').storage.physical_devices.disk1.partitions[0].size = '10g';
    },
    expect: { field: 'storage.physical_devices.disk1.partitions[root].size', message: /root filesystem .* is 10g; it must be at least 20 GB/ },
  },
  'cidr-validity': {
    invalid: (d) => {
      data(d, 'Network', 'oob').cidr = '10.0.100.7/24';
    },
    expect: { field: 'cidr', message: /host bits set; MAAS accepts 10\.0\.100\.0\/24/, document: 'Network/oob' },
  },
  'hugepages-validity': {
    valid: (d) => {
      data(d, 'HostProfile', 'base').platform.kernel_params = { hugepagesz: 'hardwareprofile:hugepages.huge.size', hugepages: 'hardwareprofile:hugepages.huge.count' };
    },
    invalid: (d) => {
      data(d, 'HostProfile', 'base').platform.kernel_params = { hugepages: '16' };
    },
    expect: { field: 'platform.kernel_params.hugepages', message: /hugepages without hugepagesz/ },
  },
  'ip-locality': {
    invalid: (d) => {
      data(d, 'BaremetalNode', 'n1').addressing[1].address = '10.9.9.9';
    },
    expect: { field: 'addressing[1].address', message: /10\.9\.9\.9 of node n1 is not within the CIDR 10\.0\.1\.0\/24 of network mgmt/ },
  },
  'mtu-rational': {
    invalid: (d) => {
      data(d, 'Network', 'mgmt').mtu = 9216;
    },
    expect: { field: 'mtu', message: /MTU 9216 of network mgmt is above the MTU 9000 of link gp/ },
  },
  'network-trunking': {
    invalid: (d) => {
      data(d, 'NetworkLink', 'pxe').allowed_networks = ['pxe', 'oob'];
    },
    expect: { field: 'allowed_networks', message: /allows 2 networks but trunking is disabled/ },
  },
  'no-duplicate-ips': {
    invalid: (d) => {
      data(d, 'BaremetalNode', 'n2').addressing[1].address = '10.0.1.11';
    },
    expect: { field: 'addressing[1].address', message: /10\.0\.1\.11 on network mgmt is already assigned to node n1/ },
  },
  'platform-selection': {
    options: { availableImages: { images: ['jammy'], kernels: ['ga-22.04', 'hwe-22.04'] } },
    invalid: (d) => {
      data(d, 'BaremetalNode', 'n1').platform = { kernel: 'ga-20.04' };
    },
    expect: { field: 'platform.kernel', message: /kernel "ga-20\.04" of node n1 is not available; choose one of: ga-22\.04, hwe-22\.04/ },
  },
  'network-bond-rational': {
    valid: (d) => {
      data(d, 'NetworkLink', 'gp').bonding = { mode: 'balance-rr' };
    },
    invalid: (d) => {
      data(d, 'NetworkLink', 'gp').bonding = { mode: 'balance-rr', hash: 'layer3+4' };
    },
    expect: { field: 'bonding.hash', message: /only for 802\.3ad .* not balance-rr/, document: 'NetworkLink/gp' },
  },
  'storage-partitioning': {
    invalid: (d) => {
      data(d, 'HostProfile', 'base').storage.physical_devices.sdb.partitions = [{ name: 'p1', size: '10g' }];
    },
    expect: { field: 'storage.physical_devices.sdb', message: /disk sdb of node n1 has partitions and is also a member of volume group data/ },
  },
  'storage-sizing': {
    invalid: (d) => {
      data(d, 'HostProfile', 'base').storage.volume_groups.data.logical_volumes.push({ name: 'srv', size: '60%' });
    },
    expect: { field: 'storage.volume_groups.data.logical_volumes', message: /add up to 110%/ },
  },
  'storage-mountpoints': {
    invalid: (d) => {
      data(d, 'HostProfile', 'base').storage.volume_groups.data.logical_volumes.push({ name: 'boot2', size: '10%', filesystem: { mountpoint: '/boot' } });
    },
    expect: { field: 'storage.volume_groups.data.logical_volumes[boot2].filesystem.mountpoint', message: /mounts at \/boot, as partition boot of disk disk1 already does/ },
  },
  'unique-network': {
    invalid: (d) => {
      data(d, 'NetworkLink', 'pxe').allowed_networks = ['pxe'];
      data(d, 'HostProfile', 'base').interfaces.pxe.networks = ['pxe', 'oob'];
    },
    expect: { field: 'interfaces.pxe.networks[oob]', message: /carries network oob, which its link pxe does not allow/ },
  },
  'hostname-validity': {
    invalid: (d) => {
      d.push(node('n_3', 13));
    },
    expect: { message: /label "n_3" may only hold letters, digits and inner hyphens/, document: 'BaremetalNode/n_3' },
  },
  'ipmi-validity': {
    valid: (d) => {
      data(d, 'BaremetalNode', 'n1').oob = { address: 'bmc-n1.example.com' };
    },
    invalid: (d) => {
      data(d, 'BaremetalNode', 'n2').addressing.pop();
    },
    expect: { field: 'oob.network', message: /IPMI node n2 has no address on its OOB network oob/ },
  },
  'redfish-validity': {
    valid: (d) => {
      data(d, 'BaremetalNode', 'n1').oob = { type: 'redfish', system_id: 'System.Embedded.1', use_https: true, insecure: true };
    },
    invalid: (d) => {
      data(d, 'BaremetalNode', 'n1').oob = { type: 'redfish', network: '!', use_https: 'yes please' };
    },
    expect: { message: /Redfish node n1 has no BMC address|use_https of node n1 must be a boolean/ },
  },
  'libvirt-validity': {
    valid: (d) => {
      data(d, 'BaremetalNode', 'n1').oob = { type: 'libvirt', libvirt_uri: 'qemu+ssh://virt@hv1/system' };
      data(d, 'BaremetalNode', 'n1').metadata.boot_mac = '52:54:00:00:00:01';
    },
    invalid: (d) => {
      data(d, 'BaremetalNode', 'n1').oob = { type: 'libvirt', libvirt_uri: 'qemu:///system' };
      data(d, 'BaremetalNode', 'n1').metadata.boot_mac = '52:54:00:00:00:01';
    },
    expect: { field: 'oob.libvirt_uri', message: /must use the qemu\+ssh:\/\/ scheme/ },
  },
  'bootaction-defined': {
    invalid: (d) => {
      data(d, 'BootAction', 'hello').node_filter = { filter_set_type: 'union', filter_set: [{ filter_type: 'union', node_names: ['n1'] }] };
    },
    expect: { message: /node n2 is not in scope of any boot action/, severity: 'warning', document: 'BaremetalNode/n2' },
  },
  'bootaction-package-list': {
    valid: (d) => {
      data(d, 'BootAction', 'hello').assets.push({ type: 'pkg_list', data: { curl: null, '2ping': '3.2.1-1', jq: '1.6' } });
    },
    invalid: (d) => {
      data(d, 'BootAction', 'hello').assets.push({ type: 'pkg_list', data: { curl: '7.81:)' } });
    },
    expect: { field: 'assets[2].data.curl', message: /version specifier "7\.81:\)" of package curl is not a valid format/ },
  },
  'bootaction-template': {
    valid: (d) => {
      data(d, 'BootAction', 'hello').assets.push({ path: '/etc/drydock/node', type: 'file', data: 'host={{ node.hostname }} ip={{ node.network.mgmt.ip }}\n{% for t in node.tags %}{{ t }}{% endfor %}', data_pipeline: ['utf8_decode', 'template'] });
    },
    invalid: (d) => {
      data(d, 'BootAction', 'hello').assets.push({ path: '/etc/drydock/bad', type: 'file', data: 'ok\n{% if node.hostname %}\nno end', data_pipeline: ['utf8_decode', 'template'] });
    },
    expect: { field: 'assets[2].data', message: /asset 2 \(\/etc\/drydock\/bad\), for node n1: data_pipeline\[1\] segment template: line 3: unexpected end of template/ },
  },
  'undefined-reference': {
    invalid: (d) => {
      data(d, 'HostProfile', 'base').interfaces.bond0.device_link = 'gp2';
    },
    expect: { field: 'interfaces.bond0.device_link', message: /NetworkLink gp2 is not defined \(did you mean gp\?\)/ },
  },
  'oob-credentials': {
    invalid: (d) => {
      data(d, 'BaremetalNode', 'n2').oob = { '!credential': null };
    },
    expect: { field: 'oob', message: /ipmi node n2 has no oob\.credential/, document: 'BaremetalNode/n2' },
  },
  'credential-reference': {
    invalid: (d) => {
      data(d, 'HostProfile', 'base').oob.credential = 'env:1BAD';
    },
    expect: { field: 'oob.credential', message: /"env:1BAD" is not a valid env: reference/, document: 'HostProfile/base' },
  },
  'oob-parameters': {
    invalid: (d) => {
      data(d, 'HostProfile', 'base').oob.acount = 'root';
    },
    expect: { field: 'oob.acount', message: /oob\.acount of node n1 is not read by the ipmi driver \(did you mean "account"\?\)/, severity: 'warning' },
  },
};

describe('validation rules', () => {
  it('the base test site passes every rule without a finding', () => {
    const r = run(baseSite(), { availableImages: { images: ['jammy'], kernels: ['ga-22.04'] } });
    expect(brief(r.findings)).toEqual([]);
  });

  it('every rule has a case here, a unique code and a registry entry', () => {
    const codes = RULES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(Object.keys(CASES).sort()).toEqual([...codes].sort());
    for (const code of codes) expect(CODES[code].stage).toBe('validate');
  });

  describe.each(Object.entries(CASES))('%s', (code, c) => {
    it('finds nothing in a valid design', () => {
      const docs = baseSite();
      c.valid?.(docs);
      const r = run(docs, c.options);
      expect(brief(withCode(r.findings, code).filter((f) => f.severity !== 'info'))).toEqual([]);
      expect(r.ok).toBe(true);
    });

    it('reports the broken design with its code, severity, field and line', () => {
      const docs = baseSite();
      c.valid?.(docs);
      c.invalid(docs);
      const r = run(docs, c.options);
      const found = withCode(r.findings, code).filter((f) => c.expect.message.test(f.message));
      expect({ found: brief(found), all: brief(r.findings) }).toEqual(expect.objectContaining({ found: expect.arrayContaining([expect.any(String)]) as unknown }));
      const f = found[0];
      expect(f.severity).toBe(c.expect.severity ?? CODES[code as keyof typeof CODES].severity);
      if (c.expect.field !== undefined) expect(found.map((x) => x.field)).toContain(c.expect.field);
      if (c.expect.document !== undefined) expect(`${f.document?.kind}/${f.document?.name}`).toBe(c.expect.document);
      expect(f.source).toEqual({ file: 'site.yaml', line: expect.any(Number) as unknown, column: expect.any(Number) as unknown });
      expect(f.source?.line).toBeGreaterThan(1);
    });
  });
});

describe('rule details beyond Drydock', () => {
  it('checks balance-rr bonds (Drydock compares the mode with "balanced-rr" and never does)', () => {
    const docs = baseSite();
    data(docs, 'NetworkLink', 'gp').bonding = { mode: 'balance-rr', peer_rate: 'fast' };
    expect(brief(withCode(run(docs).findings, 'network-bond-rational'))).toEqual([expect.stringMatching(/bonding\.peer_rate: bonding\.peer_rate is only for 802\.3ad/)]);
  });

  it('sums percentages per volume group, not across them', () => {
    const docs = baseSite();
    const storage = data(docs, 'HostProfile', 'base').storage;
    storage.physical_devices.sdc = { volume_group: 'more' };
    storage.volume_groups.more = { logical_volumes: [{ name: 'srv', size: '60%' }] };
    // 50% in data and 60% in more: each is fine on its own.
    expect(brief(withCode(run(docs).findings, 'storage-sizing'))).toEqual([]);
  });

  it('counts a partition as a volume-group member through its own volume_group', () => {
    const docs = baseSite();
    const storage = data(docs, 'HostProfile', 'base').storage;
    delete storage.physical_devices.sdb;
    storage.physical_devices.disk1.partitions.push({ name: 'pv', size: '40%', volume_group: 'data' });
    expect(brief(withCode(run(docs).findings, 'storage-partitioning'))).toEqual([]);
  });

  it('reports a partition that both has a filesystem and joins a volume group', () => {
    const docs = baseSite();
    data(docs, 'HostProfile', 'base').storage.physical_devices.disk1.partitions.push({ name: 'pv', size: '10%', volume_group: 'data', filesystem: { mountpoint: '/srv' } });
    expect(brief(withCode(run(docs).findings, 'storage-partitioning'))).toEqual(expect.arrayContaining([expect.stringMatching(/partition pv of disk disk1 .* has a filesystem and is also a member of volume group data/)]));
  });

  it('reports every duplicate mountpoint, not only the first', () => {
    const docs = baseSite();
    const lvs = data(docs, 'HostProfile', 'base').storage.volume_groups.data.logical_volumes;
    lvs.push({ name: 'a', size: '5%', filesystem: { mountpoint: '/' } }, { name: 'b', size: '5%', filesystem: { mountpoint: '/var/log' } });
    expect(withCode(run(docs).findings, 'storage-mountpoints')).toHaveLength(4); // 2 per node
  });

  it('points an inherited problem at the profile line and says so', () => {
    const docs = baseSite();
    data(docs, 'HostProfile', 'base').storage.physical_devices.disk1.partitions[1].size = '200m';
    const [f] = withCode(run(docs).findings, 'boot-storage-rational');
    expect(f.document).toEqual({ kind: 'BaremetalNode', name: 'n1' });
    expect(f.message).toMatch(/\(set in HostProfile\/base\)$/);
    const text = run(docs).findings && f.source;
    expect(text?.line).toBeGreaterThan(0);
  });

  it('reports a cleartext credential once at the profile, with a warning, without echoing it', () => {
    const docs = baseSite();
    data(docs, 'HostProfile', 'base').oob.credential = 'hunter2';
    const found = withCode(run(docs).findings, 'credential-reference');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'warning', document: { kind: 'HostProfile', name: 'base' }, field: 'oob.credential' });
    expect(found[0].message).toMatch(/inherited by 2 nodes: n1, n2/);
    expect(JSON.stringify(found)).not.toContain('hunter2');
  });

  it('checks the credentials of the site drivers and switches (extensions)', () => {
    const docs = baseSite();
    data(docs, 'Region', 'site1').drivers = { node: { type: 'maas', api_url: 'http://maas:5240/MAAS', api_key: 'a:b:c' }, kubernetes: { type: 'kubernetes', api_url: 'https://10.0.0.1:6443', token: 'file:relative' } };
    data(docs, 'Rack', 'rack1').tor_switches.leaf1.ssh = { user: 'cumulus', key: 'secret:leaf1-key', host_key_fingerprint: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8' };
    const found = withCode(run(docs).findings, 'credential-reference');
    expect(brief(found)).toEqual([
      expect.stringMatching(/^warning credential-reference Region\/site1 drivers\.node\.api_key: the MAAS API key .* cleartext/),
      expect.stringMatching(/^error credential-reference Region\/site1 drivers\.kubernetes\.token: .*give an absolute path/),
    ]);
  });

  it('warns about an undefined rack, as Drydock accepts them', () => {
    const docs = baseSite();
    data(docs, 'BaremetalNode', 'n1').metadata.rack = 'rack9';
    const r = run(docs);
    expect(r.ok).toBe(true);
    expect(brief(withCode(r.findings, 'undefined-reference'))).toEqual([expect.stringMatching(/^warning .* Rack rack9 is not defined/)]);
  });

  it('checks switch ports against the rack of the node (extension)', () => {
    const docs = baseSite();
    data(docs, 'BaremetalNode', 'n1').interfaces = { bond0: { switch_ports: [{ switch: 'leaf1', port: 'swp1' }, { switch: 'leaf2', port: 'swp1' }] } };
    expect(brief(withCode(run(docs).findings, 'undefined-reference'))).toEqual([expect.stringMatching(/names switch leaf2, which rack rack1 does not list in tor_switches \(it has: leaf1\)/)]);
  });

  it('treats a node without oob.type as manual, with a warning', () => {
    const docs = baseSite();
    data(docs, 'HostProfile', 'base').oob = { network: 'oob' };
    const r = run(docs);
    expect(r.site?.nodes[0].oob.type).toBe('manual');
    expect(brief(withCode(r.findings, 'oob-parameters'))).toEqual([expect.stringMatching(/n1 has no oob\.type/), expect.stringMatching(/n2 has no oob\.type/)]);
  });

  it('rejects an OOB type without a driver', () => {
    const docs = baseSite();
    data(docs, 'HostProfile', 'base').oob.type = 'ilo';
    expect(brief(errorsOfCode(run(docs).findings, 'oob-parameters'))).toHaveLength(2);
  });

  it('runs platform-selection only with a list of images, and says so otherwise', () => {
    expect(brief(withCode(run(baseSite()).findings, 'platform-selection'))).toEqual([expect.stringMatching(/^info .*not checked/)]);
  });

  it('accepts Debian versions without a revision (Drydock demands one)', () => {
    const docs = baseSite();
    data(docs, 'BootAction', 'hello').assets.push({ type: 'pkg_list', data: { jq: '1.6', 'libfoo1': '2:1.0~rc1-3ubuntu1' } });
    expect(brief(withCode(run(docs).findings, 'bootaction-package-list'))).toEqual([]);
  });

  it('keeps an empty design from crashing any rule', () => {
    const r = run([doc('Region', 'empty', {})]);
    expect(r.ok).toBe(true);
  });
});

function errorsOfCode(findings: Finding[], code: string): Finding[] {
  return findings.filter((f) => f.code === code && f.severity === 'error');
}
