/**
 * The lab plays the node (issue 16 item 6). When the MAAS emulator deploys a machine, its
 * deployed OS would boot and cloud-init would run the user data DeployNode handed MAAS; this
 * agent does the boot-action part of it in a folder of its own per node (never this machine's `/`):
 *
 * 1. reads the fetch script from the user data (./user-data.ts);
 * 2. downloads `units` and `files` with the node's `X-Bootaction-Key` (retrying as the script
 *    does: 10 attempts) and unpacks them with GNU tar (./unpack.ts);
 * 3. checks what landed against what the user data and the design promise: every entry a regular
 *    file under `/`, exactly the design's unit/file assets of this node, each with its
 *    `permissions` (Drydock's tarbuilder gives 0600 when none are set: drydock_provisioner/
 *    control/bootaction.py, `tarinfo.mode = a.permissions if a.permissions else 0o600`), units only
 *    in the units tarball;
 * 4. "starts" each unit as systemd would after `systemctl enable/start`, without running its
 *    command: a unit whose `EnvironmentFile=` holds `DRYDOCK_REPORT_URL` and `DRYDOCK_ACTION_KEY`
 *    (the example site's convention for a signalling action's reporter, see
 *    examples/site/bootactions.yaml) is played by posting what its script posts: first a detail
 *    (no status, which Drydock takes as more details), then `Success`, to
 *    `POST /api/v1.0/bootactions/{id}` with `{status, details: [{message, error}]}` as
 *    Drydock's doc/source/API.rst ("bootaction API") and bootaction.rst ("Reporting Results")
 *    define it. It reports `Failure` (a detail with `error: true`) when a check failed, when the
 *    unit's `ExecStart` is not an executable file of the node, or when the asset is marked to fail.
 *
 * Marking an asset to fail (lab only): a line `DRYDOCK_LAB_FAIL=<message>` in the reporter's
 * EnvironmentFile. The agent then posts Failure with `<message>` as the detail, as a script that
 * found its work broken would; a real node ignores the variable.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeployedMachine } from '../maas';
import { parseEnvironmentFile, readNodeFile, unitSettings, type UnpackedEntry, unpackTarball } from './unpack';
import { parseNodeUserData } from './user-data';

export { parseNodeUserData, readFetchScript, UserDataError, type FetchPlan } from './user-data';

/** A unit or file asset the design gives a node, as the agent expects to find it. */
export interface ExpectedAsset {
  bootAction: string;
  type: 'unit' | 'file';
  path: string;
  mode: number;
}

export interface AgentReport {
  actionId: string;
  unit: string;
  status?: 'Success' | 'Failure';
  message: string;
  /** The API's answer. */
  httpStatus: number;
}

export interface NodeAgentRun {
  hostname: string;
  startedAt: string;
  finishedAt?: string;
  units: UnpackedEntry[];
  files: UnpackedEntry[];
  /** What did not match the promise (tar contents, modes, units). */
  problems: string[];
  reports: AgentReport[];
  /** Why the agent could not play the node at all (no report was possible). */
  error?: string;
}

export interface NodeAgentOptions {
  /** Each node's root is `<rootDir>/<hostname>`, emptied when the node is deployed again. */
  rootDir: string;
  /** The design's unit/file assets of a node (undefined: contents and modes are not compared). */
  expectedAssets?: (hostname: string) => ExpectedAsset[] | undefined;
  /** Download attempts and the pause between them (the script: 10, 6 s). */
  attempts?: number;
  retryMs?: number;
  log?: (message: string) => void;
}

export class NodeAgent {
  private readonly done: NodeAgentRun[] = [];
  private readonly running = new Set<Promise<NodeAgentRun>>();
  private stopped = false;

  constructor(private readonly options: NodeAgentOptions) {}

  /** Plays a freshly deployed machine (returns at once; see `runs()` and `idle()`). */
  deployed(machine: DeployedMachine): void {
    if (this.stopped) return;
    const p = this.play(machine).finally(() => this.running.delete(p));
    this.running.add(p);
  }

  runs(): NodeAgentRun[] {
    return [...this.done];
  }

  async idle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  private log(m: string): void {
    this.options.log?.(`node agent: ${m}`);
  }

  async play(machine: DeployedMachine): Promise<NodeAgentRun> {
    const run: NodeAgentRun = { hostname: machine.hostname, startedAt: new Date().toISOString(), units: [], files: [], problems: [], reports: [] };
    try {
      const plan = parseNodeUserData(machine.userData).fetch;
      if (!plan) return run; // nothing to fetch: no boot actions for this node
      const root = join(this.options.rootDir, machine.hostname);
      rmSync(root, { recursive: true, force: true });
      for (const kind of plan.fetches) {
        const unpacked = unpackTarball(await this.download(`${plan.base}/${kind}`, plan.nodeKey), root, kind);
        run[kind] = unpacked.entries;
        run.problems.push(...unpacked.problems);
      }
      if (run.units.length > 0 && !plan.enablesUnits) run.problems.push('the user data unpacks units but does not enable them');
      run.problems.push(...this.compare(machine.hostname, run));
      await this.startUnits(root, run);
      if (!run.reports.some((r) => r.status)) this.log(`${machine.hostname}: no unit of its boot actions reports (no signalling action, or none this agent can play)`);
    } catch (e) {
      run.error = (e as Error).message;
      this.log(`${machine.hostname}: ${run.error}`);
    } finally {
      run.finishedAt = new Date().toISOString();
      this.done.push(run);
    }
    return run;
  }

  private async download(url: string, key: string): Promise<Buffer> {
    const attempts = this.options.attempts ?? 10;
    let last = '';
    for (let i = 1; i <= attempts && !this.stopped; i++) {
      try {
        const r = await fetch(url, { headers: { 'X-Bootaction-Key': key }, signal: AbortSignal.timeout(30_000) });
        if (r.ok) return Buffer.from(await r.arrayBuffer());
        last = `HTTP ${r.status} ${(await r.text()).slice(0, 200)}`;
      } catch (e) {
        last = (e as Error).message;
      }
      if (i < attempts) await sleep(this.options.retryMs ?? 6000);
    }
    throw new Error(`cannot download ${url}: ${last}`);
  }

  /** The tarballs against the design: same paths, same modes, units only among units. */
  private compare(hostname: string, run: NodeAgentRun): string[] {
    const expected = this.options.expectedAssets?.(hostname);
    if (!expected) return [];
    const problems: string[] = [];
    for (const kind of ['unit', 'file'] as const) {
      const got = new Map((kind === 'unit' ? run.units : run.files).map((e) => [e.path, e]));
      const want = expected.filter((a) => a.type === kind);
      for (const a of want) {
        const e = got.get(a.path);
        if (!e) problems.push(`${kind} ${a.path} of boot action ${a.bootAction} is missing`);
        else if (e.mode !== undefined && e.mode !== a.mode) problems.push(`${kind} ${a.path} of boot action ${a.bootAction} has mode ${e.mode.toString(8)}, the design says ${a.mode.toString(8)}`);
        got.delete(a.path);
      }
      for (const extra of got.keys()) problems.push(`${kind} ${extra} is in the tarball but not in the design`);
    }
    return problems;
  }

  private async startUnits(root: string, run: NodeAgentRun): Promise<void> {
    for (const unit of run.units) {
      const text = readNodeFile(root, unit.path);
      if (text === undefined) continue;
      const service = unitSettings(text, 'Service');
      const envPath = service.get('EnvironmentFile')?.[0]?.replace(/^-/, '');
      const env = envPath ? parseEnvironmentFile(readNodeFile(root, envPath) ?? '') : {};
      if (!env.DRYDOCK_REPORT_URL || !env.DRYDOCK_ACTION_KEY) continue; // runs, reports nothing
      const actionId = env.DRYDOCK_ACTION_ID ?? env.DRYDOCK_REPORT_URL.split('/').pop() ?? '';
      const execStart = service.get('ExecStart')?.[0]?.replace(/^[-@:+!]+/, '').split(/\s+/)[0];
      const unitName = unit.path.split('/').pop()!;
      const exec = execStart ? [...run.files, ...run.units].find((f) => f.path === execStart) : undefined;
      const post = (body: { status?: 'Success' | 'Failure'; details: Array<{ message: string; error: boolean }> }): Promise<void> => this.report(run, unitName, actionId, env, body);
      await post({ details: [{ message: `${unitName}: ${run.units.length} unit(s) and ${run.files.length} file(s) installed`, error: false }] });
      const why =
        run.problems.length > 0
          ? `boot-action contents do not match the design: ${run.problems.join('; ')}`
          : !exec || exec.mode === undefined || (exec.mode & 0o111) === 0
            ? `${unitName}: ExecStart ${execStart ?? '(none)'} is not an executable file of the node`
            : env.DRYDOCK_LAB_FAIL;
      await post(why ? { status: 'Failure', details: [{ message: why, error: true }] } : { status: 'Success', details: [{ message: `${unitName} ran on ${run.hostname}`, error: false }] });
    }
  }

  private async report(run: NodeAgentRun, unit: string, actionId: string, env: Record<string, string>, body: { status?: 'Success' | 'Failure'; details: Array<{ message: string; error: boolean }> }): Promise<void> {
    let httpStatus = 0;
    try {
      const r = await fetch(env.DRYDOCK_REPORT_URL, { method: 'POST', headers: { 'X-Bootaction-Key': env.DRYDOCK_ACTION_KEY, 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
      httpStatus = r.status;
      await r.arrayBuffer();
    } catch (e) {
      this.log(`${run.hostname}: report to ${env.DRYDOCK_REPORT_URL} failed: ${(e as Error).message}`);
    }
    run.reports.push({ actionId, unit, ...(body.status ? { status: body.status } : {}), message: body.details[0].message, httpStatus });
    if (body.status) this.log(`${run.hostname}: ${unit} reported ${body.status} (HTTP ${httpStatus})`);
  }
}
