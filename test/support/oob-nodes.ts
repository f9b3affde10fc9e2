import type { NodeModel, OobModel } from '../../src/design/model';
import { standaloneContext } from '../../src/drivers/context';
import { oobTargetFromNode } from '../../src/drivers/oob';
import type { OobTarget } from '../../src/drivers/oob/interface';
import { SecretResolver } from '../../src/secrets/resolver';

/** A node model with only what the OOB drivers read; the rest is empty. */
export function nodeWithOob(name: string, oob: Partial<OobModel> & Pick<OobModel, 'type'>, extra: Partial<NodeModel> = {}): NodeModel {
  return {
    name,
    site: 'test-site',
    profiles: [],
    tags: [],
    labels: {},
    oob: { params: {}, ...oob },
    interfaces: [],
    addressing: [],
    storage: { physicalDevices: [], volumeGroups: [] },
    platform: { kernelParams: {} },
    bootActions: [],
    ...extra,
  };
}

/** The OobTarget an activity would build, with `env:` references resolved from `env`. */
export function targetOf(node: NodeModel, env: Record<string, string>): OobTarget {
  return oobTargetFromNode(node, new SecretResolver({ env }));
}

/** A standalone context that keeps its log lines, to check that no secret is ever logged. */
export function recordingContext(options: { signal?: AbortSignal; resumeFrom?: unknown } = {}) {
  const lines: string[] = [];
  const ctx = standaloneContext({ ...options, log: (m) => lines.push(m) });
  return Object.assign(ctx, { lines });
}

/** Everything an error exposes (message, details, JSON, inspect), for "no secret" checks. */
export function everythingAbout(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { details?: unknown; cause?: unknown };
  return [e.message, e.stack ?? '', JSON.stringify(e.details ?? null), JSON.stringify(e), e.cause instanceof Error ? e.cause.message : JSON.stringify(e.cause ?? null)].join('\n');
}
