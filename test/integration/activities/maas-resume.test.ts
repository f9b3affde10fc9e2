import type { ActionOutcome } from '../../../src/contracts/driver-results';
import { ApplicationFailure } from '@temporalio/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createNodeActivities } from '../../../activities/node';
import type { NodeActivityInput } from '../../../src/contracts/activities';
import { toApplicationFailure } from '../../../activities/driver-context';
import { DriverError } from '../../../src/drivers/errors';
import type { LifecycleProgress } from '../../../src/drivers/node/maas/machines';
import type { MaasMachine } from '../../../src/drivers/node/maas/types';
import type { MaasEmulator } from '../../../lab/maas';
import { pollUntil } from '../../../src/tools/poll';
import { clientFor, counts, FAST_DRIVER, requests, secretsFor, startLabMaas } from '../../fixtures/maas-lab';
import { fixtureNode, fixtureSite, labMachineFor, macsFor, siteContext } from '../../fixtures/site-model';

// Crashes in the middle and lost answers: the node activities (through the real activity
// context of the Temporal SDK's MockActivityEnvironment) never start an operation twice. They
// re-read MAAS first and resume from the previous attempt's heartbeat details; the HTTP layer
// retries reads only, never a POST.
/** The SDK's mock activity environment, logging errors only. */
function activityEnv(heartbeatDetails?: unknown): MockActivityEnvironment {
  return new MockActivityEnvironment(heartbeatDetails === undefined ? {} : { heartbeatDetails }, { logger: new DefaultLogger('ERROR') });
}

function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the activity to fail');
    },
    (err: unknown) => err,
  );
}

describe('MAAS node activities survive crashes and lost answers (against the MAAS emulator)', () => {
  let emulator: MaasEmulator;
  const nodes = [1, 2, 3, 4].map((i) => fixtureNode('lab', { name: `n${i}`, host: 10 + i, macs: macsFor(i) }));
  const input = (node = nodes[0]): NodeActivityInput => ({ site: siteContext(fixtureSite({ apiUrl: emulator.url, nodes })), node });
  let activities: ReturnType<typeof createNodeActivities>;

  beforeAll(async () => {
    emulator = await startLabMaas({
      config: {
        durations: { deployingSeconds: 2, commissioningSeconds: 1.5, releasingSeconds: 0.3, importSeconds: 0.3 },
        machines: nodes.map((n) => labMachineFor(n, { hostname: n.name, enlist: 'at-start', initialStatus: n.name === 'n4' ? 'New' : 'Ready' })),
      },
    });
    activities = createNodeActivities({ secrets: secretsFor(emulator), maas: FAST_DRIVER });
    const site = input();
    for (const node of nodes.slice(0, 3)) {
      await activityEnv().run(activities.applyNodeStorage, { ...site, node });
    }
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('DeployNode killed mid-poll and run again with the heartbeat details: one deployment', async () => {
    const heartbeats: LifecycleProgress[] = [];
    const first = activityEnv();
    first.on('heartbeat', (details: LifecycleProgress) => {
      heartbeats.push(details);
      if (details.phase === 'deploying' && details.status === 'Deploying' && heartbeats.length >= 3) first.cancel();
    });
    const err = await rejection(first.run(activities.deployNode, input()));
    expect(err).toMatchObject({ name: 'CancelledFailure' });
    const last = heartbeats[heartbeats.length - 1];
    expect(last).toMatchObject({ phase: 'deploying', status: 'Deploying', requested: true });
    expect(counts(emulator, 'n1')).toMatchObject({ deploy: 1 });
    expect(counts(emulator, 'n1').deployed).toBeUndefined();

    const second = activityEnv(last);
    const resumed: LifecycleProgress[] = [];
    second.on('heartbeat', (d: LifecycleProgress) => resumed.push(d));
    const outcome: ActionOutcome = await second.run(activities.deployNode, input());
    expect(outcome).toMatchObject({ changed: true, details: { status: 'Deployed', resumed: true } });
    expect(outcome.message).toContain('deployed (');
    expect(outcome.message).toContain('(the first attempt started it; resumed after that attempt was interrupted)');
    // the deadline keeps running from the first attempt's start
    expect(resumed.every((d) => d.since === last.since)).toBe(true);
    expect(resumed.every((d) => d.requested === false)).toBe(true);
    expect(counts(emulator, 'n1')).toMatchObject({ allocate: 1, deploy: 1, deployed: 1 });
  });

  it('ConfigureHardware killed mid-poll and resumed: one commissioning', async () => {
    const node = nodes[3];
    const first = activityEnv();
    let last: LifecycleProgress | undefined;
    first.on('heartbeat', (details: LifecycleProgress) => {
      last = details;
      if (details.status === 'Commissioning') first.cancel();
    });
    await rejection(first.run(activities.configureHardware, input(node)));
    expect(last).toMatchObject({ phase: 'commissioning', requested: true });
    const outcome: ActionOutcome = await activityEnv(last).run(activities.configureHardware, input(node));
    expect(outcome).toMatchObject({ changed: true, details: { status: 'Ready', resumed: true } });
    expect(counts(emulator, 'n4')).toMatchObject({ commission: 1, commissioned: 1 });
    expect(outcome.message).toContain('(the first attempt started it; resumed after that attempt was interrupted)');
    // An attempt that finds the work of the interrupted first attempt done says so (issue 17,
    // item 5), instead of "already commissioned (Ready)" and "(no change)".
    const found: ActionOutcome = await activityEnv(last).run(activities.configureHardware, input(node));
    expect(found).toMatchObject({ changed: true, details: { status: 'Ready', resumed: true } });
    expect(found.message).toMatch(/MAAS machine \S+ commissioned \(Ready\) \(the first attempt started it; resumed after that attempt was interrupted; found done\)$/);
    expect(counts(emulator, 'n4')).toMatchObject({ commission: 1, commissioned: 1 });
  });

  it('a deploy POST whose answer is lost: a retryable MaasBusy, and the retry only polls', async () => {
    emulator.setFaults({ failNext: [{ method: 'POST', op: 'deploy', when: 'after', count: 1, status: 503 }] });
    try {
      const err = await rejection(activityEnv().run(activities.deployNode, input(nodes[1])));
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'MaasBusy', nonRetryable: false });
      expect(requests(emulator, 'POST machines/{system_id}/?op=deploy')).toBe(2); // n1 earlier, n2 once: not retried by HTTP
      const outcome = await activityEnv().run(activities.deployNode, input(nodes[1]));
      expect(outcome).toMatchObject({ changed: true, details: { status: 'Deployed' } });
      expect(counts(emulator, 'n2')).toMatchObject({ deploy: 1, deployed: 1 });
      expect(requests(emulator, 'POST machines/{system_id}/?op=deploy')).toBe(2);
    } finally {
      emulator.setFaults({});
    }
  });

  it('reads that fail (503) are retried by the HTTP layer; writes are not', async () => {
    const reads = requests(emulator, 'GET machines/');
    emulator.setFaults({ failNext: [{ method: 'GET', path: '^machines/$', count: 2, status: 503, when: 'before' }] });
    const identity = await activityEnv().run(activities.checkExists, input(nodes[2]));
    expect(identity).toMatchObject({ found: true, matchedBy: 'hostname' });
    expect(requests(emulator, 'GET machines/') - reads).toBe(3); // two 503s, then the answer

    emulator.setFaults({ failNext: [{ method: 'POST', path: '^tags/$', count: 1, status: 503, when: 'before' }] });
    const tagPosts = requests(emulator, 'POST tags/');
    const err = await rejection(activityEnv().run(activities.applyNodePlatform, input(nodes[2])));
    expect(err).toMatchObject({ type: 'MaasBusy', nonRetryable: false });
    expect(requests(emulator, 'POST tags/') - tagPosts).toBe(1);
    // the activity-level retry re-reads and carries on: no duplicate tag
    expect(await activityEnv().run(activities.applyNodePlatform, input(nodes[2]))).toMatchObject({ changed: true });
    const tags = await clientFor(emulator).get<Array<{ name: string }>>('tags/');
    expect(tags.filter((t) => t.name === 'n3_kp')).toHaveLength(1);
    emulator.setFaults({});
  });

  it('the emulator itself restarts in the middle of a deployment: the deployment completes once', async () => {
    // a fresh emulator with a state file, so that it can be stopped and started again
    const dir = mkdtempSync(join(tmpdir(), 'maas-restart-'));
    const statePath = join(dir, 'maas.json');
    const node = nodes[0];
    const config = { durations: { deployingSeconds: 2 }, machines: [labMachineFor(node, { hostname: node.name, enlist: 'at-start' as const, initialStatus: 'Ready' as const })] };
    let lab = await startLabMaas({ statePath, config });
    const site = () => ({ site: siteContext(fixtureSite({ apiUrl: lab.url, nodes: [node] })), node });
    const acts = () => createNodeActivities({ secrets: secretsFor(lab), maas: FAST_DRIVER });
    try {
      await activityEnv().run(acts().applyNodeStorage, site());
      const env = activityEnv();
      let last: LifecycleProgress | undefined;
      env.on('heartbeat', (d: LifecycleProgress) => {
        last = d;
        if (d.status === 'Deploying') env.cancel();
      });
      await rejection(env.run(acts().deployNode, site()));
      const port = lab.port;
      await lab.stop();
      lab = await startLabMaas({ statePath, config, port });
      const outcome = await activityEnv(last).run(acts().deployNode, site());
      expect(outcome).toMatchObject({ changed: true, details: { status: 'Deployed', resumed: true } });
      expect(counts(lab, node.name)).toMatchObject({ deploy: 1, deployed: 1 });
      const machine = await pollUntil(async () => (await clientFor(lab).get<MaasMachine[]>('machines/'))[0], { timeoutMs: 5_000, what: 'the machine' });
      expect(machine.status_name).toBe('Deployed');
    } finally {
      await lab.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('turns DriverErrors into ApplicationFailures whose retryability follows the taxonomy', () => {
    const busy = toApplicationFailure(new DriverError('maas', 'Busy', 'MAAS is busy', { details: { httpStatus: 503 }, retryAfterSeconds: 5 }));
    expect(busy).toMatchObject({ type: 'MaasBusy', nonRetryable: false, details: [{ httpStatus: 503 }], nextRetryDelay: '5s' });
    expect(toApplicationFailure(new DriverError('maas', 'NotFound', 'no machine'))).toMatchObject({ type: 'MaasNotFound', nonRetryable: true });
    expect(toApplicationFailure(new DriverError('maas', 'OperationFailed', 'failed deployment'))).toMatchObject({ type: 'MaasOperationFailed', nonRetryable: true });
  });
});
