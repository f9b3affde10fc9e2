import { DesignReadError, readDesignSources } from '../design/read-files';
import type { DesignSource } from '../design/load';
import { CliExit, EXIT } from './exit-codes';

/** Reads the design paths of a command; unreadable input ends the command with exit code 2. */
export async function readDesignOrExit(paths: string[]): Promise<DesignSource[]> {
  try {
    return await readDesignSources(paths);
  } catch (err) {
    if (err instanceof DesignReadError) throw new CliExit(EXIT.badInput, err.message);
    throw err;
  }
}

/** Commander collector for repeatable options that also accept comma-separated lists. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}
