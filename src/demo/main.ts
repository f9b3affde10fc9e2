/**
 * `npm run demo`: starts the embedded stack (Temporal dev server with its web UI and
 * persistence under ./.drydock/, a drydock worker) and runs work on it.
 *   --keep   leave everything running until Ctrl-C, to explore the web UI
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { STACK_CHECK_WORKFLOW, StackCheckResult } from '../contracts/stack-check';
import { DEFAULT_TASK_QUEUE } from '../config/temporal-connection';
import { startDevServer } from '../tools/dev-server';
import { freePort } from '../tools/ports';
import { createDrydockWorker } from '../worker';

const HELP = `Usage: npm run demo [-- --keep]

Starts a Temporal dev server (state in ./.drydock/temporal.db, web UI on 127.0.0.1) and a
drydock worker, runs a workflow through them, and prints the result and the web UI address.

  --keep    keep the stack running after the demo, until Ctrl-C
  --help    this text
`;

const say = (m: string): void => void process.stdout.write(`${m}\n`);

async function portIfFree(port: number): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(freePort()));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(port)));
  });
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) return void process.stdout.write(HELP);
  const keep = args.includes('--keep');
  const stateDir = join(process.cwd(), '.drydock');

  say('Starting the Temporal dev server (state in ./.drydock/temporal.db)...');
  const server = await startDevServer({
    port: await portIfFree(7233),
    uiPort: await portIfFree(8233),
    dbFilename: join(stateDir, 'temporal.db'),
    log: say,
  });
  say(`  Temporal ${server.cli.version} at ${server.address}; web UI ${server.uiUrl}`);

  const { worker, close: closeWorker } = await createDrydockWorker({
    settings: { address: server.address, namespace: server.namespace, taskQueue: DEFAULT_TASK_QUEUE },
  });
  const running = worker.run();
  say(`Worker serving task queue "${DEFAULT_TASK_QUEUE}".`);

  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  const workflowId = `stack-check-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const result = (await client.workflow.execute(STACK_CHECK_WORKFLOW, {
    taskQueue: DEFAULT_TASK_QUEUE,
    workflowId,
    args: [{ requestedBy: 'npm run demo' }],
  })) as StackCheckResult;
  say(`Workflow ${workflowId}: ${result.message} (worker pid ${result.worker.pid}, SDK ${result.worker.sdkVersion})`);
  say(`See it in the web UI: ${server.uiUrl}/namespaces/${server.namespace}/workflows/${workflowId}`);

  if (keep) {
    say('Everything keeps running (--keep). Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
  say('Stopping the worker and the server...');
  worker.shutdown();
  await running;
  await connection.close();
  await closeWorker();
  await server.stop();
  say('Stopped.');
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
