import { DriverError } from '../../../../../src/drivers/errors';
import { nodePorts, productionPorts, provisioningPorts, pxeNetwork, switchEndpoint } from '../../../../../src/drivers/network/linux-bridge/port-plan';
import type { TorSwitchModel } from '../../../../../src/design/model';
import { iface, labNode, labSite, sampleNode } from '../../../../support/network-site';

const leaf: TorSwitchModel = { name: 'leaf01', mgmtIp: '10.0.0.2', ssh: { port: 22, user: 'cumulus', key: 'file:/etc/drydock/leaf.key', hostKeyFingerprint: 'SHA256:AAAA', bridge: 'bridge' } };
const site = labSite(leaf);

function summary(ports: ReturnType<typeof productionPorts>) {
  return ports.map((p) => ({ port: `${p.switch.name}/${p.port}`, untagged: p.untagged?.vid, tagged: p.tagged.map((t) => t.vid), interfaces: p.interfaces }));
}

function designError(fn: () => unknown): DriverError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DriverError);
    expect((err as DriverError).component).toBe('switch');
    expect((err as DriverError).retryable).toBe(false);
    return err as DriverError;
  }
  throw new Error('expected a DriverError');
}

describe('which VLANs a node\'s switch ports carry (pure rules of docs/network-driver.md)', () => {
  it('production: a trunk carries its default network untagged and the interface\'s other networks tagged; a plain link its one network', () => {
    expect(summary(productionPorts(sampleNode(), site))).toEqual([
      { port: 'leaf01/swp1', untagged: 1, tagged: [], interfaces: ['pxe'] },
      { port: 'leaf01/swp2', untagged: 100, tagged: [101], interfaces: ['bond0'] },
      { port: 'leaf01/swp3', untagged: 100, tagged: [101], interfaces: ['bond0'] },
    ]);
  });

  it('provisioning: only the ports of interfaces carrying the dhcp network untagged, with only that network', () => {
    expect(pxeNetwork(sampleNode())).toBe('pxe');
    expect(summary(provisioningPorts(sampleNode(), site))).toEqual([{ port: 'leaf01/swp1', untagged: 1, tagged: [], interfaces: ['pxe'] }]);
    const trunkPxe = labNode('n2', [iface('bond0', 'gp-pxe', ['pxe', 'mgmt'], ['swp4']), iface('data', 'gp', ['mgmt', 'pxe'], ['swp5'])]);
    // swp5's link trunks with mgmt as default: pxe would be tagged there, which PXE cannot use.
    expect(summary(provisioningPorts(trunkPxe, site))).toEqual([{ port: 'leaf01/swp4', untagged: 1, tagged: [], interfaces: ['bond0'] }]);
  });

  it('a port listed by two interfaces gets the union, and a clash of untagged networks is refused', () => {
    const shared = labNode('n3', [iface('pxe', 'pxe', ['pxe'], ['swp1']), iface('bond0', 'gp', ['private'], ['swp1'])]);
    // pxe (VLAN 1) untagged from the pxe link; bond0's trunk default mgmt (100) clashes.
    const err = designError(() => productionPorts(shared, site));
    expect(err.message).toMatch(/port swp1 of switch leaf01 is listed by interfaces pxe and bond0, which want different untagged networks \(pxe, mgmt\)/);
    const trunkOnly = labNode('n4', [iface('a', 'gp', ['mgmt', 'private'], ['swp1']), iface('b', 'gp', ['mgmt', 'public'], ['swp1'])]);
    expect(summary(productionPorts(trunkOnly, site))).toEqual([{ port: 'leaf01/swp1', untagged: 100, tagged: [101, 102], interfaces: ['a', 'b'] }]);
  });

  it('refuses a tagged network without vlan, a missing dhcp network and a port that carries one VLAN twice', () => {
    const untaggable = labNode('n5', [iface('bond0', 'gp', ['mgmt', 'untaggable'], ['swp2'])]);
    expect(designError(() => productionPorts(untaggable, site)).message).toMatch(/network untaggable has no vlan, so it cannot be carried tagged on the interface's 802.1q trunk/);
    const noDhcp = labNode('n6', [iface('pxe', 'pxe', ['pxe'], ['swp1'])], [{ network: 'mgmt', address: '172.16.1.9' }]);
    expect(designError(() => provisioningPorts(noDhcp, site)).message).toMatch(/node n6 \(site\/nodes.yaml:12\) has no network addressed with dhcp/);
    const twoDhcp = labNode('n7', [iface('pxe', 'pxe', ['pxe'], ['swp1'])], [{ network: 'mgmt', address: 'dhcp' }, { network: 'pxe', address: 'DHCP' }]);
    expect(designError(() => provisioningPorts(twoDhcp, site)).message).toMatch(/several networks with dhcp \(mgmt, pxe\)/);
    const noPxePort = labNode('n8', [iface('bond0', 'gp', ['mgmt', 'pxe'], ['swp2'])]);
    expect(designError(() => provisioningPorts(noPxePort, site)).message).toMatch(/no interface with switch_ports carries the PXE network pxe untagged/);
    const sameVid = { ...site, networks: { ...site.networks, other: { ...site.networks.private, name: 'other', vlan: 100 } } };
    const clash = labNode('n9', [iface('bond0', 'gp', ['mgmt', 'other'], ['swp2'])]);
    expect(designError(() => productionPorts(clash, sameVid)).message).toMatch(/would carry VLAN 100 both untagged \(mgmt\) and tagged \(other\)/);
  });

  it('refuses port names a shell or an option parser would read as more than a name', () => {
    for (const port of ['swp1;reboot', '$(id)', 'swp 1', '-force', '.', 'a'.repeat(16), '', 'swp1\n']) {
      const node = labNode('n', [iface('bond0', 'gp', ['mgmt'], [port])]);
      const err = designError(() => nodePorts(node, site));
      expect(err.kind).toBe('InvalidRequest');
      expect(err.message).toContain(`switch port ${JSON.stringify(port)} on switch leaf01 is not a valid port name`);
    }
    for (const port of ['swp1', 'swp1s0', 'eth-1.100', 'Ethernet0', 'a'.repeat(15)]) {
      expect(nodePorts(labNode('n', [iface('bond0', 'gp', ['mgmt'], [port])]), site)).toHaveLength(1);
    }
  });

  it('finds a switch of another rack when the node\'s rack lacks it, and refuses an unknown or ambiguous one', () => {
    const twoRacks = { ...site, racks: { ...site.racks, rack2: { name: 'rack2', torSwitches: { spine1: { name: 'spine1', mgmtIp: '10.0.0.9' } }, location: {}, localNetworks: [], labels: {} } } };
    expect(nodePorts(labNode('n', [iface('bond0', 'gp', ['mgmt'], ['swp1'], 'spine1')]), twoRacks)[0].switch).toMatchObject({ name: 'spine1', rack: 'rack2' });
    const unknown = designError(() => nodePorts(labNode('n', [iface('bond0', 'gp', ['mgmt'], ['swp1'], 'nope')]), twoRacks));
    expect(unknown.kind).toBe('NotFound');
    expect(unknown.message).toMatch(/switch_ports names switch nope, which is not a tor_switch of rack rack1 \(its tor_switches: leaf01\) nor of another rack/);
    const dup = { ...twoRacks, racks: { ...twoRacks.racks, rack3: { ...twoRacks.racks.rack2, name: 'rack3' } } };
    expect(designError(() => nodePorts(labNode('n', [iface('bond0', 'gp', ['mgmt'], ['swp1'], 'spine1')]), dup)).message).toMatch(/switch spine1 is in the tor_switches of several racks \(rack2, rack3\)/);
  });

  it('says what a switch entry lacks for SSH management', () => {
    const ref = (model: TorSwitchModel) => ({ name: model.name, rack: 'rack1', model });
    expect(switchEndpoint(ref(leaf))).toMatchObject({ address: '10.0.0.2', port: 22, user: 'cumulus', bridge: 'bridge', keyReference: 'file:/etc/drydock/leaf.key' });
    expect(() => switchEndpoint(ref({ name: 'leaf01', mgmtIp: '10.0.0.2' }))).toThrow(/switch leaf01 \(rack rack1\): the linux-bridge driver manages switches over SSH, but tor_switches.leaf01 has no ssh settings/);
    expect(() => switchEndpoint(ref({ ...leaf, mgmtIp: undefined }))).toThrow(/has no mgmt_ip/);
    expect(() => switchEndpoint(ref({ ...leaf, ssh: { ...leaf.ssh!, bridge: 'br0 && reboot' } }))).toThrow(/bridge "br0 && reboot" is not a valid interface name/);
  });
});
