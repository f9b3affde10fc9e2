/**
 * Re-records the workflow histories under test/histories/ on a fresh dev server.
 * Run after an intended change to a workflow (with a patch or a new workflow type):
 *   npm run record-histories [-- scenario-name ...]
 */
import { spawnSync } from 'node:child_process';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDevServer } from '../src/tools/dev-server';
import { runMain } from '../src/tools/run-main';
import { HISTORY_SCENARIOS } from '../test/support/history-scenarios';
import { segmentTaskQueue } from '../src/contracts/segments';
import { connectTemporal } from '../src/config/open-connection';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const server = await startDevServer({ headless: true });
  try {
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    const connection = await connectTemporal({ address: server.address });
    const client = new Client({ connection });
    for (const scenario of HISTORY_SCENARIOS.filter((s) => only.length === 0 || only.includes(s.name))) {
      const taskQueue = `record-${scenario.name}`;
      const workflowId = `history-${scenario.name}`;
      const activities = scenario.activities(client);
      const worker = await Worker.create({
        connection: nativeConnection,
        taskQueue,
        workflowsPath: require.resolve('../workflows'),
        activities,
      });
      const segmentWorkers = await Promise.all(
        (scenario.segments ?? []).map((segment) => Worker.create({ connection: nativeConnection, taskQueue: segmentTaskQueue(taskQueue, segment), activities })),
      );
      const running = scenario.run(client, taskQueue, workflowId);
      const keep = await segmentWorkers.reduce<Promise<Record<string, string>>>((inner, w) => w.runUntil(inner), worker.runUntil(running));
      for (const [fileName, id] of Object.entries(keep)) {
        // The CLI writes the same JSON as the web UI's download and `historyFromJSON` reads.
        const shown = spawnSync(server.cli.path, ['workflow', 'show', '--address', server.address, '--workflow-id', id, '--output', 'json'], { encoding: 'utf8' });
        if (shown.status !== 0) throw new Error(`temporal workflow show failed: ${shown.stderr}`);
        const events = (JSON.parse(shown.stdout) as { events: unknown[] }).events.length;
        const file = join(__dirname, '..', 'test', 'histories', `${fileName}.json`);
        writeFileSync(file, shown.stdout.endsWith('\n') ? shown.stdout : `${shown.stdout}\n`);
        process.stdout.write(`recorded ${events} events of ${id} to ${file}\n`);
      }
    }
    await connection.close();
    await nativeConnection.close();
  } finally {
    await server.stop();
  }
}

runMain('record-histories', main, {
  onError: (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    return 1;
  },
});
