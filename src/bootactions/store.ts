/**
 * Where boot-action contexts and records live between the deployment that creates them and the
 * node that fetches and reports. Drydock keeps them in its `boot_action` (one context per node,
 * the latest deployment wins) and `boot_action_status` tables; `src/builddata/sql-store.ts` has
 * the same on PostgreSQL or PGlite, this file the interface and an in-memory version for tests.
 */
import type { ActionStatus, BootActionRecord } from './reports';

/** A node's current boot-action context: which deployment, and the hash of its node key. */
export interface NodeContext {
  nodeName: string;
  taskId: string;
  designRef: string;
  keyHash: string;
  createdAt: string;
}

export interface BootActionStore {
  /** Replaces the node's context and its actions (a new deployment of the node). */
  putNodeContext(ctx: NodeContext, actions: BootActionRecord[]): Promise<void>;
  getNodeContext(nodeName: string): Promise<NodeContext | undefined>;
  getAction(actionId: string): Promise<BootActionRecord | undefined>;
  actionsForNode(nodeName: string, taskId: string): Promise<BootActionRecord[]>;
  /** Saves `next` only if the stored status is still `expected`; false when it changed meanwhile. */
  updateAction(next: BootActionRecord, expected: ActionStatus): Promise<boolean>;
}

export class MemoryBootActionStore implements BootActionStore {
  private readonly contexts = new Map<string, NodeContext>();
  private readonly actions = new Map<string, BootActionRecord>();

  async putNodeContext(ctx: NodeContext, actions: BootActionRecord[]): Promise<void> {
    for (const [id, a] of this.actions) if (a.nodeName === ctx.nodeName && a.taskId === ctx.taskId) this.actions.delete(id);
    this.contexts.set(ctx.nodeName, structuredClone(ctx));
    for (const a of actions) this.actions.set(a.actionId, structuredClone(a));
  }
  async getNodeContext(nodeName: string): Promise<NodeContext | undefined> {
    const c = this.contexts.get(nodeName);
    return c && structuredClone(c);
  }
  async getAction(actionId: string): Promise<BootActionRecord | undefined> {
    const a = this.actions.get(actionId);
    return a && structuredClone(a);
  }
  async actionsForNode(nodeName: string, taskId: string): Promise<BootActionRecord[]> {
    return [...this.actions.values()].filter((a) => a.nodeName === nodeName && a.taskId === taskId).map((a) => structuredClone(a));
  }
  async updateAction(next: BootActionRecord, expected: ActionStatus): Promise<boolean> {
    const cur = this.actions.get(next.actionId);
    if (!cur || cur.status !== expected) return false;
    this.actions.set(next.actionId, structuredClone(next));
    return true;
  }
}
