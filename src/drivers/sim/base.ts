import type { SimDriverConfig } from '../../design/model';
import type { ActionContext, ActionOutcome } from '../context';
import { DriverError } from '../errors';
import type { SimLedger } from './ledger';

/**
 * Simulation drivers, selectable in a design like any other (`type: sim`): every action takes
 * the configured latency, keeps the simulated state in a SimLedger and counts its calls. They
 * are for benchmarks and demos of orchestration at scale; tests of real behaviour use the lab's
 * emulators. This module holds what the four kinds' sim drivers share; each kind's own sim
 * driver is `src/drivers/<kind>/sim.ts`.
 */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new DriverError('sim', 'Timeout', 'cancelled'));
      },
      { once: true },
    );
  });
}

export class SimBase {
  constructor(
    protected readonly ledger: SimLedger,
    protected readonly config: SimDriverConfig,
    private readonly driver: string,
  ) {}

  protected act<T>(action: string, node: string | undefined, ctx: ActionContext, body: () => T): Promise<T> {
    return this.run(action, node, ctx, body);
  }

  async run<T>(action: string, node: string | undefined, ctx: ActionContext, body: () => T): Promise<T> {
    const start = Date.now();
    ctx.heartbeat({ action, phase: 'start' });
    const injected = this.config.fail?.find((f) => f.action === action && f.node === node);
    try {
      await sleep(this.config.actionLatencyMs?.[action] ?? this.config.latencyMs, ctx.signal);
      if (injected) {
        const fired = this.ledger.failureFired(`${action}:${node}`);
        if (injected.times === undefined || fired < injected.times) {
          throw new DriverError('sim', injected.retryable ? 'Busy' : 'InvalidRequest', `injected failure of ${action} on ${node}`, { target: node });
        }
      }
      return body();
    } finally {
      this.ledger.calls.push({ driver: this.driver, action, node, start, end: Date.now(), ...(ctx.signal.aborted ? { aborted: true } : {}) });
    }
  }
}

/** A SimBase for drivers whose latency is per call (the OOB sim takes it from each node). */
export class SimActor extends SimBase {}

export const outcome = (changed: boolean, message: string): ActionOutcome => ({ changed, message });
