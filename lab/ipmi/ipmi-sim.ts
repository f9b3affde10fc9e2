import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from '../../src/tools/poll';
import { freePort } from '../../src/tools/ports';
import { ManagedProcess, startProcessGroup } from '../../src/tools/process-group';
import { findLabTool } from '../lab-tools';

/**
 * One IPMI BMC: OpenIPMI's `ipmi_sim` with a LAN channel on loopback and a chassis_control
 * script that keeps the chassis power and boot device in files, so power commands really change
 * state and every change is counted.
 */
export interface IpmiSimOptions {
  name: string;
  username: string;
  password: string;
  ip?: string;
  port?: number;
  initialPower?: 'on' | 'off';
  startTimeoutMs?: number;
}

export interface IpmiChassisState {
  power: 'on' | 'off';
  /** Last boot device set through IPMI (`pxe`, `disk`, `cdrom`, ...) or `default`. */
  boot: string;
}

export interface IpmiSim {
  name: string;
  ip: string;
  port: number;
  username: string;
  process: ManagedProcess;
  state(): IpmiChassisState;
  /** Every chassis_control call that changed something, e.g. `set power 1`, `set boot pxe`. */
  changes(): string[];
  stop(): Promise<void>;
}

// Called by ipmi_sim as `SCRIPT 0x20 get power boot` or `SCRIPT 0x20 set power 1 [boot pxe]`.
const CHASSIS_SCRIPT = `#!/bin/sh
dir="$(dirname "$0")"
shift
op="$1"; shift
if [ "$op" = get ]; then
  for item in "$@"; do
    case "$item" in
      power) echo "power:$(cat "$dir/power")" ;;
      boot) echo "boot:$(cat "$dir/boot")" ;;
    esac
  done
elif [ "$op" = set ]; then
  while [ $# -ge 2 ]; do
    case "$1" in
      power) echo "$2" > "$dir/power.tmp" && mv "$dir/power.tmp" "$dir/power" ;;
      boot) echo "$2" > "$dir/boot.tmp" && mv "$dir/boot.tmp" "$dir/boot" ;;
    esac
    echo "set $1 $2" >> "$dir/changes"
    shift 2
  done
fi
exit 0
`;

function quote(value: string): string {
  if (/["\n\\]/.test(value)) throw new Error(`IPMI lab user names and passwords cannot contain quotes, backslashes or newlines`);
  return `"${value}"`;
}

/** Runs `ipmitool chassis power status` against the BMC; resolves true when it answers. */
export async function ipmiAnswers(ip: string, port: number, username: string, password: string): Promise<boolean> {
  const ipmitool = findLabTool('ipmitool', { install: 'apt-get install ipmitool' });
  return new Promise((resolve) => {
    const child = spawn(ipmitool, ['-I', 'lanplus', '-C', '3', '-H', ip, '-p', String(port), '-U', username, '-E', '-N', '1', '-R', '1', 'chassis', 'power', 'status'], {
      env: { ...process.env, IPMI_PASSWORD: password },
      stdio: 'ignore',
    });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

export async function startIpmiSim(options: IpmiSimOptions): Promise<IpmiSim> {
  const binary = findLabTool('ipmi_sim', { envVar: 'IPMI_SIM_PATH', install: 'apt-get install openipmi' });
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort(ip));
  const dir = mkdtempSync(join(tmpdir(), `drydock-ipmi-${options.name.replace(/[^\w-]/g, '_')}-`));
  const chassisDir = join(dir, 'chassis');
  mkdirSync(chassisDir);
  mkdirSync(join(dir, 'state'));
  writeFileSync(join(chassisDir, 'power'), options.initialPower === 'on' ? '1\n' : '0\n');
  writeFileSync(join(chassisDir, 'boot'), 'default\n');
  writeFileSync(join(chassisDir, 'changes'), '');
  const script = join(chassisDir, 'chassis-control.sh');
  writeFileSync(script, CHASSIS_SCRIPT);
  chmodSync(script, 0o755);

  // The lab BMC's password sits in its own config file (mode 0600), as on a real BMC.
  writeFileSync(
    join(dir, 'lan.conf'),
    [
      `name ${quote(options.name)}`,
      'set_working_mc 0x20',
      '  startlan 1',
      `    addr ${ip} ${port}`,
      '    priv_limit admin',
      '    allowed_auths_callback none md5 straight',
      '    allowed_auths_user none md5 straight',
      '    allowed_auths_operator none md5 straight',
      '    allowed_auths_admin none md5 straight',
      '    guid a123456789abcdefa123456789abcdef',
      '  endlan',
      `  chassis_control "${script} 0x20"`,
      `  user 2 true ${quote(options.username)} ${quote(options.password)} admin 10 none md5 straight`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  writeFileSync(join(dir, 'sim.emu'), 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nmc_enable 0x20\n');

  const proc = startProcessGroup(`ipmi_sim ${options.name}`, binary, ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'sim.emu'), '-s', join(dir, 'state'), '-n'], { cwd: dir });
  try {
    await pollUntil(
      async () => {
        if (proc.exited()) throw new Error(`ipmi_sim exited during start-up:\n${proc.outputTail()}`);
        return (await ipmiAnswers(ip, port, options.username, options.password)) ? true : undefined;
      },
      { timeoutMs: options.startTimeoutMs ?? 30_000, what: `ipmi_sim ${options.name} at ${ip}:${port}`, isFatal: () => proc.exited() },
    );
  } catch (err) {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    name: options.name,
    ip,
    port,
    username: options.username,
    process: proc,
    state: () => ({
      power: readFileSync(join(chassisDir, 'power'), 'utf8').trim() === '1' ? 'on' : 'off',
      boot: readFileSync(join(chassisDir, 'boot'), 'utf8').trim(),
    }),
    changes: () => readFileSync(join(chassisDir, 'changes'), 'utf8').split('\n').filter(Boolean),
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
