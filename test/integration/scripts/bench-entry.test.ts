import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { stackUnavailable } from '../../support/prod-stack';

const REPO = join(__dirname, '..', '..', '..');

interface Figures {
  backend: { kind: string; historyShards?: number; mtls?: boolean; codec?: boolean };
  nodes: number;
  status: string;
  succeeded: number;
  wallMs: number;
  activities: number;
  cpuDuringRun: { serverSeconds: number; temporalServerSeconds?: number; postgresSeconds?: number };
}

function bench(extra: string[]): { status: number | null; stderr: string; figures: Figures } {
  const r = spawnSync(join(REPO, 'node_modules', '.bin', 'tsx'), ['scripts/bench.ts', '--nodes', '4', '--latency', '5', '--parallel', '4', '--json', '--no-histories', ...extra], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 150_000,
    env: { ...process.env, TEMPORAL_ADDRESS: '' },
  });
  expect(r.stderr).toMatch(/DeployNodes success/);
  return { status: r.status, stderr: r.stderr, figures: JSON.parse(r.stdout) as Figures };
}

describe('npm run bench, as a fresh process', () => {
  // The bench's first awaited step is freePort; with unref'd sockets the process used to end with
  // status 0 right after its first line, printing no figures.
  it('runs a small deployment to the end and prints its figures', () => {
    const { status, figures } = bench([]);
    expect(status).toBe(0);
    expect(figures).toMatchObject({ backend: { kind: 'dev-server' }, nodes: 4, status: 'success', succeeded: 4 });
    expect(figures.wallMs).toBeGreaterThan(0);
    expect(figures.activities).toBeGreaterThan(0);
  });

  const unavailable = stackUnavailable();
  (unavailable ? it.skip : it)(`--stack runs it on PostgreSQL and temporal-server over mTLS${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
    const { status, stderr, figures } = bench(['--stack']);
    expect(status).toBe(0);
    expect(stderr).toMatch(/on PostgreSQL at 127\.0\.0\.1:\d+ \(mTLS, 4 history shards, payload codec\)/);
    expect(figures).toMatchObject({ backend: { kind: 'postgres-stack', historyShards: 4, mtls: true, codec: true }, nodes: 4, status: 'success', succeeded: 4 });
    // Server CPU is temporal-server's and PostgreSQL's (its backends included), and both did work.
    const cpu = figures.cpuDuringRun;
    expect(cpu.temporalServerSeconds).toBeGreaterThan(0);
    expect(cpu.postgresSeconds).toBeGreaterThan(0);
    expect(cpu.serverSeconds).toBeCloseTo((cpu.temporalServerSeconds ?? 0) + (cpu.postgresSeconds ?? 0), 5);
  });

  it('refuses --no-codec without --stack, with exit status 2', () => {
    const r = spawnSync(join(REPO, 'node_modules', '.bin', 'tsx'), ['scripts/bench.ts', '--no-codec'], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toMatch(/--no-codec applies to --stack only/);
    expect(r.status).toBe(2);
  });
});
