import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { processAlive, detachedLauncher, managedLauncher, stopProcessGroup } from '../../tools/stack-process';
import { readStackState, stackClientTls, StackState, startTemporalStack } from '../../tools/temporal-stack';
import { NUM_HISTORY_SHARDS } from '../../tools/temporal-stack-config';
import { TEMPORAL_SERVER_RELEASE } from '../../tools/temporal-stack-tools';
import { makeStackCertificates } from '../../tools/certificates';
import { CliExit, EXIT } from '../exit-codes';
import { lazyTemporal } from '../../config/open-connection';

/** `drydock stack up|down|status`: the production Temporal stack (PostgreSQL, temporal-server with
 * mTLS) on this machine, its state, certificates and logs in one folder. */
interface StackFlags {
  stateDir: string;
  json?: boolean;
  foreground?: boolean;
  ui?: boolean;
  codecEndpoint?: string;
}

const DEFAULT_STATE_DIR = '.drydock/stack';

function describe(state: StackState): string {
  const env = Object.entries(state.clientEnv).map(([k, v]) => `  export ${k}=${v}`).join('\n');
  return [
    `Temporal (temporal-server ${TEMPORAL_SERVER_RELEASE} on PostgreSQL, ${NUM_HISTORY_SHARDS} history shards, mutual TLS) at ${state.address}, namespace ${state.namespace}`,
    `PostgreSQL at 127.0.0.1:${state.ports.postgres} (user temporal, password in ${resolve(state.stateDir, 'db-password')})`,
    `CA ${state.certificates.caCert}`,
    `client certificate ${state.certificates.clientCert}, key ${state.certificates.clientKey}`,
    state.uiUrl ? `web UI ${state.uiUrl}` : 'web UI: not started (ui-server is not built)',
    `logs in ${resolve(state.stateDir, 'logs')}`,
    'For drydock (worker, CLI, client library):',
    env,
  ].join('\n');
}

async function frontendAnswers(state: StackState): Promise<string | undefined> {
  const connection = lazyTemporal({ address: state.address, tls: stackClientTls(state), connectTimeout: 3_000 });
  try {
    await connection.ensureConnected();
    await connection.workflowService.describeNamespace({ namespace: state.namespace });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await connection.close();
  }
}

export function registerStackCommand(program: Command): void {
  const stack = program
    .command('stack')
    .summary('run the production Temporal stack on this machine')
    .description('PostgreSQL and temporal-server with mutual TLS, as docs/production.md describes, started from the builds scripts/setup.sh makes.');
  const stateDir = (): Option => new Option('--state-dir <dir>', 'folder for the database, certificates, configuration and logs').default(DEFAULT_STATE_DIR).env('DRYDOCK_STACK_DIR');

  stack
    .command('up')
    .summary('start the stack (again) and print its address and certificates')
    .addOption(stateDir())
    .option('--foreground', 'stay in the foreground and stop everything on Ctrl-C')
    .option('--no-ui', 'do not start the web UI')
    .option('--codec-endpoint <url>', 'the codec server the web UI\'s pages call (`drydock codec-server`)')
    .option('--json', 'print the state as JSON')
    .addHelpText('after', '\nExample:\n  drydock stack up --state-dir /srv/drydock-stack && eval "$(drydock stack status --env)"\n')
    .action(async (flags: StackFlags) => {
      const previous = readStackState(flags.stateDir);
      if (previous?.pids?.temporal && processAlive(previous.pids.temporal)) {
        throw new CliExit(EXIT.failure, `the stack in ${flags.stateDir} is already running (temporal-server pid ${previous.pids.temporal}); \`drydock stack down\` stops it`);
      }
      const started = await startTemporalStack({
        stateDir: flags.stateDir,
        launcher: flags.foreground ? managedLauncher : detachedLauncher,
        ui: flags.ui === false ? false : undefined,
        codecEndpoint: flags.codecEndpoint,
        log: (m) => process.stderr.write(`stack: ${m}\n`),
      });
      process.stdout.write(flags.json ? `${JSON.stringify(started.state, null, 2)}\n` : `${describe(started.state)}\n`);
      if (!flags.foreground) return;
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await started.stop();
      process.stderr.write('stack stopped\n');
    });

  stack
    .command('certs')
    .summary('make the CA, server and client certificates only (docker-compose.yml\'s certificates job)')
    .requiredOption('--dir <dir>', 'folder for the PEM files (existing ones are kept)')
    .option('--dns <name...>', 'more DNS names for the server certificate', [])
    .action((flags: { dir: string; dns: string[] }) => {
      const certs = makeStackCertificates(flags.dir, flags.dns);
      process.stdout.write(`${Object.entries(certs).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
    });

  stack
    .command('down')
    .summary('stop the stack (its data stays in the state folder)')
    .addOption(stateDir())
    .action(async (flags: StackFlags) => {
      const state = readStackState(flags.stateDir);
      if (!state) throw new CliExit(EXIT.badInput, `no stack in ${flags.stateDir} (no stack.json)`);
      // The server first: PostgreSQL's smart shutdown (SIGTERM) waits for its clients to leave.
      if (state.pids?.ui) await stopProcessGroup(state.pids.ui, 5_000);
      if (state.pids?.temporal) await stopProcessGroup(state.pids.temporal, 15_000);
      if (state.pids?.postgres) await stopProcessGroup(state.pids.postgres, 30_000);
      process.stdout.write(`stack in ${flags.stateDir} stopped\n`);
    });

  stack
    .command('status')
    .summary('whether the stack runs and answers')
    .addOption(stateDir())
    .option('--json', 'print the state as JSON')
    .option('--env', 'print only `export NAME=value` lines for drydock processes')
    .action(async (flags: StackFlags & { env?: boolean }) => {
      const state = readStackState(flags.stateDir);
      if (!state) throw new CliExit(EXIT.badInput, `no stack in ${flags.stateDir} (no stack.json); \`drydock stack up\` makes one`);
      if (flags.env) {
        process.stdout.write(`${Object.entries(state.clientEnv).map(([k, v]) => `export ${k}=${v}`).join('\n')}\n`);
        return;
      }
      const running = {
        postgres: state.pids?.postgres !== undefined && processAlive(state.pids.postgres),
        temporal: state.pids?.temporal !== undefined && processAlive(state.pids.temporal),
      };
      const problem = running.temporal ? await frontendAnswers(state) : 'temporal-server is not running';
      if (flags.json) process.stdout.write(`${JSON.stringify({ ...state, running, answers: problem === undefined, problem }, null, 2)}\n`);
      else process.stdout.write(`${describe(state)}\npostgres: ${running.postgres ? `running (pid ${state.pids?.postgres})` : 'stopped'}\ntemporal-server: ${running.temporal ? `running (pid ${state.pids?.temporal})` : 'stopped'}\nfrontend: ${problem === undefined ? 'answers' : `does not answer: ${problem}`}\n`);
      if (problem !== undefined) process.exitCode = EXIT.unreachable;
    });
}
