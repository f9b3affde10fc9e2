import { parseLinks, parseVlans, vlanCommands } from '../../../../../src/drivers/network/linux-bridge/bridge-state';
import { classifyCommandFailure } from '../../../../../src/drivers/network/linux-bridge/ssh-session';

describe('reading iproute2 output and computing the bridge vlan commands', () => {
  it('reads both JSON shapes of `bridge -j vlan show` and expands ranges', () => {
    const modern = JSON.stringify([{ ifname: 'swp1', vlans: [{ vlan: 1, flags: ['PVID', 'Egress Untagged'] }, { vlan: 100, vlanEnd: 102 }] }]);
    const old = JSON.stringify({ swp1: [{ vlan: 1, flags: ['PVID', 'Egress Untagged'] }, { vlan: 100, vlanEnd: 102 }] });
    const expected = [
      { vid: 1, pvid: true, untagged: true },
      { vid: 100, pvid: false, untagged: false },
      { vid: 101, pvid: false, untagged: false },
      { vid: 102, pvid: false, untagged: false },
    ];
    expect(parseVlans(modern).get('swp1')).toEqual(expected);
    expect(parseVlans(old).get('swp1')).toEqual(expected);
    expect(parseVlans('').size).toBe(0);
    expect(() => parseVlans('port vlan-id')).toThrow(/did not print JSON/);
  });

  it('reads bridges, their vlan_filtering, ports\' masters and admin state', () => {
    const links = parseLinks(JSON.stringify([
      { ifname: 'br0', flags: ['UP'], linkinfo: { info_kind: 'bridge', info_data: { vlan_filtering: 1 } } },
      { ifname: 'swp1', flags: ['BROADCAST'], master: 'br0', linkinfo: { info_kind: 'veth' } },
    ]));
    expect(links.get('br0')).toMatchObject({ kind: 'bridge', vlanFiltering: true, adminUp: true });
    expect(links.get('swp1')).toMatchObject({ master: 'br0', adminUp: false, vlanFiltering: undefined });
  });

  it('sends nothing when the port already holds, and only the difference otherwise (PVID moves before the old VLAN goes)', () => {
    const fresh = [{ vid: 1, pvid: true, untagged: true }];
    expect(vlanCommands('swp1', fresh, { untagged: 1, tagged: [] })).toEqual([]);
    expect(vlanCommands('swp1', fresh, { untagged: 100, tagged: [101, 102] })).toEqual([
      'vlan add dev swp1 vid 100 pvid untagged',
      'vlan add dev swp1 vid 101',
      'vlan add dev swp1 vid 102',
      'vlan del dev swp1 vid 1',
    ]);
    const prod = [{ vid: 100, pvid: true, untagged: true }, { vid: 101, pvid: false, untagged: false }, { vid: 999, pvid: false, untagged: false }];
    expect(vlanCommands('swp1', prod, { untagged: 100, tagged: [101] })).toEqual(['vlan del dev swp1 vid 999']);
    // A VLAN that changes role only changes flags.
    expect(vlanCommands('swp1', prod, { untagged: 101, tagged: [100] })).toEqual(['vlan add dev swp1 vid 101 pvid untagged', 'vlan add dev swp1 vid 100', 'vlan del dev swp1 vid 999']);
    // Egress-untagged without PVID (left over by an earlier PVID move) is corrected.
    expect(vlanCommands('swp1', [{ vid: 1, pvid: false, untagged: true }, { vid: 100, pvid: true, untagged: true }], { untagged: 100, tagged: [1] })).toEqual(['vlan add dev swp1 vid 1']);
    expect(vlanCommands('swp1', prod, { tagged: [] })).toEqual(['vlan del dev swp1 vid 100', 'vlan del dev swp1 vid 101', 'vlan del dev swp1 vid 999']);
  });
});

describe('classifying a failed switch command by what it printed', () => {
  const endpoint = { name: 'leaf01', rack: 'rack1', address: '10.0.0.2', port: 22, user: 'cumulus', keyReference: 'file:/k', hostKeyFingerprint: 'SHA256:x', bridge: 'br0' };
  it.each([
    ['Cannot find device "swp9"', 1, 'NotFound'],
    ['RTNETLINK answers: Operation not permitted', 2, 'AuthFailed'],
    ['sh: 1: bridge: not found', 127, 'Unsupported'],
    ['RTNETLINK answers: Device or resource busy', 2, 'Busy'],
    ['RTNETLINK answers: Operation not supported', 2, 'Unsupported'],
    ['Error: argument "x" is wrong: invalid VLAN', 255, 'InvalidRequest'],
  ] as const)('%s (exit %i) is %s, quoted in the message', (stderr, code, kind) => {
    const err = classifyCommandFailure(endpoint, 'bridge -batch -', code, `${stderr}\nCommand failed -:1\n`);
    expect(err.kind).toBe(kind);
    expect(err.message).toBe(`switch leaf01 (10.0.0.2:22, rack rack1): \`bridge -batch -\` failed (exit ${code}): ${stderr} | Command failed -:1`);
  });
});
