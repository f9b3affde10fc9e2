/**
 * The lab switch's stand-in for the kernel's bridge VLAN filtering, for kernels built without
 * CONFIG_BRIDGE_VLAN_FILTERING (where `ip link set br0 type bridge vlan_filtering 1` answers
 * "Operation not supported"). Everything else about the lab switch stays real: the namespace,
 * the bridge, its veth ports, sshd, and `ip` itself.
 *
 * It runs inside the switch namespace, once per command, under two names (the lab's sshd puts
 * shims called `bridge` and `ip` first on PATH):
 *   bridge [-j] [-batch FILE|-] vlan show [dev NAME]
 *   bridge vlan add dev NAME vid N [pvid] [untagged] [master]
 *   bridge vlan del dev NAME vid N [master]
 *   ip ...   passed to the real ip; `ip -d link show` reports the lab bridge as vlan_filtering 1
 * The VLAN table lives in the JSON file $DRYDOCK_LAB_VLAN_STATE and follows the kernel's rules:
 * a port enslaved to the bridge starts with VLAN 1 as PVID, egress untagged (default_pvid 1);
 * `vlan add` of an existing VLAN replaces its flags, and giving `pvid` moves the PVID there;
 * at most one PVID per port; `vlan del` of an absent VLAN fails with ENOENT; a device that is
 * neither the bridge nor one of its ports fails with EOPNOTSUPP.
 *
 * Self-contained on purpose (Node built-ins only): the launcher transpiles this one file and runs
 * it with plain `node`, which starts in a tenth of the time tsx takes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

interface VlanEntry {
  vid: number;
  pvid: boolean;
  untagged: boolean;
}

interface EmulatorState {
  bridge: string;
  /** Ports whose table differs from the default; absent ports have the default table. */
  ports: Record<string, VlanEntry[]>;
}

interface LinkInfo {
  ifindex: number;
  ifname: string;
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
}

const IP = process.env.DRYDOCK_LAB_REAL_IP ?? '/usr/sbin/ip';
const DEFAULT_TABLE: VlanEntry[] = [{ vid: 1, pvid: true, untagged: true }];

class CommandError extends Error {}

function statePath(): string {
  const path = process.env.DRYDOCK_LAB_VLAN_STATE;
  if (!path) throw new CommandError('DRYDOCK_LAB_VLAN_STATE is not set');
  return path;
}

function loadState(): EmulatorState {
  return JSON.parse(readFileSync(statePath(), 'utf8')) as EmulatorState;
}

function saveState(state: EmulatorState): void {
  const path = statePath();
  writeFileSync(`${path}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${path}.tmp`, path);
}

function links(): LinkInfo[] {
  const result = spawnSync(IP, ['-j', '-d', 'link', 'show'], { encoding: 'utf8' });
  if (result.status !== 0) throw new CommandError(result.stderr.trim() || 'ip link show failed');
  return JSON.parse(result.stdout) as LinkInfo[];
}

function flagsOf(entry: VlanEntry): string[] {
  return [...(entry.pvid ? ['PVID'] : []), ...(entry.untagged ? ['Egress Untagged'] : [])];
}

function tableOf(state: EmulatorState, name: string): VlanEntry[] {
  return (state.ports[name] ?? DEFAULT_TABLE).map((e) => ({ ...e }));
}

function vlanShow(state: EmulatorState, json: boolean, dev: string | undefined): string {
  const members = links().filter((l) => l.ifname === state.bridge || l.master === state.bridge);
  if (dev !== undefined && !members.some((l) => l.ifname === dev)) {
    if (!links().some((l) => l.ifname === dev)) throw new CommandError(`Cannot find device "${dev}"`);
    return json ? '[]\n' : 'port              vlan-id  \n';
  }
  const shown = members.filter((l) => dev === undefined || l.ifname === dev).sort((a, b) => a.ifindex - b.ifindex);
  const rows = shown.map((l) => ({ ifname: l.ifname, vlans: tableOf(state, l.ifname).sort((a, b) => a.vid - b.vid) })).filter((r) => r.vlans.length > 0);
  if (json) return `${JSON.stringify(rows.map((r) => ({ ifname: r.ifname, vlans: r.vlans.map((v) => ({ vlan: v.vid, flags: flagsOf(v) })) })))}\n`;
  const lines = ['port              vlan-id  '];
  for (const row of rows) {
    row.vlans.forEach((v, i) => lines.push(`${(i === 0 ? row.ifname : '').padEnd(18)}${v.vid} ${flagsOf(v).join(' ')}`.trimEnd()));
  }
  return `${lines.join('\n')}\n`;
}

function parseVid(text: string | undefined): number {
  const vid = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || vid < 1 || vid > 4094) throw new CommandError(`Invalid VLAN ID "${text ?? ''}"`);
  return vid;
}

function vlanChange(state: EmulatorState, verb: 'add' | 'del', args: string[]): void {
  let dev: string | undefined;
  let vid: number | undefined;
  let pvid = false;
  let untagged = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (word === 'dev') dev = args[++i];
    else if (word === 'vid') vid = parseVid(args[++i]);
    else if (word === 'pvid') pvid = true;
    else if (word === 'untagged') untagged = true;
    else if (word === 'master' || word === 'self') continue;
    else throw new CommandError(`Command "${word}" is unknown, try "bridge vlan help".`);
  }
  if (dev === undefined || vid === undefined) throw new CommandError('Device and VLAN ID are required arguments.');
  const link = links().find((l) => l.ifname === dev);
  if (!link) throw new CommandError(`Cannot find device "${dev}"`);
  if (link.ifname !== state.bridge && link.master !== state.bridge) throw new CommandError('RTNETLINK answers: Operation not supported');
  const table = tableOf(state, dev);
  const existing = table.find((e) => e.vid === vid);
  if (verb === 'del') {
    if (!existing) throw new CommandError('RTNETLINK answers: No such file or directory');
    state.ports[dev] = table.filter((e) => e.vid !== vid);
    return;
  }
  if (pvid) for (const e of table) e.pvid = false;
  if (existing) {
    existing.pvid = pvid;
    existing.untagged = untagged;
  } else {
    table.push({ vid, pvid, untagged });
  }
  state.ports[dev] = table;
}

function runBridge(argv: string[]): number {
  let json = false;
  let batch: string | undefined;
  let force = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-j' || a === '-json') json = true;
    else if (a === '-p' || a === '-pretty' || a === '-c' || a === '-compressvlans') continue;
    else if (a === '-b' || a === '-batch') batch = argv[++i];
    else if (a === '-force') force = true;
    else {
      rest.push(...argv.slice(i));
      break;
    }
  }
  const commands: string[][] = batch === undefined
    ? [rest]
    : readFileSync(batch === '-' ? 0 : batch, 'utf8').split('\n').map((l) => l.trim().split(/\s+/).filter(Boolean)).filter((c) => c.length > 0);
  const state = loadState();
  let status = 0;
  for (const [index, words] of commands.entries()) {
    try {
      const [object, verb, ...args] = words;
      if (object !== 'vlan') throw new CommandError(`Object "${object ?? ''}" is unknown, the lab switch emulates only "bridge vlan".`);
      if (verb === undefined || verb === 'show' || verb === 'list') {
        const devAt = args.indexOf('dev');
        process.stdout.write(vlanShow(state, json, devAt >= 0 ? args[devAt + 1] : undefined));
      } else if (verb === 'add' || verb === 'del') {
        vlanChange(state, verb, args);
        saveState(state);
      } else {
        throw new CommandError(`Command "${verb}" is unknown, try "bridge vlan help".`);
      }
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      process.stderr.write(`${err.message}\n`);
      if (batch !== undefined) process.stderr.write(`Command failed ${batch}:${index + 1}\n`);
      status = 1;
      if (!force) break;
    }
  }
  return status;
}

function runIp(argv: string[]): number {
  const wantsJson = argv.includes('-j') || argv.includes('-json');
  const wantsDetails = argv.includes('-d') || argv.includes('-details');
  const isLinkShow = argv.includes('link') && (argv.includes('show') || argv.includes('list') || argv[argv.length - 1] === 'link');
  if (!(wantsJson && wantsDetails && isLinkShow)) {
    const passed = spawnSync(IP, argv, { stdio: 'inherit' });
    return passed.status ?? 1;
  }
  const result = spawnSync(IP, argv, { encoding: 'utf8' });
  process.stderr.write(result.stderr);
  if (result.status !== 0) return result.status ?? 1;
  const state = loadState();
  const parsed = JSON.parse(result.stdout) as LinkInfo[];
  for (const link of parsed) {
    if (link.ifname === state.bridge && link.linkinfo?.info_kind === 'bridge') {
      link.linkinfo.info_data = { ...link.linkinfo.info_data, vlan_filtering: 1 };
    }
  }
  process.stdout.write(`${JSON.stringify(parsed)}\n`);
  return 0;
}

function main(): number {
  const [personality, ...argv] = process.argv.slice(2);
  try {
    if (personality === 'bridge') return runBridge(argv);
    if (personality === 'ip') return runIp(argv);
    process.stderr.write(`vlan-emulator: unknown personality "${personality ?? ''}"\n`);
    return 2;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

process.exitCode = main();
