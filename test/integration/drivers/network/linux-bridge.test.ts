import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { standaloneContext } from '../../../../src/drivers/context';
import { DriverError } from '../../../../src/drivers/errors';
import { createNetworkDriver } from '../../../../src/drivers/network';
import type { NetworkDriver } from '../../../../src/drivers/network/interface';
import { probeLabSwitchSupport, startLabSwitch, type LabSwitch, type VlanMode, type VlanTableEntry } from '../../../../lab/switch';
import { SecretResolver } from '../../../../src/secrets/resolver';
import { pollUntil } from '../../../../src/tools/poll';
import { freePort } from '../../../../src/tools/ports';
import { iface, labNode, labSite, labTorSwitch, sampleNode } from '../../../support/network-site';
import { driverFailure } from '../../../support/driver-errors';

const support = probeLabSwitchSupport();

interface ModeCase {
  mode: VlanMode;
  title: string;
  skipReason?: string;
}

// The kernel mode is the real thing. The emulated mode runs only where the kernel cannot make a
// VLAN-aware bridge: namespace, bridge, veth ports, sshd and `ip` stay real, the VLAN table is
// kept by lab/switch/vlan-emulator.ts.
const cases: ModeCase[] = [
  {
    mode: 'kernel',
    title: 'linux-bridge driver over real SSH against a namespace switch with a kernel VLAN-aware bridge',
    skipReason: !support.ok ? support.reason : !support.vlanFiltering ? support.vlanFilteringReason : undefined,
  },
  {
    mode: 'emulated',
    title: 'linux-bridge driver over real SSH against a namespace switch whose VLAN table is emulated (this kernel has no bridge VLAN filtering)',
    skipReason: !support.ok ? support.reason : support.vlanFiltering ? 'not needed: this kernel has bridge VLAN filtering, the kernel-mode tests run instead' : undefined,
  },
];

for (const c of cases) {
  if (c.skipReason) process.stderr.write(`[linux-bridge tests] skipping "${c.title}": ${c.skipReason}\n`);
}

const DEFAULT: VlanTableEntry[] = [{ vid: 1, pvid: true, untagged: true }];
const untagged = (vid: number): VlanTableEntry => ({ vid, pvid: true, untagged: true });
const tagged = (vid: number): VlanTableEntry => ({ vid, pvid: false, untagged: false });

async function expectDriverError(promise: Promise<unknown>, expected: { kind: DriverError['kind']; message: RegExp[] }): Promise<DriverError> {
  const err = await driverFailure(promise);
  expect({ component: err.component, kind: err.kind, retryable: err.retryable }).toEqual({ component: 'switch', kind: expected.kind, retryable: ['Unreachable', 'Timeout', 'Busy'].includes(expected.kind) });
  for (const m of expected.message) expect(err.message).toMatch(m);
  return err;
}

for (const c of cases) {
  const describeMode = c.skipReason ? describe.skip : describe;
  describeMode(`${c.title}${c.skipReason ? ` (skipped: ${c.skipReason})` : ''}`, () => {
    let lab: LabSwitch;
    let driver: NetworkDriver;
    let scratch: string;
    const secrets = new SecretResolver({ env: {} });

    beforeAll(async () => {
      lab = await startLabSwitch({ ports: 5, vlanMode: c.mode });
      driver = createNetworkDriver({ type: 'linux-bridge' }, { secrets, connectTimeoutMs: 20_000, commandTimeoutMs: 20_000 });
      scratch = mkdtempSync(join(tmpdir(), 'drydock-switch-test-'));
    });
    afterAll(async () => {
      await lab?.stop();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    // Every test starts from a fresh switch: each port only VLAN 1 untagged, admin up.
    beforeEach(async () => {
      const table = await lab.vlanTable();
      const lines = lab.ports.flatMap((port) => [`vlan add dev ${port} vid 1 pvid untagged`, ...(table[port] ?? []).filter((e) => e.vid !== 1).map((e) => `vlan del dev ${port} vid ${e.vid}`)]);
      writeFileSync(join(scratch, 'reset.batch'), `${lines.join('\n')}\n`);
      await lab.bridgeCommand(['-batch', join(scratch, 'reset.batch')]);
      writeFileSync(join(scratch, 'up.batch'), lab.ports.map((port) => `link set dev ${port} up\n`).join(''));
      await lab.exec('ip', ['-batch', join(scratch, 'up.batch')]);
      const reset = await lab.vlanTable();
      for (const port of lab.ports) expect(reset[port]).toEqual(DEFAULT);
    });

    const site = () => labSite(labTorSwitch(lab));
    const ctx = () => standaloneContext();

    it('ValidateNetworkServices reaches the switch, verifies its host key and finds the VLAN-aware bridge', async () => {
      const check = await driver.validateNetworkServices(site(), ctx());
      expect(check.ok).toBe(true);
      expect(check.message).toContain(`leaf01 (${lab.address}:22, bridge br0, 5 ports)`);
    });

    it('InterrogatePort reports every port of the node with its VLANs and link state', async () => {
      const ports = await driver.interrogatePort(sampleNode(), site(), ctx());
      expect(ports).toEqual(
        ['swp1', 'swp2', 'swp3'].map((port, i) => ({
          switch: 'leaf01',
          port,
          untagged: 1,
          tagged: [],
          up: true,
          interfaces: [i === 0 ? 'pxe' : 'bond0'],
          bridge: 'br0',
          vlans: DEFAULT,
        })),
      );
    });

    it('ConfigurePortProduction puts the trunk default network untagged and the others tagged; a second run changes nothing', async () => {
      const node = sampleNode();
      const first = await driver.configurePortProduction(node, site(), ctx());
      expect(first.changed).toBe(true);
      expect(first.details).toMatchObject({ purpose: 'production', ports: 3, changedPorts: 2 });
      const table = await lab.vlanTable();
      expect(table.swp1).toEqual(DEFAULT); // the pxe link does not trunk: pxe (no vlan) rides VLAN 1
      expect(table.swp2).toEqual([untagged(100), tagged(101)]);
      expect(table.swp3).toEqual([untagged(100), tagged(101)]);
      expect(table.swp4).toEqual(DEFAULT); // not the node's

      const second = await driver.configurePortProduction(node, site(), ctx());
      expect(second).toMatchObject({ changed: false, details: { commands: 0 } });
      expect(second.message).toContain('already configured for production');
      expect(await lab.vlanTable()).toEqual(table);
    });

    it('ConfigurePortProvisioning leaves only the PXE network, untagged, on the ports that carry it; other ports keep theirs', async () => {
      // swp4 is a trunk whose default network is the PXE network (link gp-pxe).
      const node = labNode('compute02', [iface('bond0', 'gp-pxe', ['pxe', 'mgmt', 'private'], ['swp4']), iface('data', 'gp', ['mgmt', 'public'], ['swp5'])]);
      await driver.configurePortProduction(node, site(), ctx());
      expect((await lab.vlanTable()).swp4).toEqual([untagged(1), tagged(100), tagged(101)]);

      const outcome = await driver.configurePortProvisioning(node, site(), ctx());
      expect(outcome.changed).toBe(true);
      const table = await lab.vlanTable();
      expect(table.swp4).toEqual(DEFAULT);
      expect(table.swp5).toEqual([untagged(100), tagged(102)]);
      expect((await driver.configurePortProvisioning(node, site(), ctx())).changed).toBe(false);
    });

    it('moves a port from production back to provisioning: the PVID moves and the production VLANs go', async () => {
      const node = sampleNode();
      await lab.bridgeCommand(['vlan', 'add', 'dev', 'swp1', 'vid', '100', 'pvid', 'untagged']);
      await lab.bridgeCommand(['vlan', 'add', 'dev', 'swp1', 'vid', '101']);
      await lab.bridgeCommand(['vlan', 'del', 'dev', 'swp1', 'vid', '1']);
      const outcome = await driver.configurePortProvisioning(node, site(), ctx());
      expect(outcome.message).toMatch(/leaf01\/swp1: untagged 100, tagged 101 -> untagged 1 \(pxe\)/);
      expect((await lab.vlanTable()).swp1).toEqual(DEFAULT);
    });

    it('changes only what differs: one stray VLAN costs one command', async () => {
      const node = sampleNode();
      await driver.configurePortProduction(node, site(), ctx());
      await lab.bridgeCommand(['vlan', 'add', 'dev', 'swp3', 'vid', '999']);
      const outcome = await driver.configurePortProduction(node, site(), ctx());
      expect(outcome).toMatchObject({ changed: true, details: { changedPorts: 1, commands: 1 } });
      expect((await lab.vlanTable()).swp3).toEqual([untagged(100), tagged(101)]);
    });

    it('brings up a port that is administratively down', async () => {
      await lab.exec('ip', ['link', 'set', 'dev', 'swp2', 'down']);
      const outcome = await driver.configurePortProduction(sampleNode(), site(), ctx());
      expect(outcome.message).toContain('admin down');
      const link = JSON.parse(await lab.exec('ip', ['-j', 'link', 'show', 'dev', 'swp2'])) as Array<{ flags: string[] }>;
      expect(link[0].flags).toContain('UP');
    });

    it('runs concurrent actions on one switch one after the other, each complete', async () => {
      const a = sampleNode('compute01');
      const b = labNode('compute02', [iface('bond0', 'gp-pxe', ['pxe', 'mgmt'], ['swp4'])]);
      const results = await Promise.all([driver.configurePortProduction(a, site(), ctx()), driver.configurePortProduction(b, site(), ctx()), driver.configurePortProvisioning(b, site(), ctx())]);
      expect(results.map((r) => r.changed)).toEqual([true, true, true]);
      const table = await lab.vlanTable();
      expect(table.swp2).toEqual([untagged(100), tagged(101)]);
      expect(table.swp4).toEqual(DEFAULT); // production then provisioning, in that order
    });

    it('verifies the host key against a known_hosts file', async () => {
      const check = await driver.validateNetworkServices(labSite(labTorSwitch(lab, { hostKeyFingerprint: undefined, knownHosts: lab.knownHostsPath })), ctx());
      expect(check.ok).toBe(true);
    });

    describe('bad input and missing things: a clear non-retryable error that changes nothing', () => {
      const withStray = async (): Promise<Record<string, VlanTableEntry[]>> => {
        // swp2 is not what production wants, so any change the driver made would show.
        await lab.bridgeCommand(['vlan', 'add', 'dev', 'swp2', 'vid', '300']);
        return lab.vlanTable();
      };

      it('a port the switch does not have', async () => {
        const before = await withStray();
        const node = labNode('compute01', [iface('bond0', 'gp', ['mgmt', 'private'], ['swp2', 'swp99'])]);
        await expectDriverError(driver.configurePortProduction(node, site(), ctx()), { kind: 'NotFound', message: [/switch leaf01 \(10\.254\.\d+\.\d+:22, rack rack1\) has no port swp99/, /node compute01 interface bond0/] });
        expect(await lab.vlanTable()).toEqual(before);
      });

      it('a port that exists but is not in the bridge', async () => {
        const before = await withStray();
        const node = labNode('compute01', [iface('bond0', 'gp', ['mgmt'], ['swp2', 'nic1'])]);
        await expectDriverError(driver.configurePortProduction(node, site(), ctx()), { kind: 'NotFound', message: [/port nic1 .* is not a port of bridge br0 \(it is in no bridge\)/] });
        expect(await lab.vlanTable()).toEqual(before);
      });

      it('a switch the rack does not have', async () => {
        const node = labNode('compute01', [iface('bond0', 'gp', ['mgmt'], ['swp2'], 'leaf09')]);
        await expectDriverError(driver.configurePortProduction(node, site(), ctx()), { kind: 'NotFound', message: [/node compute01 \(site\/nodes\.yaml:12\) interface bond0: switch_ports names switch leaf09, which is not a tor_switch of rack rack1 \(its tor_switches: leaf01\)/] });
      });

      it('a bridge the switch does not have', async () => {
        const before = await withStray();
        await expectDriverError(driver.configurePortProduction(sampleNode(), labSite(labTorSwitch(lab, { bridge: 'br9' })), ctx()), { kind: 'NotFound', message: [/has no bridge br9 \(tor_switches\.leaf01\.ssh\.bridge\); its bridges: br0/] });
        expect(await lab.vlanTable()).toEqual(before);
      });

      it('a wrong SSH key', async () => {
        const before = await withStray();
        const wrong = utils.generateKeyPairSync('ed25519');
        const keyFile = join(scratch, 'wrong_ed25519');
        writeFileSync(keyFile, wrong.private, { mode: 0o600 });
        const err = await expectDriverError(driver.configurePortProduction(sampleNode(), labSite(labTorSwitch(lab, { key: `file:${keyFile}` })), ctx()), {
          kind: 'AuthFailed',
          message: [new RegExp(`switch leaf01 \\(${lab.address.replace(/\./g, '\\.')}:22, rack rack1\\) did not accept the key "file:${keyFile}" for user root`)],
        });
        expect(err.type).toBe('SwitchAuthFailed');
        expect(err.message).not.toContain(wrong.private.split('\n')[1]);
        expect(JSON.stringify(err.details)).not.toContain('PRIVATE');
        expect(await lab.vlanTable()).toEqual(before);
      });

      it('a switch whose host key does not match the pinned fingerprint', async () => {
        const before = await withStray();
        const other = utils.parseKey(utils.generateKeyPairSync('ed25519').public);
        if (other instanceof Error) throw other;
        const pinned = `SHA256:${createHash('sha256').update(other.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
        const err = await expectDriverError(driver.configurePortProduction(sampleNode(), labSite(labTorSwitch(lab, { hostKeyFingerprint: pinned })), ctx()), {
          kind: 'AuthFailed',
          message: [/host key mismatch/, new RegExp(`presented host key ${lab.hostKeyFingerprint.replace(/[+/]/g, '\\$&')}, but the design pins ${pinned.replace(/[+/]/g, '\\$&')}`), /Nothing was sent/],
        });
        expect(err.details.reason).toBe('host-key-mismatch');
        expect(await lab.vlanTable()).toEqual(before);
      });

      it('a known_hosts file that holds another key for the switch, or none', async () => {
        const other = utils.generateKeyPairSync('ed25519').public;
        const wrongFile = join(scratch, 'known_hosts_wrong');
        writeFileSync(wrongFile, `${lab.address} ${other.split(' ').slice(0, 2).join(' ')}\n`);
        await expectDriverError(driver.validateNetworkServices(labSite(labTorSwitch(lab, { hostKeyFingerprint: undefined, knownHosts: wrongFile })), ctx()), { kind: 'AuthFailed', message: [/does not match .*known_hosts_wrong: SHA256:\S+ \(line 1\)/] });
        const emptyFile = join(scratch, 'known_hosts_other_host');
        writeFileSync(emptyFile, readFileSync(lab.knownHostsPath, 'utf8').replace(lab.address, '192.0.2.1'));
        await expectDriverError(driver.validateNetworkServices(labSite(labTorSwitch(lab, { hostKeyFingerprint: undefined, knownHosts: emptyFile })), ctx()), { kind: 'AuthFailed', message: [new RegExp(`has no key for ${lab.address.replace(/\./g, '\\.')}`)] });
      });

      it('a port name that would reach the shell is refused before connecting', async () => {
        const before = await withStray();
        const node = labNode('compute01', [iface('bond0', 'gp', ['mgmt'], ['swp2;ip link del br0'])]);
        await expectDriverError(driver.configurePortProduction(node, site(), ctx()), { kind: 'InvalidRequest', message: [/switch port "swp2;ip link del br0" on switch leaf01 is not a valid port name/] });
        expect(await lab.vlanTable()).toEqual(before);
      });

      it('a key reference that cannot be resolved', async () => {
        await expectDriverError(driver.validateNetworkServices(labSite(labTorSwitch(lab, { key: 'env:DRYDOCK_TEST_NO_SUCH_KEY' })), ctx()), { kind: 'InvalidRequest', message: [/SSH key of switch leaf01 .*DRYDOCK_TEST_NO_SUCH_KEY .* is not set/] });
      });

      it('a command that does not finish in time is Timeout, which is retryable', async () => {
        const impatient = createNetworkDriver({ type: 'linux-bridge' }, { secrets, commandTimeoutMs: 1 });
        await expectDriverError(impatient.validateNetworkServices(site(), ctx()), { kind: 'Timeout', message: [/switch leaf01 \(.*\): `ip -j -d link show` did not finish within 1 ms/] });
      });

      it('a switch nobody answers for is Unreachable, which is retryable', async () => {
        const port = await freePort();
        const sw = { ...labTorSwitch(lab, { port }), mgmtIp: '127.0.0.1' };
        await expectDriverError(driver.validateNetworkServices(labSite(sw), ctx()), { kind: 'Unreachable', message: [new RegExp(`switch leaf01 \\(127\\.0\\.0\\.1:${port}, rack rack1\\) cannot be reached: ECONNREFUSED`)] });
      });
    });

    it('leaves no SSH sessions behind on the switch after an action', async () => {
      await driver.interrogatePort(sampleNode(), site(), ctx());
      // sshd's per-connection processes leave once the driver closes the connection.
      const sessions = (): number => execFileSync('ip', ['netns', 'pids', lab.namespace], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
      await pollUntil(() => (sessions() === 1 ? true : undefined), { timeoutMs: 5_000, intervalMs: 50, what: 'the SSH session processes to exit' });
      expect(sessions()).toBe(1); // sshd's listener only
    });
  });
}
