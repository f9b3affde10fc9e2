import { hostname } from 'node:os';
import type { WorkerDescription } from '../src/contracts/stack-check';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkVersion = (require('@temporalio/worker/package.json') as { version: string }).version;

export function createStackCheckActivities() {
  return {
    async describeWorker(): Promise<WorkerDescription> {
      return { hostname: hostname(), pid: process.pid, nodeVersion: process.version, sdkVersion };
    },
  };
}
