/**
 * End-to-end benchmark of a deployment: DeployNodes over N nodes through the `sim` drivers (one
 * per driver kind, selected in a generated design like any other driver; every action takes the
 * given latency and is recorded in the worker's SimLedger). A private Temporal dev server (with
 * `--stack`, the production stack: PostgreSQL and temporal-server over mTLS, scripts/bench-backend.ts),
 * and `drydock worker` in a child process, as in production.
 *
 *   npm run bench -- --nodes 100 --latency 100
 *   npm run bench -- --nodes 1000 --latency 100 --parallel 50 --json
 *   npm run bench -- --nodes 1000 --latency 100 --parallel 50 --json --stack   # on PostgreSQL
 *
 * It reports: wall time (workflow start to result), the critical path (the longest per-node chain
 * of action latencies, from the ledger) and the theoretical minimum given the concurrency limit
 * (site-level chain + ceil(N / parallel) waves x per-node chain), their ratio, activities per
 * second, the orchestration overhead between a node's steps, the site workflow's history (runs,
 * events, largest payloads) and the worker's peak memory (RSS from /proc, heap from the worker).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DrydockClient } from '../src/client';
import { nodeWorkflowId, type DesignRef, type SiteActionResult } from '../src/contracts/deployment';
import type { SimCall } from '../src/drivers/sim/ledger';
import { simSiteDesign } from '../lab/sim-site';
import { labSiteDesign } from '../lab/lab-site-design';
import { SiteLab, startSiteLab } from '../lab/site-lab';
import { exampleCredentials } from '../lab/demo/example-site';
import { processDesign } from '../src/design';
import { SecretResolver } from '../src/secrets/resolver';
import { FAILURE_CONVERTER_PATH } from '../src/codec/data-converter';
import { type BenchBackend, processCpuSeconds, startBackend } from './bench-backend';
import { pollUntil } from '../src/tools/poll';
import { freePort } from '../src/tools/ports';
import { runMain } from '../src/tools/run-main';
import type { MemoryPeaks } from '../src/tools/memory-sampler';
import { connectTemporal } from '../src/config/open-connection';

const REPO = join(__dirname, '..');

interface BenchOptions {
  nodes: number;
  latency: number;
  identifyLatency?: number;
  parallel: number;
  racks?: number;
  json: boolean;
  lab: boolean;
  inline: boolean;
  inMemory: boolean;
  stack: boolean;
  codec: boolean;
  histories: boolean;
  historyLimit?: number;
  laneSize?: number;
  maxConcurrentActivities?: number;
  maxConcurrentWorkflowTasks?: number;
  maxCachedWorkflows?: number;
}

function int(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
    return n;
  };
}

function parseOptions(argv: string[]): BenchOptions {
  const program = new Command('npm run bench --')
    .description('Deploys N simulated nodes end to end (DeployNodes over sim drivers) and reports wall time, critical path, activities/s and worker memory.')
    .addOption(new Option('--nodes <n>', 'nodes to deploy').argParser(int(1)).default(100))
    .addOption(new Option('--latency <ms>', 'latency of every sim driver action').argParser(int(0)).default(100))
    .addOption(
      new Option('--identify-latency <ms>', "latency of the sim IdentifyNode (default: --latency, at most 1000): one enlistment query per attempt, within IdentifyNode's 1-minute attempt timeout").argParser(int(0)),
    )
    .addOption(new Option('--parallel <n>', 'maxParallelNodes of the run').argParser(int(1)).default(50))
    .addOption(new Option('--racks <n>', 'racks (default: nodes / 50)').argParser(int(1)))
    .addOption(new Option('--history-limit <n>', 'historyEventLimit of the run (default: the workflow default, 10,000)').argParser(int(10)))
    .addOption(new Option('--lane-size <n>', 'laneSize of the run: above it, nodes go through lane workflows (default: the workflow default, 500)').argParser(int(1)))
    .addOption(new Option('--max-concurrent-activities <n>', 'passed to drydock worker').argParser(int(1)))
    .addOption(new Option('--max-concurrent-workflow-tasks <n>', 'passed to drydock worker').argParser(int(2)))
    .addOption(new Option('--max-cached-workflows <n>', 'passed to drydock worker').argParser(int(0)))
    .option('--inline', 'pass the design inline in the workflow input (default: a file the worker reads)', false)
    .option('--in-memory', "keep the dev server's state in memory (default: an SQLite file in a temp folder)", false)
    .option('--stack', 'run on the production stack instead of the dev server: PostgreSQL and temporal-server with mTLS and 4 history shards (src/tools/temporal-stack.ts)', false)
    .option('--no-codec', 'with --stack: no payload encryption (default: on, as in production)')
    .option('--no-histories', 'skip reading every node workflow history afterwards (activity and task latency figures)')
    .option('--json', 'print the figures as JSON', false)
    .option('--lab', 'deploy onto the lab (emulated BMCs, MAAS emulator, lab switches) instead of sim drivers', false)
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const opts = program.opts<BenchOptions>();
  if (!opts.stack && !opts.codec) program.error('error: --no-codec applies to --stack only (the dev server runs without the codec)');
  return opts;
}

// ---------------------------------------------------------------- worker child process

interface WorkerChild {
  pid: number;
  stop(): Promise<number | null>;
  output(): string;
  memory(): { peakRssBytes: number; vmHwmBytes: number; samples: number };
  cpuSeconds(): number | undefined;
}

const cpuSeconds = processCpuSeconds;

function readStatusKb(pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function startWorker(env: NodeJS.ProcessEnv, args: string[]): Promise<WorkerChild> {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'drydock.js'), 'worker', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => void (out += c.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve((exitCode = code))));
  const pid = child.pid!;
  const mem = { peakRssBytes: 0, vmHwmBytes: 0, samples: 0 };
  let cpu: number | undefined;
  const sampler = setInterval(() => {
    const rss = readStatusKb(pid, 'VmRSS');
    const hwm = readStatusKb(pid, 'VmHWM');
    if (rss !== undefined) mem.peakRssBytes = Math.max(mem.peakRssBytes, rss);
    if (hwm !== undefined) mem.vmHwmBytes = Math.max(mem.vmHwmBytes, hwm);
    mem.samples++;
    cpu = cpuSeconds(pid) ?? cpu;
  }, 100);
  const stop = async (): Promise<number | null> => {
    if (exitCode === undefined) child.kill('SIGTERM');
    const code = await exited;
    clearInterval(sampler);
    return code;
  };
  try {
    await pollUntil(async () => {
      if (exitCode !== undefined) throw new Error(`drydock worker exited with ${exitCode}:\n${out}`);
      return out.includes('drydock worker: task queue') ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 100, what: 'drydock worker to start', isFatal: () => true });
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid, stop, output: () => out, memory: () => ({ ...mem }), cpuSeconds: () => cpuSeconds(pid) ?? cpu };
}

// ---------------------------------------------------------------- figures

interface HistoryFigures {
  siteRuns: number;
  siteEventsMax: number;
  /** Lane workflows (runs above the lane size): how many, their runs, the largest run's events. */
  lanes: number;
  laneRuns: number;
  laneEventsMax: number;
  laneHistoryBytesMax: number;
  siteEventsTotal: number;
  /** The largest run's history, bytes of its protobuf form. */
  siteHistoryBytesMax: number;
  nodeHistoryBytesMax: number;
  /** The largest single event of the site workflow (protobuf bytes) and its type. */
  siteLargestEvent: { bytes: number; type: string };
  resultBytes: number;
  activitiesCompleted: number;
  workflowTasks: number;
  nodeEventsMax: number;
  /** Node workflow run times, start to end, ms. */
  nodeWorkflowRun?: Percentiles;
  /** Sum of node workflow run times, ms: divided by the wall time, the mean number of nodes in flight. */
  nodeWorkflowRunTotalMs: number;
  /** From a node workflow's completion to the site workflow starting the next one, ms. */
  nextNodeStart?: Percentiles;
  /** From the site workflow's start command to the node workflow existing, ms. */
  nodeWorkflowCreation?: Percentiles;
  /** Node workflows the site workflow had started and not yet seen end, time-weighted sum, ms. */
  openChildrenTotalMs: number;
  /** Queue time of workflow tasks (scheduled to started), ms. */
  workflowTaskScheduleToStart?: Percentiles;
  /** Workflow task processing (started to completed), ms. */
  workflowTaskRun?: Percentiles;
  /** Activity queue time (scheduled to started), ms. */
  activityScheduleToStart?: Percentiles;
}

interface Percentiles {
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

function percentiles(values: number[]): Percentiles | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p95: at(0.95), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length };
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Bytes of events as Temporal stores and sends them (protobuf). */
function protoBytes(events: HistoryEvent[]): number {
  return temporal.api.history.v1.History.encode({ events }).finish().length;
}

function eventMs(e: HistoryEvent): number {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
}

function eventType(e: HistoryEvent): string {
  const key = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]);
  return key ? key.replace(/EventAttributes$/, '') : 'unknown';
}

class HistoryStats {
  activitiesCompleted = 0;
  workflowTasks = 0;
  wtQueue: number[] = [];
  wtRun: number[] = [];
  actQueue: number[] = [];
  /** Node workflow run times (first event to last), ms. */
  nodeRuns: number[] = [];
  /** From a child's completion to the site workflow's next child start, ms. */
  refill: number[] = [];

  /** From the site workflow's command to start a node workflow to that workflow existing, ms. */
  childStart: number[] = [];
  /** Time-weighted sum of node workflows the site workflow has asked for and not seen end, ms. */
  openChildrenMs = 0;

  /** The site workflow's side: how fast it starts a node after another one ends. */
  addSite(events: HistoryEvent[]): void {
    this.add(events);
    let pendingSince: number[] = [];
    const initiated = new Map<string, number>();
    let open = 0;
    let last = events.length ? eventMs(events[0]) : 0;
    for (const e of events) {
      const t = eventMs(e);
      this.openChildrenMs += open * (t - last);
      last = t;
      if (e.startChildWorkflowExecutionInitiatedEventAttributes) {
        open++;
        initiated.set(String(e.eventId), t);
      }
      if (e.childWorkflowExecutionStartedEventAttributes) {
        const at = initiated.get(String(e.childWorkflowExecutionStartedEventAttributes.initiatedEventId));
        if (at !== undefined) this.childStart.push(t - at);
      }
      if (e.childWorkflowExecutionCompletedEventAttributes || e.childWorkflowExecutionFailedEventAttributes || e.childWorkflowExecutionCanceledEventAttributes || e.startChildWorkflowExecutionFailedEventAttributes) open--;
      if (e.childWorkflowExecutionCompletedEventAttributes || e.childWorkflowExecutionFailedEventAttributes) pendingSince.push(eventMs(e));
      if (e.startChildWorkflowExecutionInitiatedEventAttributes && pendingSince.length > 0) {
        this.refill.push(eventMs(e) - pendingSince[0]);
        pendingSince = pendingSince.slice(1);
      }
    }
  }

  addNode(events: HistoryEvent[]): void {
    this.add(events);
    if (events.length > 1) this.nodeRuns.push(eventMs(events[events.length - 1]) - eventMs(events[0]));
  }

  add(events: HistoryEvent[]): void {
    const byId = new Map<string, number>();
    for (const e of events) byId.set(String(e.eventId), eventMs(e));
    for (const e of events) {
      if (e.activityTaskCompletedEventAttributes) this.activitiesCompleted++;
      if (e.workflowTaskStartedEventAttributes) {
        this.workflowTasks++;
        const scheduled = byId.get(String(e.workflowTaskStartedEventAttributes.scheduledEventId));
        if (scheduled !== undefined) this.wtQueue.push(eventMs(e) - scheduled);
      }
      if (e.workflowTaskCompletedEventAttributes) {
        const started = byId.get(String(e.workflowTaskCompletedEventAttributes.startedEventId));
        if (started !== undefined) this.wtRun.push(eventMs(e) - started);
      }
      if (e.activityTaskStartedEventAttributes) {
        const scheduled = byId.get(String(e.activityTaskStartedEventAttributes.scheduledEventId));
        if (scheduled !== undefined) this.actQueue.push(eventMs(e) - scheduled);
      }
    }
  }
}

async function historyFigures(client: Client, siteWorkflowId: string, result: SiteActionResult, readNodes: boolean): Promise<HistoryFigures> {
  const stats = new HistoryStats();
  const runs: string[] = [];
  for await (const info of client.workflow.list({ query: `WorkflowId = '${siteWorkflowId}'` })) runs.push(info.runId);
  let siteEventsMax = 0;
  let siteEventsTotal = 0;
  let siteHistoryBytesMax = 0;
  let nodeHistoryBytesMax = 0;
  let largest = { bytes: 0, type: '' };
  for (const runId of runs) {
    const history = await client.workflow.getHandle(siteWorkflowId, runId).fetchHistory();
    const events = history.events ?? [];
    siteEventsMax = Math.max(siteEventsMax, events.length);
    siteHistoryBytesMax = Math.max(siteHistoryBytesMax, protoBytes(events));
    siteEventsTotal += events.length;
    stats.addSite(events);
    for (const e of events) {
      const bytes = protoBytes([e]);
      if (bytes > largest.bytes) largest = { bytes, type: eventType(e) };
    }
  }
  // Lanes: the site's children of type laneWorkflow; they parent the node workflows, so their
  // histories hold the child-start figures.
  const laneIds = new Set<string>();
  for (const runId of runs) {
    for (const e of (await client.workflow.getHandle(siteWorkflowId, runId).fetchHistory()).events ?? []) {
      const a = e.startChildWorkflowExecutionInitiatedEventAttributes;
      if (a?.workflowType?.name === 'laneWorkflow' && a.workflowId) laneIds.add(a.workflowId);
    }
  }
  let laneRuns = 0;
  let laneEventsMax = 0;
  let laneHistoryBytesMax = 0;
  for (const laneId of laneIds) {
    for await (const info of client.workflow.list({ query: `WorkflowId = '${laneId}'` })) {
      const events = (await client.workflow.getHandle(laneId, info.runId).fetchHistory()).events ?? [];
      laneRuns++;
      laneEventsMax = Math.max(laneEventsMax, events.length);
      laneHistoryBytesMax = Math.max(laneHistoryBytesMax, protoBytes(events));
      stats.addSite(events);
    }
  }
  let nodeEventsMax = 0;
  if (readNodes) {
    // Large results name the nodes that succeeded without their results (successNodeResultsOmitted).
    const ids = [...result.successes, ...result.failures.map((f) => f.node), ...result.skipped.map((s) => s.node)].map((n) => nodeWorkflowId(result.site, n));
    for (let i = 0; i < ids.length; i += 25) {
      const batch = await Promise.all(ids.slice(i, i + 25).map((id) => client.workflow.getHandle(id).fetchHistory()));
      for (const h of batch) {
        stats.addNode(h.events ?? []);
        nodeEventsMax = Math.max(nodeEventsMax, h.events?.length ?? 0);
        nodeHistoryBytesMax = Math.max(nodeHistoryBytesMax, protoBytes(h.events ?? []));
      }
    }
  }
  return {
    siteRuns: runs.length,
    siteEventsMax,
    lanes: laneIds.size,
    laneRuns,
    laneEventsMax,
    laneHistoryBytesMax,
    siteEventsTotal,
    siteHistoryBytesMax,
    nodeHistoryBytesMax,
    siteLargestEvent: largest,
    resultBytes: Buffer.byteLength(JSON.stringify(result)),
    activitiesCompleted: stats.activitiesCompleted,
    workflowTasks: stats.workflowTasks,
    nodeEventsMax,
    nodeWorkflowRun: percentiles(stats.nodeRuns),
    nodeWorkflowRunTotalMs: stats.nodeRuns.reduce((a, b) => a + b, 0),
    nextNodeStart: percentiles(stats.refill),
    nodeWorkflowCreation: percentiles(stats.childStart),
    openChildrenTotalMs: stats.openChildrenMs,
    workflowTaskScheduleToStart: percentiles(stats.wtQueue),
    workflowTaskRun: percentiles(stats.wtRun),
    activityScheduleToStart: percentiles(stats.actQueue),
  };
}

interface LedgerFigures {
  driverCalls: number;
  siteChainMs: number;
  nodeChainMaxMs: number;
  nodeChainMeanMs: number;
  stepsPerNode: number;
  /** Time between one step of a node ending and its next step starting, ms. */
  stepGap?: Percentiles;
  /** Most node actions running at the same moment. */
  peakConcurrentActions: number;
}

function ledgerFigures(calls: SimCall[]): LedgerFigures {
  const perNode = new Map<string, SimCall[]>();
  let siteChainMs = 0;
  for (const c of calls) {
    if (!c.node) {
      siteChainMs += c.end - c.start;
      continue;
    }
    const list = perNode.get(c.node) ?? [];
    list.push(c);
    perNode.set(c.node, list);
  }
  const chains: number[] = [];
  const gaps: number[] = [];
  let steps = 0;
  for (const list of perNode.values()) {
    list.sort((a, b) => a.start - b.start);
    chains.push(list.reduce((sum, c) => sum + (c.end - c.start), 0));
    steps = Math.max(steps, list.length);
    for (let i = 1; i < list.length; i++) gaps.push(list[i].start - list[i - 1].end);
  }
  const edges = calls.filter((c) => c.node).flatMap((c) => [{ t: c.start, d: 1 }, { t: c.end, d: -1 }]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let peak = 0;
  for (const e of edges) peak = Math.max(peak, (now += e.d));
  return {
    driverCalls: calls.length,
    siteChainMs,
    nodeChainMaxMs: chains.length ? Math.max(...chains) : 0,
    nodeChainMeanMs: chains.length ? chains.reduce((a, b) => a + b, 0) / chains.length : 0,
    stepsPerNode: steps,
    stepGap: percentiles(gaps),
    peakConcurrentActions: peak,
  };
}

/** The LedgerFigures of a run on the lab, from the steps' elapsed times in the result. */
function stepFigures(result: SiteActionResult): LedgerFigures {
  const chains = result.nodes.map((n) => n.steps.reduce((sum, st) => sum + (st.elapsedMs ?? 0), 0));
  return {
    driverCalls: result.nodes.reduce((sum, n) => sum + n.steps.filter((st) => st.status !== 'skipped').length, 0) + result.siteSteps.length,
    siteChainMs: result.siteSteps.reduce((sum, st) => sum + (st.elapsedMs ?? 0), 0),
    nodeChainMaxMs: chains.length ? Math.max(...chains) : 0,
    nodeChainMeanMs: chains.length ? chains.reduce((a, b) => a + b, 0) / chains.length : 0,
    stepsPerNode: Math.max(0, ...result.nodes.map((n) => n.steps.length)),
    stepGap: undefined,
    peakConcurrentActions: 0,
  };
}

/** Means of the worker's own latency histograms (the SDK's Prometheus metrics), summed over labels. */
const WORKER_HISTOGRAMS = {
  workflowTaskExecution: 'temporal_workflow_task_execution_latency',
  workflowTaskReplay: 'temporal_workflow_task_replay_latency',
  workflowTaskScheduleToStart: 'temporal_workflow_task_schedule_to_start_latency',
  activityScheduleToStart: 'temporal_activity_schedule_to_start_latency',
  activityExecution: 'temporal_activity_execution_latency',
} as const;

async function workerMetrics(url: string): Promise<Record<keyof typeof WORKER_HISTOGRAMS, { count: number; meanMs: number }> & { stickyCacheMisses: number }> {
  const text = await (await fetch(url)).text();
  const total = (name: string): number => {
    let sum = 0;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm'))) sum += Number(m[1]);
    return sum;
  };
  const out = {} as Record<keyof typeof WORKER_HISTOGRAMS, { count: number; meanMs: number }>;
  for (const [key, name] of Object.entries(WORKER_HISTOGRAMS) as Array<[keyof typeof WORKER_HISTOGRAMS, string]>) {
    const count = total(`${name}_count`);
    out[key] = { count, meanMs: count ? total(`${name}_sum`) / count : 0 };
  }
  return { ...out, stickyCacheMisses: total('temporal_sticky_cache_miss') };
}

// ---------------------------------------------------------------- report

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const pct = (p: Percentiles | undefined): string => (p ? `p50 ${p.p50.toFixed(0)} ms, p95 ${p.p95.toFixed(0)} ms, max ${p.max.toFixed(0)} ms` : 'n/a');

function printTable(rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const log = (m: string): void => void (opts.json ? process.stderr : process.stdout).write(`[bench] ${m}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'drydock-bench-'));
  const site = 'bench';
  const racks = opts.racks ?? Math.max(1, Math.ceil(opts.nodes / 50));
  let designText: string;
  let lab: SiteLab | undefined;
  const labEnv: Record<string, string> = {};
  if (opts.lab) {
    // The real lab: half the nodes behind sushy-emulator, half on ipmi_sim, the MAAS emulator.
    const ipmiPorts: number[] = [];
    for (let i = 0; i < Math.floor(opts.nodes / 2); i++) ipmiPorts.push(await freePort());
    designText = labSiteDesign({ nodes: opts.nodes, redfishPort: await freePort(), ipmiPorts, maasPort: await freePort() }).text;
    const credentials = exampleCredentials(join(dir, 'credentials'));
    Object.assign(labEnv, credentials.env, { DRYDOCK_SECRETS_FILE: credentials.secretsFile });
    const compiled = processDesign([{ name: 'lab.yaml', text: designText }]);
    if (!compiled.site) throw new Error('the lab design does not compile');
    log(`starting the lab: sushy-emulator, ${ipmiPorts.length} ipmi_sim BMCs, the MAAS emulator...`);
    lab = await startSiteLab({
      site: compiled.site,
      secrets: new SecretResolver({ env: { ...process.env, ...labEnv } }),
      stateDir: join(dir, 'lab'),
      maas: { bmcPollMs: 1000, durations: { enlistingSeconds: 5, commissioningSeconds: 5, deployingSeconds: 10, releasingSeconds: 2, importSeconds: 1 } },
    });
    log(`${opts.nodes} lab nodes (Redfish and IPMI), up to ${opts.parallel} nodes at once; temp ${dir}`);
  } else {
    // IdentifyNode asks the bootstrapper once per attempt, with a 1-minute attempt timeout
    // (workflows/activity-options.ts): a sim latency above it would time every attempt out.
    const identifyMs = opts.identifyLatency ?? Math.min(opts.latency, 1000);
    designText = simSiteDesign({ site, nodes: opts.nodes, racks, latencyMs: opts.latency, ...(identifyMs !== opts.latency ? { actionLatencyMs: { IdentifyNode: identifyMs } } : {}) });
    log(`${opts.nodes} nodes in ${racks} rack(s), ${opts.latency} ms per driver action (IdentifyNode ${identifyMs} ms), up to ${opts.parallel} nodes at once; design ${(designText.length / 1024).toFixed(0)} KiB; temp ${dir}`);
  }
  const designFile = join(dir, 'site.yaml');
  writeFileSync(designFile, designText);

  let server: BenchBackend;
  try {
    server = await startBackend({ stack: opts.stack, codec: opts.codec, inMemory: opts.inMemory, dir, log });
  } catch (err) {
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let worker: WorkerChild | undefined;
  let connection: Connection | undefined;
  try {
    const bundlePath = join(dir, 'workflow-bundle.js');
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), ...(server.codec ? { failureConverterPath: FAILURE_CONVERTER_PATH } : {}), logger: { trace() {}, debug() {}, info() {}, log() {}, warn: (m: string) => log(m), error: (m: string) => log(m) } });
    writeFileSync(bundlePath, code);
    const ledgerFile = join(dir, 'ledger.json');
    const taskQueue = 'drydock-bench';
    const metricsBind = `127.0.0.1:${await freePort()}`;
    const workerArgs = ['--task-queue', taskQueue, '--log-level', 'WARN', '--shutdown-grace', '5s', '--metrics-bind', metricsBind];
    if (opts.maxConcurrentActivities) workerArgs.push('--max-concurrent-activities', String(opts.maxConcurrentActivities));
    if (opts.maxConcurrentWorkflowTasks) workerArgs.push('--max-concurrent-workflow-tasks', String(opts.maxConcurrentWorkflowTasks));
    if (opts.maxCachedWorkflows !== undefined) workerArgs.push('--max-cached-workflows', String(opts.maxCachedWorkflows));
    worker = await startWorker(
      { ...process.env, ...labEnv, ...server.workerEnv, DRYDOCK_WORKFLOW_BUNDLE: bundlePath, DRYDOCK_SIM_LEDGER_FILE: ledgerFile, SIM_BMC_PASSWORD: 'bench-not-a-secret' },
      workerArgs,
    );
    log(`${server.label}, worker pid ${worker.pid}`);

    // A site workflow's history pages can pass gRPC's default 4 MB message limit.
    connection = await connectTemporal({ address: server.address, tls: server.tls, channelArgs: { 'grpc.max_receive_message_length': 128 * 1024 * 1024 } });
    const client = new Client({ connection, namespace: server.namespace, dataConverter: server.dataConverter });
    const drydock = new DrydockClient(client, { address: server.address, namespace: server.namespace, taskQueue });
    const design: DesignRef = opts.inline ? { type: 'inline', sources: [{ name: 'site.yaml', text: designText }] } : { type: 'path', paths: [designFile] };

    const loadBefore = loadavg();
    const cpuBefore = { worker: worker.cpuSeconds() ?? 0, server: server.cpu(), bench: process.cpuUsage() };
    const started = Date.now();
    const { workflowId } = await drydock.startDeployment({ design, options: { maxParallelNodes: opts.parallel, retryWindow: '0s', ...(opts.historyLimit ? { historyEventLimit: opts.historyLimit } : {}), ...(opts.laneSize ? { laneSize: opts.laneSize } : {}) } });
    let result: SiteActionResult;
    try {
      result = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
    } catch (err) {
      throw new Error(`the deployment failed: ${err instanceof Error ? `${err.message}${err.cause ? ` (${(err.cause as Error).message})` : ''}` : String(err)}\nworker output:\n${worker.output().slice(-4000)}`);
    }
    const wallMs = Date.now() - started;
    const loadAfter = loadavg();
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const serverCpu = server.cpu();
    const cpu = {
      workerSeconds: (worker.cpuSeconds() ?? 0) - cpuBefore.worker,
      /** The dev server; on the stack, temporal-server and PostgreSQL together (both below). */
      serverSeconds: serverCpu.serverSeconds - cpuBefore.server.serverSeconds,
      ...(serverCpu.temporalServerSeconds !== undefined ? { temporalServerSeconds: serverCpu.temporalServerSeconds - (cpuBefore.server.temporalServerSeconds ?? 0) } : {}),
      ...(serverCpu.postgresSeconds !== undefined ? { postgresSeconds: serverCpu.postgresSeconds - (cpuBefore.server.postgresSeconds ?? 0) } : {}),
      benchClientSeconds: (benchCpu.user + benchCpu.system) / 1e6,
    };
    log(`DeployNodes ${result.status} in ${sec(wallMs)}: ${result.successes.length} succeeded, ${result.failures.length} failed`);
    for (const f of result.failures) log(`  failed: ${f.node} at ${f.step ?? 'start'}: ${f.message}`);

    const history = await historyFigures(client, workflowId, result, opts.histories).catch((err: unknown) => {
      log(`could not read the workflow histories: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
    const metrics = await workerMetrics(`http://${metricsBind}/metrics`).catch((err: unknown) => {
      log(`could not read the worker's metrics: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
    const workerMemory = worker.memory();
    const exitCode = await worker.stop();
    const dumped = JSON.parse(readFileSync(ledgerFile, 'utf8')) as { memory: MemoryPeaks; calls: SimCall[] };
    // Sim drivers record every call; on the lab, the node results' step times say the same.
    const ledger = opts.lab ? stepFigures(result) : ledgerFigures(dumped.calls);
    const waves = Math.ceil(opts.nodes / opts.parallel);
    const theoreticalMinMs = ledger.siteChainMs + waves * ledger.nodeChainMaxMs;
    const activities = history && opts.histories ? history.activitiesCompleted : ledger.driverCalls;

    const figures = {
      backend: server.description,
      nodes: opts.nodes,
      latencyMs: opts.latency,
      maxParallelNodes: opts.parallel,
      racks,
      design: opts.inline ? 'inline' : 'path',
      status: result.status,
      compactNodeResults: result.compactNodeResults ?? false,
      succeeded: result.successes.length,
      failed: result.failures.length,
      wallMs,
      criticalPathMs: ledger.siteChainMs + ledger.nodeChainMaxMs,
      nodeChainMaxMs: ledger.nodeChainMaxMs,
      nodeChainMeanMs: Math.round(ledger.nodeChainMeanMs),
      siteChainMs: ledger.siteChainMs,
      waves,
      theoreticalMinMs,
      wallOverTheoreticalMin: wallMs / theoreticalMinMs,
      activities,
      activitiesCountedFrom: history && opts.histories ? 'workflow histories (ActivityTaskCompleted)' : 'sim ledger (driver calls)',
      activitiesPerSecond: activities / (wallMs / 1000),
      driverCalls: ledger.driverCalls,
      stepsPerNode: ledger.stepsPerNode,
      stepGapMs: ledger.stepGap,
      peakConcurrentNodeActions: ledger.peakConcurrentActions,
      meanNodesInFlight: history?.nodeWorkflowRunTotalMs ? history.nodeWorkflowRunTotalMs / wallMs : undefined,
      history,
      cpuDuringRun: cpu,
      /** The machine's load average (1, 5, 15 min) at the start and end of the run. */
      loadAverage: { start: loadBefore.map((l) => Number(l.toFixed(2))), end: loadAfter.map((l) => Number(l.toFixed(2))) },
      cpuPerNodeMs: { server: (cpu.serverSeconds * 1000) / opts.nodes, worker: (cpu.workerSeconds * 1000) / opts.nodes },
      serverCpuMsPerActivity: (cpu.serverSeconds * 1000) / activities,
      serverCpuMsPerNodeMinute: history?.nodeWorkflowRunTotalMs ? (cpu.serverSeconds * 1000) / (history.nodeWorkflowRunTotalMs / 60000) : undefined,
      workerMetrics: metrics,
      worker: {
        peakRssBytes: Math.max(workerMemory.vmHwmBytes, workerMemory.peakRssBytes),
        sampledPeakRssBytes: workerMemory.peakRssBytes,
        peakHeapUsedBytes: dumped.memory.heapUsedBytes,
        peakHeapTotalBytes: dumped.memory.heapTotalBytes,
        exitCode,
      },
    };

    if (opts.json) {
      process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
      return;
    }
    process.stdout.write(opts.lab ? `\nDeployNodes, ${opts.nodes} lab nodes (sushy-emulator, ipmi_sim, MAAS emulator), maxParallelNodes ${opts.parallel}\n` : `\nDeployNodes, ${opts.nodes} sim nodes, ${opts.latency} ms per action, maxParallelNodes ${opts.parallel}\n`);
    printTable([
      ['result', `${result.status} (${result.successes.length} succeeded, ${result.failures.length} failed)`],
      ['wall time', sec(wallMs)],
      ['critical path', `${sec(figures.criticalPathMs)} (site steps ${sec(ledger.siteChainMs)} + longest node chain ${sec(ledger.nodeChainMaxMs)}, ${ledger.stepsPerNode} actions)`],
      ['theoretical minimum', `${sec(theoreticalMinMs)} (site steps + ${waves} wave(s) x node chain)`],
      ['wall / minimum', figures.wallOverTheoreticalMin.toFixed(2)],
      ['activities', `${activities} (${figures.activitiesCountedFrom})`],
      ['activities per second', figures.activitiesPerSecond.toFixed(1)],
      ['gap between node steps', pct(ledger.stepGap)],
      ['peak node actions at once', String(ledger.peakConcurrentActions)],
      ...(history
        ? ([
            ['activity queue time', pct(history.activityScheduleToStart)],
            ['workflow task queue time', pct(history.workflowTaskScheduleToStart)],
            ['workflow task run time', pct(history.workflowTaskRun)],
            ['workflow tasks', String(history.workflowTasks)],
            ...(history.lanes > 0 ? [['lane workflows', `${history.lanes} lane(s), ${history.laneRuns} run(s), up to ${history.laneEventsMax} events per run (${(history.laneHistoryBytesMax / 1024 / 1024).toFixed(1)} MiB)`]] : []),
            ['site workflow', `${history.siteRuns} run(s), up to ${history.siteEventsMax} events per run (${(history.siteHistoryBytesMax / 1024 / 1024).toFixed(1)} MiB); largest event ${(history.siteLargestEvent.bytes / 1024).toFixed(0)} KiB (${history.siteLargestEvent.type}); result ${(history.resultBytes / 1024).toFixed(0)} KiB${result.compactNodeResults ? ' (compact node results)' : ''}`],
            ['node workflow', `up to ${history.nodeEventsMax} events (${(history.nodeHistoryBytesMax / 1024).toFixed(0)} KiB); run time ${pct(history.nodeWorkflowRun)}`],
            ['nodes in flight', `${(history.nodeWorkflowRunTotalMs / wallMs).toFixed(1)} on average (of up to ${opts.parallel}); as the site workflow sees them ${(history.openChildrenTotalMs / wallMs).toFixed(1)}`],
            ['next node start', `after a node ends: ${pct(history.nextNodeStart)}; node workflow created after ${pct(history.nodeWorkflowCreation)}`],
          ] as Array<[string, string]>)
        : []),
      ...(metrics
        ? ([
            ['worker-side means', `workflow task ${metrics.workflowTaskExecution.meanMs.toFixed(1)} ms (${metrics.workflowTaskExecution.count}), replay ${metrics.workflowTaskReplay.meanMs.toFixed(1)} ms (${metrics.workflowTaskReplay.count}), workflow task queue ${metrics.workflowTaskScheduleToStart.meanMs.toFixed(0)} ms, activity queue ${metrics.activityScheduleToStart.meanMs.toFixed(0)} ms, activity ${metrics.activityExecution.meanMs.toFixed(0)} ms`],
          ] as Array<[string, string]>)
        : []),
      ['CPU during the run', `worker ${cpu.workerSeconds.toFixed(1)} s, ${cpu.postgresSeconds !== undefined ? `temporal-server + PostgreSQL ${cpu.serverSeconds.toFixed(1)} s (${(cpu.temporalServerSeconds ?? 0).toFixed(1)} s + ${cpu.postgresSeconds.toFixed(1)} s)` : `Temporal dev server ${cpu.serverSeconds.toFixed(1)} s`} (${((cpu.workerSeconds + cpu.serverSeconds) / (wallMs / 1000)).toFixed(2)} cores on average)`],
      ['CPU per node', `server ${figures.cpuPerNodeMs.server.toFixed(0)} ms, worker ${figures.cpuPerNodeMs.worker.toFixed(0)} ms; server ${figures.serverCpuMsPerActivity.toFixed(1)} ms per activity${figures.serverCpuMsPerNodeMinute !== undefined ? `, ${figures.serverCpuMsPerNodeMinute.toFixed(1)} ms per node-minute in flight` : ''}`],
      ['load average', `${figures.loadAverage.start.join(' ')} at the start, ${figures.loadAverage.end.join(' ')} at the end`],
      ['worker peak RSS', `${mb(figures.worker.peakRssBytes)} (VmHWM)`],
      ['worker peak heap', `${mb(figures.worker.peakHeapUsedBytes)} used of ${mb(figures.worker.peakHeapTotalBytes)} (main thread)`],
    ]);
  } finally {
    await worker?.stop();
    await connection?.close();
    await server.stop();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain('bench', main, {
  onError: (err) => {
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('commander.')) {
      return err.code === 'commander.helpDisplayed' ? 0 : 2;
    }
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  },
});
