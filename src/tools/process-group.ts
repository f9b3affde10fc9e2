import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';

/**
 * A child process started in its own process group, so that stopping it also stops anything
 * it started (the Temporal server's UI server, sushy-emulator's workers, ipmi_sim's scripts).
 * Every group still running is killed when this process exits or receives SIGINT/SIGTERM.
 */
export interface ManagedProcess {
  child: ChildProcess;
  readonly name: string;
  /** The last lines the process wrote to stderr (and stdout), for error messages. */
  outputTail(): string;
  exited(): boolean;
  stop(timeoutMs?: number): Promise<void>;
}

const running = new Set<ManagedProcess>();
let hooksInstalled = false;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const p of running) killGroup(p.child.pid, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      const stops = [...running].map((p) => p.stop(5_000));
      void Promise.allSettled(stops).then(() => {
        // A program that handles the signal itself (the demo) decides how to exit; otherwise
        // re-raise with the default handler so the exit status says which signal ended us.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    });
  }
}

export function startProcessGroup(name: string, command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
  installExitHooks();
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let done = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', () => {
      done = true;
      resolve();
    });
    child.on('error', (err) => {
      lines.push(`failed to start ${command}: ${err.message}`);
      done = true;
      resolve();
    });
  });
  const managed: ManagedProcess = {
    child,
    name,
    outputTail: () => lines.slice(-40).join('\n'),
    exited: () => done,
    async stop(timeoutMs = 10_000) {
      running.delete(managed);
      if (!done) {
        killGroup(child.pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeoutMs);
        await exitPromise;
        clearTimeout(timer);
      }
      // Children of the group may outlive the leader; make sure none are left.
      killGroup(child.pid, 'SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
  running.add(managed);
  void exitPromise.then(() => running.delete(managed));
  return managed;
}
