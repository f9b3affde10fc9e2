import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runOobCommand } from '../../../src/cli/commands/oob';
import { IpmiSim, startIpmiSim } from '../../../lab/ipmi/ipmi-sim';
import { startSushyEmulator, SushyEmulator } from '../../../lab/redfish/sushy-emulator';
import { freePort } from '../../../src/tools/ports';
import { SecretResolver } from '../../../src/secrets/resolver';
import { nodeWithOob } from '../../support/oob-nodes';
import { REPO_ROOT } from '../../support/paths';

// `drydock oob`: its core (runOobCommand) and the real command line, against sushy-emulator
// (Redfish) and ipmi_sim (IPMI).

const PASSWORD = 'cli-Secret-5e8f';
const secrets = new SecretResolver({ env: { CLI_PW: PASSWORD, CLI_WRONG: 'cli-wrong-pw' } });
const run = promisify(execFile);

let sushy: SushyEmulator;
let ipmi: IpmiSim;
let dir: string;

beforeAll(async () => {
  [sushy, ipmi] = await Promise.all([
    startSushyEmulator({ auth: { username: 'admin', password: PASSWORD }, systems: [{ name: 'cli-rf', powerState: 'On', nics: [{ mac: '52:54:00:cc:00:01' }] }, { name: 'cli-rf-2', powerState: 'Off' }] }),
    startIpmiSim({ name: 'cli-ipmi', username: 'admin', password: PASSWORD, initialPower: 'on' }),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'drydock-oob-cli-'));
});

afterAll(async () => {
  await Promise.all([sushy?.stop(), ipmi?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const redfishNode = (name: string, credential = 'env:CLI_PW', port = sushy.port) =>
  nodeWithOob(name, { type: 'redfish', address: '127.0.0.1', port, account: 'admin', credential, params: { use_https: false, system_id: 'cli-rf', poll_interval_ms: 250 } });
const ipmiNode = (name: string) => nodeWithOob(name, { type: 'ipmi', address: ipmi.ip, port: ipmi.port, account: 'admin', credential: 'env:CLI_PW', params: { min_command_gap_ms: 20, poll_interval_ms: 100 } });

async function drydock(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(REPO_ROOT, 'bin', 'drydock.js'), ...args], { env: { ...process.env, ...env }, cwd: REPO_ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('runOobCommand (the core of drydock oob)', () => {
  it('power-cycles and interrogates a Redfish node on sushy-emulator', async () => {
    const node = redfishNode('cli-n1');
    const cycle = await runOobCommand(node, 'power-cycle', { secrets });
    expect(cycle).toMatchObject({ ok: true, exitCode: 0, node: 'cli-n1', action: 'power-cycle' });
    expect(cycle.text).toMatch(/^cli-n1: power cycled: ForceOff then On; off after [\d.]+ s, on after [\d.]+ s$/);
    const seen = await runOobCommand(node, 'interrogate', { secrets });
    expect(seen.text.split('\n').slice(0, 5)).toEqual([
      'cli-n1: power on',
      '  boot override: disk, continuous, uefi (BMC: Hdd / Continuous / UEFI)',
      '  manufacturer: Sushy Emulator; model: -; serial: -',
      `  uuid: ${sushy.systems[0].uuid}`,
      '  MACs: 52:54:00:cc:00:01',
    ]);
    const again = await runOobCommand(node, 'power-on', { secrets });
    expect(again.text).toBe('cli-n1: power on (no change: already on)');
  });

  it('power-cycles and interrogates an IPMI node on ipmi_sim', async () => {
    const node = ipmiNode('cli-n2');
    const cycle = await runOobCommand(node, 'power-cycle', { secrets });
    expect(cycle.text).toMatch(/^cli-n2: power cycled: chassis power off then chassis power on; off after [\d.]+ s, on after [\d.]+ s$/);
    expect(ipmi.changes()).toEqual(['set power 0', 'set power 1']);
    const seen = await runOobCommand(node, 'interrogate', { secrets });
    expect(seen.text).toContain('cli-n2: power on\n  boot override: disk, disabled, legacy (BMC: Force Boot from default Hard-Drive; next boot only; flag not valid)');
    const boot = await runOobCommand(node, 'boot', { secrets, boot: { device: 'pxe', persistent: false, mode: 'legacy' } });
    expect(boot.text).toBe('cli-n2: boot pxe once (legacy); warning: the BMC reports the boot flags as not valid');
  });

  it('maps failures onto exit codes: auth 1, unreachable 3, bad input 2; no password in the output', async () => {
    const wrong = await runOobCommand(redfishNode('cli-n3', 'env:CLI_WRONG'), 'power-on', { secrets });
    expect(wrong).toMatchObject({ ok: false, exitCode: 1, error: { type: 'BmcAuthFailed', retryable: false } });
    expect(JSON.stringify(wrong)).not.toContain('cli-wrong-pw');
    const down = await runOobCommand(redfishNode('cli-n4', 'env:CLI_PW', await freePort()), 'interrogate', { secrets });
    expect(down).toMatchObject({ ok: false, exitCode: 3, error: { type: 'BmcUnreachable', retryable: true } });
    const unknown = await runOobCommand(nodeWithOob('cli-n5', { type: 'carrier-pigeon' }), 'power-on', { secrets });
    expect(unknown).toMatchObject({ exitCode: 2, text: 'cli-n5: power-on failed: InvalidRequest: node cli-n5: oob type "carrier-pigeon" has no driver (available: ipmi, manual, redfish, sim)' });
  });

  it('the manual driver prints what the person must do', async () => {
    const asked = await runOobCommand(nodeWithOob('cli-n6', { type: 'manual' }), 'pxe', { secrets });
    expect(asked.exitCode).toBe(0);
    expect(asked.text).toBe('cli-n6: needs a person: In the firmware setup of node cli-n6, make its PXE NIC the first boot device (network/PXE boot enabled)');
  });
});

describe('the drydock oob command line', () => {
  it('power-cycle and interrogate --json against sushy-emulator, with the password from the environment', async () => {
    const file = join(dir, 'cli-rf2.json');
    writeFileSync(file, JSON.stringify(nodeWithOob('cli-rf2', { type: 'redfish', address: '127.0.0.1', port: sushy.port, account: 'admin', credential: 'env:BMC_PASSWORD', params: { use_https: false, system_id: 'cli-rf-2', poll_interval_ms: 250 } })));
    const cycle = await drydock(['oob', 'power-cycle', '--node', 'cli-rf2', '--node-json', file], { BMC_PASSWORD: PASSWORD });
    expect(cycle.code).toBe(0);
    expect(cycle.stdout).toMatch(/^cli-rf2: power cycle: the node was off, so it was powered on \(On; on after [\d.]+ s\)\n$/);
    const seen = await drydock(['oob', 'interrogate', '--node', 'cli-rf2', '--node-json', file, '--json'], { BMC_PASSWORD: PASSWORD });
    expect(seen.code).toBe(0);
    expect(JSON.parse(seen.stdout)).toMatchObject({ node: 'cli-rf2', action: 'interrogate', ok: true, exitCode: 0, result: { power: 'on', identity: { manufacturer: 'Sushy Emulator' } } });
  });

  it('exits 2 on bad input, naming the file and the field, and 1 when the BMC refuses the credential', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'x1', oob: { type: 'ipmi', port: 'sixtwothree' } }));
    const malformed = await drydock(['oob', 'power-on', '--node', 'x1', '--node-json', bad]);
    expect(malformed).toMatchObject({ code: 2, stdout: '' });
    expect(malformed.stderr).toBe(`drydock: ${bad}: oob.port must be a port number (1-65535)\n`);
    const noDesign = await drydock(['oob', 'power-on', '--node', 'x1', '--design', dir]);
    expect(noDesign).toMatchObject({ code: 2, stderr: `drydock: the folder ${dir} holds no .yaml or .yml files\n` });

    const file = join(dir, 'cli-ipmi.json');
    writeFileSync(file, JSON.stringify(nodeWithOob('cli-ipmi', { type: 'ipmi', address: ipmi.ip, port: ipmi.port, account: 'admin', credential: 'env:BMC_PASSWORD', params: { min_command_gap_ms: 20 } })));
    const refused = await drydock(['oob', 'power-off', '--node', 'cli-ipmi', '--node-json', file], { BMC_PASSWORD: 'cli-wrong-pw' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cli-ipmi: power-off failed: BmcAuthFailed: node cli-ipmi: the IPMI BMC at');
    expect(refused.stderr + refused.stdout).not.toContain('cli-wrong-pw');
  });
});
