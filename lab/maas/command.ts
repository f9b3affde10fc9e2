import { Command, Option } from 'commander';
import { CliExit, EXIT } from '../../src/cli/exit-codes';
import { startMaasEmulator } from '.';
import { EmulatorConfig, EmulatorConfigError, loadEmulatorConfig } from './config';

/** `drydock lab maas`: the lab's MAAS emulator, run on its own. */
interface LabMaasFlags {
  port: string;
  host: string;
  state?: string;
  config?: string;
  verbose?: boolean;
}

export function registerLabMaasCommand(lab: Command): void {
  lab
    .command('maas')
    .summary('run the MAAS emulator')
    .description(
      'Runs the lab\'s MAAS emulator: the API 2.0 of MAAS 3.4 on 127.0.0.1, with OAuth checking, its state kept in a file,\nand machines that follow the lab BMCs named in the configuration. Prints its URL and API key; stops on Ctrl-C.\nLab-only endpoints: GET <url>/lab/stats, GET/PUT <url>/lab/faults.',
    )
    .addOption(new Option('--port <number>', 'TCP port (0: any free port)').default('5240'))
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1'))
    .option('--state <file>', 'JSON file keeping the state across restarts (default: memory only)')
    .option('--config <file>', 'YAML or JSON configuration: durations, faults, PXE network, images, lab machines (see docs/maas.md)')
    .option('--verbose', 'log what the emulator does (enlistments, power actions, operations) to stderr')
    .addHelpText('after', '\nExample:\n  drydock lab maas --port 5240 --state ./.drydock/maas.json --config ./maas.yaml\n')
    .action(async (flags: LabMaasFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliExit(EXIT.badInput, `--port must be a TCP port number, not "${flags.port}"`);
      let config: EmulatorConfig | undefined;
      if (flags.config) {
        try {
          config = loadEmulatorConfig(flags.config);
        } catch (err) {
          if (err instanceof EmulatorConfigError) throw new CliExit(EXIT.badInput, err.message);
          throw err;
        }
      }
      let emulator;
      try {
        emulator = await startMaasEmulator({
          config,
          port,
          host: flags.host,
          statePath: flags.state,
          log: flags.verbose ? (m) => process.stderr.write(`maas-emulator: ${m}\n`) : undefined,
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new CliExit(EXIT.failure, `port ${port} on ${flags.host} is already in use; choose another with --port`);
        if (err instanceof SyntaxError) throw new CliExit(EXIT.badInput, `the state file ${flags.state} is not valid JSON: ${err.message}`);
        throw err;
      }
      process.stdout.write(`MAAS emulator at ${emulator.url}\nAPI key: ${emulator.apiKey}\n${flags.state ? `state: ${flags.state}\n` : ''}`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        // `on`, not `once`: run through `drydock lab`, a Ctrl-C reaches this process twice (from
        // the terminal and forwarded by the parent), and the second must not kill it mid-stop.
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await emulator.stop();
      process.stderr.write('MAAS emulator stopped\n');
    });
}
