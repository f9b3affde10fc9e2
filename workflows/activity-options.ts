import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';

/** On abort, a step ends only once its activity has cleaned up (killed its ipmitool, stopped
 * polling): no work goes on behind a cancelled workflow. */
const cancellationType = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED;

/**
 * Timeouts and retry policies per kind of driver action. Each says why it is what it is.
 * Non-retryable driver errors (auth, unsupported, invalid request, not found) are marked
 * nonRetryable by the activities themselves, so they fail after one attempt whatever the policy.
 */

/** Power and boot-device changes: one attempt may wait up to ~2 min for a slow BMC to reach the
 * state (sushy lands changes 1-11 s later; real BMCs up to a minute); flaky BMCs get many
 * attempts with backoff, up to ~15 minutes in all. */
export const powerActivity: ActivityOptions = {
  cancellationType,
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 12 },
};

/** Reads and declarative applies (BMC interrogation, MAAS networking/storage/platform, switch
 * ports, Kubernetes labels): Drydock allows 5 minutes for each. */
export const applyActivity: ActivityOptions = {
  cancellationType,
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
};

/** Waiting for a power-cycled node to PXE-boot and enlist: each attempt asks once; a node not
 * yet known fails the attempt (retryable), and attempts go on for Drydock's 10 minutes. */
export const identifyActivity: ActivityOptions = {
  cancellationType,
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 1.5, maximumInterval: '20 seconds' },
};

/** Commissioning: Drydock allows 30 minutes. The activity polls and heartbeats; after a worker
 * crash the next attempt resumes from the heartbeat instead of commissioning again. */
export const commissionActivity: ActivityOptions = {
  cancellationType,
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
};

/** Deploying: Drydock allows 45 minutes; resumable like commissioning. */
export const deployActivity: ActivityOptions = {
  ...commissionActivity,
  startToCloseTimeout: '45 minutes',
};

/** Releasing with disk erase: Drydock allows 30 minutes. */
export const destroyActivity: ActivityOptions = commissionActivity;

/** Site-level setup (networks, keys, repositories, boot media): Drydock allows 2-5 minutes; boot
 * resource imports may take longer, so 15. */
export const siteActivity: ActivityOptions = {
  cancellationType,
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
};

/** Loading, compiling and validating the design: pure CPU and a file read. Bad designs fail
 * non-retryably at once; an unreadable URL is retried a few times. */
export const designActivity: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds', maximumAttempts: 5 },
};

/** Looking up who holds a busy node (a describe call to Temporal): quick, and only for a
 * message, so a few attempts are enough. */
export const lookupActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
};

/** Queuing a request at a BMC's lock workflow (one signal-with-start to Temporal): quick, and
 * retried while Temporal is briefly away. */
export const lockActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
};
