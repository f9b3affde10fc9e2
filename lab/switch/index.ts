/**
 * The lab switch: a Linux "switch" in a network namespace, as on Cumulus- or SONiC-style
 * switches — a VLAN-aware bridge with veth ports, managed over SSH by OpenSSH's sshd running
 * inside the namespace. Tests and the demo start one with `startLabSwitch()` and remove it,
 * namespace, links, processes and files, with `stop()`.
 *
 *   root namespace                       switch namespace (drydock-lab-<pid>-<id>)
 *   ddlab<id> 10.254.x.1/30  <-- veth -->  mgmt0 10.254.x.2/30   sshd :22
 *                                          br0 (vlan_filtering 1)
 *                                            swp1 <-- veth --> nic1   (the node's side)
 *                                            swp2 <-- veth --> nic2   ...
 *
 * Kernels built without CONFIG_BRIDGE_VLAN_FILTERING cannot make a VLAN-aware bridge. There the
 * lab runs in `emulated` mode: everything above is real except the VLAN table, which
 * `vlan-emulator.ts` keeps (see there). `probeLabSwitchSupport()` says which modes this machine can run.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pollUntil } from '../../src/tools/poll';
import { ManagedProcess, startProcessGroup } from '../../src/tools/process-group';

const execFileAsync = promisify(execFile);

const IP = '/usr/sbin/ip';
const BRIDGE = '/usr/sbin/bridge';
const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';

export type VlanMode = 'kernel' | 'emulated';

export interface LabSwitchSupport {
  /** Namespaces, veth pairs, bridges and sshd are available: the lab can run (in some mode). */
  ok: boolean;
  /** Why not, when !ok. */
  reason?: string;
  /** The kernel makes VLAN-aware bridges: `kernel` mode works. */
  vlanFiltering: boolean;
  /** Why not, when !vlanFiltering. */
  vlanFilteringReason?: string;
}

export interface LabSwitchOptions {
  /** Port names, or how many `swpN` ports to make (default 4). */
  ports?: number | string[];
  /** The bridge device (default br0). */
  bridge?: string;
  /** `auto` (default): kernel VLAN filtering when this kernel has it, else emulated. */
  vlanMode?: VlanMode | 'auto';
  /** The switch's management address (a site design's `mgmt_ip`); the root namespace takes
   * another address of the same /30. Default: a free /30 in 10.254.0.0/16. */
  managementAddress?: string;
  /** An OpenSSH public key line sshd also accepts (so several lab switches share one key). */
  authorizedPublicKey?: string;
  log?: (message: string) => void;
}

export interface VlanTableEntry {
  vid: number;
  pvid: boolean;
  untagged: boolean;
}

export interface LabSwitch {
  namespace: string;
  /** The switch's management address, reachable from the root namespace. */
  address: string;
  port: number;
  user: string;
  /** The private key sshd accepts for `user`. */
  keyPath: string;
  /** `SHA256:...` of sshd's host key. */
  hostKeyFingerprint: string;
  /** A known_hosts file holding the switch's host key for `address`. */
  knownHostsPath: string;
  bridge: string;
  ports: string[];
  vlanMode: VlanMode;
  /** The bridge's VLAN table as the switch reports it (`bridge -j vlan show` in the namespace),
   * by device: the bridge itself and each port. */
  vlanTable(): Promise<Record<string, VlanTableEntry[]>>;
  /** Runs `bridge ARGS` on the switch (as an operator at its console would). */
  bridgeCommand(args: string[]): Promise<string>;
  /** Runs a command inside the switch namespace. */
  exec(command: string, args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function errorText(err: unknown): string {
  const e = err as { stderr?: string | Buffer; message?: string };
  const stderr = e.stderr === undefined ? '' : e.stderr.toString().trim();
  return (stderr || e.message || String(err)).split('\n')[0];
}

/** Tries, synchronously, what the lab needs: usable from a test file's top level to decide
 * whether to skip and why. Makes and removes a scratch namespace. */
export function probeLabSwitchSupport(): LabSwitchSupport {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})`, vlanFiltering: false };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'making network namespaces needs root (CAP_NET_ADMIN)', vlanFiltering: false };
  for (const [path, pkg] of [[IP, 'iproute2'], [BRIDGE, 'iproute2'], [SSHD, 'openssh-server'], [SSH_KEYGEN, 'openssh-client']]) {
    if (!existsSync(path)) return { ok: false, reason: `${path} is missing (Debian package ${pkg})`, vlanFiltering: false };
  }
  const ns = `drydock-probe-${process.pid}-${randomBytes(3).toString('hex')}`;
  const run = (...args: string[]): void => void execFileSync(IP, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    run('netns', 'add', ns);
  } catch (err) {
    return { ok: false, reason: `cannot make a network namespace: ${errorText(err)}`, vlanFiltering: false };
  }
  try {
    try {
      run('-n', ns, 'link', 'add', 'br0', 'type', 'bridge');
      run('-n', ns, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
      run('-n', ns, 'link', 'set', 'p0', 'master', 'br0');
    } catch (err) {
      return { ok: false, reason: `cannot make a bridge with veth ports in a namespace: ${errorText(err)}`, vlanFiltering: false };
    }
    try {
      run('-n', ns, 'link', 'set', 'br0', 'type', 'bridge', 'vlan_filtering', '1');
      return { ok: true, vlanFiltering: true };
    } catch (err) {
      return {
        ok: true,
        vlanFiltering: false,
        vlanFilteringReason: `this kernel cannot make VLAN-aware bridges (CONFIG_BRIDGE_VLAN_FILTERING): "ip link set br0 type bridge vlan_filtering 1" answered "${errorText(err)}"`,
      };
    }
  } finally {
    try {
      run('netns', 'del', ns);
    } catch {
      // nothing was left in it
    }
  }
}

/** Every lab switch of this process, removed on exit even when a test or the demo crashes. */
const active = new Map<string, () => void>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const cleanup of active.values()) cleanup();
  });
}

/** The pids of the processes inside network namespace `namespace` (none when it is gone). */
function namespacePids(namespace: string): number[] {
  try {
    return execFileSync(IP, ['netns', 'pids', namespace], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Kills what runs in a lab switch's namespace, then deletes its root-side link and the namespace. */
function removeNamespaceSync(namespace: string, rootLink: string): void {
  for (const pid of namespacePids(namespace)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const args of [['link', 'del', rootLink], ['netns', 'del', namespace]]) {
    try {
      execFileSync(IP, args, { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

/** When process `pid` started, in ms since the epoch (Linux), or undefined when it is gone. */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime, in clock ticks since boot) counts from after the ")" ending field 2.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return bootSeconds * 1000 + (ticks / 100) * 1000;
  } catch {
    return undefined;
  }
}

/**
 * Removes lab switches whose owning process no longer runs: what a `kill -9`, a crash of the
 * machine or a restart of its VM leaves behind (the namespace, its processes and the root-side
 * link holding the management address, which would block the next lab from taking it). A
 * namespace `drydock-lab-<pid>-<id>` is stale when process <pid> is gone, or when that pid now
 * belongs to a process started after the namespace was made. Returns the namespaces removed.
 */
export function reapStaleLabSwitches(log: (message: string) => void = (): void => undefined): string[] {
  let names: string[];
  try {
    names = execFileSync(IP, ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .map((line) => line.split(' ')[0])
      .filter(Boolean);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = /^drydock-(?:lab|probe)-(\d+)-([0-9a-f]{6})$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    let madeMs: number;
    try {
      madeMs = statSync(`/run/netns/${name}`).mtimeMs;
    } catch {
      continue;
    }
    const started = processStartMs(pid);
    // Clock ticks round down; a second of slack keeps a live owner from looking newer than its lab.
    if (started !== undefined && started <= madeMs + 1_000) continue;
    removeNamespaceSync(name, `ddlab${m[2]}`);
    removed.push(name);
    log(`removed lab switch ${name}, left behind by process ${pid}, which no longer runs`);
  }
  return removed;
}

async function ip(args: string[]): Promise<string> {
  try {
    return (await execFileAsync(IP, args)).stdout;
  } catch (err) {
    throw new Error(`ip ${args.join(' ')}: ${errorText(err)}`);
  }
}

function sshFingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1], 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export async function generateKey(path: string, comment: string): Promise<void> {
  await execFileAsync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
}

/** The /30 holding `address` as the switch side; the root namespace takes the other host address. */
function subnetAround(address: string): { host: string; switchSide: string; base: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const octets = m ? m.slice(1).map(Number) : [];
  if (octets.length !== 4 || octets.some((o) => o > 255)) throw new Error(`lab switch: management address "${address}" is not an IPv4 address`);
  const last = octets[3];
  const base = last & ~3;
  if (last === base || last === base + 3) throw new Error(`lab switch: ${address} is the network or broadcast address of its /30; give a host address (.1 or .2 of a /30)`);
  const other = last === base + 1 ? base + 2 : base + 1;
  return { host: `${octets[0]}.${octets[1]}.${octets[2]}.${other}`, switchSide: address, base: octets[2] * 256 + base };
}

/** Picks a free 10.254.x.y/30 for the management link: random, then checked against every
 * address of the root namespace, so concurrent runs on one machine do not collide. */
async function pickManagementSubnet(): Promise<{ host: string; switchSide: string; base: number }> {
  const used = new Set<number>();
  const addrs = JSON.parse(await ip(['-j', '-4', 'addr', 'show'])) as Array<{ addr_info?: Array<{ local?: string }> }>;
  for (const link of addrs) {
    for (const info of link.addr_info ?? []) {
      const m = /^10\.254\.(\d+)\.(\d+)$/.exec(info.local ?? '');
      if (m) used.add(Number(m[1]) * 256 + (Number(m[2]) & ~3));
    }
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = randomBytes(2).readUInt16BE(0) & ~3;
    if (base === 0 || used.has(base)) continue;
    const at = (offset: number): string => `10.254.${(base + offset) >> 8}.${(base + offset) & 255}`;
    return { host: at(1), switchSide: at(2), base };
  }
  throw new Error('no free /30 in 10.254.0.0/16 for the lab switch management link');
}

/** The command that runs the VLAN emulator with plain node: this file's compiled sibling when
 * running from a build, else a transpiled copy in the lab's folder (or tsx as a last resort). */
function emulatorCommand(dir: string): string[] {
  const compiled = join(__dirname, 'vlan-emulator.js');
  if (existsSync(compiled)) return [process.execPath, compiled];
  const source = join(__dirname, 'vlan-emulator.ts');
  try {
    // typescript is a devDependency: present in a development checkout, where this branch runs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require('typescript') as typeof import('typescript');
    const output = ts.transpileModule(readFileSync(source, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(dir, 'vlan-emulator.js'), output);
    return [process.execPath, join(dir, 'vlan-emulator.js')];
  } catch {
    return [process.execPath, require.resolve('tsx/cli'), source];
  }
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function startLabSwitch(options: LabSwitchOptions = {}): Promise<LabSwitch> {
  const log = options.log ?? ((): void => undefined);
  const portNames = typeof options.ports === 'number' || options.ports === undefined
    ? Array.from({ length: options.ports ?? 4 }, (_, i) => `swp${i + 1}`)
    : options.ports;
  const bridge = options.bridge ?? 'br0';
  for (const name of [bridge, ...portNames]) {
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name)) throw new Error(`lab switch: "${name}" is not a valid interface name (1-15 of A-Z a-z 0-9 _ . -)`);
  }
  let vlanMode: VlanMode;
  if (options.vlanMode === 'kernel' || options.vlanMode === 'emulated') {
    vlanMode = options.vlanMode;
  } else {
    const support = probeLabSwitchSupport();
    if (!support.ok) throw new Error(`the lab switch cannot run here: ${support.reason ?? 'unknown reason'}`);
    vlanMode = support.vlanFiltering ? 'kernel' : 'emulated';
  }

  reapStaleLabSwitches(log);
  const id = randomBytes(3).toString('hex');
  const namespace = `drydock-lab-${process.pid}-${id}`;
  const rootLink = `ddlab${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'drydock-lab-switch-'));
  let sshd: ManagedProcess | undefined;
  let stopped = false;

  const removeSync = (): void => {
    removeNamespaceSync(namespace, rootLink);
    rmSync(dir, { recursive: true, force: true });
  };
  installExitHook();
  active.set(namespace, removeSync);

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await sshd?.stop(5_000);
    // sshd's per-connection processes run in sessions of their own: end them by their pids,
    // which are exactly the processes inside this namespace.
    for (const pid of namespacePids(namespace)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await pollUntil(() => (namespacePids(namespace).length === 0 ? true : undefined), { timeoutMs: 5_000, intervalMs: 50, what: `the processes in ${namespace} to exit` }).catch(() => undefined);
    removeSync();
    active.delete(namespace);
    log(`lab switch ${namespace} removed`);
  };

  try {
    await ip(['netns', 'add', namespace]);
    await ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
    // Management link: root namespace <-> switch namespace, on a private /30.
    let subnet: Awaited<ReturnType<typeof pickManagementSubnet>> | undefined;
    await ip(['link', 'add', rootLink, 'type', 'veth', 'peer', 'name', 'mgmt0', 'netns', namespace]);
    for (let attempt = 0; attempt < 5 && subnet === undefined; attempt++) {
      const candidate = options.managementAddress ? subnetAround(options.managementAddress) : await pickManagementSubnet();
      await ip(['addr', 'add', `${candidate.host}/30`, 'dev', rootLink]);
      // Another run may have picked the same /30 at the same moment: check, else try another.
      const holders = (JSON.parse(await ip(['-j', '-4', 'addr', 'show'])) as Array<{ ifname: string; addr_info?: Array<{ local?: string }> }>)
        .filter((l) => l.addr_info?.some((a) => a.local === candidate.host));
      if (holders.length === 1) {
        subnet = candidate;
      } else {
        await ip(['addr', 'del', `${candidate.host}/30`, 'dev', rootLink]);
        if (options.managementAddress) {
          const others = holders.map((l) => l.ifname).filter((n) => n !== rootLink).join(', ');
          throw new Error(
            `the management address ${options.managementAddress} needs ${candidate.host}/30 in the root namespace, and ${others || 'another interface'} already holds it ` +
              `(another lab switch still running, e.g. a demo started with --keep? \`ip netns list\` shows the labs; stop that run, or remove the link with \`ip link del <name>\`)`,
          );
        }
      }
    }
    if (subnet === undefined) throw new Error('could not claim a free /30 for the management link (5 tries; every candidate was taken meanwhile)');
    await ip(['link', 'set', rootLink, 'up']);
    await ip(['-n', namespace, 'addr', 'add', `${subnet.switchSide}/30`, 'dev', 'mgmt0']);
    await ip(['-n', namespace, 'link', 'set', 'mgmt0', 'up']);

    // The bridge and its ports.
    await ip(['-n', namespace, 'link', 'add', bridge, 'type', 'bridge']);
    if (vlanMode === 'kernel') await ip(['-n', namespace, 'link', 'set', bridge, 'type', 'bridge', 'vlan_filtering', '1']);
    await ip(['-n', namespace, 'link', 'set', bridge, 'up']);
    for (const [i, port] of portNames.entries()) {
      const peer = `nic${i + 1}`;
      await ip(['-n', namespace, 'link', 'add', port, 'type', 'veth', 'peer', 'name', peer]);
      await ip(['-n', namespace, 'link', 'set', port, 'master', bridge]);
      await ip(['-n', namespace, 'link', 'set', port, 'up']);
      await ip(['-n', namespace, 'link', 'set', peer, 'up']);
    }

    // Keys: the switch's host key and the key drydock logs in with.
    await generateKey(join(dir, 'host_ed25519'), `lab-switch-${id}`);
    await generateKey(join(dir, 'drydock_ed25519'), `drydock@lab-${id}`);
    const hostPub = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8');
    writeFileSync(join(dir, 'authorized_keys'), `${readFileSync(join(dir, 'drydock_ed25519.pub'), 'utf8').trim()}\n${options.authorizedPublicKey ? `${options.authorizedPublicKey.trim()}\n` : ''}`);
    writeFileSync(join(dir, 'known_hosts'), `${subnet.switchSide} ${hostPub.trim().split(/\s+/).slice(0, 2).join(' ')}\n`);

    const vlanState = join(dir, 'vlan-table.json');
    const sshdConfig = [
      `ListenAddress ${subnet.switchSide}:22`,
      `HostKey ${join(dir, 'host_ed25519')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'AllowUsers root',
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The lab's files live under /tmp, which StrictModes rejects as world-writable.
      'StrictModes no',
      'PrintMotd no',
      'LoginGraceTime 20',
      'LogLevel INFO',
    ];
    let emulator: string[] = [];
    if (vlanMode === 'emulated') {
      writeFileSync(vlanState, JSON.stringify({ bridge, ports: {} }, null, 2));
      emulator = emulatorCommand(dir);
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      for (const personality of ['bridge', 'ip']) {
        writeFileSync(join(bin, personality), `#!/bin/sh\nexec ${[...emulator, personality].map(shellQuote).join(' ')} "$@"\n`);
        chmodSync(join(bin, personality), 0o755);
      }
      const session = join(dir, 'session');
      writeFileSync(
        session,
        [
          '#!/bin/sh',
          `export PATH=${shellQuote(`${bin}:/usr/sbin:/usr/bin:/sbin:/bin`)}`,
          `export DRYDOCK_LAB_VLAN_STATE=${shellQuote(vlanState)}`,
          'if [ -z "$SSH_ORIGINAL_COMMAND" ]; then exec /bin/sh -l; fi',
          'exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"',
          '',
        ].join('\n'),
      );
      chmodSync(session, 0o755);
      sshdConfig.push(`ForceCommand ${session}`);
    }
    writeFileSync(join(dir, 'sshd_config'), `${sshdConfig.join('\n')}\n`);
    mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege-separation directory

    sshd = startProcessGroup(`sshd (${namespace})`, IP, ['netns', 'exec', namespace, SSHD, '-D', '-e', '-f', join(dir, 'sshd_config')]);
    const address = subnet.switchSide;
    await pollUntil(
      () => {
        if (sshd?.exited()) throw new Error(`sshd exited: ${sshd.outputTail()}`);
        return new Promise<true | undefined>((resolve) => {
          const socket = connect({ host: address, port: 22 });
          socket.once('connect', () => (socket.destroy(), resolve(true)));
          socket.once('error', () => (socket.destroy(), resolve(undefined)));
        });
      },
      { timeoutMs: 15_000, intervalMs: 50, what: `sshd in ${namespace} to listen on ${address}:22`, isFatal: () => sshd?.exited() ?? false },
    );

    const inNamespace = async (command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> => {
      try {
        return (await execFileAsync(IP, ['netns', 'exec', namespace, command, ...args], { env: { ...process.env, ...env } })).stdout;
      } catch (err) {
        throw new Error(`${command} ${args.join(' ')} on the lab switch: ${errorText(err)}`);
      }
    };
    const runBridge = (args: string[]): Promise<string> =>
      vlanMode === 'kernel'
        ? inNamespace(BRIDGE, args)
        : inNamespace(emulator[0], [...emulator.slice(1), 'bridge', ...args], { DRYDOCK_LAB_VLAN_STATE: vlanState });

    log(`lab switch ${namespace}: ssh root@${address}, bridge ${bridge} (${vlanMode} VLAN filtering), ports ${portNames.join(' ')}`);
    return {
      namespace,
      address,
      port: 22,
      user: 'root',
      keyPath: join(dir, 'drydock_ed25519'),
      hostKeyFingerprint: sshFingerprint(hostPub),
      knownHostsPath: join(dir, 'known_hosts'),
      bridge,
      ports: portNames,
      vlanMode,
      bridgeCommand: runBridge,
      exec: inNamespace,
      async vlanTable() {
        return parseVlanTable(await runBridge(['-j', 'vlan', 'show']));
      },
      stop,
    };
  } catch (err) {
    const tail = sshd && sshd.exited() ? `\nsshd said:\n${sshd.outputTail()}` : '';
    await stop();
    throw new Error(`could not start the lab switch: ${err instanceof Error ? err.message : String(err)}${tail}`);
  }
}

/** Reads `bridge -j vlan show` output: iproute2 >= 5.x prints [{ifname, vlans: [...]}], older
 * releases printed {ifname: [...]}; ranges carry vlanEnd. */
export function parseVlanTable(json: string): Record<string, VlanTableEntry[]> {
  const parsed = JSON.parse(json.trim() || '[]') as unknown;
  const rows: Array<[string, Array<{ vlan: number; vlanEnd?: number; flags?: string[] }>]> = Array.isArray(parsed)
    ? (parsed as Array<{ ifname: string; vlans?: Array<{ vlan: number; vlanEnd?: number; flags?: string[] }> }>).map((r) => [r.ifname, r.vlans ?? []])
    : Object.entries(parsed as Record<string, Array<{ vlan: number; vlanEnd?: number; flags?: string[] }>>);
  const table: Record<string, VlanTableEntry[]> = {};
  for (const [ifname, vlans] of rows) {
    const entries = (table[ifname] ??= []);
    for (const v of vlans) {
      for (let vid = v.vlan; vid <= (v.vlanEnd ?? v.vlan); vid++) {
        entries.push({ vid, pvid: v.flags?.includes('PVID') ?? false, untagged: v.flags?.includes('Egress Untagged') ?? false });
      }
    }
  }
  return table;
}
