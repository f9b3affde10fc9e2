/**
 * A boot action's reports, as Drydock's `POST /api/v1.0/bootactions/{action_id}` takes them
 * (control/bootaction.py): a body `{status?, details?}` with no other fields, `status` one of
 * Success/Failure (any case Drydock accepts: `Success`, `success`, `Failure`, `failure`), and
 * `details` a list of `{message: string, error: boolean, ...extra}`. A report without `status`
 * only adds details. The state machine: a signalling action starts `incomplete`; a status makes it
 * final (`success` or `failure`); a non-signalling action is `unreported` and, like a final one,
 * takes no report. The checks run in Drydock's order, with its codes: unknown action 404, no
 * `X-Bootaction-Key` 401, a wrong key 403, a bad body 400, a final status already in 409.
 */
import { type KeyCheck, verifyKey } from './keys';

export type ActionStatus = 'incomplete' | 'success' | 'failure' | 'unreported';
export type FinalStatus = 'success' | 'failure';

export interface ReportDetail {
  message: string;
  error: boolean;
  /** Other fields of the detail, kept as sent. */
  extra?: Record<string, unknown>;
  /** When the API took it (ISO 8601). */
  at: string;
}

/** A boot action on one node in one deployment, as stored (the key only as a hash). */
export interface BootActionRecord {
  actionId: string;
  actionName: string;
  nodeName: string;
  /** The deployment (workflow id) that created it: Drydock's task_id. */
  taskId: string;
  keyHash: string;
  signaling: boolean;
  status: ActionStatus;
  details: ReportDetail[];
}

export interface Report {
  status?: FinalStatus;
  details: Array<Omit<ReportDetail, 'at'>>;
}

export function initialStatus(signaling: boolean): ActionStatus {
  return signaling ? 'incomplete' : 'unreported';
}

export function isFinal(status: ActionStatus): boolean {
  return status !== 'incomplete';
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseReport(body: unknown): Parsed<Report> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, message: 'the body must be a JSON object' };
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => k !== 'status' && k !== 'details');
  if (unknown.length) return { ok: false, message: `unknown field ${unknown.join(', ')} (only status and details)` };
  let status: FinalStatus | undefined;
  if (b.status !== undefined) {
    if (typeof b.status !== 'string' || !['Success', 'success', 'Failure', 'failure'].includes(b.status)) return { ok: false, message: 'status must be Success or Failure' };
    status = b.status.toLowerCase() as FinalStatus;
  }
  const details: Report['details'] = [];
  if (b.details !== undefined) {
    if (!Array.isArray(b.details)) return { ok: false, message: 'details must be a list' };
    for (const [i, d] of b.details.entries()) {
      if (!d || typeof d !== 'object' || Array.isArray(d)) return { ok: false, message: `details[${i}] must be an object` };
      const { message, error, ...extra } = d as Record<string, unknown>;
      if (typeof message !== 'string') return { ok: false, message: `details[${i}].message must be a string` };
      if (typeof error !== 'boolean') return { ok: false, message: `details[${i}].error must be a boolean` };
      details.push({ message, error, ...(Object.keys(extra).length ? { extra } : {}) });
    }
  }
  return { ok: true, value: { ...(status ? { status } : {}), details } };
}

/** The record after a report, or why it is refused (the record must not be final). */
export function applyReport(record: BootActionRecord, report: Report, at: string): BootActionRecord {
  if (isFinal(record.status)) throw new Error(`boot action ${record.actionId} is final (${record.status})`);
  return { ...record, status: report.status ?? record.status, details: [...record.details, ...report.details.map((d) => ({ ...d, at }))] };
}

/** What the API answers about an action: Drydock's shape, without the key. */
export function publicView(r: BootActionRecord): { node_name: string; task_id: string; action_id: string; action_name: string; action_status: ActionStatus; details: ReportDetail[] } {
  return { node_name: r.nodeName, task_id: r.taskId, action_id: r.actionId, action_name: r.actionName, action_status: r.status, details: r.details };
}

export type ReportOutcome =
  | { status: 200; record: BootActionRecord; report: Report; body: ReturnType<typeof publicView> }
  | { status: 400 | 401 | 403 | 404 | 409; body: { message: string } };

const KEY_REFUSAL: Record<Exclude<KeyCheck, 'ok'>, { status: 401 | 403; message: string }> = {
  missing: { status: 401, message: 'No X-Bootaction-Key' },
  invalid: { status: 403, message: 'Invalid X-Bootaction-Key' },
};

/**
 * The whole POST, minus storage: the route loads the record, calls this, and on 200 saves
 * `record` (compare-and-set on the old status) and signals the node's workflow with `report`.
 */
export function handleReport(record: BootActionRecord | undefined, presentedKey: string | undefined, body: unknown, at: string): ReportOutcome {
  if (!record) return { status: 404, body: { message: 'no such boot action' } };
  const key = verifyKey(presentedKey, record.keyHash);
  if (key !== 'ok') return { status: KEY_REFUSAL[key].status, body: { message: KEY_REFUSAL[key].message } };
  const parsed = parseReport(body);
  if (!parsed.ok) return { status: 400, body: { message: `Error processing body: ${parsed.message}` } };
  if (isFinal(record.status)) return { status: 409, body: { message: `Action ${record.actionId} status finalized, not available for update.` } };
  const next = applyReport(record, parsed.value, at);
  return { status: 200, record: next, report: parsed.value, body: publicView(next) };
}
