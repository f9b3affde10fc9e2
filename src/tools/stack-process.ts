import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { startProcessGroup } from './process-group';

/**
 * A process of the production stack. Two ways to start one: `managed`, a process group this
 * process owns and stops when it exits (tests, `drydock stack up --foreground`), and `detached`,
 * a process group that outlives us with its output in a log file (`drydock stack up`), stopped
 * later by pid (`drydock stack down`).
 */
export interface StackProcess {
  readonly name: string;
  readonly pid: number | undefined;
  exited(): boolean;
  /** The last lines of its output (with its first error line, when the process group knows it). */
  outputTail(): string;
  /** SIGTERM to the group, SIGKILL after timeoutMs, and whatever is left of the group killed. */
  stop(timeoutMs?: number): Promise<void>;
  /** A signal to the whole group, as a crash test would send. */
  signal(signal: NodeJS.Signals): void;
}

export interface LaunchOptions {
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  /** Detached processes write their output here. */
  logFile: string;
}

export type Launcher = (name: string, command: string, args: string[], options: LaunchOptions) => StackProcess;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const managedLauncher: Launcher = (name, command, args, options) => {
  const proc = startProcessGroup(name, command, args, { env: options.env, uid: options.uid, gid: options.gid });
  return {
    name,
    pid: proc.child.pid,
    exited: () => proc.exited(),
    outputTail: () => proc.outputTail(),
    stop: (timeoutMs) => proc.stop(timeoutMs),
    signal: (signal) => void killGroup(proc.child.pid, signal),
  };
};

function tailOf(file: string, lines = 40): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Stops a detached group by its pid: what `drydock stack down` does with the pids it saved. */
export async function stopProcessGroup(pid: number, timeoutMs = 15_000): Promise<void> {
  if (!killGroup(pid, 'SIGTERM')) return;
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  killGroup(pid, 'SIGKILL');
}

export const detachedLauncher: Launcher = (name, command, args, options) => {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, { env: options.env, uid: options.uid, gid: options.gid, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let done = false;
  child.on('exit', () => (done = true));
  child.on('error', () => (done = true));
  child.unref();
  return {
    name,
    pid: child.pid,
    exited: () => done || child.pid === undefined || !processAlive(child.pid),
    outputTail: () => tailOf(options.logFile),
    stop: async (timeoutMs) => (child.pid === undefined ? undefined : stopProcessGroup(child.pid, timeoutMs)),
    signal: (signal) => void killGroup(child.pid, signal),
  };
};
