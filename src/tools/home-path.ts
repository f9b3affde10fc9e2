import { homedir } from 'node:os';
import { join } from 'node:path';

/** `~/x` as the user's home folder joined with x, like a shell or ssh does; other paths as they are. */
export function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}
