import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..');

describe('npm run bench, as a fresh process', () => {
  // The bench's first awaited step is freePort; with unref'd sockets the process used to end with
  // status 0 right after its first line, printing no figures.
  it('runs a small deployment to the end and prints its figures', () => {
    const r = spawnSync(join(REPO, 'node_modules', '.bin', 'tsx'), ['scripts/bench.ts', '--nodes', '4', '--latency', '5', '--parallel', '4', '--json', '--no-histories'], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 150_000,
      env: { ...process.env, TEMPORAL_ADDRESS: '' },
    });
    expect(r.stderr).toMatch(/DeployNodes success/);
    expect(r.status).toBe(0);
    const figures = JSON.parse(r.stdout) as { nodes: number; status: string; succeeded: number; wallMs: number; activities: number };
    expect(figures).toMatchObject({ nodes: 4, status: 'success', succeeded: 4 });
    expect(figures.wallMs).toBeGreaterThan(0);
    expect(figures.activities).toBeGreaterThan(0);
  });
});
