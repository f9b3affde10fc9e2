import { Client } from '@temporalio/client';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { readRunState } from './run-state';
import { connectTemporal } from '../../src/config/open-connection';
import { HEARTBEAT_THROTTLE } from '../../src/worker';

/** A task queue of its own for each test, so concurrent test files never share work. */
export function uniqueTaskQueue(prefix: string): string {
  return `test-${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function connectClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const state = readRunState();
  const connection = await connectTemporal({ address: state.temporalAddress });
  return { client: new Client({ connection, namespace: state.namespace }), close: () => connection.close() };
}

/** Runs `fn` while a real worker serves `taskQueue` with the shared workflow bundle (or, for
 * test-only workflows, a bundle of the test's own). */
export async function withWorker<T>(
  options: Omit<WorkerOptions, 'connection' | 'namespace' | 'workflowBundle' | 'workflowsPath'> & { workflowBundle?: WorkerOptions['workflowBundle'] },
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const state = readRunState();
  const connection = await NativeConnection.connect({ address: state.temporalAddress });
  const { client, close } = await connectClient();
  try {
    const worker = await Worker.create({
      // The product worker's throttle (the SDK's default is up to 60 s), unless the test sets one.
      maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
      defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
      ...options,
      connection,
      namespace: state.namespace,
      workflowBundle: options.workflowBundle ?? { codePath: state.workflowBundlePath },
    });
    return await worker.runUntil(fn(client));
  } finally {
    await close();
    await connection.close();
  }
}

/** The workflow bundler logs its webpack summary at INFO; keep only problems. */
export const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  log: () => undefined,
  warn: (message: string) => void process.stderr.write(`[bundler] ${message}\n`),
  error: (message: string) => void process.stderr.write(`[bundler] ${message}\n`),
};
