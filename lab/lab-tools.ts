import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cacheDir } from '../src/tools/temporal-cli';

/** Thrown when a lab program is not installed; the message says how to install it. */
export class LabToolMissingError extends Error {
  override name = 'LabToolMissingError';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds a program: an explicit override, then the lab's Python venv, then PATH. */
export function findLabTool(name: string, options: { envVar?: string; inVenv?: boolean; install: string }): string {
  const override = options.envVar ? process.env[options.envVar] : undefined;
  if (override) {
    if (executable(override)) return override;
    throw new LabToolMissingError(`${options.envVar}=${override} is not an executable file`);
  }
  if (options.inVenv) {
    const inVenv = join(cacheDir(), 'venv', 'bin', name);
    if (executable(inVenv)) return inVenv;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  throw new LabToolMissingError(`${name} is not installed: ${options.install}`);
}

export const SETUP_HINT = 'run `bash scripts/setup.sh` (it installs the lab tools)';
