import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeModel } from '../../../design/model';
import type { ActionContext } from '../../context';
import { DriverError } from '../../errors';
import type { MaasClient } from './client';

/** Timing of the MAAS driver. Drydock allows 30 minutes for commissioning and 45 for deploying. */
export interface MaasDriverOptions {
  /** Time between status reads while waiting for MAAS (default 10 s). */
  pollIntervalMs?: number;
  commissionTimeoutMs?: number;
  deployTimeoutMs?: number;
  releaseTimeoutMs?: number;
  /** Waiting for MAAS to import boot images (default 60 min). */
  importTimeoutMs?: number;
  http?: { timeoutMs?: number; getRetries?: number; retryBaseMs?: number };
}

export type ResolvedMaasOptions = Required<Omit<MaasDriverOptions, 'http'>>;

export function resolveOptions(options: MaasDriverOptions = {}): ResolvedMaasOptions {
  return {
    pollIntervalMs: options.pollIntervalMs ?? 10_000,
    commissionTimeoutMs: options.commissionTimeoutMs ?? 30 * 60_000,
    deployTimeoutMs: options.deployTimeoutMs ?? 45 * 60_000,
    releaseTimeoutMs: options.releaseTimeoutMs ?? 30 * 60_000,
    importTimeoutMs: options.importTimeoutMs ?? 60 * 60_000,
  };
}

/** What every driver step works with: the signed HTTP client, the action's context and timing. */
export interface MaasSession {
  client: MaasClient;
  ctx: ActionContext;
  options: ResolvedMaasOptions;
}

/** Records one change an apply step made, so the outcome lists what was done. */
export class ChangeLog {
  readonly changes: string[] = [];

  constructor(private readonly ctx: ActionContext) {}

  add(change: string): void {
    this.changes.push(change);
    this.ctx.log(change);
  }

  get changed(): boolean {
    return this.changes.length > 0;
  }

  summary(subject: string, unchanged: string): string {
    if (!this.changed) return `${subject}: ${unchanged}`;
    const shown = this.changes.slice(0, 8).join('; ');
    const more = this.changes.length > 8 ? `; and ${this.changes.length - 8} more` : '';
    return `${subject}: ${this.changes.length} change${this.changes.length === 1 ? '' : 's'}: ${shown}${more}`;
  }
}

export function nodeError(node: NodeModel, kind: ConstructorParameters<typeof DriverError>[1], message: string, details: Record<string, string | number | boolean | null> = {}): DriverError {
  const where = node.source ? ` (${node.source.file}:${node.source.line})` : '';
  return new DriverError('maas', kind, `node ${node.name}${where}: ${message}`, { target: node.name, details: { node: node.name, ...details } });
}

/** Waits, ending early with the signal's reason (e.g. Temporal's CancelledFailure) on abort. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw err;
  }
}
