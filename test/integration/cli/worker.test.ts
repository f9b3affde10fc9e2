import { ChildProcess, spawn } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { createActivities } from '../../../activities';
import { DrydockClient } from '../../../src/client';
import { nodeWorkflowId, SiteActionResult } from '../../../src/contracts/deployment';
import { simSiteDesign } from '../../../lab/sim-site';
import { pollUntil } from '../../../src/tools/poll';
import { freePort } from '../../../src/tools/ports';
import { REPO_ROOT } from '../../support/paths';
import { readRunState } from '../../support/run-state';
import { connectClient, uniqueTaskQueue, withWorker } from '../../support/temporal';

// `drydock worker` as an operator runs it: a child process (`node bin/drydock.js worker`),
// configured from flags and the environment, against the run's real dev server.
const SIM_PASSWORD = 'sim-worker-secret';

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function drydockWorker(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'drydock.js'), 'worker', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SIM_BMC_PASSWORD: SIM_PASSWORD, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => void (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const w = drydockWorker(args, env);
  const code = await w.exited;
  return { code, output: w.output() };
}

/** A worker on its own task queue, reusing the run's workflow bundle; resolves once it polls. */
async function startedWorker(taskQueue: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const state = readRunState();
  const w = drydockWorker(['--task-queue', taskQueue, ...args], { TEMPORAL_ADDRESS: state.temporalAddress, TEMPORAL_NAMESPACE: state.namespace, DRYDOCK_WORKFLOW_BUNDLE: state.workflowBundlePath, ...env });
  let code: number | null | undefined;
  void w.exited.then((c) => (code = c));
  try {
    await pollUntil(() => {
      if (code !== undefined) throw new Error(`drydock worker exited with ${code}:\n${w.output()}`);
      return w.output().includes('drydock worker: task queue') ? true : undefined;
    }, { timeoutMs: 60_000, what: 'drydock worker to start', isFatal: () => true });
  } catch (err) {
    w.child.kill('SIGKILL');
    await w.exited;
    throw err;
  }
  return w;
}

const inline = (text: string) => ({ type: 'inline' as const, sources: [{ name: 'site.yaml', text }] });

describe('drydock worker: bad input and unreachable Temporal', () => {
  it('refuses an unknown flag, malformed numbers, durations and addresses (flags and variables) with exit 2', async () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['--max-concurent-activities', '5'], {}, /error: unknown option '--max-concurent-activities'/],
      [['--max-concurrent-activities', 'lots'], {}, /option '--max-concurrent-activities <n>' argument 'lots' is invalid\. expected a whole number of at least 1/],
      [['--max-concurrent-activities', '0'], {}, /argument '0' is invalid\. expected a whole number of at least 1/],
      [[], { DRYDOCK_MAX_CONCURRENT_WORKFLOW_TASKS: '1' }, /option '--max-concurrent-workflow-tasks <n>' value '1' from env 'DRYDOCK_MAX_CONCURRENT_WORKFLOW_TASKS' is invalid\. expected a whole number of at least 2/],
      [['--max-cached-workflows', '-3'], {}, /argument '-3' is invalid\. expected a whole number of at least 0/],
      [['--shutdown-grace', 'soon'], {}, /option '--shutdown-grace <duration>' argument 'soon' is invalid\. expected a duration such as 30s/],
      [[], { DRYDOCK_METRICS_BIND: 'metrics.example.com:9464' }, /value 'metrics\.example\.com:9464' from env 'DRYDOCK_METRICS_BIND' is invalid\. expected IP:PORT/],
      [['--metrics-bind', '127.0.0.1:70000'], {}, /argument '127\.0\.0\.1:70000' is invalid\. expected IP:PORT/],
      [['--log-level', 'LOUD'], {}, /argument 'LOUD' is invalid\. Allowed choices are DEBUG, INFO, WARN, ERROR/],
      [['--workflow-bundle', '/nonexistent/bundle.js'], {}, /drydock: the workflow bundle \/nonexistent\/bundle\.js \(--workflow-bundle \/ DRYDOCK_WORKFLOW_BUNDLE\) is not a readable file/],
      [['--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem'], {}, /drydock: cannot read the client certificate \/nonexistent\/cert\.pem: ENOENT/],
    ];
    const results = await Promise.all(cases.map(([args, env]) => run(args, env)));
    results.forEach((r, i) => {
      expect({ args: cases[i][0], code: r.code }).toEqual({ args: cases[i][0], code: 2 });
      expect(r.output).toMatch(cases[i][2]);
      expect(r.output).not.toContain('drydock worker: task queue');
    });
  });

  it('refuses a metrics address already in use, and a namespace the server does not have, with exit 2', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const state = readRunState();
      const [busy, noNamespace] = await Promise.all([
        run(['--metrics-bind', `127.0.0.1:${port}`], { TEMPORAL_ADDRESS: state.temporalAddress }),
        run(['--namespace', 'no-such-namespace', '--task-queue', uniqueTaskQueue('wns')], { TEMPORAL_ADDRESS: state.temporalAddress, DRYDOCK_WORKFLOW_BUNDLE: state.workflowBundlePath }),
      ]);
      expect(busy.code).toBe(2);
      expect(busy.output).toContain(`drydock: cannot serve metrics on 127.0.0.1:${port} (--metrics-bind): Failed to start prometheus metrics exporter: Address already in use`);
      expect(noNamespace.code).toBe(2);
      expect(noNamespace.output).toContain(`drydock: the namespace "no-such-namespace" does not exist on ${state.temporalAddress} (--namespace / TEMPORAL_NAMESPACE)`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('exits 3 and names the address when Temporal cannot be reached', async () => {
    const port = await freePort();
    const r = await run([], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    expect(r.code).toBe(3);
    expect(r.output).toContain(`drydock: cannot reach Temporal at 127.0.0.1:${port}:`);
  });

  it('takes --build-data-url as a file:/env: reference, and never prints the URL\'s password (exit 2 for a bad reference, 3 for a database that does not answer)', async () => {
    const state = readRunState();
    const env = { TEMPORAL_ADDRESS: state.temporalAddress, TEMPORAL_NAMESPACE: state.namespace, DRYDOCK_WORKFLOW_BUNDLE: state.workflowBundlePath };
    const dbPort = await freePort(); // nothing listens there
    const file = join(mkdtempSync(join(tmpdir(), 'worker-bd-url-')), 'url');
    writeFileSync(file, `postgres://drydock:pw-in-a-file@127.0.0.1:${dbPort}/drydock_builddata\n`, { mode: 0o600 });
    const api = ['--boot-action-api-url', 'http://127.0.0.1:9/api/v1.0'];
    const fromFile = await run([...api, '--build-data-url', `file:${file}`], env);
    expect(fromFile.code).toBe(3);
    expect(fromFile.output).toContain('drydock: cannot open the build-data database:');
    expect(fromFile.output).not.toContain('pw-in-a-file');
    const fromEnv = await run([...api, '--build-data-url', 'env:BUILD_DATA_URL'], { ...env, BUILD_DATA_URL: `postgres://drydock:pw-in-env@127.0.0.1:${dbPort}/x` });
    expect(fromEnv.code).toBe(3);
    expect(fromEnv.output).not.toContain('pw-in-env');
    const unset = await run([...api, '--build-data-url', 'env:NO_SUCH_BUILD_DATA_URL'], env);
    expect(unset.code).toBe(2);
    expect(unset.output).toContain('the build-data database URL (--build-data-url)');
    const typed = await run([...api, '--build-data-url', `postgres://drydock:typed-pw@127.0.0.1:${dbPort}/x`], env);
    expect(typed.code).toBe(3);
    expect(typed.output).toContain('--build-data-url carries a password on the command line');
    expect(typed.output).not.toContain('typed-pw');
  }, 120_000);
});

describe('drydock worker against the dev server', () => {
  it('on SIGTERM lets a running activity finish within the grace time, exits 0, and another worker finishes the run', async () => {
    const taskQueue = uniqueTaskQueue('wcmd');
    const site = `w${Date.now() % 100000}g`;
    const state = readRunState();
    const { client, close } = await connectClient();
    try {
      const worker = await startedWorker(taskQueue, ['--shutdown-grace', '30s']);
      expect(worker.output()).toContain('shutdown grace 30s');
      const drydock = new DrydockClient(client, { address: state.temporalAddress, namespace: state.namespace, taskQueue });
      // RelabelNodes on one node: a single Kubernetes sim action that takes 3 s.
      const { workflowId } = await drydock.startAction('RelabelNodes', { design: inline(simSiteDesign({ site, nodes: 1, latencyMs: 3000 })) });
      const node = client.workflow.getHandle(nodeWorkflowId(site, 'node0001'));
      await pollUntil(async () => {
        const described = await node.describe().catch(() => undefined);
        // PENDING_ACTIVITY_STATE_STARTED = 2: a worker has picked the activity up.
        return described?.raw.pendingActivities?.some((a) => a.activityType?.name === 'relabelNode' && Number(a.state) === 2) ? true : undefined;
      }, { timeoutMs: 60_000, intervalMs: 100, what: 'the relabelNode activity to be running' });
      const signalledAt = Date.now();
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(worker.output()).toContain('drydock worker: stopped');

      const events = (await node.fetchHistory()).events ?? [];
      const completed = events.filter((e) => e.activityTaskCompletedEventAttributes);
      expect(completed).toHaveLength(1);
      // It completed after the signal: the worker let it finish rather than dropping it.
      const at = completed[0].eventTime!;
      expect(Number(at.seconds) * 1000 + Math.floor((at.nanos ?? 0) / 1e6)).toBeGreaterThanOrEqual(signalledAt - 5);
      expect(events.filter((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes || e.activityTaskCancelRequestedEventAttributes)).toEqual([]);

      // The stopped worker's run goes on with the next worker on the task queue.
      const result = await withWorker({ taskQueue, activities: createActivities({ client }) }, () => client.workflow.getHandle(workflowId).result() as Promise<SiteActionResult>);
      expect(result).toMatchObject({ status: 'success', successes: ['node0001'] });
    } finally {
      await close();
    }
  });

  it('cancels an activity that outlasts the grace time, exits 0, and leaves the attempt to be retried', async () => {
    const taskQueue = uniqueTaskQueue('wgrc');
    const site = `w${Date.now() % 100000}c`;
    const state = readRunState();
    const { client, close } = await connectClient();
    let workflowId: string | undefined;
    try {
      const worker = await startedWorker(taskQueue, [], { DRYDOCK_SHUTDOWN_GRACE: '1s' });
      const drydock = new DrydockClient(client, { address: state.temporalAddress, namespace: state.namespace, taskQueue });
      ({ workflowId } = await drydock.startAction('RelabelNodes', { design: inline(simSiteDesign({ site, nodes: 1, latencyMs: 600_000 })) }));
      const node = client.workflow.getHandle(nodeWorkflowId(site, 'node0001'));
      await pollUntil(async () => {
        const described = await node.describe().catch(() => undefined);
        return described?.raw.pendingActivities?.some((a) => Number(a.state) === 2) ? true : undefined;
      }, { timeoutMs: 60_000, intervalMs: 100, what: 'the relabelNode activity to be running' });
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      // The cancelled attempt is recorded as failed; the activity stays pending for another worker.
      const pending = await pollUntil(async () => {
        const a = (await node.describe()).raw.pendingActivities?.[0];
        return a?.lastFailure ? a : undefined;
      }, { timeoutMs: 30_000, what: 'the cancelled attempt to be recorded' });
      expect(pending.activityType?.name).toBe('relabelNode');
      expect(pending.lastFailure).toMatchObject({ message: 'Worker is shutting down and this activity did not complete in time', applicationFailureInfo: { type: 'WorkerShutdown' } });
      expect((await node.fetchHistory()).events?.filter((e) => e.activityTaskCompletedEventAttributes)).toEqual([]);
    } finally {
      if (workflowId) await client.workflow.getHandle(workflowId).terminate('test cleanup').catch(() => undefined);
      await client.workflow.getHandle(nodeWorkflowId(site, 'node0001')).terminate('test cleanup').catch(() => undefined);
      await close();
    }
  });

  it('serves Prometheus metrics with Temporal worker metrics at --metrics-bind, and logs at --log-level', async () => {
    const taskQueue = uniqueTaskQueue('wmet');
    const site = `w${Date.now() % 100000}m`;
    const state = readRunState();
    const port = await freePort();
    const worker = await startedWorker(taskQueue, ['--log-level', 'WARN'], { DRYDOCK_METRICS_BIND: `127.0.0.1:${port}`, DRYDOCK_MAX_CONCURRENT_ACTIVITIES: '7' });
    const { client, close } = await connectClient();
    try {
      expect(worker.output()).toContain(`metrics at http://127.0.0.1:${port}/metrics`);
      expect(worker.output()).toContain('activities 7,');
      const drydock = new DrydockClient(client, { address: state.temporalAddress, namespace: state.namespace, taskQueue });
      const { workflowId } = await drydock.startAction('RelabelNodes', { design: inline(simSiteDesign({ site, nodes: 2, latencyMs: 0 })) });
      expect(await client.workflow.getHandle(workflowId).result()).toMatchObject({ status: 'success' });

      const metrics = await pollUntil(async () => {
        const r = await axios.get<string>(`http://127.0.0.1:${port}/metrics`, { responseType: 'text', timeout: 5_000 });
        // Counters may reach the exporter a moment after the workflow completes.
        return /^temporal_workflow_completed\{[^}]*workflow_type="RelabelNodes"[^}]*\} [1-9]/m.test(r.data) ? r.data : undefined;
      }, { timeoutMs: 30_000, what: 'temporal_workflow_completed for RelabelNodes in /metrics' });
      for (const name of ['temporal_activity_execution_latency_bucket', 'temporal_workflow_task_execution_latency_bucket', 'temporal_worker_task_slots_available', 'temporal_workflow_endtoend_latency_bucket', 'temporal_sticky_cache_size']) {
        expect([name, metrics.includes(name)]).toEqual([name, true]);
      }
      expect(metrics).toMatch(new RegExp(`task_queue="${taskQueue}"`));
      expect(metrics).toMatch(/temporal_activity_execution_latency_count\{[^}]*activity_type="relabelNode"[^}]*\} 2/);
      expect(metrics).toMatch(/temporal_worker_task_slots_available\{[^}]*worker_type="ActivityWorker"[^}]*\} 7/);
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      await close();
    }
    // WARN: the SDK's INFO lines (worker state changes) stay out; the startup line is drydock's own.
    expect(worker.output()).not.toMatch(/\[INFO\]/);
  });
});
