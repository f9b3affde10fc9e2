import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivities } from '../../../activities';
import { SimLedger } from '../../../src/drivers/sim';
import { simSiteDesign } from '../../../lab/sim-site';
import { pollUntil } from '../../../src/tools/poll';
import { drydock } from '../../support/cli-process';
import { readRunState } from '../../support/run-state';
import { connectClient, uniqueTaskQueue, withWorker } from '../../support/temporal';

// The `drydock` command against the harness's dev server, with a worker (sim drivers) serving
// the CLI's task queue in this process.
process.env.SIM_BMC_PASSWORD ??= 'sim-secret';


describe('drydock CLI against a running stack', () => {
  const state = readRunState();
  const dir = mkdtempSync(join(tmpdir(), 'drydock-cli-'));
  const site = `cli${Date.now() % 100000}`;
  const good = join(dir, 'site.yaml');
  writeFileSync(good, simSiteDesign({ site, nodes: 3, racks: 2, latencyMs: 5, failures: [{ node: 'node0002', action: 'DeployNode', times: 1 }] }));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, simSiteDesign({ site, nodes: 1 }).replace('cidr: 10.2.0.0/16', 'cidr: 10.2.0.7/16'));

  it('deploy --wait, retry, status, list, history, watch and the exit codes', async () => {
    const taskQueue = uniqueTaskQueue('cli');
    const env = { TEMPORAL_ADDRESS: state.temporalAddress, DRYDOCK_TASK_QUEUE: taskQueue };
    const forActivities = await connectClient();
    try {
      await withWorker({ taskQueue, activities: createActivities({ simLedger: new SimLedger(), client: forActivities.client }) }, async () => {
        // A partial success: exit 1, the failed node named, the run waiting for retries.
        const deployed = await drydock(['deploy', good, '--wait', '--json', '--retry-window', '10m'], env);
        expect(deployed.code).toBe(1);
        const status = JSON.parse(deployed.stdout) as { workflowId: string; result: { status: string; failures: Array<{ node: string; step: string }> }; progress: { phase: string } };
        expect(status.result).toMatchObject({ status: 'partial_success', failures: [{ node: 'node0002', step: 'DeployNode' }] });
        expect(status.progress.phase).toBe('awaiting-retry');
        const id = status.workflowId;

        const retried = await drydock(['retry', id], env);
        expect(retried).toMatchObject({ code: 0, stdout: `Retrying 1 failed node(s) in ${id}: node0002.\n` });
        // watch follows it to the end: plain lines when not a terminal, exit 0 on success.
        const watched = await drydock(['watch', id, '--interval', '200'], env);
        expect(watched.code).toBe(0);
        expect(watched.stdout).toMatch(/DeployNodes on site cli\d+: success/);

        const shown = await drydock(['status', id], env);
        expect(shown.code).toBe(0);
        expect(shown.stdout).toContain(`DeployNodes ${id}`);
        expect(shown.stdout).toMatch(/node0002\s+success/);

        const listed = await drydock(['list', '--site', site, '--json'], env);
        expect(listed.code).toBe(0);
        expect((JSON.parse(listed.stdout) as Array<{ workflowId: string; result: string }>).find((r) => r.workflowId === id)).toMatchObject({ result: 'success' });

        // Two operations on node0001 so far? One: its history lists it, newest first.
        const second = await drydock(['relabel', good, '--node', 'node0001', '--wait'], env);
        expect(second.code).toBe(0);
        const history = await drydock(['history', 'node0001', '--site', site, '--json'], env);
        const rows = JSON.parse(history.stdout) as Array<{ action: string; workflowId: string; startTime: string }>;
        expect(rows.map((r) => r.action)).toEqual(['RelabelNodes', 'DeployNodes']);
        expect(rows.every((r) => r.workflowId === `node:${site}:node0001`)).toBe(true);
        expect(new Date(rows[0].startTime).getTime()).toBeGreaterThan(new Date(rows[1].startTime).getTime());
      });
    } finally {
      await forActivities.close();
    }
  }, 180_000);

  it('schedule create, list, describe, trigger, pause, unpause and delete; a bad spec exits 2 with the server\'s reason', async () => {
    const taskQueue = uniqueTaskQueue('clisched');
    const env = { TEMPORAL_ADDRESS: state.temporalAddress, DRYDOCK_TASK_QUEUE: taskQueue };
    const name = `${site}-nightly`;
    // A site of its own, so this test's runs stay out of the other tests' histories.
    const schedSite = `${site}s`;
    const schedDesign = join(dir, 'sched.yaml');
    writeFileSync(schedDesign, simSiteDesign({ site: schedSite, nodes: 2, racks: 1, latencyMs: 5 }));
    const forActivities = await connectClient();
    try {
      await withWorker({ taskQueue, activities: createActivities({ simLedger: new SimLedger(), client: forActivities.client }) }, async () => {
        const created = await drydock(['schedule', 'create', name, '--design', schedDesign, '--node', 'node0001', '--cron', '0 3 * * *', '--timezone', 'Europe/Berlin', '--note', 'nightly node0001'], env);
        expect(created).toMatchObject({ code: 0, stdout: `Created schedule ${name}. See it with: drydock schedule describe ${name}\n` });
        try {
          const listed = await drydock(['schedule', 'list'], env);
          expect(listed.stdout).toMatch(new RegExp(`${name}\\s+DeployNodes\\s+no\\s+\\S+\\s+nightly node0001`));
          const duplicate = await drydock(['schedule', 'create', name, '--design', schedDesign, '--every', '1h'], env);
          expect(duplicate).toMatchObject({ code: 2, stderr: 'drydock: a schedule with this name already exists\n' });

          const triggered = await drydock(['schedule', 'trigger', name], env);
          expect(triggered).toMatchObject({ code: 0, stdout: `Triggered schedule ${name}.\n` });
          // The triggered run is an ordinary DeployNodes of node0001, found by the DrydockNode search.
          const runs = await pollUntil(
            async () => {
              const r = await drydock(['history', 'node0001', '--site', schedSite, '--json'], env);
              const rows = JSON.parse(r.stdout) as Array<{ action: string; result: string }>;
              return rows.length > 0 && rows[0].action === 'DeployNodes' && rows[0].result === 'success' ? rows : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 500, what: 'the triggered run to deploy node0001' },
          );
          expect(runs[0]).toMatchObject({ action: 'DeployNodes', result: 'success' });

          const described = await drydock(['schedule', 'describe', name], env);
          expect(described.code).toBe(0);
          expect(described.stdout).toContain('spec: cron 0 3 * * * (time zone Europe/Berlin)');
          expect(described.stdout).toContain('overlap: SKIP, catch-up window 10m00s, pause on failure: yes');
          expect(described.stdout).toMatch(/runs: 1 taken/);

          expect((await drydock(['schedule', 'pause', name], env)).code).toBe(0);
          expect((await drydock(['schedule', 'describe', name], env)).stdout).toContain('paused: yes');
          expect((await drydock(['schedule', 'unpause', name], env)).code).toBe(0);
          expect((await drydock(['schedule', 'describe', name], env)).stdout).toContain('paused: no');
        } finally {
          expect((await drydock(['schedule', 'delete', name], env)).code).toBe(0);
        }
        const gone = await drydock(['schedule', 'describe', name], env);
        expect(gone.code).toBe(2);
        expect(gone.stderr).toContain('no such schedule');

        const badCron = await drydock(['schedule', 'create', `${name}-bad`, '--design', schedDesign, '--cron', 'every night'], env);
        expect(badCron.code).toBe(2);
        expect(badCron.stderr).toContain('Temporal refused the schedule: CronString does not have 5-7 fields. --cron takes 5 fields');
        const badZone = await drydock(['schedule', 'create', `${name}-bad`, '--design', schedDesign, '--cron', '0 3 * * *', '--timezone', 'Mars/Olympus'], env);
        expect(badZone.code).toBe(2);
        expect(badZone.stderr).toContain('unknown time zone Mars/Olympus');
        const both = await drydock(['schedule', 'create', `${name}-bad`, '--design', schedDesign, '--cron', '0 3 * * *', '--every', '1h'], env);
        expect(both).toMatchObject({ code: 2, stderr: 'drydock: give either --cron or --every, not both\n' });
        const invalidDesign = await drydock(['schedule', 'create', `${name}-bad`, '--design', bad, '--every', '1h'], env);
        expect(invalidDesign.code).toBe(2);
        expect(invalidDesign.stderr).toMatch(/error cidr-validity Network\/private cidr: .*bad\.yaml:\d+:\d+/);
        expect((await drydock(['schedule', 'describe', `${name}-bad`], env)).code).toBe(2);
      });
    } finally {
      await forActivities.close();
    }
  }, 180_000);

  it('bad input exits 2 with the rule and line; an unknown run exits 2; no Temporal exits 3', async () => {
    const env = { TEMPORAL_ADDRESS: state.temporalAddress };
    const invalid = await drydock(['deploy', bad], env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/the design has 1 error\(s\):[\s\S]*error cidr-validity Network\/private cidr: .*\(.*bad\.yaml:\d+:\d+\)/);
    const unknownRun = await drydock(['status', 'no-such-run'], env);
    expect(unknownRun).toMatchObject({ code: 2, stderr: 'drydock: no drydock workflow with id no-such-run\n' });
    const badFilter = await drydock(['deploy', good, '--label', 'role'], env);
    expect(badFilter.code).toBe(2);
    expect(badFilter.stderr).toContain('label selector "role" is not KEY=VALUE');
    const unreachable = await drydock(['list', '--address', '127.0.0.1:1']);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('cannot reach Temporal at 127.0.0.1:1');
  }, 120_000);
});
