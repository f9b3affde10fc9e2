import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labEntryPoint } from '../../../../src/cli/commands/lab';
import { REPO_ROOT } from '../../../support/paths';

// `drydock lab maas` as an operator runs it: the product's `drydock lab` runs the lab's own
// entry point (lab/cli.ts) as a child process, which runs the MAAS emulator.
const DRYDOCK = join(REPO_ROOT, 'bin', 'drydock.js');

describe('drydock lab maas', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lab-maas-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the emulator, prints its URL and API key, serves the API, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [DRYDOCK, 'lab', 'maas', '--port', '0', '--state', join(dir, 'maas.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (/API key: \S+\n/.test(out)) resolve(out);
        });
        child.on('exit', () => reject(new Error(`drydock lab maas exited early: ${out}`)));
      });
      const url = /MAAS emulator at (http:\/\/127\.0\.0\.1:\d+\/MAAS)/.exec(banner)![1];
      expect(banner).toMatch(/API key: [^:\s]+:[^:\s]+:[^:\s]+\n/);
      expect(banner).toContain(`state: ${join(dir, 'maas.json')}`);
      const version = (await (await fetch(`${url}/api/2.0/version/`)).json()) as { version: string };
      expect(version.version).toBe('3.4.0-lab');
      expect((await fetch(`${url}/api/2.0/machines/`)).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('refuses a bad configuration file, naming the file and field (exit 2)', () => {
    const config = join(dir, 'maas.yaml');
    writeFileSync(config, 'durations:\n  deployingSeconds: soon\n');
    const result = spawnSync(process.execPath, [DRYDOCK, 'lab', 'maas', '--port', '0', '--config', config], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`drydock: ${config}: durations\\.deployingSeconds: Invalid input: expected number`));
    const port = spawnSync(process.execPath, [DRYDOCK, 'lab', 'maas', '--port', 'eighty'], { encoding: 'utf8', timeout: 60_000 });
    expect(port.status).toBe(2);
    expect(port.stderr).toBe('drydock: --port must be a TCP port number, not "eighty"\n');
  });
});

describe('drydock lab outside a source checkout', () => {
  it('finds the lab entry point in this checkout, and none in a folder without lab/', () => {
    expect(labEntryPoint(REPO_ROOT)).toBe(join(REPO_ROOT, 'lab', 'cli.ts'));
    const dir = mkdtempSync(join(tmpdir(), 'no-lab-'));
    try {
      expect(labEntryPoint(dir)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
