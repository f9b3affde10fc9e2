import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from './paths';

/**
 * ../shared/redfish-payloads: captures of real BMCs, read where they lie (never copied into the
 * project). A checkout sits beside `shared/` (/work/main) or one level deeper in a worktree
 * (/work/wt/<name>), so the nearest ancestor holding `shared/redfish-payloads` wins;
 * DRYDOCK_REDFISH_PAYLOADS overrides. Missing data fails loudly: these tests must not pass by skipping.
 */
export function redfishPayloadsDir(): string {
  const fromEnv = process.env.DRYDOCK_REDFISH_PAYLOADS;
  if (fromEnv) return fromEnv;
  const looked: string[] = [];
  for (let dir = dirname(REPO_ROOT); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'redfish-payloads');
    looked.push(candidate);
    if (existsSync(join(candidate, 'README.md'))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`../shared/redfish-payloads not found (looked in ${looked.join(', ')}); set DRYDOCK_REDFISH_PAYLOADS`);
}

/** Every tree (a folder holding a Redfish service root), e.g. `libredfish/lenovo`, `dmtf/public-bladed`. */
export const REDFISH_TREES = [
  'dmtf/public-rackmount1',
  'dmtf/public-bladed',
  'dmtf/public-smartnic',
  'dmtf/public-telemetry',
  'libredfish/dell',
  'libredfish/hpe',
  'libredfish/lenovo',
  'libredfish/supermicro',
  'libredfish/nvidia_viking',
  'libredfish/nvidia_gh200',
  'pypi/hpe-ilo5-110',
  'pypi/dell-r640',
] as const;

export function treeDir(tree: string): string {
  return join(redfishPayloadsDir(), tree);
}

export function treeName(dir: string): string {
  return relative(redfishPayloadsDir(), dir);
}
