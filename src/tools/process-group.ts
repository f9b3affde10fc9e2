import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';

/**
 * A child process started in its own process group, so that stopping it also stops anything
 * it started (the Temporal server's UI server, sushy-emulator's workers, ipmi_sim's scripts).
 * Every group still running is killed when this process exits or receives SIGINT/SIGTERM.
 */
export interface ManagedProcess {
  child: ChildProcess;
  readonly name: string;
  /** For error messages: the last lines the process wrote to stderr (and stdout), preceded by
   * the first error it reported (a Go panic's message, an ERROR log line) when that has already
   * scrolled out of the last lines, as a panic's goroutine dump makes it do. */
  outputTail(): string;
  /** The first line that reported an error (see ERROR_LINE), if any. */
  firstErrorLine(): string | undefined;
  exited(): boolean;
  stop(timeoutMs?: number): Promise<void>;
}

const running = new Set<ManagedProcess>();

const TAIL_LINES = 40;
/** A Go panic, a Go runtime fatal error, or an error-level log line (slog text or JSON, zap). */
const ERROR_LINE = /^(panic: |fatal error: )|level=(ERROR|FATAL)|"level":"(error|fatal)"|\t(ERROR|FATAL)\t/i;
const ERROR_CONTEXT_BEFORE = 3;
const ERROR_CONTEXT_AFTER = 12;
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
  // The first error and a few lines before and after it, kept apart from the rolling buffer.
  const firstError: string[] = [];
  let firstErrorAt = -1;
  let firstErrorLine: string | undefined;
  let seen = 0;
  const keep = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      seen++;
      lines.push(line);
      if (firstErrorAt < 0 && ERROR_LINE.test(line)) {
        firstErrorAt = seen;
        firstErrorLine = line;
        firstError.push(...lines.slice(-ERROR_CONTEXT_BEFORE - 1));
      } else if (firstErrorAt > 0 && seen - firstErrorAt <= ERROR_CONTEXT_AFTER) {
        firstError.push(line);
      }
    }
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
    outputTail: () => {
      const tail = lines.slice(-TAIL_LINES);
      // Shown apart only when the tail no longer holds the first error line itself.
      if (firstErrorAt < 0 || seen - firstErrorAt < TAIL_LINES) return tail.join('\n');
      return [...firstError, '[…]', ...tail].join('\n');
    },
    firstErrorLine: () => firstErrorLine,
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
