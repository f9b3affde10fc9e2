/**
 * What the lab's node agent reads from the user data a machine was deployed with: the part that
 * fetches boot actions. A deployed node runs its user data with cloud-init: `write_files`
 * (path, permissions, content) are written in the init stage and `runcmd` runs in the final
 * stage (cloud-init docs, modules cc_write_files and cc_runcmd: runcmd is turned into a script
 * that `scripts_user` runs in cloud_final_modules). Drydock's MAAS driver hands the node the
 * same contract through curtin: download `/bootactions/nodes/{hostname}/units` and `/files`
 * with the node's `X-Bootaction-Key`, unpack them at `/`, enable every unit
 * (drydock_provisioner/drivers/node/maasdriver, and doc/source/API.rst "bootdata").
 *
 * The agent does not run the script (it would write to this machine's `/`): it reads, from the
 * script `runcmd` runs, what a shell would do with it: the key it writes to the curl header
 * file, the `BASE` URL, which `fetch` calls it makes, and whether it enables the units. A script
 * this reader does not understand is an error the agent reports, never guessed around.
 */
import { parse } from 'yaml';

export interface FetchPlan {
  /** The node's key, as the script writes it into the `X-Bootaction-Key` header file. */
  nodeKey: string;
  /** `.../api/v1.0/bootactions/nodes/{hostname}`: the script's BASE. */
  base: string;
  /** What the script fetches, in its order. */
  fetches: Array<'units' | 'files'>;
  /** Whether it runs `systemctl enable`/`start` on each unit it unpacked. */
  enablesUnits: boolean;
}

export interface NodeUserData {
  packages: unknown[];
  /** Undefined when the user data fetches no boot actions. */
  fetch?: FetchPlan;
}

export class UserDataError extends Error {
  override name = 'UserDataError';
}

interface WriteFile {
  path?: unknown;
  content?: unknown;
  permissions?: unknown;
}

/** The path of the script a runcmd entry runs with `sh PATH` (list or string form). */
function scriptOf(entry: unknown): string | undefined {
  const argv = Array.isArray(entry) ? entry.map(String) : typeof entry === 'string' ? entry.trim().split(/\s+/) : [];
  return argv.length === 2 && (argv[0] === 'sh' || argv[0] === '/bin/sh') ? argv[1] : undefined;
}

/** A shell single-quoted word ('...' with '\'' for a quote) back to its text. */
function unquote(word: string): string {
  return word.replace(/'\\''/g, "'").replace(/^'|'$/g, '');
}

export function parseNodeUserData(text: string | null): NodeUserData {
  if (!text) return { packages: [] };
  if (!text.startsWith('#cloud-config')) throw new UserDataError('the user data is not #cloud-config (cloud-init user data format)');
  let config: Record<string, unknown>;
  try {
    config = (parse(text) ?? {}) as Record<string, unknown>;
  } catch (e) {
    throw new UserDataError(`the #cloud-config user data is not YAML: ${(e as Error).message}`);
  }
  const packages = Array.isArray(config.packages) ? config.packages : [];
  const files = (Array.isArray(config.write_files) ? config.write_files : []) as WriteFile[];
  const runcmd = Array.isArray(config.runcmd) ? config.runcmd : [];
  const scripts = runcmd.map(scriptOf).filter((p): p is string => p !== undefined);
  const script = files.find((f) => typeof f.path === 'string' && scripts.includes(f.path) && typeof f.content === 'string' && /bootactions\/nodes\//.test(f.content));
  if (!script) return { packages };
  return { packages, fetch: readFetchScript(script.content as string) };
}

export function readFetchScript(script: string): FetchPlan {
  const lines = script.split('\n').map((l) => l.trim());
  const keyLine = lines.find((l) => l.startsWith("printf 'X-Bootaction-Key: %s\\n'"));
  const key = keyLine ? /^printf 'X-Bootaction-Key: %s\\n' '([0-9a-fA-F]+)' > \S+$/.exec(keyLine)?.[1] : undefined;
  if (!key) throw new UserDataError('the boot-action script writes no X-Bootaction-Key header this agent can read');
  const baseLine = lines.find((l) => l.startsWith('BASE='));
  const base = baseLine ? unquote(baseLine.slice('BASE='.length)) : undefined;
  if (!base || !/^https?:\/\/.+\/bootactions\/nodes\/[^/]+$/.test(base)) throw new UserDataError(`the boot-action script's BASE (${base ?? 'none'}) is not .../bootactions/nodes/{hostname}`);
  const fetches = lines.filter((l) => l === 'fetch units' || l === 'fetch files').map((l) => l.slice('fetch '.length) as 'units' | 'files');
  if (fetches.length === 0) throw new UserDataError('the boot-action script fetches neither units nor files');
  const enablesUnits = lines.some((l) => l.startsWith('systemctl enable'));
  return { nodeKey: key, base, fetches, enablesUnits };
}
