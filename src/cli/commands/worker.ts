import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DefaultLogger, LogLevel, NativeConnection, Runtime, WorkerOptions } from '@temporalio/worker';
import { type BuildDataDatabase, openBuildDataDatabase } from '../../builddata';
import { redactUrl } from '../../builddata/url';
import { processSimLedger } from '../../drivers/sim';
import { ConnectionSettingsError, tlsOptions } from '../../config/temporal-connection';
import { sampleMemory } from '../../tools/memory-sampler';
import { createDrydockWorker } from '../../worker';
import { ConnectionFlags, settingsFromFlags, withConnectionOptions } from '../connection-options';
import { CliExit, EXIT } from '../exit-codes';
import { buildDataUrlOption, durationMs, listenAddress, wholeNumber } from '../option-parsers';
import { parseSegments, SEGMENT_NAME, segmentTaskQueue } from '../../contracts/segments';

interface WorkerFlags extends ConnectionFlags {
  shutdownGrace: number;
  logLevel: LogLevel;
  maxConcurrentActivities?: number;
  maxConcurrentWorkflowTasks?: number;
  maxCachedWorkflows?: number;
  metricsBind?: string;
  workflowBundle?: string;
  buildDataUrl?: string;
  bootActionDataDir?: string;
  bootActionApiUrl?: string;
  segments?: string[];
  general: boolean;
}

/** Where `drydock worker` writes the sim drivers' call ledger and its memory peaks when it stops
 * (for `npm run bench`); unset in production. */
export const SIM_LEDGER_FILE_ENV = 'DRYDOCK_SIM_LEDGER_FILE';

const HELP_AFTER = `
Environment (each flag above also reads the variable named in its description):
  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DRYDOCK_TASK_QUEUE    where to connect and what to serve
  TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA,        mTLS client certificate and key,
  TEMPORAL_TLS_SERVER_NAME                                     server CA and name
  ${SIM_LEDGER_FILE_ENV}                                      (benchmarks) write the sim drivers' calls here on exit

Shutdown:
  SIGINT or SIGTERM stops polling for new work at once; running activities get --shutdown-grace
  to finish (then they are cancelled and Temporal retries them elsewhere). The worker then exits 0.

Exit codes: 0 stopped cleanly, 1 failed, 2 bad flags or files, 3 Temporal unreachable.

Examples:
  TEMPORAL_ADDRESS=temporal.example.net:7233 drydock worker --task-queue drydock-rack1
  drydock worker --segments oob-rack1,oob-rack2 --no-general    # serves drydock@oob-rack1, drydock@oob-rack2
  drydock worker --max-concurrent-activities 200 --metrics-bind 127.0.0.1:9464 --shutdown-grace 2m
`;

function segmentList(text: string): string[] {
  const names = parseSegments(text);
  const bad = names.find((n) => !SEGMENT_NAME.test(n));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}" is not a segment name (letters, digits, '.', '_', '-'; a network's name in the design)`);
  if (names.length === 0) throw new InvalidArgumentError('give at least one segment name');
  return names;
}

export function registerWorkerCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('worker')
      .summary('run a drydock worker')
      .description(
        'Runs a worker that executes drydock workflows and driver activities on one task queue.\n' +
          'Stops gracefully on SIGINT/SIGTERM, letting running activities finish within the grace time.',
      )
      .addOption(
        new Option('--max-concurrent-activities <n>', 'driver activities run at once by this worker (SDK default 100)')
          .argParser(wholeNumber(1))
          .env('DRYDOCK_MAX_CONCURRENT_ACTIVITIES'),
      )
      .addOption(
        new Option('--max-concurrent-workflow-tasks <n>', 'workflow tasks processed at once (at least 2; SDK default 40)')
          .argParser(wholeNumber(2))
          .env('DRYDOCK_MAX_CONCURRENT_WORKFLOW_TASKS'),
      )
      .addOption(
        new Option('--max-cached-workflows <n>', 'workflows kept in memory between tasks; 0 disables the cache (SDK default: sized from the heap)')
          .argParser(wholeNumber(0))
          .env('DRYDOCK_MAX_CACHED_WORKFLOWS'),
      )
      .addOption(new Option('--shutdown-grace <duration>', 'time running activities get to finish on shutdown').argParser(durationMs).default(30_000, '30s').env('DRYDOCK_SHUTDOWN_GRACE'))
      .addOption(new Option('--metrics-bind <ip:port>', 'serve Prometheus metrics at http://IP:PORT/metrics (off by default)').argParser(listenAddress).env('DRYDOCK_METRICS_BIND'))
      .addOption(new Option('--workflow-bundle <file>', 'a pre-built workflow bundle (default: bundle the workflows at start, a few seconds)').env('DRYDOCK_WORKFLOW_BUNDLE'))
      .addOption(new Option('--boot-action-api-url <url>', "the REST API base deploying nodes reach (e.g. http://10.0.0.1:9000/api/v1.0): DeployNode hands MAAS boot-action user data and waits for the nodes' reports").env('DRYDOCK_BOOTACTION_API_URL'))
      .addOption(new Option('--build-data-url <url|ref>', "the build-data database (PostgreSQL), the API's --build-data-url: a postgres:// URL, or env:NAME / file:/path / secret:NAME holding it (keeps a password out of argv)").env('DRYDOCK_BUILD_DATA_URL'))
      .addOption(new Option('--boot-action-data-dir <dir>', 'the embedded build-data database instead (one process at a time: for a worker that runs alone with it)').env('DRYDOCK_BOOTACTION_DATA_DIR'))
      .addOption(
        new Option('--segments <names>', "network segments (nodes' oob.network) whose queues this worker serves too, comma-separated: it runs their OOB and switch activities for runs started with segment queues")
          .argParser(segmentList)
          .env('DRYDOCK_SEGMENTS'),
      )
      .addOption(new Option('--no-general', 'serve only the --segments queues, not the general queue (a worker next to the BMCs of its segment)'))
      .addOption(new Option('--log-level <level>', 'worker log level').choices(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO').env('DRYDOCK_LOG_LEVEL'))
      .addHelpText('after', HELP_AFTER),
  ).action(runWorker);
}

async function runWorker(flags: WorkerFlags, command?: Command): Promise<void> {
  const settings = settingsFromFlags(flags);
  let tls;
  try {
    tls = tlsOptions(settings);
  } catch (err) {
    if (err instanceof ConnectionSettingsError) throw new CliExit(EXIT.badInput, err.message);
    throw err;
  }
  if (!flags.general && !flags.segments?.length) throw new CliExit(EXIT.badInput, '--no-general needs --segments: a worker must serve some queue');
  const bundlePath = flags.workflowBundle ? resolve(flags.workflowBundle) : undefined;
  if (bundlePath && !(existsSync(bundlePath) && statSync(bundlePath).isFile())) {
    throw new CliExit(EXIT.badInput, `the workflow bundle ${bundlePath} (--workflow-bundle / DRYDOCK_WORKFLOW_BUNDLE) is not a readable file`);
  }

  try {
    Runtime.install({
      logger: new DefaultLogger(flags.logLevel),
      telemetryOptions: {
        logging: { forward: {}, filter: { core: flags.logLevel === 'DEBUG' ? 'DEBUG' : 'WARN', other: 'ERROR' } },
        ...(flags.metricsBind ? { metrics: { prometheus: { bindAddress: flags.metricsBind } } } : {}),
      },
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new CliExit(flags.metricsBind ? EXIT.badInput : EXIT.failure, flags.metricsBind ? `cannot serve metrics on ${flags.metricsBind} (--metrics-bind): ${reason}` : reason);
  }

  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address: settings.address, tls });
  } catch (err) {
    throw new CliExit(EXIT.unreachable, `cannot reach Temporal at ${settings.address}: ${err instanceof Error ? err.message : String(err)}`);
  }

  const ledgerFile = process.env[SIM_LEDGER_FILE_ENV];
  const memory = ledgerFile ? sampleMemory(100) : undefined;
  const overrides: Partial<WorkerOptions> = {
    shutdownGraceTime: flags.shutdownGrace,
    ...(flags.maxConcurrentActivities !== undefined ? { maxConcurrentActivityTaskExecutions: flags.maxConcurrentActivities } : {}),
    ...(flags.maxConcurrentWorkflowTasks !== undefined ? { maxConcurrentWorkflowTaskExecutions: flags.maxConcurrentWorkflowTasks } : {}),
    ...(flags.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: flags.maxCachedWorkflows } : {}),
  };
  let db: BuildDataDatabase | undefined;
  if (flags.bootActionApiUrl && !flags.buildDataUrl && !flags.bootActionDataDir) throw new CliExit(EXIT.badInput, '--boot-action-api-url needs the build-data database: --build-data-url (DRYDOCK_BUILD_DATA_URL) or --boot-action-data-dir');
  // With a build-data database, the steps' collected data (lshw, InterrogateNode/Oob) is kept there.
  if (flags.buildDataUrl || flags.bootActionDataDir) {
    const url = buildDataUrlOption(flags.buildDataUrl, command?.getOptionValueSource('buildDataUrl'));
    try {
      db = await openBuildDataDatabase(url ? { url } : { dataDir: flags.bootActionDataDir });
    } catch (err) {
      throw new CliExit(EXIT.unreachable, `cannot open the build-data database: ${redactUrl(err instanceof Error ? err.message : String(err))}`);
    }
  }
  const activityDeps = db
    ? {
        node: { buildData: db.buildData, ...(flags.bootActionApiUrl ? { bootActions: { store: db.bootActions, apiUrl: flags.bootActionApiUrl.replace(/\/+$/, '') } } : {}) },
        oob: { buildData: db.buildData },
      }
    : undefined;
  try {
    let created;
    try {
      created = await createDrydockWorker({ settings, connection, workflowBundlePath: bundlePath, overrides, segments: flags.segments, general: flags.general, ...(activityDeps ? { activityDeps } : {}) });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (/namespace/i.test(reason) && /not ?found/i.test(reason)) {
        throw new CliExit(EXIT.badInput, `the namespace "${settings.namespace}" does not exist on ${settings.address} (--namespace / TEMPORAL_NAMESPACE)`);
      }
      if (err instanceof Error && (err.name === 'TransportError' || /UNAVAILABLE|connect/i.test(reason))) {
        throw new CliExit(EXIT.unreachable, `cannot reach Temporal at ${settings.address}: ${reason}`);
      }
      throw new CliExit(EXIT.failure, `cannot start the worker: ${reason}`);
    }
    const limits = [
      `activities ${flags.maxConcurrentActivities ?? 'default'}`,
      `workflow tasks ${flags.maxConcurrentWorkflowTasks ?? 'default'}`,
      `cached workflows ${flags.maxCachedWorkflows ?? 'default'}`,
      `shutdown grace ${flags.shutdownGrace / 1000}s`,
    ].join(', ');
    const queues = [...(flags.general ? [settings.taskQueue] : []), ...(flags.segments ?? []).map((seg) => segmentTaskQueue(settings.taskQueue, seg))];
    process.stderr.write(
      `drydock worker: task queue${queues.length > 1 ? 's' : ''} ${queues.map((q) => `"${q}"`).join(', ')} on ${settings.address} (namespace ${settings.namespace}); ${limits}` +
        `${flags.metricsBind ? `; metrics at http://${flags.metricsBind}/metrics` : ''}\n`,
    );
    try {
      await created.run();
    } finally {
      await created.close();
    }
    process.stderr.write('drydock worker: stopped\n');
  } finally {
    await connection.close();
    await db?.close();
    if (ledgerFile && memory) {
      writeFileSync(ledgerFile, JSON.stringify({ pid: process.pid, memory: memory.stop(), calls: processSimLedger.calls }));
    }
  }
}
