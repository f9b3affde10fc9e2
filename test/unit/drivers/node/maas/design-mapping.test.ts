import { deployUserData, distroSeries, nodePackages } from '../../../../../src/drivers/node/maas/lifecycle';
import { powerAddressHost } from '../../../../../src/drivers/node/maas/machines';
import { kernelParamString } from '../../../../../src/drivers/node/maas/platform';
import { defaultGateway, placeNetworks } from '../../../../../src/drivers/node/maas/site-network';
import { parse } from 'yaml';
import { fixtureNode, fixtureSite, macsFor, siteContext } from '../../../../fixtures/site-model';

describe('MAAS driver: design to MAAS mapping', () => {
  const node = fixtureNode('lab', { name: 'n1', host: 11, macs: macsFor(1) });
  const site = siteContext(fixtureSite({ apiUrl: 'http://maas.example:5240/MAAS', nodes: [node] }));

  it('renders kernel parameters as MAAS kernel_opts', () => {
    expect(kernelParamString({ console: 'ttyS1,115200', intel_iommu: 'on', quiet: true })).toBe('console=ttyS1,115200 intel_iommu=on quiet');
    expect(kernelParamString({})).toBe('');
  });

  it("carries the boot actions' package lists as cloud-config user data", () => {
    expect(nodePackages(node, site)).toEqual([['chrony', '4.2-2ubuntu2'], 'docker.io']);
    const userData = deployUserData(node, site)!;
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    expect(parse(userData)).toEqual({ packages: [['chrony', '4.2-2ubuntu2'], 'docker.io'] });
    expect(deployUserData({ ...node, bootActions: [] }, site)).toBeUndefined();
  });

  it('accepts image names with or without the ubuntu/ prefix', () => {
    expect(distroSeries('ubuntu/jammy')).toBe('jammy');
    expect(distroSeries('focal')).toBe('focal');
    expect(distroSeries(undefined)).toBeUndefined();
  });

  it('reads BMC addresses out of MAAS power addresses', () => {
    expect(powerAddressHost('10.0.0.5')).toEqual({ host: '10.0.0.5' });
    expect(powerAddressHost('127.0.0.1:6230')).toEqual({ host: '127.0.0.1', port: 6230 });
    expect(powerAddressHost('https://10.0.0.7:8000/redfish/v1')).toEqual({ host: '10.0.0.7', port: 8000 });
    expect(powerAddressHost('[fd00::5]:623')).toEqual({ host: 'fd00::5', port: 623 });
  });

  it('places each network on one link and vid, with its default gateway', () => {
    const placed = placeNetworks(site);
    expect([...placed.entries()].map(([n, p]) => [n, p.link.name, p.vid])).toEqual([
      ['mgmt', 'gp', 100],
      ['storage', 'gp', 200],
      ['pxe', 'pxe-rack1', 0],
    ]);
    expect(defaultGateway(site.networks.mgmt)).toBe('10.21.0.1');
    expect(defaultGateway(site.networks.storage)).toBeUndefined();
  });

  it('refuses a network allowed on two links, naming both', () => {
    const bad = structuredClone(site);
    bad.links['pxe-rack1'].allowedNetworks.push('mgmt');
    expect(() => placeNetworks(bad)).toThrow(/network mgmt is allowed on NetworkLinks gp and pxe-rack1/);
    const missing = structuredClone(site);
    missing.links.gp.allowedNetworks.push('ghost');
    expect(() => placeNetworks(missing)).toThrow(/NetworkLink gp allows network ghost, which the design does not define/);
  });
});
