import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { EXIT_UNFINISHED } from '../../../src/tools/run-main';

const REPO = join(__dirname, '..', '..', '..');
const TSX = join(REPO, 'node_modules', '.bin', 'tsx');

/** Runs `body` (the definition of `main`) under runMain in a fresh process. */
function run(body: string): { status: number | null; stdout: string; stderr: string } {
  const script = `const { runMain } = require('./src/tools/run-main');\n${body}\nrunMain('probe', main);`;
  const r = spawnSync(TSX, ['-e', script], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('runMain', () => {
  it('fails, and says so, when the event loop empties while main is still awaiting', () => {
    // Nothing holds the loop: an unref'd timer is the only thing that could settle this promise.
    const r = run("async function main() { await new Promise((resolve) => setTimeout(resolve, 60_000).unref()); console.log('done'); }");
    expect(r.status).toBe(EXIT_UNFINISHED);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/probe: internal error: the process ran out of work before it finished/);
  });

  it("exits with main's number, or 0 when it returns nothing", () => {
    expect(run("async function main() { console.log('work'); return 3; }")).toMatchObject({ status: 3, stdout: 'work\n' });
    expect(run("async function main() { await new Promise((r) => setTimeout(r, 50)); console.log('work'); }")).toMatchObject({ status: 0, stdout: 'work\n' });
  });

  it("exits 1 with the error's message when main throws", () => {
    const r = run("async function main() { throw new Error('the design is missing'); }");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('probe: the design is missing\n');
  });
});
