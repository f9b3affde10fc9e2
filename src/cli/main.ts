import { Command, CommanderError } from 'commander';
import { registerActionCommands } from './commands/actions';
import { registerApiCommand } from './commands/api';
import { registerDesignCommand } from './commands/design';
import { registerOobCommand } from './commands/oob';
import { registerOperateCommands } from './commands/operate';
import { registerPortCommand } from './commands/port';
import { registerScheduleCommands } from './commands/schedule';
import { registerValidateCommand } from './commands/validate';
import { registerLabCommand } from './commands/lab';
import { registerNodeCommand } from './commands/node';
import { registerWorkerCommand } from './commands/worker';
import { registerStackCommand } from './commands/stack';
import { registerCodecServerCommand } from './commands/codec-server';
import { CliExit, EXIT, EXIT_CODES_HELP } from './exit-codes';
import { packageVersion } from '../tools/package-info';
import { explainCodecError } from '../codec/data-converter';

export function buildProgram(): Command {
  const program = new Command('drydock')
    .description('Bare-metal provisioning on Temporal, from Airship Drydock site designs.')
    .version(packageVersion())
    .showHelpAfterError('(add --help for usage and an example)')
    .addHelpText('after', `\n${EXIT_CODES_HELP}\n`)
    .exitOverride();
  // In the order an operator meets them: check a design, run work, follow it, troubleshoot.
  registerValidateCommand(program);
  registerDesignCommand(program);
  registerActionCommands(program);
  registerOperateCommands(program);
  registerScheduleCommands(program);
  registerOobCommand(program);
  registerPortCommand(program);
  registerNodeCommand(program);
  registerWorkerCommand(program);
  registerStackCommand(program);
  registerCodecServerCommand(program);
  registerApiCommand(program);
  registerLabCommand(program);
  return program;
}

export async function runCli(argv: string[], program: Command = buildProgram()): Promise<number> {
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CliExit) {
      process.stderr.write(`drydock: ${err.message}\n`);
      return err.code;
    }
    if (err instanceof CommanderError) {
      // Help and version are not errors; unknown options and missing arguments are bad input.
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    process.stderr.write(`drydock: ${explainCodecError(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT.failure;
  }
}

if (require.main === module || process.argv[1]?.endsWith('drydock.js')) {
  void runCli(process.argv).then((code) => process.exit(code));
}
