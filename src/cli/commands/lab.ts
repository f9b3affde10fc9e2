import { Command, Option } from 'commander';
import { SimulatorConfig, SimulatorConfigError, loadSimulatorConfig } from '../../lab/maas/config';
import { startMaasSimulator } from '../../lab/maas';
import { CliExit, EXIT } from '../exit-codes';

/** `drydock lab ...`: the simulated lab's services, run on their own. */
interface LabMaasFlags {
  port: string;
  host: string;
  state?: string;
  config?: string;
  verbose?: boolean;
}

export function registerLabCommand(program: Command): void {
  const lab = program.command('lab').summary('run parts of the simulated hardware lab').description('Runs the lab\'s simulated services on their own, for demos and manual testing.');
  lab
    .command('maas')
    .summary('run the MAAS simulator')
    .description(
      'Runs the lab\'s MAAS simulator: the MAAS 2.0 API on 127.0.0.1, with OAuth checking, its state kept in a file,\nand machines that follow the lab BMCs named in the configuration. Prints its URL and API key; stops on Ctrl-C.\nLab-only endpoints: GET <url>/lab/stats, GET/PUT <url>/lab/faults.',
    )
    .addOption(new Option('--port <number>', 'TCP port (0: any free port)').default('5240'))
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1'))
    .option('--state <file>', 'JSON file keeping the state across restarts (default: memory only)')
    .option('--config <file>', 'YAML or JSON configuration: durations, faults, PXE network, images, lab machines (see docs/maas.md)')
    .option('--verbose', 'log what the simulator does (enlistments, power actions, operations) to stderr')
    .addHelpText('after', '\nExample:\n  drydock lab maas --port 5240 --state ./.drydock/maas.json --config lab/maas.yaml\n')
    .action(async (flags: LabMaasFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliExit(EXIT.badInput, `--port must be a TCP port number, not "${flags.port}"`);
      let config: SimulatorConfig | undefined;
      if (flags.config) {
        try {
          config = loadSimulatorConfig(flags.config);
        } catch (err) {
          if (err instanceof SimulatorConfigError) throw new CliExit(EXIT.badInput, err.message);
          throw err;
        }
      }
      let sim;
      try {
        sim = await startMaasSimulator({
          config,
          port,
          host: flags.host,
          statePath: flags.state,
          log: flags.verbose ? (m) => process.stderr.write(`maas-sim: ${m}\n`) : undefined,
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new CliExit(EXIT.failure, `port ${port} on ${flags.host} is already in use; choose another with --port`);
        if (err instanceof SyntaxError) throw new CliExit(EXIT.badInput, `the state file ${flags.state} is not valid JSON: ${err.message}`);
        throw err;
      }
      process.stdout.write(`MAAS simulator at ${sim.url}\nAPI key: ${sim.apiKey}\n${flags.state ? `state: ${flags.state}\n` : ''}`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await sim.stop();
      process.stderr.write('MAAS simulator stopped\n');
    });
}
