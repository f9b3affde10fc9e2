/**
 * The Temporal server `npm run bench` runs against: the CLI's dev server (default), or with
 * `--stack` the production stack of `drydock stack up` (src/tools/temporal-stack.ts: PostgreSQL,
 * temporal-server with mTLS on the frontend and NUM_HISTORY_SHARDS history shards), with the
 * payload codec on as in production (docs/production.md) unless `--no-codec`.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions, DataConverter } from '@temporalio/client';
import { clientDataConverter } from '../src/codec/data-converter';
import { startDevServer } from '../src/tools/dev-server';
import { stackClientTls, startTemporalStack } from '../src/tools/temporal-stack';
import { NUM_HISTORY_SHARDS } from '../src/tools/temporal-stack-config';
import { TEMPORAL_SERVER_RELEASE } from '../src/tools/temporal-stack-tools';

/** What the JSON figures say about the server (the `backend` field). */
export type BackendDescription =
  | { kind: 'dev-server'; persistence: 'sqlite-file' | 'memory' }
  | { kind: 'postgres-stack'; temporalServer: string; historyShards: number; mtls: true; codec: boolean; fsync: boolean };

/** CPU seconds the server has used so far: the total, and for the stack its two parts. */
export interface ServerCpu {
  serverSeconds: number;
  temporalServerSeconds?: number;
  postgresSeconds?: number;
}

export interface BenchBackend {
  description: BackendDescription;
  address: string;
  namespace: string;
  /** Environment for `drydock worker` (address, namespace, TLS files, codec key reference). */
  workerEnv: Record<string, string>;
  tls?: ConnectionOptions['tls'];
  dataConverter?: DataConverter;
  /** The codec's failure converter must be in the workflow bundle of a worker with the codec. */
  codec: boolean;
  label: string;
  cpu(): ServerCpu;
  stop(): Promise<void>;
}

const TICKS_PER_SECOND = 100;

/** stat(5) fields after the command name: [0] is field 3 (state), so field n is at n - 3. */
function statFields(pid: string | number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) of one process, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND : undefined;
}

/**
 * CPU seconds of a server started as a process group of its own (as the stack starts each of its
 * processes), with every descendant: PostgreSQL's backends and auxiliary processes make
 * themselves group leaders (setsid, InitPostmasterChild), so they are found by walking children.
 * Each process counts utime + stime, plus cutime + cstime, the CPU of the children it has reaped
 * (the postmaster reaps its backends as connections end). The difference of two readings is what
 * the server used in between.
 */
export function processTreeCpuSeconds(pgid: number | undefined): number | undefined {
  if (pgid === undefined) return undefined;
  const procs: Array<{ pid: number; ppid: number; pgrp: number; ticks: number }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    // Fields 4 and 5 are the parent and the process group; 14-17 utime, stime, cutime, cstime.
    if (f) procs.push({ pid: Number(entry), ppid: Number(f[1]), pgrp: Number(f[2]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
  }
  const members = new Set(procs.filter((p) => p.pgrp === pgid).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (!members.has(p.pid) && members.has(p.ppid)) {
        members.add(p.pid);
        grew = true;
      }
    }
  }
  if (members.size === 0) return undefined;
  return procs.filter((p) => members.has(p.pid)).reduce((sum, p) => sum + p.ticks, 0) / TICKS_PER_SECOND;
}

export interface BackendOptions {
  stack: boolean;
  codec: boolean;
  inMemory: boolean;
  dir: string;
  log(message: string): void;
}

export async function startBackend(opts: BackendOptions): Promise<BenchBackend> {
  if (!opts.stack) {
    const server = await startDevServer({ headless: true, dbFilename: opts.inMemory ? undefined : join(opts.dir, 'temporal.db') });
    const pid = server.process.child.pid;
    return {
      description: { kind: 'dev-server', persistence: opts.inMemory ? 'memory' : 'sqlite-file' },
      address: server.address,
      namespace: server.namespace,
      workerEnv: { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace },
      codec: false,
      label: `dev server ${server.address}`,
      cpu: () => ({ serverSeconds: processCpuSeconds(pid) ?? 0 }),
      stop: () => server.stop(),
    };
  }
  // PostgreSQL runs as its own user and must reach its folder inside (the files here are 0600).
  chmodSync(opts.dir, 0o711);
  // The production stack, durable (fsync on) as `drydock stack up` runs it, without the web UI.
  const stack = await startTemporalStack({ stateDir: join(opts.dir, 'stack'), ui: false, log: (m) => opts.log(`stack: ${m}`) });
  const workerEnv: Record<string, string> = { ...stack.state.clientEnv };
  let dataConverter: DataConverter | undefined;
  if (opts.codec) {
    // A key set of the run's own, passed by reference (file:), never the keys themselves.
    const keysFile = join(opts.dir, 'codec-keys.yaml');
    writeFileSync(keysFile, `current: bench-1\nkeys:\n  bench-1: ${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    workerEnv.DRYDOCK_CODEC_KEYS = `file:${keysFile}`;
    dataConverter = clientDataConverter(`file:${keysFile}`);
  }
  const cpu = (): ServerCpu => {
    const temporalServerSeconds = processTreeCpuSeconds(stack.serverProcess().pid) ?? 0;
    const postgresSeconds = processTreeCpuSeconds(stack.postgresProcess().pid) ?? 0;
    return { serverSeconds: temporalServerSeconds + postgresSeconds, temporalServerSeconds, postgresSeconds };
  };
  return {
    description: { kind: 'postgres-stack', temporalServer: TEMPORAL_SERVER_RELEASE, historyShards: NUM_HISTORY_SHARDS, mtls: true, codec: opts.codec, fsync: true },
    address: stack.state.address,
    namespace: stack.state.namespace,
    workerEnv,
    tls: stackClientTls(stack.state),
    dataConverter,
    codec: opts.codec,
    label: `temporal-server ${TEMPORAL_SERVER_RELEASE} on PostgreSQL at ${stack.state.address} (mTLS, ${NUM_HISTORY_SHARDS} history shards${opts.codec ? ', payload codec' : ''})`,
    cpu,
    stop: () => stack.stop(),
  };
}
