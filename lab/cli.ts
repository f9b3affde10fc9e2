import { Command, CommanderError } from 'commander';
import { CliExit, EXIT } from '../src/cli/exit-codes';
import { runMain } from '../src/tools/run-main';
import { registerLabMaasCommand } from './maas/command';

/**
 * `drydock lab ...`: the lab's services run on their own, for demos and manual testing. The
 * lab is a development tool outside the product: `drydock lab` (src/cli/commands/lab.ts) runs
 * this file through tsx as a child process when the checkout has it, and the product never
 * imports it. Messages keep the `drydock:` prefix and exit codes of the `drydock` command.
 */
export function buildLabProgram(): Command {
  const lab = new Command('drydock lab')
    .description("Runs the lab's emulated services on their own, for demos and manual testing.")
    .showHelpAfterError('(add --help for usage and an example)')
    .exitOverride();
  registerLabMaasCommand(lab);
  return lab;
}

export async function runLabCli(args: string[]): Promise<number> {
  try {
    await buildLabProgram().parseAsync(args, { from: 'user' });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CliExit) {
      process.stderr.write(`drydock: ${err.message}\n`);
      return err.code;
    }
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    process.stderr.write(`drydock: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failure;
  }
}

if (require.main === module) {
  runMain('drydock lab', () => runLabCli(process.argv.slice(2)));
}
