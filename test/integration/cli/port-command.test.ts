import { Command } from 'commander';
import { utils } from 'ssh2';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerPortCommand, type PortCommandDeps } from '../../../src/cli/commands/port';
import { runCli } from '../../../src/cli/main';
import type { CompiledSite } from '../../../src/design/model';
import { probeLabSwitchSupport, startLabSwitch, type LabSwitch } from '../../../lab/switch';
import { SecretResolver } from '../../../src/secrets/resolver';
import { freePort } from '../../../src/tools/ports';
import { compiledSite, labSite, labTorSwitch, sampleNode, labNode, iface } from '../../support/network-site';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `drydock port ...` in-process with the given design, capturing what it prints. */
async function drydock(args: string[], deps?: Partial<PortCommandDeps>): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true));
  try {
    let program: Command | undefined;
    if (deps) {
      program = new Command('drydock').exitOverride().showHelpAfterError();
      registerPortCommand(program, { write: (t) => void (stdout += t), ...deps });
    }
    const code = await runCli(['node', 'drydock', 'port', ...args], program);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const designOf = (site: CompiledSite) => ({ loadSite: async (paths: string[]) => (expect(paths).toEqual(['site/']), site) });

describe('drydock port: arguments and help', () => {
  it('--help explains every action, the exit codes and gives examples', async () => {
    const r = await drydock(['--help']);
    expect(r.code).toBe(0);
    for (const text of ['Usage: drydock port [options] <action>', 'validate', 'interrogate', 'provisioning', 'production', '--design <path...>', '--node <name>', '--json', 'Exit codes:', 'drydock port production --design site/ --node compute01 --json']) {
      expect(r.stdout).toContain(text);
    }
  });

  it('refuses an unknown action, a missing --design and a missing --node with exit 2', async () => {
    const unknown = await drydock(['frob', '--design', 'site/']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("command-argument value 'frob' is invalid for argument 'action'. Allowed choices are validate, interrogate, provisioning, production.");
    const noDesign = await drydock(['production', '--node', 'n1']);
    expect(noDesign.code).toBe(2);
    expect(noDesign.stderr).toContain("required option '--design <path...>' not specified");
    const noNode = await drydock(['production', '--design', 'site/']);
    expect(noNode).toMatchObject({ code: 2, stderr: 'drydock: drydock port production needs --node <name>: the node whose ports to act on\n' });
  });

  it('says which design path it cannot read', async () => {
    const r = await drydock(['validate', '--design', 'site/']);
    expect(r).toMatchObject({ code: 2, stderr: 'drydock: cannot read site/: no such file or folder\n' });
  });

  it('names the nodes the design has when --node names another, and says when no network driver is configured', async () => {
    const site = compiledSite(labSite({ name: 'leaf01' }), [sampleNode('compute01'), sampleNode('compute02')]);
    const r = await drydock(['interrogate', '--design', 'site/', '--node', 'compute09'], designOf(site));
    expect(r).toMatchObject({ code: 2, stderr: 'drydock: the design has no node "compute09" (its nodes: compute01, compute02)\n' });
    delete site.region.drivers.network;
    const none = await drydock(['interrogate', '--design', 'site/', '--node', 'compute01'], designOf(site));
    expect(none).toMatchObject({ code: 2, stderr: "drydock: the design's Region lab configures no network driver (data.drivers.network)\n" });
  });
});

const support = probeLabSwitchSupport();
if (!support.ok) process.stderr.write(`[drydock port tests] skipping the lab switch cases: ${support.reason ?? ''}\n`);
(support.ok ? describe : describe.skip)(`drydock port against the namespace lab switch over real SSH${support.ok ? '' : ` (skipped: ${support.reason ?? ''})`}`, () => {
  let lab: LabSwitch;
  let scratch: string;
  const deps = (site: CompiledSite): Partial<PortCommandDeps> => ({ ...designOf(site), secrets: () => new SecretResolver({ env: {} }), connectTimeoutMs: 5_000 });

  beforeAll(async () => {
    lab = await startLabSwitch({ ports: 3 });
    scratch = mkdtempSync(join(tmpdir(), 'drydock-port-cli-'));
  });
  afterAll(async () => {
    await lab?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('validate, production (twice) and interrogate, as an operator runs them', async () => {
    const site = compiledSite(labSite(labTorSwitch(lab)), [sampleNode('compute01')]);
    const validate = await drydock(['validate', '--design', 'site/'], deps(site));
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/^ok: 1 switch reachable over SSH \(host key verified, key accepted\) with a VLAN-aware bridge: leaf01 /);

    const first = await drydock(['production', '--design', 'site/', '--node', 'compute01'], deps(site));
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^changed: node compute01: configured for production: leaf01\/swp2: untagged 1 -> untagged 100 \(mgmt\), tagged 101 \(private\); leaf01\/swp3: /);
    const second = await drydock(['production', '--design', 'site/', '--node', 'compute01'], deps(site));
    expect(second.stdout).toMatch(/^unchanged: node compute01: 3 ports already configured for production/);

    const table = await drydock(['interrogate', '--design', 'site/', '--node', 'compute01'], deps(site));
    expect(table.stdout).toBe(
      ['PORT         INTERFACE  UNTAGGED  TAGGED  ADMIN', 'leaf01/swp1  pxe        1         -       up', 'leaf01/swp2  bond0      100       101     up', 'leaf01/swp3  bond0      100       101     up', ''].join('\n'),
    );
    const json = await drydock(['interrogate', '--design', 'site/', '--node', 'compute01', '--json'], deps(site));
    expect((JSON.parse(json.stdout) as Array<{ port: string; untagged: number }>).map((p) => [p.port, p.untagged])).toEqual([['swp1', 1], ['swp2', 100], ['swp3', 100]]);
  });

  it('exit 2 for a port the switch does not have, 1 for a refused key, 3 for an unreachable switch', async () => {
    const missing = compiledSite(labSite(labTorSwitch(lab)), [labNode('compute01', [iface('bond0', 'gp', ['mgmt'], ['swp42'])])]);
    const r2 = await drydock(['production', '--design', 'site/', '--node', 'compute01'], deps(missing));
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/^drydock: switch leaf01 \(.*\) has no port swp42 \(named by node compute01 interface bond0, switch_ports\) \[SwitchNotFound\]\n$/);

    const keyFile = join(scratch, 'other_key');
    writeFileSync(keyFile, utils.generateKeyPairSync('ed25519').private, { mode: 0o600 });
    const wrongKey = compiledSite(labSite(labTorSwitch(lab, { key: `file:${keyFile}` })), [sampleNode('compute01')]);
    const r1 = await drydock(['interrogate', '--design', 'site/', '--node', 'compute01'], deps(wrongKey));
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain(`did not accept the key "file:${keyFile}" for user root [SwitchAuthFailed]`);

    const port = await freePort();
    const away = compiledSite(labSite({ ...labTorSwitch(lab, { port }), mgmtIp: '127.0.0.1' }), [sampleNode('compute01')]);
    const r3 = await drydock(['validate', '--design', 'site/'], deps(away));
    expect(r3.code).toBe(3);
    expect(r3.stderr).toContain('cannot be reached: ECONNREFUSED [SwitchUnreachable]');
  });
});
