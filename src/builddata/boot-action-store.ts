/** The boot-action store (src/bootactions/store.ts) on the build-data database. */
import type { ActionStatus, BootActionRecord, ReportDetail } from '../bootactions/reports';
import type { BootActionStore, NodeContext } from '../bootactions/store';
import type { Sql } from './sql';

type StatusRow = { action_id: string; node_name: string; action_name: string; task_id: string; key_hash: string; signaling: boolean; action_status: string; details: ReportDetail[] | string };

function record(r: StatusRow): BootActionRecord {
  return {
    actionId: r.action_id.trim(),
    actionName: r.action_name,
    nodeName: r.node_name,
    taskId: r.task_id,
    keyHash: r.key_hash.trim(),
    signaling: r.signaling,
    status: r.action_status as ActionStatus,
    details: typeof r.details === 'string' ? (JSON.parse(r.details) as ReportDetail[]) : r.details,
  };
}

export class SqlBootActionStore implements BootActionStore {
  constructor(private readonly sql: Sql) {}

  async putNodeContext(ctx: NodeContext, actions: BootActionRecord[]): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO boot_action (node_name, task_id, design_ref, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (node_name) DO UPDATE SET task_id = EXCLUDED.task_id, design_ref = EXCLUDED.design_ref, key_hash = EXCLUDED.key_hash, created_at = EXCLUDED.created_at`,
        [ctx.nodeName, ctx.taskId, ctx.designRef, ctx.keyHash, ctx.createdAt],
      );
      await tx.query('DELETE FROM boot_action_status WHERE node_name = $1 AND task_id = $2', [ctx.nodeName, ctx.taskId]);
      for (const a of actions) {
        await tx.query('INSERT INTO boot_action_status (action_id, node_name, action_name, task_id, key_hash, signaling, action_status, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [a.actionId, a.nodeName, a.actionName, a.taskId, a.keyHash, a.signaling, a.status, JSON.stringify(a.details)]);
      }
    });
  }

  async getNodeContext(nodeName: string): Promise<NodeContext | undefined> {
    const r = (await this.sql.query<{ node_name: string; task_id: string; design_ref: string; key_hash: string; created_at: Date | string }>('SELECT * FROM boot_action WHERE node_name = $1', [nodeName])).rows[0];
    return r && { nodeName: r.node_name, taskId: r.task_id, designRef: r.design_ref, keyHash: r.key_hash.trim(), createdAt: new Date(r.created_at).toISOString() };
  }

  async getAction(actionId: string): Promise<BootActionRecord | undefined> {
    const r = (await this.sql.query<StatusRow>('SELECT * FROM boot_action_status WHERE action_id = $1', [actionId])).rows[0];
    return r && record(r);
  }

  async actionsForNode(nodeName: string, taskId: string): Promise<BootActionRecord[]> {
    return (await this.sql.query<StatusRow>('SELECT * FROM boot_action_status WHERE node_name = $1 AND task_id = $2 ORDER BY action_name', [nodeName, taskId])).rows.map(record);
  }

  async updateAction(next: BootActionRecord, expected: ActionStatus): Promise<boolean> {
    const { rows } = await this.sql.query('UPDATE boot_action_status SET action_status = $2, details = $3 WHERE action_id = $1 AND action_status = $4 RETURNING action_id', [next.actionId, next.status, JSON.stringify(next.details), expected]);
    return rows.length === 1;
  }
}
