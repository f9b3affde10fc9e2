import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../activities';
import { createKubernetesActivities } from '../../../activities/kubernetes';
import { createNetworkActivities } from '../../../activities/network';
import { DriverError } from '../../../src/drivers/errors';
import { KeyedMutex } from '../../../src/drivers/keyed-mutex';
import type { NetworkDriverConfig } from '../../../src/design/model';
import type { KubernetesDriver } from '../../../src/drivers/kubernetes';
import { createNetworkDriver, type NetworkDriver } from '../../../src/drivers/network';
import type { NodeDriver } from '../../../src/drivers/node';
import type { OobDriver } from '../../../src/drivers/oob';
import { probeLabSwitchSupport, startLabSwitch, type LabSwitch } from '../../../lab/switch';
import { SecretResolver } from '../../../src/secrets/resolver';
import { pollUntil } from '../../../src/tools/poll';
import { makeTestCa, startFakeKubeApi, type FakeKubeApi, type TestCa } from '../../support/kube-api-server';
import { labNode, labSite, labTorSwitch, sampleNode } from '../../support/network-site';
import { nodeWithOob } from '../../support/oob-nodes';

const secrets = new SecretResolver({ env: { KUBE_TOKEN: 'tok-123' } });
const support = probeLabSwitchSupport();
if (!support.ok) process.stderr.write(`[driver activity tests] skipping the lab switch cases: ${support.reason ?? ''}\n`);

/** The SDK's activity test environment, with a logger that keeps lines instead of printing them
 * (a failing activity logs its failure at WARN). */
function activityEnv(info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {}): MockActivityEnvironment & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  const logger = { log: (level: string, message: string) => keep(level)(message), trace: keep('TRACE'), debug: keep('DEBUG'), info: keep('INFO'), warn: keep('WARN'), error: keep('ERROR') };
  return Object.assign(new MockActivityEnvironment(info, { logger }), { lines });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ApplicationFailure);
  return caught as ApplicationFailure;
}

const describeLab = support.ok ? describe : describe.skip;
describeLab(`network activities through the SDK's activity context, against the namespace lab switch (${support.vlanFiltering ? 'kernel' : 'emulated'} VLAN table)${support.ok ? '' : ` (skipped: ${support.reason ?? ''})`}`, () => {
  let lab: LabSwitch;
  const mutex = new KeyedMutex();
  const activities = () => createNetworkActivities({ secrets, createDriver: (config) => createNetworkDriver(config, { secrets, mutex }) });

  beforeAll(async () => {
    lab = await startLabSwitch({ ports: 3 });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('configurePortProduction configures the ports, heartbeats its progress and returns the outcome', async () => {
    const env = activityEnv();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const outcome = await env.run(activities().configurePortProduction, { node: sampleNode(), site: labSite(labTorSwitch(lab)) });
    expect(outcome).toMatchObject({ changed: true, details: { purpose: 'production', ports: 3, changedPorts: 2 } });
    expect(beats).toContainEqual({ phase: 'applied', purpose: 'production', switch: 'leaf01', commands: 6 });
    expect(env.lines).toContainEqual(expect.stringMatching(/^INFO switch leaf01: leaf01\/swp2: untagged 1 -> untagged 100 \(mgmt\), tagged 101 \(private\)/));
    const table = await lab.vlanTable();
    expect(table.swp2).toEqual([{ vid: 100, pvid: true, untagged: true }, { vid: 101, pvid: false, untagged: false }]);
  });

  it('a non-retryable DriverError becomes a non-retryable ApplicationFailure of the same type, with its details', async () => {
    const env = activityEnv();
    const node = labNode('compute09', [{ name: 'bond0', deviceLink: 'gp', slaves: [], networks: ['mgmt'], labels: {}, switchPorts: [{ switch: 'leaf01', port: 'swp77' }] }]);
    const failure = await failureOf(env.run(activities().configurePortProduction, { node, site: labSite(labTorSwitch(lab)) }));
    expect(failure).toMatchObject({ type: 'SwitchNotFound', nonRetryable: true });
    expect(failure.message).toMatch(/has no port swp77 \(named by node compute09 interface bond0, switch_ports\)/);
    expect(failure.details).toEqual([{ switch: 'leaf01', address: lab.address, port: 'swp77', node: 'compute09', component: 'switch', kind: 'NotFound', target: `leaf01 ${lab.address}:22` }]);
  });

  it('cancellation reaches the driver while it waits for the switch: the activity ends cancelled', async () => {
    const key = `${lab.address}:22`;
    const release = await mutex.acquire(key);
    try {
      const env = activityEnv({ heartbeatTimeoutMs: 3_000 });
      const running = env.run(activities().configurePortProvisioning, { node: sampleNode(), site: labSite(labTorSwitch(lab)) });
      await pollUntil(() => (mutex.waiting(key) === 1 ? true : undefined), { timeoutMs: 5_000, intervalMs: 20, what: 'the activity to queue for the switch' });
      env.cancel();
      await expect(running).rejects.toBeInstanceOf(CancelledFailure);
      expect(mutex.waiting(key)).toBe(0);
    } finally {
      release();
    }
  });
});

describe('driver activity adapter (activities/driver-context.ts)', () => {
  it('a retryable DriverError stays retryable; Retry-After becomes the next retry delay', async () => {
    let ca: TestCa | undefined;
    let api: FakeKubeApi | undefined;
    try {
      ca = makeTestCa();
      api = await startFakeKubeApi({ tls: ca, token: 'tok-123' });
      api.addNode('compute01');
      api.failNext(503, { method: 'PATCH', retryAfter: 12 });
      const site = labSite({ name: 'leaf01' });
      site.region.drivers.kubernetes = { type: 'kubernetes', apiUrl: api.url, token: 'env:KUBE_TOKEN', caBundle: ca.caPath };
      const activities = createKubernetesActivities({ secrets });
      const failure = await failureOf(activityEnv().run(activities.relabelNode, { node: { ...sampleNode(), labels: { a: 'b' } }, site }));
      expect(failure).toMatchObject({ type: 'KubernetesBusy', nonRetryable: false, nextRetryDelay: '12s' });
      expect(failure.details).toEqual([{ httpStatus: 503, component: 'kubernetes', kind: 'Busy', target: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) as unknown }]);
      const ok = await activityEnv().run(activities.relabelNode, { node: { ...sampleNode(), labels: { a: 'b' } }, site });
      expect(ok).toMatchObject({ changed: true });
    } finally {
      await api?.close();
      ca?.remove();
    }
  });

  it('a site without the driver configured is a non-retryable InvalidRequest', async () => {
    const site = labSite({ name: 'leaf01' });
    delete site.region.drivers.network;
    const failure = await failureOf(activityEnv().run(createNetworkActivities({ secrets }).validateNetworkServices, { site }));
    expect(failure).toMatchObject({ type: 'InvalidRequest', nonRetryable: true });
    expect(failure.message).toBe('site lab: Region lab configures no network driver (data.drivers.network), so switch ports cannot be configured');
    const k8s = await failureOf(activityEnv().run(createKubernetesActivities({ secrets }).validateKubernetesServices, { site }));
    expect(k8s.message).toContain('configures no Kubernetes driver (data.drivers.kubernetes)');
  });

  it('an unknown driver type is a non-retryable InvalidRequest failure', async () => {
    const site = labSite({ name: 'leaf01' });
    site.region.drivers.network = { type: 'carrier-pigeon' } as unknown as NetworkDriverConfig;
    const failure = await failureOf(activityEnv().run(createNetworkActivities({ secrets }).validateNetworkServices, { site }));
    expect(failure).toMatchObject({ type: 'InvalidRequest', nonRetryable: true });
    expect(failure.message).toContain('network driver type "carrier-pigeon" is not available in this build');
  });

  it('hands the previous attempt\'s heartbeat details to the driver as resumeFrom, and builds one driver per configuration', async () => {
    const seen: unknown[] = [];
    let built = 0;
    const recording: NetworkDriver = {
      type: 'recording',
      validateNetworkServices: async (_site, ctx) => (seen.push(ctx.resumeFrom), { ok: true, message: 'ok' }),
      interrogatePort: async () => [],
      configurePortProvisioning: async () => ({ changed: false, message: '' }),
      configurePortProduction: async () => {
        throw new DriverError('switch', 'Timeout', 'slow');
      },
    };
    const activities = createNetworkActivities({ secrets, createDriver: () => (built++, recording) });
    const site = labSite({ name: 'leaf01' });
    await activityEnv({ heartbeatDetails: { phase: 'applied', switch: 'leaf01' } }).run(activities.validateNetworkServices, { site });
    await activityEnv().run(activities.validateNetworkServices, { site });
    expect(seen).toEqual([{ phase: 'applied', switch: 'leaf01' }, undefined]);
    expect(built).toBe(1);
    const failure = await failureOf(activityEnv().run(activities.configurePortProduction, { node: sampleNode(), site }));
    expect(failure).toMatchObject({ type: 'SwitchTimeout', nonRetryable: false });
  });
});

describe('driver construction in the adapters (fake drivers written in this test, through the SDK activity context)', () => {
  it('every kind takes its createDriver override through createActivities, and builds one driver per configuration', async () => {
    const built: string[] = [];
    const check = { ok: true, message: 'fake answers' };
    // Partial fakes: only the validate action each adapter is asked for here is called.
    const fake = <D>(kind: string, validate: string): D => {
      built.push(kind);
      return { type: 'fake', [validate]: async () => check } as unknown as D;
    };
    const activities = createActivities({
      secrets,
      oob: { createDriver: (type) => fake<OobDriver>(`oob:${type}`, 'validateOobServices') },
      node: { createDriver: (config) => fake<NodeDriver>(`node:${config.type}`, 'validateNodeServices') },
      network: { createDriver: (config) => fake<NetworkDriver>(`network:${config.type}`, 'validateNetworkServices') },
      kubernetes: { createDriver: (config) => fake<KubernetesDriver>(`kubernetes:${config.type}`, 'validateKubernetesServices') },
    });
    const site = labSite({ name: 'leaf01' });
    site.region.drivers.node = { type: 'sim', latencyMs: 0 };
    site.region.drivers.kubernetes = { type: 'sim', latencyMs: 0 };
    const node = nodeWithOob('n1', { type: 'redfish', address: '127.0.0.1' });
    for (let round = 0; round < 2; round++) {
      await expect(activityEnv().run(() => activities.validateOobServices({ node, site }))).resolves.toEqual(check);
      await expect(activityEnv().run(() => activities.validateOobServices({ node: { ...node, name: 'n2' }, site }))).resolves.toEqual(check);
      await expect(activityEnv().run(activities.validateNodeServices, { site })).resolves.toEqual(check);
      await expect(activityEnv().run(activities.validateNetworkServices, { site })).resolves.toEqual(check);
      await expect(activityEnv().run(activities.validateKubernetesServices, { site })).resolves.toEqual(check);
    }
    expect(built).toEqual(['oob:redfish', 'node:sim', 'network:linux-bridge', 'kubernetes:sim']);
  });
});
