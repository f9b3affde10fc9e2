/**
 * The cloud-init user data DeployNode hands MAAS. Drydock's MAAS driver sends the node's
 * `pkg_list` packages as `#cloud-config` `packages:`; the units and files reach the node through
 * Airship's curtin configuration, which downloads `/bootactions/nodes/{hostname}/units` and
 * `/files` with the node's key, unpacks them at `/` and enables every unit. Here the user data
 * does it all, on the node's first boot: `write_files` puts a small fetch script in place (the
 * key lives in that root-only file and a root-only header file for curl, never on a command
 * line), `runcmd` runs it. The script
 * retries the download, unpacks units and files at `/`, runs `systemctl daemon-reload`, and
 * enables and starts each unit it unpacked.
 */
import { stringify } from 'yaml';

export interface BootActionUserDataInput {
  hostname: string;
  /** The API's base, e.g. `http://drydock:9000/api/v1.0` (no trailing slash). */
  apiUrl: string;
  /** The node's key in hex, for `X-Bootaction-Key`. */
  nodeKey: string;
  /** Package list from the node's pkg_list assets (name, or [name, version]). */
  packages: Array<string | [string, string]>;
  /** Whether the node has unit/file assets at all (no download otherwise). */
  hasUnits: boolean;
  hasFiles: boolean;
}

export const FETCH_SCRIPT_PATH = '/var/lib/drydock/bootaction-fetch.sh';

export function bootActionFetchScript(input: Omit<BootActionUserDataInput, 'packages'>): string {
  const base = `${input.apiUrl.replace(/\/+$/, '')}/bootactions/nodes/${encodeURIComponent(input.hostname)}`;
  const lines = [
    '#!/bin/sh',
    '# Installs this node\'s Drydock boot actions: units and files from the deployment\'s API.',
    'set -eu',
    'umask 077',
    'mkdir -p /var/lib/drydock',
    // The key goes to curl in a header file (printf is a builtin), never on a command line.
    `printf 'X-Bootaction-Key: %s\\n' '${input.nodeKey.replace(/[^0-9a-fA-F]/g, '')}' > /var/lib/drydock/bootaction-key.header`,
    `BASE='${base.replace(/'/g, "'\\''")}'`,
    'fetch() {',
    '  out="/var/lib/drydock/$1.tar.gz"',
    '  for i in 1 2 3 4 5 6 7 8 9 10; do',
    '    if curl -fsS -H @/var/lib/drydock/bootaction-key.header -o "$out" "$BASE/$1"; then break; fi',
    '    [ "$i" = 10 ] && { echo "drydock: cannot download $1" >&2; exit 1; }',
    '    sleep 6',
    '  done',
    '  tar -xzf "$out" -C / --no-same-owner',
    '}',
  ];
  if (input.hasFiles) lines.push('fetch files');
  if (input.hasUnits) {
    lines.push(
      'fetch units',
      'systemctl daemon-reload',
      'for u in $(tar -tzf /var/lib/drydock/units.tar.gz); do',
      '  systemctl enable "$(basename "$u")"',
      '  systemctl start --no-block "$(basename "$u")"',
      'done',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `#cloud-config` user data, or undefined when the node has nothing to install. */
export function bootActionUserData(input: BootActionUserDataInput): string | undefined {
  const config: Record<string, unknown> = {};
  if (input.packages.length) config.packages = input.packages;
  if (input.hasUnits || input.hasFiles) {
    config.write_files = [{ path: FETCH_SCRIPT_PATH, permissions: '0700', owner: 'root:root', content: bootActionFetchScript(input) }];
    config.runcmd = [['sh', FETCH_SCRIPT_PATH]];
  }
  if (Object.keys(config).length === 0) return undefined;
  return `#cloud-config\n${stringify(config)}`;
}
