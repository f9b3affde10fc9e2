import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { DrydockClient } from '../../../src/client';
import type { SiteActionResult } from '../../../src/contracts/deployment';
import type { SimCall } from '../../../src/drivers/sim/ledger';
import type { ManagedProcess } from '../../../src/tools/process-group';
import { simSiteDesign } from '../../../lab/sim-site';
import { readRunState } from '../../support/run-state';
import { connectClient, uniqueTaskQueue } from '../../support/temporal';
import { startWorkerProcess } from '../../support/worker-process';

// The BMC lock across processes: two `drydock worker` processes serve the same general and
// segment queues; each sim BMC records the start and end of every command (its ledger, written
// when the worker stops), and the records of both processes are merged.
const OOB_ACTIONS = new Set(['ValidateOobServices', 'InterrogateOob', 'SetNodeBoot', 'PowerCycleNode', 'PowerOffNode', 'ConfigNodePxe']);

function maxInFlight(calls: SimCall[]): number {
  const events = calls.flatMap((c) => [
    { t: c.start, d: 1 },
    { t: c.end, d: -1 },
  ]);
  // An end and a start at the same millisecond do not overlap.
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (now += e.d));
  return max;
}

function design(site: string, oobAddress?: string): { type: 'inline'; sources: Array<{ name: string; text: string }> } {
  return { type: 'inline', sources: [{ name: 'site.yaml', text: simSiteDesign({ site, nodes: 6, racks: 1, latencyMs: 300, oobAddress }) }] };
}

describe('the BMC lock across worker processes', () => {
  let client: Client;
  let close: () => Promise<void>;
  beforeAll(async () => ({ client, close } = await connectClient()));
  afterAll(async () => close());

  it('two workers never send two commands at once to one BMC endpoint; without an endpoint they do overlap', async () => {
    const state = readRunState();
    const taskQueue = uniqueTaskQueue('bmclock');
    const dir = mkdtempSync(join(tmpdir(), 'drydock-bmclock-'));
    const ledgers = [join(dir, 'a.json'), join(dir, 'b.json')];
    const workers: ManagedProcess[] = [];
    const stamp = Date.now() % 100000;
    const windows: number[] = [];
    let began = 0;
    try {
      for (const file of ledgers) {
        workers.push(
          await startWorkerProcess({
            address: state.temporalAddress,
            namespace: state.namespace,
            taskQueue,
            client,
            segments: ['pxe'],
            env: { DRYDOCK_WORKFLOW_BUNDLE: state.workflowBundlePath, DRYDOCK_SIM_LEDGER_FILE: file, SIM_BMC_PASSWORD: 'sim-lock-secret' },
          }),
        );
      }
      const drydock = new DrydockClient(client, { address: state.temporalAddress, namespace: state.namespace, taskQueue });
      const opts = { segmentQueues: true, retryWindow: '0s' } as const;
      // One after the other, so the ledgers' calls split by time: six nodes behind one BMC
      // endpoint (a chassis manager, a sushy-emulator), then six without an endpoint (no lock).
      began = Date.now();
      for (const [site, address] of [[`lk${stamp}a`, '10.9.0.1'], [`lk${stamp}b`, undefined]] as const) {
        const { workflowId } = await drydock.startAction('VerifyNodes', { design: design(site, address), options: opts });
        const result = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
        expect({ status: result.status, failures: result.failures }).toEqual({ status: 'success', failures: [] });
        windows.push(Date.now());
      }
    } finally {
      // SIGTERM: each worker writes its ledger as it stops.
      for (const w of workers) await w.stop(30_000);
    }
    const calls = ledgers.map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { calls: SimCall[] }).calls.filter((c) => OOB_ACTIONS.has(c.action)));
    const [sharedEnd] = windows;
    const shared = calls.map((cs) => cs.filter((c) => c.end <= sharedEnd));
    const free = calls.map((cs) => cs.filter((c) => c.start > sharedEnd));
    // Both processes sent commands to the shared BMC, every node's two checks ran, never two at once.
    expect(shared.map((cs) => cs.length > 0)).toEqual([true, true]);
    expect(shared.flat().length).toBe(12);
    expect(maxInFlight(shared.flat())).toBe(1);
    // ...and the lock's gap (100 ms by default for a non-IPMI BMC) between one command and the next.
    const ordered = shared.flat().sort((a, b) => a.start - b.start);
    const gaps = ordered.slice(1).map((c, i) => c.start - ordered[i].end);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(95);
    // The same work without a shared endpoint overlaps across the processes: the records would show it.
    expect(free.flat().length).toBe(12);
    expect(maxInFlight(free.flat())).toBeGreaterThan(1);
    process.stdout.write(`BMC lock: shared endpoint max in flight ${maxInFlight(shared.flat())} (${shared.map((cs) => cs.length).join('+')} commands, smallest gap ${Math.min(...gaps)} ms, run ${windows[0] - began} ms), without endpoint ${maxInFlight(free.flat())}\n`);
  }, 120_000);
});
