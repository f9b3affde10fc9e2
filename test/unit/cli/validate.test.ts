import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main';
import { REPO_ROOT } from '../../support/paths';

const SAMPLES = join(REPO_ROOT, 'test', 'fixtures', 'drydock-samples');
const sample = (f: string): string => join(SAMPLES, f);

/** The real `drydock` entry point, as an operator runs it. */
function drydock(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'drydock.js'), ...args], { cwd: REPO_ROOT, input, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** runCli in this process, with its output captured. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await runCli(['node', 'drydock', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('drydock validate (the real command)', () => {
  it('exits 0 on a valid design, listing its warnings', () => {
    const r = drydock(['validate', sample('validation.yaml'), '--image', 'xenial', '--kernel', 'ga-16.04,hwe-16.04']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`warning undefined-reference BaremetalNode/compute01 metadata.rack: rack of node compute01: Rack rack2 is not defined (did you mean rack1?) (${sample('validation.yaml')}:353:5)`);
    expect(r.stdout).toMatch(/site sitename: 0 errors, 3 warnings, 0 info \(1 source\)\n$/);
  });

  it('exits 1 on an invalid design, naming the rule code and the line', () => {
    const r = drydock(['validate', sample('invalid_network_cidr.yaml')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`Network/oob\n  error cidr-validity Network/oob cidr: CIDR 172.16.100.1/24 has host bits set; MAAS accepts 172.16.100.0/24 (${sample('invalid_network_cidr.yaml')}:128:3)`);
    expect(r.stderr).toBe('drydock: the design has 1 error\n');
  });

  it('exits 2 when the input is not YAML, saying where', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-validate-'));
    try {
      writeFileSync(join(dir, 'broken.yaml'), 'schema: drydock/Network/v1\nmetadata: {name: n\n');
      const r = drydock(['validate', dir]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^drydock: cannot parse the design: ${join(dir, 'broken.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: not valid YAML`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads standard input for -', () => {
    const r = drydock(['validate', '-', '--json'], 'schema: drydock/Network/v1\nmetadata: {name: oob}\ndata: {cidr: 10.0.0.0/24, mtu: 100}\n');
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; counts: { errors: number }; findings: Array<{ code: string; source: { file: string; line: number } }> };
    expect(out.ok).toBe(false);
    expect(out.findings.filter((f) => f.code === 'mtu-rational')).toEqual([expect.objectContaining({ source: { file: '<stdin>', line: 3, column: 27 } })]);
  });
});

describe('drydock validate (in process)', () => {
  it.each([
    ['deckhand_fullsite.yaml', 0],
    ['deckhand_fullsite_no_nodes.yaml', 0],
    ['absent_bootaction.yaml', 1],
    ['invalid_boot_storage_small.yaml', 1],
    ['invalid_hugepages.yaml', 1],
    ['invalid_mountpoint.yaml', 1],
    ['invalid_validation.yaml', 1],
    ['invalid_bootaction.yaml', 1],
    ['invalid_network.yaml', 1],
    ['invalid_hostProfile.yaml', 1],
    ['network.yaml', 0],
    ['hostProfile.yaml', 0],
    ['ip_locality_no_networks.yaml', 1],
  ])('%s exits %i', async (file, code) => {
    const r = await cli(['validate', '-q', sample(file)]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: code === 0 ? '' : expect.stringMatching(/^drydock: the design has \d+ errors?\n$/) as unknown });
    for (const line of r.stdout.split('\n').filter((l) => /^\s+(error|warning) /.test(l))) expect(line).toMatch(/ \(.+:\d+:\d+\)$/);
  });

  it('exits 2 for a path that does not exist', async () => {
    const r = await cli(['validate', join(SAMPLES, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`drydock: cannot read ${join(SAMPLES, 'nope.yaml')}: no such file or folder\n`);
  });

  it('exits 2 for an unknown option', async () => {
    expect((await cli(['validate', '--bogus', sample('network.yaml')])).code).toBe(2);
  });

  it('shows examples in --help', async () => {
    const r = await cli(['validate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('drydock validate site/ --image xenial --kernel ga-16.04,hwe-16.04');
  });
});

describe('drydock design show', () => {
  it('prints one compiled node', async () => {
    const r = await cli(['design', 'show', sample('deckhand_fullsite.yaml'), '--node', 'compute01', '--json']);
    expect(r.code).toBe(0);
    const node = JSON.parse(r.stdout) as { name: string; platform: { kernelParams: Record<string, unknown> }; profiles: string[] };
    expect(node.name).toBe('compute01');
    expect(node.profiles).toEqual(['k8-node', 'defaults']);
    expect(node.platform.kernelParams.hugepages).toBe('300');
  });

  it('prints the whole site as YAML', async () => {
    const r = await cli(['design', 'show', sample('deckhand_fullsite.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^name: sitename\nregion:\n/);
  });

  it('names close matches for an unknown node, and exits 2', async () => {
    const r = await cli(['design', 'show', sample('deckhand_fullsite.yaml'), '--node', 'compute1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('drydock: the design has no node compute1 (did you mean compute01?)\n');
  });

  it('prints the model but exits 1 when the design has errors', async () => {
    const r = await cli(['design', 'show', sample('invalid_network_cidr.yaml'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toHaveProperty('name', 'sitename');
    expect(r.stderr).toMatch(/error cidr-validity Network\/oob cidr: .*\n.*drydock: the design has 1 error/);
  });
});
