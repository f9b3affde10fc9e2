import { CalendarSpecDescription, DAYS_OF_WEEK, MONTHS, ScheduleDescription, ScheduleNotFoundError, ScheduleOverlapPolicy, ScheduleSummary } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { DesignRef, SiteAction, SiteActionInput, SiteActionOptions } from '../contracts/deployment';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import type { NodeFilterSet } from '../design/model';
import type { DrydockClient } from './index';

/**
 * Scheduled re-provisioning on Temporal Schedules. A scheduled run is an ordinary site workflow:
 * it can never act on a node that another run holds (the node workflow id refuses it, and the
 * scheduled run reports the node as skipped). Scheduled runs fail as workflows when their result
 * is `failure`, so the schedule's pause-on-failure stops the next ones until someone looks.
 */
export interface ScheduleSpecInput {
  /** Cron expressions (standard 5-field), e.g. `0 3 * * *`. */
  cron?: string[];
  /** Every this long, e.g. `24h`. */
  every?: Duration;
  timezone?: string;
}

export interface CreateScheduleOptions {
  scheduleId: string;
  action?: SiteAction;
  design: DesignRef;
  filter?: NodeFilterSet;
  options?: SiteActionOptions;
  spec: ScheduleSpecInput;
  /** Default SKIP: a run still going when the next is due makes the next one be skipped. */
  overlap?: keyof typeof ScheduleOverlapPolicy;
  /** How far back missed runs are caught up after an outage (default 10 minutes). */
  catchupWindow?: Duration;
  /** Pause the schedule when a run fails (default true). */
  pauseOnFailure?: boolean;
  note?: string;
  paused?: boolean;
}

export class ScheduleInputError extends Error {
  override name = 'ScheduleInputError';
}

export async function createSchedule(drydock: DrydockClient, options: CreateScheduleOptions): Promise<string> {
  const { cron = [], every } = options.spec;
  if (cron.length === 0 && every === undefined) throw new ScheduleInputError('a schedule needs --cron or --every');
  if (cron.length > 0 && every !== undefined) throw new ScheduleInputError('give either --cron or --every, not both');
  const action = options.action ?? 'DeployNodes';
  const input: SiteActionInput = {
    design: options.design,
    filter: options.filter,
    // Scheduled runs do not wait for retries, and fail as workflows on failure (pause-on-failure).
    options: { retryWindow: 0, ...options.options, failWorkflowOnFailure: true, requestedBy: `schedule ${options.scheduleId}` },
  };
  const handle = await drydock.client.schedule.create({
    scheduleId: options.scheduleId,
    spec: {
      cronExpressions: cron,
      intervals: every !== undefined ? [{ every }] : [],
      timezone: options.spec.timezone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: action,
      workflowId: `${action}:schedule:${options.scheduleId}`,
      taskQueue: drydock.settings.taskQueue,
      args: [input],
      staticSummary: `${action} scheduled by ${options.scheduleId}`,
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.DrydockAction, value: action },
        { key: SEARCH_ATTRIBUTES.DrydockPhase, value: 'starting' },
        { key: SEARCH_ATTRIBUTES.DrydockResult, value: 'running' },
      ],
    },
    policies: {
      overlap: ScheduleOverlapPolicy[options.overlap ?? 'SKIP'],
      catchupWindow: options.catchupWindow ?? '10 minutes',
      pauseOnFailure: options.pauseOnFailure ?? true,
    },
    state: {
      note: options.note ?? `${action} ${cron.length > 0 ? `cron ${cron.join(' | ')}` : `every ${String(every)}`} (created by drydock)`,
      paused: options.paused ?? false,
    },
  });
  return handle.scheduleId;
}

export async function listSchedules(drydock: DrydockClient): Promise<ScheduleSummary[]> {
  const out: ScheduleSummary[] = [];
  for await (const s of drydock.client.schedule.list()) {
    if (s.action?.type === 'startWorkflow') out.push(s);
  }
  return out;
}

function handle(drydock: DrydockClient, scheduleId: string) {
  return drydock.client.schedule.getHandle(scheduleId);
}

export async function describeSchedule(drydock: DrydockClient, scheduleId: string): Promise<ScheduleDescription> {
  return handle(drydock, scheduleId).describe();
}

export async function pauseSchedule(drydock: DrydockClient, scheduleId: string, note?: string): Promise<void> {
  await handle(drydock, scheduleId).pause(note ?? 'paused with drydock schedule pause');
}

export async function unpauseSchedule(drydock: DrydockClient, scheduleId: string, note?: string): Promise<void> {
  await handle(drydock, scheduleId).unpause(note ?? 'unpaused with drydock schedule unpause');
}

/** Starts a run now, whatever the spec says (the overlap policy still applies). */
export async function triggerSchedule(drydock: DrydockClient, scheduleId: string): Promise<void> {
  await handle(drydock, scheduleId).trigger();
}

export async function deleteSchedule(drydock: DrydockClient, scheduleId: string): Promise<void> {
  await handle(drydock, scheduleId).delete();
}

/**
 * A calendar as the server returns it, written back in cron form (`minute hour day-of-month month
 * day-of-week`, with a leading seconds field only when it is not just 0 and a trailing year field
 * only when one is set): what the operator gave with --cron, instead of the server's ranges.
 */
export function calendarToCron(c: CalendarSpecDescription): string {
  type R = { start: number; end: number; step: number };
  const field = (ranges: R[], min: number, max: number): string => {
    if (ranges.length === 0) return '*';
    return ranges
      .map((r) => {
        const end = r.end < r.start ? r.start : r.end;
        const step = r.step > 1 ? `/${r.step}` : '';
        if (r.start === min && end === max) return `*${step}`;
        return `${r.start === end ? r.start : `${r.start}-${end}`}${step}`;
      })
      .join(',');
  };
  const named = <T extends string>(ranges: Array<{ start: T; end: T; step: number }>, names: readonly T[], base: number): R[] =>
    ranges.map((r) => ({ start: names.indexOf(r.start) + base, end: names.indexOf(r.end) + base, step: r.step }));
  const parts = [
    field(c.minute, 0, 59),
    field(c.hour, 0, 23),
    field(c.dayOfMonth, 1, 31),
    field(named(c.month, MONTHS, 1), 1, 12),
    field(named(c.dayOfWeek, DAYS_OF_WEEK, 0), 0, 6),
  ];
  const seconds = field(c.second, 0, 59);
  if (seconds !== '0') parts.unshift(seconds);
  if (c.year.length > 0) parts.push(field(c.year, 0, 9999));
  return parts.join(' ') + (c.comment ? ` (${c.comment})` : '');
}

export { ScheduleNotFoundError };
