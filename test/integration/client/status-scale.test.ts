import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivities } from '../../../activities';
import { DEFAULT_NODE_DETAILS, DrydockClient, type DeploymentStatus } from '../../../src/client';
import type { SiteActionResult } from '../../../src/contracts/deployment';
import { SimLedger } from '../../../src/drivers/sim';
import { simNodeName, simSiteDesign } from '../../../lab/sim-site';
import { pollUntil } from '../../../src/tools/poll';
import { drydock as cli } from '../../support/cli-process';
import { readRunState } from '../../support/run-state';
import { connectClient, uniqueTaskQueue, withWorker } from '../../support/temporal';

// The operator's views of a 10,000-node DeployNodes run on the real dev server with the sim
// drivers: 21 lanes, 100 nodes held in their first step (ConfigurePortProvisioning takes 4
// minutes here, every other action none), 9,900 queued in the lanes. Then an abort.
process.env.SIM_BMC_PASSWORD = 'sim-bmc-secret-scale';

const NODES = 10_000;
const MB = 1024 * 1024;
const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

describe('status, watch and paging of a 10,000-node run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-scale-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts first, bounded pages and node details, paging through the lanes, and a result under 2 MB after an abort', async () => {
    const site = `s${Date.now() % 100000}X`;
    const file = join(dir, 'site.yaml');
    writeFileSync(file, simSiteDesign({ site, nodes: NODES, racks: 200, latencyMs: 0, actionLatencyMs: { ConfigurePortProvisioning: 240_000 } }));
    const taskQueue = uniqueTaskQueue('scale');
    const state = readRunState();
    const env = { TEMPORAL_ADDRESS: state.temporalAddress, DRYDOCK_TASK_QUEUE: taskQueue };
    const forActivities = await connectClient();
    try {
      await withWorker({ taskQueue, activities: createActivities({ simLedger: new SimLedger(), client: forActivities.client }), maxConcurrentActivityTaskExecutions: 200 }, async (client) => {
        const drydock = new DrydockClient(client, { address: state.temporalAddress, namespace: state.namespace, taskQueue });
        const { workflowId } = await drydock.startDeployment({ design: { type: 'path', paths: [file] }, options: { maxParallelNodes: 100 } });

        // Every lane holds its share of the 100 in their first step; the first 50 of them answer for themselves.
        const held = await pollUntil(
          async () => {
            const s = await drydock.getStatus(workflowId, { state: 'running', limit: 1000 });
            const c = s.progress?.counts;
            const stepped = s.progress?.nodes.filter((n) => n.step === 'ConfigurePortProvisioning').length ?? 0;
            return c && c.running >= 90 && c.pending + c.running === NODES && stepped === DEFAULT_NODE_DETAILS ? s : undefined;
          },
          { timeoutMs: 240_000, intervalMs: 1000, what: 'the lanes to hold their nodes in their first step' },
        );
        const running = held.progress!;
        expect(running.lanes!.length).toBeGreaterThanOrEqual(20); // whole racks of 50 per lane of at most 500
        expect(running.nodes).toHaveLength(running.counts.running);
        expect(running.page).toMatchObject({ offset: 0, limit: 1000, state: 'running', matched: running.counts.running });
        // Detail (a query and a describe of the node workflow) for 50 of the running nodes, not all.
        expect(running.nodes.filter((n) => n.step !== undefined)).toHaveLength(DEFAULT_NODE_DETAILS);
        expect(running.nodes.slice(0, DEFAULT_NODE_DETAILS).every((n) => n.step === 'ConfigurePortProvisioning')).toBe(true);
        const pausedCount = running.counts.running;

        // Counts first, and the default page: 1,000 of the 10,000, far below 2 MB.
        const first: DeploymentStatus = await drydock.getStatus(workflowId);
        expect(first.progress!.counts).toMatchObject({ total: NODES, running: pausedCount, pending: NODES - pausedCount, succeeded: 0, failed: 0 });
        expect(first.progress!.nodes).toHaveLength(1000);
        expect(first.progress!.page?.matched).toBe(NODES);
        expect(bytes(first)).toBeLessThan(MB / 4);
        const countsOnly = await drydock.getStatus(workflowId, { limit: 0 });
        expect(countsOnly.progress!.nodes).toEqual([]);
        expect(bytes(countsOnly)).toBeLessThan(16 * 1024);

        // Paging the pending nodes through the lanes: every one exactly once, pages of at most the limit.
        const pending: string[] = [];
        for (let offset = 0; ; offset += 2000) {
          const page = await drydock.getStatus(workflowId, { state: 'pending', offset, limit: 2000 });
          expect(bytes(page)).toBeLessThan(MB);
          expect(page.progress!.nodes.length).toBeLessThanOrEqual(2000);
          if (page.progress!.nodes.length === 0) break;
          expect(page.progress!.nodes.every((n) => n.state === 'pending')).toBe(true);
          pending.push(...page.progress!.nodes.map((n) => n.node));
        }
        expect(pending).toHaveLength(NODES - pausedCount);
        expect(new Set(pending).size).toBe(pending.length);
        // An offset inside a lane's list lands where the walk says (lanes hold about 480 nodes).
        const middle = await drydock.getStatus(workflowId, { state: 'pending', offset: 4321, limit: 5 });
        expect(middle.progress!.nodes.map((n) => n.node)).toEqual(pending.slice(4321, 4326));
        // One node by name, wherever it is.
        const one = await drydock.getStatus(workflowId, { node: simNodeName(7777) });
        expect(one.progress!.nodes.map((n) => n.node)).toEqual([simNodeName(7777)]);
        expect(one.progress!.page?.matched).toBe(1);

        // The CLI: counts, one page, where it is and how to get the next.
        const shown = await cli(['status', workflowId, '--state', 'pending', '--offset', '10', '--limit', '5'], env);
        expect(shown.code).toBe(0);
        expect(shown.stdout).toContain(`nodes: ${NODES} total, ${pausedCount} running, ${NODES - pausedCount} pending`);
        expect(shown.stdout).toContain(`showing nodes 11-15 of ${NODES - pausedCount} pending; next: drydock status ${workflowId} --state pending --offset 15 --limit 5`);
        for (const node of pending.slice(10, 15)) expect(shown.stdout).toContain(node);
        expect(shown.stdout.split('\n').length).toBeLessThan(20);
        const json = await cli(['status', workflowId, '--json'], env);
        expect(json.code).toBe(0);
        expect(json.stdout.length).toBeLessThan(MB / 4);
        expect((JSON.parse(json.stdout) as DeploymentStatus).progress!.nodes).toHaveLength(100);
        const bad = await cli(['status', workflowId, '--state', 'sleeping'], env);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain('--state');

        // list: one page of the node workflows, and how many there are in all.
        const listed = await cli(['list', '--nodes', '--site', site, '--limit', '5'], env);
        expect(listed.code).toBe(0);
        expect(listed.stdout).toMatch(new RegExp(`\\(5 of ${pausedCount} matching; --limit ${pausedCount} for all\\)`));

        // Abort: 100 stopped, 9,900 never started; the result names them all and stays far below 2 MB.
        expect((await drydock.abort(workflowId)).length).toBeLessThanOrEqual(pausedCount);
        const result = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
        expect(result).toMatchObject({ status: 'failure', successNodeResultsOmitted: true, skippedNodeResultsOmitted: true });
        expect(result.failures.length + result.skipped.length).toBe(NODES);
        expect(bytes(result)).toBeLessThan(MB);
        const done = await drydock.getStatus(workflowId, { state: 'skipped', offset: 9000, limit: 100 });
        expect(done.nodePage!.counts).toMatchObject({ total: NODES, skipped: result.skipped.length, failed: result.failures.length });
        expect(done.nodePage!.nodes).toHaveLength(100);
        expect(done.nodePage!.nodes.every((n) => n.state === 'skipped')).toBe(true);
        const finished = await cli(['status', workflowId, '--state', 'failed', '--limit', '3'], env);
        expect(finished.code).toBe(1);
        expect(finished.stdout).toContain(`showing nodes 1-3 of ${result.failures.length} failed`);
        expect(finished.stdout.split('\n').length).toBeLessThan(60);
      });
    } finally {
      await forActivities.close();
    }
  }, 420_000);
});
