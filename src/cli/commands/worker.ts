import { Command, Option } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createDrydockWorker } from '../../worker';
import { ConnectionFlags, settingsFromFlags, withConnectionOptions } from '../connection-options';
import { CliExit, EXIT } from '../exit-codes';

interface WorkerFlags extends ConnectionFlags {
  shutdownGrace: string;
  logLevel: string;
}

export function registerWorkerCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('worker')
      .summary('run a drydock worker')
      .description('Runs a worker that executes drydock workflows and driver activities on one task queue.\nStops gracefully on SIGINT/SIGTERM, letting running activities finish within the grace time.')
      .addOption(new Option('--shutdown-grace <duration>', 'time running activities get to finish on shutdown').default('30s').env('DRYDOCK_SHUTDOWN_GRACE'))
      .addOption(new Option('--log-level <level>', 'worker log level').choices(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO').env('DRYDOCK_LOG_LEVEL'))
      .addHelpText('after', '\nExample:\n  TEMPORAL_ADDRESS=temporal.example.net:7233 drydock worker --task-queue drydock-rack1\n'),
  ).action(async (flags: WorkerFlags) => {
    Runtime.install({ logger: new DefaultLogger(flags.logLevel as 'INFO') });
    const settings = settingsFromFlags(flags);
    let created;
    try {
      created = await createDrydockWorker({ settings, overrides: { shutdownGraceTime: flags.shutdownGrace as '30s' } });
    } catch (err) {
      throw new CliExit(EXIT.unreachable, `cannot start a worker against Temporal at ${settings.address}: ${err instanceof Error ? err.message : String(err)}`);
    }
    process.stderr.write(`drydock worker: task queue "${settings.taskQueue}" on ${settings.address} (namespace ${settings.namespace})\n`);
    await created.worker.run();
    await created.close();
  });
}
