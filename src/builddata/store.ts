/**
 * Build data: what a run collected about a node (commissioning lshw, InterrogateNode and
 * InterrogateOob results, boot-action details), in Drydock's shape (objects/builddata.py):
 * `node_name`, `task_id`, `collected_date`, `generator` (the source, e.g. `lshw`),
 * `data_format` (a MIME type) and `data_element` (text). Served by
 * `GET /nodes/{hostname}/builddata[?latest=true]` and `GET /tasks/{id}/builddata`. Kept out of
 * workflow histories: activities write it here and pass on nothing but its size.
 */
import type { BootActionRecord } from '../bootactions/reports';
import type { Sql } from './sql';

export interface BuildData {
  node_name: string;
  task_id: string;
  /** ISO 8601. */
  collected_date: string;
  generator: string;
  data_format: string;
  data_element: string;
}

export interface BuildDataInput extends Omit<BuildData, 'collected_date' | 'data_element'> {
  collected_date?: string | Date;
  /** Text as is; bytes (Uint8Array) as UTF-8; anything else as JSON (Drydock casts to str). */
  data_element: unknown;
}

export class BuildDataError extends Error {
  override name = 'BuildDataError';
}

export function toBuildData(input: BuildDataInput, now: Date = new Date()): BuildData {
  for (const f of ['node_name', 'task_id', 'generator', 'data_format'] as const) if (!input[f]) throw new BuildDataError(`build data needs ${f}`);
  const e = input.data_element;
  if (e === undefined || e === null || e === '') throw new BuildDataError('build data needs data_element');
  const element = typeof e === 'string' ? e : e instanceof Uint8Array ? new TextDecoder().decode(e) : JSON.stringify(e);
  const date = input.collected_date === undefined ? now : new Date(input.collected_date);
  if (Number.isNaN(date.getTime())) throw new BuildDataError(`collected_date ${String(input.collected_date)} is not a date`);
  return { node_name: input.node_name, task_id: input.task_id, collected_date: date.toISOString(), generator: input.generator, data_format: input.data_format, data_element: element };
}

export interface BuildDataQuery {
  /** Only the newest element per generator (Drydock's `latest=true`). */
  latest?: boolean;
  /** Leave out data_element (Drydock's verbosity 1). */
  withoutData?: boolean;
}

type Row = { node_name: string; task_id: string; collected_date: Date | string; generator: string; data_format: string; data_element?: string };

function fromRow(r: Row): BuildData {
  const d: BuildData = { node_name: r.node_name, task_id: r.task_id, collected_date: new Date(r.collected_date).toISOString(), generator: r.generator, data_format: r.data_format, data_element: r.data_element ?? '' };
  if (r.data_element === undefined) delete (d as Partial<BuildData>).data_element;
  return d;
}

export class BuildDataStore {
  constructor(private readonly sql: Sql) {}

  async put(input: BuildDataInput | BuildDataInput[]): Promise<void> {
    const items = (Array.isArray(input) ? input : [input]).map((i) => toBuildData(i));
    await this.sql.transaction(async (tx) => {
      for (const d of items) {
        await tx.query('INSERT INTO build_data (node_name, task_id, collected_date, generator, data_format, data_element) VALUES ($1, $2, $3, $4, $5, $6)', [d.node_name, d.task_id, d.collected_date, d.generator, d.data_format, d.data_element]);
      }
    });
  }

  /** A node's build data, newest first. */
  async forNode(nodeName: string, q: BuildDataQuery = {}): Promise<BuildData[]> {
    const cols = `node_name, task_id, collected_date, generator, data_format${q.withoutData ? '' : ', data_element'}`;
    const text = q.latest
      ? `SELECT DISTINCT ON (generator) ${cols} FROM build_data WHERE node_name = $1 ORDER BY generator, collected_date DESC, id DESC`
      : `SELECT ${cols} FROM build_data WHERE node_name = $1 ORDER BY collected_date DESC, id DESC`;
    const rows = (await this.sql.query<Row>(text, [nodeName])).rows.map(fromRow);
    return q.latest ? rows.sort((a, b) => b.collected_date.localeCompare(a.collected_date)) : rows;
  }

  /** What one deployment collected, oldest first. */
  async forTask(taskId: string, q: Omit<BuildDataQuery, 'latest'> = {}): Promise<BuildData[]> {
    const cols = `node_name, task_id, collected_date, generator, data_format${q.withoutData ? '' : ', data_element'}`;
    return (await this.sql.query<Row>(`SELECT ${cols} FROM build_data WHERE task_id = $1 ORDER BY collected_date, id`, [taskId])).rows.map(fromRow);
  }

  /**
   * Retention: deletes what was collected before `olderThan`, but always keeps each node's newest
   * element per generator (so `latest=true` still answers). Returns the number deleted.
   */
  async prune(olderThan: Date): Promise<number> {
    const { rows } = await this.sql.query<{ n: number }>(
      `WITH keep AS (SELECT DISTINCT ON (node_name, generator) id FROM build_data ORDER BY node_name, generator, collected_date DESC, id DESC),
            gone AS (DELETE FROM build_data WHERE collected_date < $1 AND id NOT IN (SELECT id FROM keep) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [olderThan.toISOString()],
    );
    return rows[0]?.n ?? 0;
  }
}

/** Retention from a duration such as `30d`, `12h` or `90m` (the site or worker configuration). */
export function retentionCutoff(retention: string, now: Date = new Date()): Date {
  const m = /^(\d+)\s*([dhm])$/.exec(retention.trim());
  if (!m) throw new BuildDataError(`retention ${retention} is not a duration like 30d, 12h or 90m`);
  const ms = Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
  return new Date(now.getTime() - ms);
}

/** A boot action's details as build data (Drydock keeps them as the task's result messages). */
export function bootActionBuildData(record: BootActionRecord, collectedDate: string | Date = new Date()): BuildDataInput {
  return {
    node_name: record.nodeName,
    task_id: record.taskId,
    collected_date: collectedDate,
    generator: `bootaction:${record.actionName}`,
    data_format: 'application/json',
    data_element: { action_id: record.actionId, action_name: record.actionName, action_status: record.status, details: record.details },
  };
}
