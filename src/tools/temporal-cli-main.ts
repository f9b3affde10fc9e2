/**
 * `npm run temporal-cli` / `scripts/setup.sh`: finds (or builds) the Temporal CLI and prints
 * where it is. `--path` prints only the path, for scripts.
 */
import { runMain } from './run-main';
import { resolveTemporalCli, TemporalCliNotFoundError } from './temporal-cli';

async function main(): Promise<void> {
  const pathOnly = process.argv.includes('--path');
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(
      'Usage: npm run temporal-cli [-- --path]\n\n' +
        'Finds the Temporal CLI: $TEMPORAL_CLI_PATH, then `temporal` on PATH, then a cached build in\n' +
        '~/.cache/drydock-temporal/bin (or $DRYDOCK_CACHE_DIR/bin), then builds one with `go install`.\n' +
        '--path   print only the binary\'s path\n',
    );
    return;
  }
  const cli = await resolveTemporalCli();
  process.stdout.write(pathOnly ? `${cli.path}\n` : `Temporal CLI: ${cli.path} (${cli.version}; found via ${cli.source})\n`);
}

runMain('temporal-cli', main, {
  onError: (err) => {
    process.stderr.write(`${err instanceof TemporalCliNotFoundError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
    return 1;
  },
});
