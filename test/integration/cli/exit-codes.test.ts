import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivities } from '../../../activities';
import type { SiteProgress } from '../../../src/contracts/deployment';
import { SimLedger } from '../../../src/drivers/sim';
import { simSiteDesign } from '../../../lab/sim-site';
import { pollUntil } from '../../../src/tools/poll';
import { CliRun as Run, drydock } from '../../support/cli-process';
import { readRunState } from '../../support/run-state';
import { connectClient, uniqueTaskQueue, withWorker } from '../../support/temporal';

// Every `drydock` command as a child process against the harness's dev server, for the cases
// issue 17 lists: unknown ids of every kind, bad filters, bad addresses, unreadable files and no
// worker. Each case checks the exit code (src/cli/exit-codes.ts) and that the message names
// the cause. The worker is a real one on sim drivers in this process.
process.env.SIM_BMC_PASSWORD ??= 'sim-secret';


/** The exit code and the message (stderr, or stdout where the command prints its outcome there). */
function expectExit(run: Run, code: number, message: string | RegExp, where: 'stderr' | 'stdout' = 'stderr'): void {
  const text: unknown = typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message);
  expect({ code: run.code, [where]: run[where] }).toEqual({ code, [where]: text });
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('drydock exit codes and messages, command by command', () => {
  const state = readRunState();
  const dir = mkdtempSync(join(tmpdir(), 'drydock-exit-'));
  const site = `exit${Date.now() % 100000}`;
  const fast = join(dir, 'fast.yaml');
  writeFileSync(fast, simSiteDesign({ site, nodes: 2, racks: 1, latencyMs: 5 }));
  const slow = join(dir, 'slow.yaml');
  writeFileSync(slow, simSiteDesign({ site, nodes: 2, racks: 1, latencyMs: 3000 }));
  const taskQueue = uniqueTaskQueue('cliexit');
  const env = { TEMPORAL_ADDRESS: state.temporalAddress, TEMPORAL_NAMESPACE: state.namespace, DRYDOCK_TASK_QUEUE: taskQueue };

  it('unknown or empty workflow ids exit 2 naming the id, for every command that takes one', async () => {
    const id = `no-such-run-${site}`;
    const runs = await Promise.all(
      [['status', id], ['watch', id], ['retry', id], ['abort', id], ['pause', id], ['resume', id], ['finish', id], ['confirm', id, '--node', 'node0001']].map((args) => drydock(args, env)),
    );
    for (const run of runs) expectExit(run, 2, `drydock: no drydock workflow with id ${id}\n`);
    const empty = await Promise.all([['status', ''], ['retry', ''], ['abort', '']].map((args) => drydock(args, env)));
    for (const run of empty) expectExit(run, 2, 'the workflow id is empty');
    expectExit(await drydock(['history', ''], env), 2, 'the node name is empty');
  }, 180_000);

  it('bad filters, addresses, namespaces and unreadable files exit 2 naming the cause', async () => {
    const [result, action, noNode, noRack, noNodeWait, badAddress, badPort, noCert, noNamespace] = await Promise.all([
      drydock(['list', '--result', 'bogus'], env),
      drydock(['list', '--action', 'NoSuchAction'], env),
      drydock(['deploy', fast, '--node', 'no-such-node'], env),
      drydock(['deploy', fast, '--rack', 'no-such-rack'], env),
      drydock(['deploy', fast, '--node', 'no-such-node', '--wait'], env),
      drydock(['list', '--address', 'not an address'], env),
      drydock(['status', 'x', '--address', '127.0.0.1:99999'], env),
      drydock(['list', '--tls-cert', join(dir, 'missing.pem'), '--tls-key', join(dir, 'missing.key')], env),
      drydock(['list', '--namespace', 'no-such-ns'], env),
    ]);
    expectExit(result, 2, '--result "bogus" is not a result; use one of: running, success, partial_success, failure, aborted, skipped');
    expectExit(action, 2, /--action "NoSuchAction" is not an action; use one of: .*DeployNodes/);
    expectExit(noNode, 2, 'the design has no node "no-such-node"; its nodes are: node0001, node0002');
    expect(noNode.stdout).toBe(''); // nothing started
    expectExit(noRack, 2, 'the design has no rack "no-such-rack"; its racks are: rack01');
    expectExit(noNodeWait, 2, 'the design has no node "no-such-node"');
    expectExit(badAddress, 2, 'the Temporal address "not an address" (--address or TEMPORAL_ADDRESS) is not host:port');
    expectExit(badPort, 2, 'the Temporal address "127.0.0.1:99999"');
    expectExit(noCert, 2, `cannot read the client certificate ${join(dir, 'missing.pem')}: ENOENT`);
    expectExit(noNamespace, 2, `has no namespace no-such-ns`);

    const missing = join(dir, 'no-such-design');
    const files = await Promise.all([
      drydock(['validate', missing], env),
      drydock(['design', 'show', missing, '--node', 'node0001'], env),
      drydock(['deploy', missing], env),
      drydock(['schedule', 'create', `${site}-x`, '--design', missing, '--every', '1h'], env),
      drydock(['oob', 'power-on', '--design', missing, '--node', 'node0001'], env),
      drydock(['oob', 'power-on', '--node-json', join(dir, 'missing.json'), '--node', 'node0001'], env),
      drydock(['node', 'identify-node', '--design', missing, '--node', 'node0001'], env),
      drydock(['port', 'validate', '--design', missing], env),
    ]);
    for (const run of files.slice(0, 5)) expectExit(run, 2, `cannot read ${missing}`);
    expectExit(files[5], 2, `cannot read ${join(dir, 'missing.json')}: ENOENT`);
    for (const run of files.slice(6)) expectExit(run, 2, `cannot read ${missing}`);
    const unreachable = await drydock(['history', 'node0001', '--address', '127.0.0.1:1']);
    expectExit(unreachable, 3, 'cannot reach Temporal at 127.0.0.1:1');
  }, 180_000);

  it('a used --workflow-id is refused naming the old run; a node workflow id shows that node; skipped nodes exit 4 naming the holder; confirm checks the node', async () => {
    const forActivities = await connectClient();
    try {
      await withWorker({ taskQueue, activities: createActivities({ simLedger: new SimLedger(), client: forActivities.client }) }, async (client) => {
        const id = `DeployNodes:${site}:fixed`;
        const first = await drydock(['deploy', fast, '--node', 'node0002', '--workflow-id', id, '--wait', '--retry-window', '0s'], env);
        expectExit(first, 0, `DeployNodes on site ${site}: success`, 'stdout');
        const again = await drydock(['deploy', fast, '--workflow-id', id, '--wait'], env);
        expectExit(again, 2, new RegExp(`workflow id ${escape(id)} is already used by a DeployNodes run \\(run id \\S+, COMPLETED, started .*\\); see it with \`drydock status ${escape(id)}\``));
        const shown = await drydock(['status', id], env);
        expectExit(shown, 0, /node0002\s+success/, 'stdout');

        const node = await drydock(['status', `node:${site}:node0002`], env);
        expectExit(node, 0, `node workflow node:${site}:node0002 (DeployNodes of node node0002, started by ${id})`, 'stdout');
        expect(node.stdout).toMatch(/result: success/);
        expect(node.stdout).toMatch(/DeployNode\s+succeeded/);
        expectExit(await drydock(['abort', `node:${site}:node0002`], env), 2, 'is a node workflow; abort acts on the site run');
        expectExit(await drydock(['retry', id], env), 1, `refused: ${id} has already ended (COMPLETED)`);

        // A run that holds node0001 while a second one asks for it.
        const holder = await drydock(['deploy', slow, '--node', 'node0001', '--json', '--retry-window', '0s'], env);
        expect(holder.code).toBe(0);
        const holderId = (JSON.parse(holder.stdout) as { workflowId: string }).workflowId;
        await pollUntil(async () => ((await client.workflow.getHandle(holderId).query<SiteProgress>('progress')).counts.running > 0 ? true : undefined), {
          timeoutMs: 60_000,
          what: 'the holding run to start node0001',
        });
        const holding = await drydock(['status', `node:${site}:node0001`], env);
        expectExit(holding, 0, `node workflow node:${site}:node0001 (DeployNodes of node node0001, started by ${holderId})`, 'stdout');
        expect(holding.stdout).toMatch(/state: running, step \w+/);
        const confirm = await drydock(['confirm', holderId, '--node', 'no-such-node'], env);
        expectExit(confirm, 2, `run ${holderId} has no node "no-such-node"; its nodes: node0001`);
        const skipped = await drydock(['deploy', fast, '--node', 'node0001', '--wait', '--retry-window', '0s'], env);
        expectExit(skipped, 4, 'Not everything was done: 1 node(s) skipped (exit code 4):', 'stdout');
        expect(skipped.stdout).toMatch(new RegExp(`node0001: node busy: node:${site}:node0001 is already running by ${escape(holderId)}`));
        const aborted = await drydock(['abort', holderId], env);
        expectExit(aborted, 0, `Aborted ${holderId}; nodes that were running: node0001.`, 'stdout');
      });
    } finally {
      await forActivities.close();
    }
  }, 300_000);

  it('with no worker polling, retry, abort, confirm and watch exit 3 saying so, and status shows the run waiting for a worker', async () => {
    const idle = uniqueTaskQueue('cliexit-idle');
    const idleEnv = { ...env, DRYDOCK_TASK_QUEUE: idle };
    const started = await drydock(['deploy', fast, '--json'], idleEnv);
    expect(started.code).toBe(0);
    const id = (JSON.parse(started.stdout) as { workflowId: string }).workflowId;
    const { client, close } = await connectClient();
    try {
      const noWorker = `no worker is polling task queue ${idle}, which serves ${id}`;
      const [retry, abort, confirm, watch, status] = await Promise.all([
        drydock(['retry', id], idleEnv),
        drydock(['abort', id], idleEnv),
        drydock(['confirm', id, '--node', 'node0001'], idleEnv),
        drydock(['watch', id], idleEnv),
        drydock(['status', id], idleEnv),
      ]);
      for (const run of [retry, abort, confirm, watch]) expectExit(run, 3, noWorker);
      expectExit(status, 3, `waiting for a worker: ${noWorker}`, 'stdout');
      expect(status.stdout).toContain(`DeployNodes ${id}`);
      expect(status.stdout).toContain('execution: RUNNING');
    } finally {
      await client.workflow.getHandle(id).terminate('test cleanup: no worker serves this run');
      await close();
    }
  }, 180_000);

  it('with a worker gone (Temporal still lists its poller), retry gives up after 30 s and status and confirm after 10 s, exit 3', async () => {
    const gone = uniqueTaskQueue('cliexit-gone');
    const goneEnv = { ...env, DRYDOCK_TASK_QUEUE: gone };
    const longSteps = join(dir, 'long.yaml');
    writeFileSync(longSteps, simSiteDesign({ site: `${site}g`, nodes: 1, racks: 1, latencyMs: 600_000 }));
    const forActivities = await connectClient();
    let id = '';
    try {
      await withWorker({ taskQueue: gone, activities: createActivities({ simLedger: new SimLedger(), client: forActivities.client }) }, async (client) => {
        const started = await drydock(['relabel', longSteps, '--json'], goneEnv);
        expect(started.code).toBe(0);
        id = (JSON.parse(started.stdout) as { workflowId: string }).workflowId;
        await pollUntil(async () => ((await client.workflow.getHandle(id).query<SiteProgress>('progress')).counts.running > 0 ? true : undefined), { timeoutMs: 60_000, what: 'the run to start its node' });
      });
      // The worker has stopped; the server still lists it as a poller for a few minutes.
      const [retry, status, confirm] = await Promise.all([drydock(['retry', id], goneEnv), drydock(['status', id], goneEnv), drydock(['confirm', id, '--node', 'node0001'], goneEnv)]);
      const noAnswer = (seconds: number): string => `no worker on task queue ${gone} answered for ${id} within ${seconds}s`;
      expectExit(retry, 3, noAnswer(30));
      expectExit(status, 3, `waiting for a worker: ${noAnswer(10)}`, 'stdout');
      expectExit(confirm, 3, noAnswer(10));
    } finally {
      if (id) await forActivities.client.workflow.getHandle(id).terminate('test cleanup: its worker is gone');
      await forActivities.close();
    }
  }, 180_000);
});
