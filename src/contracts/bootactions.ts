/**
 * What the REST API and the node workflow share about boot actions (issue 16): the signal that
 * carries a node's report into its workflow, the actions DeployNode waits for, and the wait's
 * timeout. No keys ever travel here: the API verifies them, the workflow only sees ids, names,
 * statuses and messages.
 */
import { defineSignal } from '@temporalio/workflow';

/** One boot action of a node in a deployment, as prepared before MAAS deploys it. */
export interface BootActionRef {
  actionId: string;
  name: string;
  /** Only signalling actions are waited for (Drydock: `signaling`, default true). */
  signaling: boolean;
}

/** A report the API accepted (POST /api/v1.0/bootactions/{id}), sent to `node:<site>:<node>`. */
export interface BootActionReportEvent {
  actionId: string;
  actionName: string;
  node: string;
  /** Set when the report was final. */
  status?: 'success' | 'failure';
  details: Array<{ message: string; error: boolean }>;
  /** When the API took it (ISO 8601). */
  at: string;
}

export const bootActionReportSignal = defineSignal<[BootActionReportEvent]>('bootActionReport');

/** Drydock's default wait for a signalling boot action (`bootaction_final_status` timeout): 15 minutes. */
export const DEFAULT_BOOT_ACTION_TIMEOUT_MS = 15 * 60 * 1000;

/** A node's boot action as its workflow shows it in its progress (`drydock status`, the web UI). */
export interface BootActionProgress {
  actionId: string;
  name: string;
  signaling: boolean;
  /** `pending` until a report says Success or Failure; `timed-out` when the wait ran out. */
  status: 'pending' | 'success' | 'failure' | 'timed-out';
  reports: number;
  lastMessage?: string;
  /** ISO 8601 of the last report. */
  lastReportAt?: string;
}

/** The last message of a boot action's reports: the last error if any, else the last message. */
export function lastReportMessage(details: Array<{ message: string; error: boolean }>): string | undefined {
  return [...details].reverse().find((d) => d.error)?.message ?? details[details.length - 1]?.message;
}
