import { execFileSync } from 'node:child_process';
import { ActivityFailure, ApplicationFailure, CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { createOobActivities } from '../../../activities/oob';
import { IpmiSim, startIpmiSim } from '../../../lab/ipmi/ipmi-sim';
import { startSushyEmulator, SushyEmulator } from '../../../lab/redfish/sushy-emulator';
import { pollUntil } from '../../../src/tools/poll';
import { freePort } from '../../../src/tools/ports';
import { SecretResolver } from '../../../src/secrets/resolver';
import type { OobActionWorkflowInput } from '../../fixtures/workflows/oob';
import { fixtureSite, siteContext } from '../../fixtures/site-model';
import { nodeWithOob } from '../../support/oob-nodes';
import { startRedfishProxy } from '../../support/redfish-proxy';
import { quietBundlerLogger, uniqueTaskQueue, withWorker } from '../../support/temporal';

/** Every node activity takes the node and its site; the OOB activities act on the node alone. */
const OOB_SITE = siteContext(fixtureSite({ apiUrl: 'http://127.0.0.1:9/MAAS' }));

// The OOB activities on a real Temporal worker (the harness's dev server), driving real
// emulators: sushy-emulator (Redfish) and ipmi_sim (IPMI). A test-only workflow from
// test/fixtures/workflows runs one activity with the retry options each test needs.

const PASSWORD = 'act-Secret-41b2';
const secrets = new SecretResolver({ env: { OOB_PW: PASSWORD, OOB_WRONG: 'act-wrong-pw' } });

let code: string;
let sushy: SushyEmulator;
let ipmi: IpmiSim;

beforeAll(async () => {
  const [bundle, startedSushy, startedIpmi] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: require.resolve('../../fixtures/workflows/oob'), logger: quietBundlerLogger }),
    startSushyEmulator({ auth: { username: 'admin', password: PASSWORD }, systems: [{ name: 'act-resume', powerState: 'On' }] }),
    startIpmiSim({ name: 'act-ipmi', username: 'admin', password: PASSWORD }),
  ]);
  code = bundle.code;
  sushy = startedSushy;
  ipmi = startedIpmi;
});

afterAll(async () => {
  await Promise.all([sushy?.stop(), ipmi?.stop()]);
});

function redfishNode(name: string, port: number, params: Record<string, unknown> = {}) {
  return nodeWithOob(name, { type: 'redfish', address: '127.0.0.1', port, account: 'admin', credential: 'env:OOB_PW', params: { use_https: false, poll_interval_ms: 250, ...params } });
}

function ipmiNode(name: string, port: number, params: Record<string, unknown> = {}, credential = 'env:OOB_PW') {
  return nodeWithOob(name, { type: 'ipmi', address: '127.0.0.1', port, account: 'admin', credential, params: { min_command_gap_ms: 20, poll_interval_ms: 100, ...params } });
}

async function run<T>(fn: (client: Client, start: (input: OobActionWorkflowInput) => ReturnType<Client['workflow']['start']>) => Promise<T>): Promise<T> {
  const taskQueue = uniqueTaskQueue('oob');
  return withWorker({ taskQueue, activities: createOobActivities({ secrets }), workflowBundle: { code } }, (client) =>
    fn(client, (input) => client.workflow.start('oobActionWorkflow', { taskQueue, workflowId: `${taskQueue}-wf`, args: [input] })),
  );
}

/** The attempt number of the last ActivityTaskStarted event, and the whole history as text (payloads decoded). */
async function history(handle: { fetchHistory(): Promise<{ events?: Array<{ activityTaskStartedEventAttributes?: { attempt?: number | null } | null }> | null }> }) {
  const h = await handle.fetchHistory();
  const attempts = (h.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt).filter((a): a is number => typeof a === 'number');
  const raw = JSON.stringify(h);
  // Payloads are base64 JSON: decode them so the checks below see what Temporal stored.
  const decoded = [...raw.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
  return { lastAttempt: attempts[attempts.length - 1], json: [raw, ...decoded].join('\n') };
}

async function failureOf(promise: Promise<unknown>): Promise<WorkflowFailedError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WorkflowFailedError) return err;
    throw err;
  }
  throw new Error('expected the workflow to fail');
}

function ipmitoolChildren(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const match = /^\d+ \((.*)\) \S+ (\d+)/.exec(readFileSync(`/proc/${e}/stat`, 'utf8'));
        return match?.[1] === 'ipmitool' && Number(match[2]) === process.pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('OOB activities on a real Temporal worker', () => {
  it('a non-retryable failure (IPMI wrong password against ipmi_sim) is an ApplicationFailure BmcAuthFailed after ONE attempt', async () => {
    const { err, lastAttempt, json } = await run(async (_client, start) => {
      const handle = await start({ activity: 'powerOnNode', args: { site: OOB_SITE, node: ipmiNode('act-wrong', ipmi.port, {}, 'env:OOB_WRONG') }, maximumAttempts: 5, heartbeatTimeout: '10s', startToCloseTimeout: '60s' });
      const failed = await failureOf(handle.result());
      return { err: failed, ...(await history(handle)) };
    });
    expect(err.cause).toBeInstanceOf(ActivityFailure);
    const cause = err.cause?.cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    const app = cause as ApplicationFailure;
    expect(app.type).toBe('BmcAuthFailed');
    expect(app.nonRetryable).toBe(true);
    expect(app.message).toContain('node act-wrong: the IPMI BMC at');
    expect(app.details?.[0]).toMatchObject({ bmc: `127.0.0.1:${ipmi.port}`, target: 'act-wrong' });
    expect(lastAttempt).toBe(1);
    // Only the reference travels through Temporal: no password in the history at all.
    expect(json).toContain('env:OOB_WRONG');
    expect(json).not.toContain('act-wrong-pw');
    expect(json).not.toContain(PASSWORD);
    expect(ipmi.changes()).toEqual([]);
  });

  it('a retryable failure (Redfish BMC down) is retried, then surfaces as BmcUnreachable', async () => {
    const port = await freePort();
    const { err, lastAttempt } = await run(async (_client, start) => {
      const handle = await start({ activity: 'interrogateOob', args: { site: OOB_SITE, node: redfishNode('act-down', port) }, maximumAttempts: 3, heartbeatTimeout: '10s', startToCloseTimeout: '30s' });
      return { err: await failureOf(handle.result()), ...(await history(handle)) };
    });
    const app = err.cause?.cause as ApplicationFailure;
    expect(app).toBeInstanceOf(ApplicationFailure);
    expect(app.type).toBe('BmcUnreachable');
    expect(app.nonRetryable).toBe(false);
    expect(lastAttempt).toBe(3);
  });

  it('an unknown oob type is InvalidRequest naming the node and the type, after one attempt', async () => {
    const { err, lastAttempt } = await run(async (_client, start) => {
      const handle = await start({ activity: 'powerOnNode', args: { site: OOB_SITE, node: nodeWithOob('act-libvirt', { type: 'libvirt', address: '127.0.0.1' }) }, maximumAttempts: 5, heartbeatTimeout: '10s', startToCloseTimeout: '30s' });
      return { err: await failureOf(handle.result()), ...(await history(handle)) };
    });
    const app = err.cause?.cause as ApplicationFailure;
    expect(app.type).toBe('InvalidRequest');
    expect(app.message).toBe('node act-libvirt: oob type "libvirt" has no driver (available: ipmi, manual, redfish, sim)');
    expect(lastAttempt).toBe(1);
  });

  it('a power cycle retried after Off was reached resumes from the heartbeat and sends only On (sushy behind a proxy written in this test that answers the first On with 503)', async () => {
    const proxy = await startRedfishProxy({ upstream: sushy.url, busy: { status: 503, times: 1, match: (_m, _p, body) => (body as { ResetType?: string } | undefined)?.ResetType === 'On' } });
    try {
      const { result, lastAttempt } = await run(async (_client, start) => {
        const handle = await start({
          activity: 'powerCycleNode',
          args: { site: OOB_SITE, node: redfishNode('act-resume', proxy.port, { busy_retries: 0 }) },
          maximumAttempts: 3,
          heartbeatTimeout: '5s',
          startToCloseTimeout: '90s',
        });
        return { result: (await handle.result()) as { message: string; details: Record<string, unknown> }, ...(await history(handle)) };
      });
      expect(lastAttempt).toBe(2);
      expect(result.details).toMatchObject({ sent: 'On', resumedFrom: 'off-reached' });
      expect(result.message).toContain('no second cycle');
      expect(proxy.log.filter((e) => e.resetType).map((e) => `${e.status} ${e.resetType}`)).toEqual(['204 ForceOff', '503 On', '204 On']);
    } finally {
      await proxy.stop();
    }
  });

  it('a power cycle whose On was accepted, retried after the BMC froze while the bootstrapper powered the node off, sends nothing again (sushy behind a proxy that freezes after the On)', async () => {
    const own = await startSushyEmulator({ auth: { username: 'admin', password: PASSWORD }, systems: [{ name: 'act-taken', powerState: 'Off' }] });
    const direct = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${own.url}${path}`, { method, headers: { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
      return response.status === 204 ? {} : ((await response.json()) as { PowerState?: string });
    };
    const system = own.systems[0].path;
    let froze: Promise<void> | undefined;
    const options: Parameters<typeof startRedfishProxy>[0] = {
      upstream: own.url,
      answer: (method, path, body) => {
        if (method === 'POST' && path.endsWith('/Actions/ComputerSystem.Reset') && (body as { ResetType?: string }).ResetType === 'On' && !froze) {
          // The BMC freezes once it has accepted the On; meanwhile MAAS powers the node off.
          froze = (async () => {
            await new Promise((r) => setTimeout(r, 20));
            options.hang = true;
            await pollUntil(async () => ((await direct('GET', system)).PowerState === 'On' ? true : undefined), { timeoutMs: 30_000, intervalMs: 250, what: 'the On to land' });
            await direct('POST', `${system}/Actions/ComputerSystem.Reset`, { ResetType: 'ForceOff' });
            await pollUntil(async () => ((await direct('GET', system)).PowerState === 'Off' ? true : undefined), { timeoutMs: 30_000, intervalMs: 250, what: 'the bootstrapper\'s power-off to land' });
            options.hang = false;
          })();
        }
        return undefined;
      },
    };
    const proxy = await startRedfishProxy(options);
    try {
      const { result, lastAttempt } = await run(async (_client, start) => {
        const handle = await start({
          activity: 'powerCycleNode',
          args: { site: OOB_SITE, node: redfishNode('act-taken', proxy.port, { busy_retries: 0, request_timeout_s: 2, power_timeout_s: 15 }) },
          maximumAttempts: 10,
          heartbeatTimeout: '5s',
          startToCloseTimeout: '90s',
        });
        return { result: (await handle.result()) as { message: string; details: Record<string, unknown> }, ...(await history(handle)) };
      });
      await froze;
      expect(lastAttempt).toBeGreaterThanOrEqual(2);
      expect(result.details).toMatchObject({ sent: null, resumedFrom: 'on-requested', leftAsFound: true });
      expect(result.message).toContain('On was accepted');
      // Exactly one command from drydock; the node stays as the bootstrapper left it.
      expect(proxy.log.filter((e) => e.resetType).map((e) => `${e.status} ${e.resetType}`)).toEqual(['204 On']);
      expect((await direct('GET', system)).PowerState).toBe('Off');
    } finally {
      await proxy.stop();
      await own.stop();
    }
  }, 120_000);

  it('the power command\'s record is at the Temporal server before the BMC gets the command, even when the SDK holds the heartbeat (throttled)', async () => {
    const own = await startSushyEmulator({ auth: { username: 'admin', password: PASSWORD }, systems: [{ name: 'act-ahead', powerState: 'Off' }] });
    let look: (() => Promise<unknown>) | undefined;
    let slowed = false;
    const atCommand: unknown[] = [];
    const proxy = await startRedfishProxy({
      upstream: own.url,
      before: async (method, path) => {
        // The first read of the System takes 4 s: the activity's keep-alive heartbeat (every
        // third of the 10 s heartbeat timeout) goes out meanwhile, so the SDK holds the next
        // one, the record, until the throttle interval (the product's 2 s) since it ends.
        if (method === 'GET' && /\/Systems\/[^/]+$/.test(path) && !slowed) {
          slowed = true;
          await new Promise((r) => setTimeout(r, 4_000));
        }
        if (method === 'POST' && path.endsWith('/Actions/ComputerSystem.Reset')) atCommand.push(await look?.());
      },
    });
    try {
      const result = await run(async (_client, start) => {
        const handle = await start({
          activity: 'powerCycleNode',
          args: { site: OOB_SITE, node: redfishNode('act-ahead', proxy.port, { busy_retries: 0 }) },
          maximumAttempts: 1,
          heartbeatTimeout: '10s',
          startToCloseTimeout: '60s',
        });
        look = async () => {
          const pending = (await handle.describe()).raw.pendingActivities?.[0];
          // binary/null (a keep-alive before any record) has no data
          return (pending?.heartbeatDetails?.payloads ?? []).map((p) => (p.data?.length ? (JSON.parse(Buffer.from(p.data).toString('utf8')) as unknown) : null));
        };
        return (await handle.result()) as { details: Record<string, unknown> };
      });
      expect(result.details).toMatchObject({ wasOff: true, sent: 'On' });
      // What the server held when the BMC got the one command: the record written ahead of it.
      expect(atCommand).toEqual([[{ action: 'powerCycleNode', step: 'on-requested', sent: { command: 'on', at: expect.any(Number) as number, pending: true }, mark: expect.any(String) as string }]]);
      expect(proxy.log.filter((e) => e.resetType).map((e) => `${e.status} ${e.resetType}`)).toEqual(['204 On']);
    } finally {
      await proxy.stop();
      await own.stop();
    }
  }, 90_000);

  it('an IPMI power cycle whose on was accepted, retried after ipmi_sim froze while the bootstrapper powered the node off, sends no second on', async () => {
    const bmc = await startIpmiSim({ name: 'act-ipmi-taken', username: 'admin', password: PASSWORD, initialPower: 'off' });
    let froze: Promise<void> | undefined;
    try {
      const { result, lastAttempt } = await run(async (_client, start) => {
        const handle = await start({
          activity: 'powerCycleNode',
          args: { site: OOB_SITE, node: ipmiNode('act-ipmi-taken', bmc.port, { ipmi_timeout_s: 1, ipmi_retries: 1, power_timeout_s: 6 }) },
          maximumAttempts: 20,
          heartbeatTimeout: '5s',
          startToCloseTimeout: '60s',
        });
        // Once ipmi_sim has the on and the server holds the activity's record of it (written ahead
        // of the command; the record of the accepted command would follow only after the throttle
        // interval, by when the step has ended): freeze ipmi_sim for 4 s, then the bootstrapper
        // powers the node off. Frozen before ipmitool had the answer, the on fails as no answer
        // (the record kept); after, the attempt times out: either way the retry finds the record.
        await pollUntil(
          async () => {
            const pending = (await handle.describe()).raw.pendingActivities?.[0];
            const details = (pending?.heartbeatDetails?.payloads ?? []).map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'));
            return bmc.changes().includes('set power 1') && details.some((d) => d.includes('"sent":{')) ? true : undefined;
          },
          { timeoutMs: 30_000, intervalMs: 50, what: 'the on at ipmi_sim and its record at the server' },
        );
        froze = (async () => {
          process.kill(bmc.process.child.pid as number, 'SIGSTOP');
          await new Promise((r) => setTimeout(r, 4_000));
          process.kill(bmc.process.child.pid as number, 'SIGCONT');
        })();
        await froze;
        // The bootstrapper's power-off, through ipmitool as MAAS would.
        execFileSync('ipmitool', ['-I', 'lanplus', '-H', '127.0.0.1', '-p', String(bmc.port), '-U', 'admin', '-E', 'chassis', 'power', 'off'], { stdio: 'ignore', env: { ...process.env, IPMI_PASSWORD: PASSWORD } });
        return { result: (await handle.result()) as { message: string; details: Record<string, unknown> }, ...(await history(handle)) };
      });
      expect(lastAttempt).toBeGreaterThanOrEqual(2);
      expect(result.details).toMatchObject({ sent: null, resumedFrom: 'on-requested' });
      // One on from drydock, one off from the bootstrapper, and no second on.
      expect(bmc.changes()).toEqual(['set power 1', 'set power 0']);
    } finally {
      await bmc.stop();
    }
  }, 120_000);

  it('cancelling the workflow kills the in-flight ipmitool child', async () => {
    const down = await startIpmiSim({ name: 'act-gone', username: 'admin', password: PASSWORD });
    await down.stop();
    const err = await run(async (_client, start) => {
      const handle = await start({ activity: 'powerOnNode', args: { site: OOB_SITE, node: ipmiNode('act-cancel', down.port, { ipmi_timeout_s: 10, ipmi_retries: 3 }) }, maximumAttempts: 1, heartbeatTimeout: '1s', startToCloseTimeout: '120s' });
      await pollUntil(() => (ipmitoolChildren().length ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, what: 'ipmitool to run' });
      await handle.cancel();
      return failureOf(handle.result());
    });
    expect(err.cause).toBeInstanceOf(CancelledFailure);
    expect(ipmitoolChildren()).toEqual([]);
  });

  it('cancelling the workflow aborts the in-flight Redfish request (a proxy written in this test never answers)', async () => {
    const proxy = await startRedfishProxy({ upstream: sushy.url, hang: true });
    try {
      const err = await run(async (_client, start) => {
        const handle = await start({ activity: 'interrogateOob', args: { site: OOB_SITE, node: redfishNode('act-hang', proxy.port) }, maximumAttempts: 1, heartbeatTimeout: '1s', startToCloseTimeout: '120s' });
        await pollUntil(() => (proxy.received > 0 ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, what: 'the request to reach the proxy' });
        await handle.cancel();
        return failureOf(handle.result());
      });
      expect(err.cause).toBeInstanceOf(CancelledFailure);
      await pollUntil(() => (proxy.abandoned === 1 ? true : undefined), { timeoutMs: 5_000, intervalMs: 20, what: 'the client to drop its request' });
      expect(proxy.received).toBe(1);
    } finally {
      await proxy.stop();
    }
  });

  it('the manual driver asks a person, naming the workflow to confirm', async () => {
    const result = await run(async (_client, start) => {
      const handle = await start({ activity: 'powerCycleNode', args: { site: OOB_SITE, node: nodeWithOob('act-manual', { type: 'manual' }) }, maximumAttempts: 1, heartbeatTimeout: '10s', startToCloseTimeout: '30s' });
      return { outcome: (await handle.result()) as { changed: boolean; awaitConfirmation?: { prompt: string } }, workflowId: handle.workflowId };
    });
    expect(result.outcome.changed).toBe(true);
    expect(result.outcome.awaitConfirmation?.prompt).toBe(
      `Power-cycle node act-manual: turn it off, then on again (if it is off, just turn it on), then run \`drydock confirm ${result.workflowId} --node act-manual\``,
    );
  });
});
