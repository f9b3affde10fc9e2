/**
 * The one way our entry points (the CLI, the demo, benchmarks, tool scripts) end their process.
 *
 * Node ends a process with status 0 when its event loop runs empty, even while `main()` is still
 * awaiting a promise that nothing can settle any more (an unref'd socket, a forgotten resolve).
 * Such a run looks like success to a script or CI but did none of its work. `runMain` turns that
 * case into a failure that says what happened, and maps `main`'s outcome onto the exit status.
 */

/** Exit status when the event loop emptied before `main` settled (BSD's EX_SOFTWARE). */
export const EXIT_UNFINISHED = 70;

export interface RunMainOptions {
  /** How an error thrown by `main` is reported and which status it gives (default: its message, 1). */
  onError?: (err: unknown) => number;
}

/**
 * Runs `main` and ends the process with its result: the number it returns (0 for none), or the
 * status `onError` gives for an error it throws. If the event loop empties first, the process
 * ends with {@link EXIT_UNFINISHED} and a message naming `name`.
 */
export function runMain(name: string, main: () => Promise<number | void>, options: RunMainOptions = {}): void {
  let settled = false;
  const unfinished = (): void => {
    if (settled) return;
    settled = true;
    process.stderr.write(
      `${name}: internal error: the process ran out of work before it finished (an awaited operation can no longer complete); nothing it printed after this point happened\n`,
    );
    process.exit(EXIT_UNFINISHED);
  };
  process.once('beforeExit', unfinished);
  const finish = (code: number): void => {
    settled = true;
    process.removeListener('beforeExit', unfinished);
    process.exit(code);
  };
  main().then(
    (code) => finish(typeof code === 'number' ? code : 0),
    (err: unknown) => {
      let code = 1;
      if (options.onError) code = options.onError(err);
      else process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      finish(code);
    },
  );
}
