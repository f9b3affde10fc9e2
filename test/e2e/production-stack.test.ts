import { labNics } from '../../lab/site-lab';
import { DrydockClient } from '../../src/client';
import { AesGcmPayloadCodec } from '../../src/codec/aes-gcm-codec';
import { loadCodecKeySet } from '../../src/codec/keys';
import { nodeWorkflowId, type SiteActionResult } from '../../src/contracts/deployment';
import { segmentTaskQueue } from '../../src/contracts/segments';
import { processDesign } from '../../src/design';
import { pollUntil } from '../../src/tools/poll';
import type { ManagedProcess } from '../../src/tools/process-group';
import { exampleLabDeployment, driverPowerCommands, sideEffects } from '../support/lab-deployment';
import { dumpBytes, payloadsIn, stackUnavailable, startTestStack, type TestStack } from '../support/prod-stack';
import { uniqueTaskQueue } from '../support/temporal';
import { crash, startWorkerProcess, workerIdentityPrefix } from '../support/worker-process';

// Issue 13 item 4 on the lab: the example site (8 nodes, Redfish and IPMI BMCs, switches where
// namespaces can be made) deployed through the production stack (temporal-server v1.29.1 on
// PostgreSQL, frontend mTLS, the AES-GCM payload codec) by TWO `drydock worker` processes on
// SEPARATE segments (each rack's BMCs on an OOB network of its own; worker A serves the general
// queue and segment oob-rack1, worker B the general queue and oob-rack2; the run uses segment
// queues), with faults injected one after another as the run reaches them:
//   1. kill -9 of the worker running a node's PowerCycleNode, after its BMC accepted the command;
//   2. kill -9 of the worker running a node's ConfigureHardware while MAAS commissions it;
//   3. SIGKILL of temporal-server, and a restart, right after;
//   4. kill -9 of the worker running a node's DeployNode while MAAS deploys it;
//   5. a PostgreSQL restart (fast shutdown) while the machines deploy.
// Each killed worker is started again in its slot (same segment). At the end every node is done,
// each node's OOB and switch activities ran on its segment's queue and worker, and the side
// effects counted at the emulators are one commissioning, one deployment, no release and one
// power command of ours per node.
const unavailable = stackUnavailable();
const describeStack = unavailable ? describe.skip : describe;
if (unavailable) process.stderr.write(`[production-stack e2e] skipped: ${unavailable}\n`);

const STARTED = 2; // PENDING_ACTIVITY_STATE_STARTED
/** The activities segment queues route to the node's segment (OOB and switch work). */
const SEGMENT_ACTIVITIES = new Set(['setNodeBoot', 'powerCycleNode', 'configurePortProvisioning', 'configurePortProduction']);

describeStack('the example site on the lab through the production stack and two worker processes on separate segments', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('segment workers: kill -9 of a worker at PowerCycleNode, ConfigureHardware and DeployNode, a temporal-server SIGKILL and a PostgreSQL restart: every node done once', async () => {
    const d = await exampleLabDeployment('prod', {
      durations: { enlistingSeconds: 4, commissioningSeconds: 5, deployingSeconds: 20, releasingSeconds: 1, importSeconds: 0.2 },
      oobSegments: true,
    });
    const segmentOfSlot = [...new Set(Object.values(d.segments))].sort(); // oob-rack1 (A), oob-rack2 (B)
    expect(segmentOfSlot).toEqual(['oob-rack1', 'oob-rack2']);
    const taskQueue = uniqueTaskQueue('prod-e2e');
    const settings = t.settings(taskQueue);
    const drydock = await DrydockClient.connect(settings);
    const client = drydock.client;
    const all: ManagedProcess[] = [];
    const slots: ManagedProcess[] = [];
    const labels = new Map<string, string>(); // identity prefix (pid@) -> "A1", "B2", ...
    const generation = [0, 0];
    const log: string[] = [];
    const started = Date.now();
    const note = (what: string): void => void log.push(`${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${what}`);
    const startSlot = async (slot: number): Promise<void> => {
      const proc = await startWorkerProcess({ address: settings.address, taskQueue, segments: [segmentOfSlot[slot]], env: d.env, client, tls: settings.tls, codecKeys: t.codecKeys, workflowBundle: t.workflowBundlePath });
      all.push(proc);
      slots[slot] = proc;
      labels.set(workerIdentityPrefix(proc), `${'AB'[slot]}${++generation[slot]}`);
    };
    const labelOf = (identity: string | null | undefined): string => [...labels].find(([prefix]) => (identity ?? '').startsWith(prefix))?.[1] ?? `? (${identity})`;
    const machineStatus = (node: string): string | undefined => Object.values(d.lab.maas!.stats().machines).find((m) => m.hostname === node)?.status;
    const statuses = (): string => d.nodes.map((n) => `${n} ${machineStatus(n) ?? '-'}`).join(', ');
    try {
      await Promise.all([startSlot(0), startSlot(1)]);
      note(`workers ${labels.get(workerIdentityPrefix(slots[0]))} (pid ${slots[0].child.pid}) and ${labels.get(workerIdentityPrefix(slots[1]))} (pid ${slots[1].child.pid}) polling ${taskQueue} (general) and ${segmentTaskQueue(taskQueue, segmentOfSlot[0])} / ${segmentTaskQueue(taskQueue, segmentOfSlot[1])} with mTLS and the codec`);
      const { workflowId } = await drydock.startDeployment({ design: d.design, options: { retryWindow: 0, segmentQueues: true } });
      let ended = false;
      const outcome = (client.workflow.getHandle(workflowId).result() as Promise<SiteActionResult>).finally(() => (ended = true));
      note(`DeployNodes ${workflowId} started (${d.nodes.length} nodes${d.switchesSkipped ? `; switches skipped: ${d.switchesSkipped}` : ''})`);

      /** Waits for a node whose `activity` runs (started) on a live worker and `ready` holds;
       * kills that worker with SIGKILL and starts another in its slot. */
      const killWorkerAt = async (step: string, activity: string, ready: (node: string) => boolean): Promise<void> => {
        const found = await pollUntil(
          async () => {
            if (ended) throw new Error(`the run ended before ${step}`);
            for (const node of d.nodes) {
              if (!ready(node)) continue;
              let pending;
              try {
                pending = (await client.workflow.getHandle(nodeWorkflowId(d.site, node)).describe()).raw.pendingActivities ?? [];
              } catch {
                continue; // the node's workflow has not started yet
              }
              const a = pending.find((p) => p.activityType?.name === activity && Number(p.state) === STARTED);
              const slot = a ? slots.findIndex((s) => (a.lastWorkerIdentity ?? '').startsWith(workerIdentityPrefix(s))) : -1;
              if (a && slot >= 0) return { node, slot, attempt: a.attempt ?? 1 };
            }
            return undefined;
          },
          { timeoutMs: 180_000, intervalMs: 200, what: `a node at ${step} on a live worker`, isFatal: (e) => e instanceof Error && e.message.startsWith('the run ended') },
        );
        const victim = slots[found.slot];
        crash(victim);
        note(`kill -9 of worker ${labels.get(workerIdentityPrefix(victim))} (pid ${victim.child.pid}): ${found.node} at ${step} (attempt ${found.attempt}, MAAS: ${machineStatus(found.node) ?? '-'}, our power commands: ${driverPowerCommands(d, found.node)})`);
        await pollUntil(() => (victim.exited() ? true : undefined), { timeoutMs: 10_000, what: 'the killed worker to be gone' });
        await startSlot(found.slot);
        note(`worker ${labels.get(workerIdentityPrefix(slots[found.slot]))} (pid ${slots[found.slot].child.pid}) started in its place`);
      };

      // 1. PowerCycleNode, once the BMC counted our command.
      await killWorkerAt('PowerCycleNode', 'powerCycleNode', (n) => driverPowerCommands(d, n) >= 1);
      // 2. ConfigureHardware, while MAAS commissions.
      await killWorkerAt('ConfigureHardware', 'configureHardware', (n) => machineStatus(n) === 'Commissioning');
      // 3. temporal-server: SIGKILL, then started again on the same database and ports.
      note(`SIGKILL of temporal-server (pid ${t.stack.serverProcess().pid}); machines: ${statuses()}`);
      const killedAt = Date.now();
      t.stack.serverProcess().signal('SIGKILL');
      await pollUntil(() => (t.stack.serverProcess().exited() ? true : undefined), { timeoutMs: 10_000, what: 'temporal-server to die' });
      await t.stack.restartServer();
      note(`temporal-server answering again ${((Date.now() - killedAt) / 1000).toFixed(1)} s later (pid ${t.stack.serverProcess().pid})`);
      // 4. DeployNode, while MAAS deploys.
      await killWorkerAt('DeployNode', 'deployNode', (n) => machineStatus(n) === 'Deploying');
      // 5. PostgreSQL, while machines deploy.
      note(`PostgreSQL restart (fast shutdown); machines: ${statuses()}`);
      const pgAt = Date.now();
      await t.stack.restartPostgres();
      note(`PostgreSQL back ${((Date.now() - pgAt) / 1000).toFixed(1)} s later`);
      if (ended) throw new Error('the run ended before the PostgreSQL restart: the faults came too late to matter');

      const result = await outcome;
      note(`done: ${result.status}: ${result.message}`);

      // Who ran what: the node workflows' histories name the worker of each activity attempt.
      // (fetchHistory returns a history as stored: payloads undecoded.)
      const ids = [workflowId, ...d.nodes.map((n) => nodeWorkflowId(d.site, n))];
      const histories = await Promise.all(ids.map((id) => client.workflow.getHandle(id).fetchHistory()));
      const ran = new Map<string, { oob: Set<string>; all: Set<string>; retried: string[]; misrouted: string[] }>();
      for (const node of d.nodes) {
        const history = histories[1 + d.nodes.indexOf(node)];
        const scheduled = new Map<string, { name: string; queue: string }>();
        const entry = { oob: new Set<string>(), all: new Set<string>(), retried: [] as string[], misrouted: [] as string[] };
        const segmentQueue = segmentTaskQueue(taskQueue, d.segments[node]);
        const segmentWorker = 'AB'[segmentOfSlot.indexOf(d.segments[node])];
        for (const e of history.events ?? []) {
          const s = e.activityTaskScheduledEventAttributes;
          if (s) scheduled.set(String(e.eventId), { name: s.activityType?.name ?? '?', queue: s.taskQueue?.name ?? '?' });
          const st = e.activityTaskStartedEventAttributes;
          if (!st) continue;
          const { name, queue } = scheduled.get(String(st.scheduledEventId)) ?? { name: '?', queue: '?' };
          const worker = labelOf(st.identity);
          entry.all.add(worker);
          // OOB and switch work on the node's segment queue and its worker; the rest (MAAS, the
          // BMC lock's requests) on the general queue.
          const segmentWork = SEGMENT_ACTIVITIES.has(name);
          if (segmentWork) entry.oob.add(worker);
          if (segmentWork ? queue !== segmentQueue || !worker.startsWith(segmentWorker) : queue !== taskQueue) entry.misrouted.push(`${name}@${queue} by ${worker}`);
          if ((st.attempt ?? 1) > 1) entry.retried.push(`${name}#${st.attempt}@${worker}`);
        }
        ran.set(node, entry);
      }
      const counts = Object.fromEntries(d.nodes.map((n) => [n, sideEffects(d, n)]));
      const kind = (n: string): string => (d.lab.ipmi.has(n) ? 'ipmi' : 'redfish');
      const cols = ['commission', 'deploy', 'release', 'ourPowerCommands', 'maasPowerCommands', 'bootCommands'];
      const table = [
        `node   bmc      segment    ${cols.join(' ')}  oob-workers  workers         retried attempts`,
        ...d.nodes.map(
          (n) =>
            `${n.padEnd(6)} ${kind(n).padEnd(8)} ${d.segments[n].padEnd(10)} ${cols.map((c) => String(counts[n][c]).padStart(c.length)).join(' ')}  ${[...ran.get(n)!.oob].sort().join(',').padEnd(11)}  ${[...ran.get(n)!.all].sort().join(',').padEnd(14)}  ${ran.get(n)!.retried.join(' ') || '-'}`,
        ),
      ];
      process.stdout.write(`production stack, example site:\n${log.join('\n')}\nside effects per node (counted at the emulators):\n${table.join('\n')}\n`);

      expect(result).toMatchObject({ status: 'success', failures: [], skipped: [] });
      expect(result.successes.sort()).toEqual([...d.nodes].sort());
      for (const node of d.nodes) expect({ node, ...counts[node] }).toMatchObject({ node, commission: 1, deploy: 1, release: 0, ourPowerCommands: 1 });
      // Two worker processes did the work, and the killed ones' activities ran again elsewhere.
      const workersSeen = new Set([...ran.values()].flatMap((r) => [...r.all].map((w) => w[0])));
      expect([...workersSeen].sort()).toEqual(['A', 'B']);
      expect([...ran.values()].some((r) => r.retried.length > 0)).toBe(true);
      // Each node's OOB and switch work ran on its segment's queue, by its segment's worker only.
      for (const node of d.nodes) expect({ node, misrouted: ran.get(node)!.misrouted }).toEqual({ node, misrouted: [] });
      for (const node of d.nodes) expect({ node, oob: [...ran.get(node)!.oob].every((w) => w.startsWith('AB'[segmentOfSlot.indexOf(d.segments[node])])) }).toEqual({ node, oob: true });

      // What the histories carry, as the database stores it: the nodes' MAC and IP addresses, the
      // boot actions' user data and the site's SSH key readable through the codec, nowhere in the
      // PostgreSQL dump; the node names nowhere in a payload (they are in workflow ids and search
      // attributes, which stay plaintext: docs/production.md).
      const site = processDesign(d.design.sources).site!;
      // In the payloads: the node models' IP addresses, the boot actions' user data, the SSH key.
      const carried = [...site.nodes.flatMap((n) => n.addressing.map((a) => a.address).filter((a) => a !== 'dhcp')), 'numa_balancing', 'scaling_governor', 'AAAAC3NzaC1lZDI1NTE5AAAAIFJ8uAkAMdS3b1zRqb'];
      // MAC addresses come from MAAS's machines; no step records them, and none may be readable.
      const sensitive = [...carried, ...site.nodes.flatMap((n) => labNics(n).map((nic) => nic.mac))];
      const payloads = histories.flatMap((h) => payloadsIn(h));
      for (const p of payloads) for (const s of [...sensitive, ...d.nodes]) expect([p.path, s, Buffer.from(p.data).includes(s)]).toEqual([p.path, s, false]);
      const codec = new AesGcmPayloadCodec(loadCodecKeySet(t.codecKeys));
      const decoded = Buffer.concat((await codec.decode(payloads)).map((p) => Buffer.from(p.data ?? new Uint8Array())));
      const readable = sensitive.filter((s) => decoded.includes(s));
      process.stdout.write(`secrecy: ${payloads.length} payloads, none readable as stored; decoded with the keys, ${readable.length} of ${sensitive.length} sensitive strings are in them (${readable.join(' ')})\n`);
      // Not vacuous: what the payloads carry is there, encrypted.
      expect(carried.filter((s) => !decoded.includes(s))).toEqual([]);
      const dumpAt = Date.now();
      const dump = dumpBytes(t.stack.dump());
      for (const s of sensitive) expect([s, dump.includes(s)]).toEqual([s, false]);
      process.stdout.write(`pg_dump of both databases: ${(dump.length / 1e6).toFixed(1)} MB in ${((Date.now() - dumpAt) / 1000).toFixed(1)} s, none of the ${sensitive.length} strings in it\n`);
    } finally {
      for (const w of all) await w.stop();
      await drydock.close();
      await d.lab.stop();
    }
  }, 600_000);
});
