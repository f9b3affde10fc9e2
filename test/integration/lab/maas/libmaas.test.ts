import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { MaasEmulator } from '../../../../lab/maas';
import { startLabMaas } from '../../../fixtures/maas-lab';
import { fixtureNode, labMachineFor, macsFor } from '../../../fixtures/site-model';

// Canonical's python-libmaas (PyPI python-libmaas, in the project venv: scripts/setup.sh) against
// the MAAS emulator: a MAAS client nobody here wrote. Each step of the script must get MAAS's
// answer, including MAAS's refusals.
const PYTHON = join(process.env.DRYDOCK_CACHE_DIR ?? join(homedir(), '.cache', 'drydock-temporal'), 'venv', 'bin', 'python');
const SCRIPT = join(__dirname, '../../../fixtures/libmaas/conformance.py');

interface StepResult {
  step: string;
  ok: boolean;
  detail: string;
}

function run(url: string, key: string): Promise<{ steps: StepResult[]; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    // The API key goes on argv of a local test process only (a lab emulator's throwaway key).
    const child = spawn(PYTHON, [SCRIPT, url, key], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ steps: out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as StepResult), stderr, code }));
  });
}

describe('python-libmaas against the MAAS emulator', () => {
  let emulator: MaasEmulator;
  let steps: StepResult[] = [];

  beforeAll(async () => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run scripts/setup.sh (it installs python-libmaas into the venv)`);
    const ready = fixtureNode('lab', { name: 'lm1', host: 41, macs: macsFor(41) });
    const fresh = fixtureNode('lab', { name: 'lm2', host: 42, macs: macsFor(42) });
    emulator = await startLabMaas({
      config: { machines: [labMachineFor(ready, { hostname: 'lm1', enlist: 'at-start', initialStatus: 'Ready' }), labMachineFor(fresh, { hostname: 'lm2', enlist: 'at-start', initialStatus: 'New' })] },
    });
    const result = await run(emulator.url, emulator.apiKey);
    if (result.code !== 0) throw new Error(`conformance.py exited ${result.code}: ${result.stderr.slice(-2000)}`);
    steps = result.steps;
  }, 120_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  const EXPECTED = [
    'connect (describe/, then the API key)',
    'read machines',
    'read interfaces',
    'read block devices',
    'read partitions',
    'read volume groups',
    'read fabrics and VLANs',
    'read subnets',
    'read IP ranges',
    'read tags',
    'read SSH keys',
    'read boot resources',
    'read zones',
    'read resource pools',
    'create fabric',
    'create VLAN',
    'create subnet with DNS servers',
    'create IP range',
    'create tag',
    'create SSH key',
    'create bond',
    'create VLAN interface',
    "VLAN interface on another fabric's VLAN is refused (400)",
    'link subnet (static)',
    'create partition, format and mount',
    'create volume group with a logical volume',
    'allocate',
    'storage change on an Allocated machine is refused (409)',
    'set owner_data',
    'deploy',
    'release with erase',
    'commission',
  ];

  it('runs every step', () => {
    expect(steps.map((s) => s.step)).toEqual(EXPECTED);
  });

  it.each(EXPECTED)('%s', (name) => {
    const result = steps.find((s) => s.step === name);
    expect({ name, ok: result?.ok, detail: result?.detail }).toEqual({ name, ok: true, detail: result?.detail });
  });

  it('gets MAAS\'s refusal text for a storage change on an Allocated machine', () => {
    expect(steps.find((s) => s.step.startsWith('storage change'))?.detail).toBe('HTTP 409 Cannot create partition because the machine is not Ready.');
  });
});
