import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../../tools/package-info';
import { CliExit, EXIT } from '../exit-codes';

/**
 * `drydock lab ...`: the lab (emulators, the demo) is a development tool outside the product,
 * in the checkout's top-level `lab/` folder, and the product never imports it (a lint rule
 * says so). When the checkout has it, this command runs the lab's own entry point,
 * `lab/cli.ts`, through tsx as a child process with the same arguments, stdio and signals;
 * an installed package without `lab/` says where the lab is found instead.
 */
export function labEntryPoint(root: string = packageRoot()): string | undefined {
  const entry = join(root, 'lab', 'cli.ts');
  return existsSync(entry) ? entry : undefined;
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

async function runLab(entry: string, args: string[]): Promise<number> {
  // tsx's CommonJS hook, loaded with --require, runs the TypeScript in this one child process
  // (no further tsx wrapper process), so the signals forwarded below reach the lab directly.
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), entry, ...args], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal ? EXIT.failure : EXIT.ok)));
    });
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }
}

export function registerLabCommand(program: Command): void {
  program
    .command('lab')
    .summary('run parts of the emulated hardware lab (development checkout only)')
    .description("Runs the lab's emulated services on their own (e.g. `drydock lab maas`, the MAAS emulator), for demos and\nmanual testing. The lab lives in the source checkout's lab/ folder; `drydock lab --help` lists its commands.")
    .argument('[args...]', "the lab's command and its options")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_args: string[], _flags: unknown, command: Command) => {
      const entry = labEntryPoint();
      if (!entry) {
        throw new CliExit(EXIT.badInput, `the lab is a development tool found only in a source checkout of drydock-temporal (there is no lab/cli.ts under ${packageRoot()}); run \`drydock lab\` from a clone of the repository`);
      }
      process.exitCode = await runLab(entry, command.args);
    });
}
