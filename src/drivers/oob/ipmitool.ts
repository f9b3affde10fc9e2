import { spawn } from 'node:child_process';
import type { ActionContext } from '../context';
import { DriverError } from '../errors';
import { abortReason, BmcLocks } from './bmc-lock';
import type { BootDevice, OobTarget } from './interface';
import { bmcKey, OobParams, PowerSettings, powerSettings, requireAddress } from './params';

/**
 * `ipmitool -I lanplus` as a child process: the password travels in the child's environment
 * (IPMI_PASSWORD with -E), never in argv; one command at a time per BMC with a minimum gap;
 * the child is killed when the action is cancelled or overruns; failures are classified from
 * ipmitool's verbose (-v) messages, and outputs are parsed strictly.
 */
export interface IpmiSettings extends PowerSettings {
  key: string;
  address: string;
  port: number;
  /** RMCP+ cipher suite (-C). Default 3 (HMAC-SHA1, AES-128): what ipmi_sim and most older
   * BMCs offer; newer BMCs often require 17 (HMAC-SHA256). */
  cipherSuite: number;
  /** Minimum time between the end of one command and the start of the next to this BMC. */
  minCommandGapMs: number;
  /** ipmitool -N: seconds to wait for each answer. */
  timeoutS: number;
  /** ipmitool -R: retransmissions. */
  retries: number;
  /** ipmitool -L. */
  privilege: 'ADMINISTRATOR' | 'OPERATOR' | 'USER';
}

export function ipmiSettings(target: OobTarget): IpmiSettings {
  const address = requireAddress(target);
  const params = new OobParams(target);
  return {
    ...powerSettings(params),
    key: bmcKey(target, 623),
    address,
    port: target.port ?? 623,
    cipherSuite: params.integer('cipher_suite', 3, { min: 0, max: 17 }),
    minCommandGapMs: params.integer('min_command_gap_ms', 2000, { min: 0, max: 60_000 }),
    timeoutS: params.integer('ipmi_timeout_s', 2, { min: 1, max: 60 }),
    retries: params.integer('ipmi_retries', 2, { min: 1, max: 10 }),
    privilege: params.choice('privilege', ['ADMINISTRATOR', 'OPERATOR', 'USER'] as const, 'ADMINISTRATOR'),
  };
}

export class Ipmitool {
  constructor(
    private readonly target: OobTarget,
    readonly settings: IpmiSettings,
    private readonly locks: BmcLocks,
    private readonly binary: string,
  ) {
    if (!target.username || !target.password) {
      throw new DriverError('bmc', 'InvalidRequest', `node ${target.node}: an IPMI BMC needs oob.account and oob.credential (a reference to the password)`, { target: target.node });
    }
  }

  get node(): string {
    return this.target.node;
  }

  /** The argv ipmitool is started with (no password in it: it goes through IPMI_PASSWORD). */
  argv(command: string[]): string[] {
    const s = this.settings;
    return [
      '-I', 'lanplus',
      '-H', s.address,
      '-p', String(s.port),
      '-U', this.target.username as string,
      '-E',
      '-C', String(s.cipherSuite),
      '-L', s.privilege,
      '-N', String(s.timeoutS),
      '-R', String(s.retries),
      '-v',
      ...command,
    ]; // prettier-ignore
  }

  /** Runs one command; resolves its stdout when it exits 0, throws a classified DriverError otherwise. */
  async run(command: string[], ctx: ActionContext): Promise<string> {
    return this.locks.run(this.settings.key, () => this.spawnOnce(command, ctx), { signal: ctx.signal, minGapMs: this.settings.minCommandGapMs });
  }

  private spawnOnce(command: string[], ctx: ActionContext): Promise<string> {
    const node = this.target.node;
    const password = (this.target.password as NonNullable<OobTarget['password']>).reveal();
    const redact = (text: string): string => (password ? text.split(password).join('[redacted]') : text);
    const watchdogMs = ipmitoolWorstCaseMs(this.settings.timeoutS, this.settings.retries) + 10_000;
    ctx.signal.throwIfAborted();
    return new Promise<string>((resolve, reject) => {
      const child = spawn(this.binary, this.argv(command), {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', IPMI_PASSWORD: password },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let ended: 'aborted' | 'watchdog' | undefined;
      let spawnError: NodeJS.ErrnoException | undefined;
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const kill = (why: 'aborted' | 'watchdog'): void => {
        ended ??= why;
        child.kill('SIGKILL');
      };
      const onAbort = (): void => kill('aborted');
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const watchdog = setTimeout(() => kill('watchdog'), watchdogMs);
      child.on('error', (err) => (spawnError = err));
      child.on('close', (code) => {
        clearTimeout(watchdog);
        ctx.signal.removeEventListener('abort', onAbort);
        const what = `ipmitool ${command.join(' ')}`;
        if (spawnError) {
          reject(
            new DriverError('bmc', 'Unsupported', `node ${node}: cannot run ${this.binary} (${spawnError.code ?? spawnError.message}); install ipmitool on the worker (Debian package ipmitool)`, {
              target: node,
            }),
          );
          return;
        }
        if (ended === 'aborted') {
          reject(abortReason(ctx.signal));
          return;
        }
        if (ended === 'watchdog') {
          reject(new DriverError('bmc', 'Timeout', `node ${node}: ${what} against ${this.settings.key} did not finish within ${watchdogMs / 1000} s and was killed`, { target: node, details: { command: command.join(' ') } }));
          return;
        }
        if (code === 0) {
          resolve(redact(stdout));
          return;
        }
        reject(classifyIpmiFailure(redact(stderr), { node, bmc: this.settings.key, command: command.join(' '), username: this.target.username as string, cipherSuite: this.settings.cipherSuite }));
      });
    });
  }
}

/**
 * How long ipmitool 1.8.19 lanplus keeps trying a BMC that does not answer: it tries twice (with
 * and without the IPMI 2.0 bit), each time R attempts waiting N, N+1, ... seconds; measured
 * against a closed port: N=1 R=1 2 s, N=2 R=2 10 s, N=2 R=3 18 s, N=3 R=2 14 s.
 */
export function ipmitoolWorstCaseMs(timeoutS: number, retries: number): number {
  return (2 * retries * timeoutS + retries * (retries - 1)) * 1000;
}

const NOISE = [/^Loading IANA PEN Registry/, /^Running Get VSO Capabilities/, /^Invalid completion code received: Invalid command$/, /^Discovered IPMB address/, /^>>/, /^<</];

/** ipmitool's stderr without the lines -v adds on every run. */
export function meaningfulLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !NOISE.some((re) => re.test(l)));
}

/**
 * Maps a failed ipmitool run onto the error taxonomy. Without -v a wrong password, a wrong user
 * and a dead BMC all read "Unable to establish IPMI v2 / RMCP+ session"; -v tells them apart.
 */
export function classifyIpmiFailure(stderr: string, context: { node: string; bmc: string; command: string; username: string; cipherSuite: number }): DriverError {
  const lines = meaningfulLines(stderr);
  const said = lines.slice(-3).join(' / ').slice(0, 300) || 'no message';
  const { node, bmc } = context;
  const details = { bmc, command: context.command, ipmitool: said };
  const has = (re: RegExp): boolean => re.test(stderr);
  if (has(/RAKP 2 HMAC is invalid/)) {
    return new DriverError('bmc', 'AuthFailed', `node ${node}: the IPMI BMC at ${bmc} refused the password of user ${context.username} (RAKP 2 HMAC is invalid); check the credential the design references`, { target: node, details });
  }
  if (has(/unauthorized name/)) {
    return new DriverError('bmc', 'AuthFailed', `node ${node}: the IPMI BMC at ${bmc} does not know user ${context.username} (unauthorized name); check oob.account`, { target: node, details });
  }
  if (has(/insufficient privilege|privilege level/i)) {
    return new DriverError('bmc', 'AuthFailed', `node ${node}: user ${context.username} lacks the privilege for "${context.command}" on the IPMI BMC at ${bmc}; give it ADMINISTRATOR or set oob param privilege`, { target: node, details });
  }
  if (has(/invalid authentication algorithm|invalid integrity algorithm|invalid confidentiality algorithm|no matching cipher suite|unsupported cipher suite|Invalid cipher suite/i)) {
    return new DriverError('bmc', 'Unsupported', `node ${node}: the IPMI BMC at ${bmc} refuses cipher suite ${context.cipherSuite} (${said}); set oob param cipher_suite to one it offers (commonly 3 or 17)`, { target: node, details });
  }
  if (has(/Node busy|command in progress|Insufficient resources for session|Timeout while processing command/i)) {
    return new DriverError('bmc', 'Busy', `node ${node}: the IPMI BMC at ${bmc} is busy (${said})`, { target: node, details });
  }
  if (has(/Get Auth Capabilities error|Get Channel Authentication Capabilities|No response from remote controller|Unable to establish IPMI v2 \/ RMCP\+ session|Error: Unable to establish LAN session/)) {
    return new DriverError('bmc', 'Unreachable', `node ${node}: no IPMI answer from ${bmc} (${said}); check the BMC's address, port and network`, { target: node, details });
  }
  // The session was open, then the BMC stopped answering: the command got no answer and neither
  // did the session close. A BMC that refuses a command still closes the session, so this is a
  // BMC that froze or fell off the network mid-command (seen with ipmi_sim stopped by SIGSTOP).
  if (has(/Close Session command failed/)) {
    return new DriverError('bmc', 'Unreachable', `node ${node}: the IPMI BMC at ${bmc} stopped answering during "${context.command}" (${said}); it is retried`, { target: node, details });
  }
  return new DriverError('bmc', 'Unsupported', `node ${node}: the IPMI BMC at ${bmc} failed "${context.command}" (${said})`, { target: node, details });
}

// --- strict output parsers ---------------------------------------------------------------

export class IpmiParseError extends Error {
  override name = 'IpmiParseError';
}

export function parsePowerStatus(stdout: string): 'on' | 'off' {
  const match = /^Chassis Power is (on|off)\s*$/m.exec(stdout);
  if (!match) throw new IpmiParseError(`expected "Chassis Power is on|off", got ${JSON.stringify(stdout.trim().slice(0, 120))}`);
  return match[1] as 'on' | 'off';
}

export function parsePowerControl(stdout: string, expected: 'Up/On' | 'Down/Off' | 'Cycle' | 'Reset'): void {
  if (!new RegExp(`^Chassis Power Control: ${expected.replace('/', '\\/')}\\s*$`, 'm').test(stdout)) {
    throw new IpmiParseError(`expected "Chassis Power Control: ${expected}", got ${JSON.stringify(stdout.trim().slice(0, 120))}`);
  }
}

export function parseBootdevSet(stdout: string, device: string): void {
  if (!new RegExp(`^Set Boot Device to ${device}\\s*$`, 'm').test(stdout)) {
    throw new IpmiParseError(`expected "Set Boot Device to ${device}", got ${JSON.stringify(stdout.trim().slice(0, 120))}`);
  }
}

export interface BootFlags {
  /** The "boot flag valid" bit: an override that is not valid is not applied by the BMC. */
  valid: boolean;
  persistent: boolean;
  mode: 'uefi' | 'legacy';
  device: BootDevice | 'none' | 'other';
  /** ipmitool's words for the device, e.g. "Force PXE". */
  selector: string;
}

const SELECTORS: Record<string, BootDevice | 'none'> = {
  'No override': 'none',
  'Force PXE': 'pxe',
  'Force Boot from default Hard-Drive': 'disk',
  'Force Boot from CD/DVD': 'cdrom',
};

/** `ipmitool chassis bootparam get 5`. Every line it relies on must be there, else IpmiParseError. */
export function parseBootParam5(stdout: string): BootFlags {
  const fail = (what: string): never => {
    throw new IpmiParseError(`chassis bootparam get 5: ${what} in ${JSON.stringify(stdout.trim().slice(0, 200))}`);
  };
  const line = (re: RegExp): boolean => re.test(stdout);
  const valid = line(/^\s*- Boot Flag Valid\s*$/m) ? true : line(/^\s*- Boot Flag Invalid\s*$/m) ? false : fail('no "Boot Flag Valid/Invalid" line');
  const persistent = line(/^\s*- Options apply to all future boots\s*$/m) ? true : line(/^\s*- Options apply to only next boot\s*$/m) ? false : fail('no "Options apply to ..." line');
  const mode = line(/^\s*- BIOS EFI boot\s*$/m) ? 'uefi' : line(/^\s*- BIOS PC Compatible \(legacy\) boot\s*$/m) ? 'legacy' : fail('no BIOS boot type line');
  const selector = /^\s*- Boot Device Selector : (.+?)\s*$/m.exec(stdout)?.[1] ?? fail('no "Boot Device Selector" line');
  return { valid, persistent, mode, device: SELECTORS[selector] ?? 'other', selector };
}

/** `key : value` lines (mc info, mc guid, fru print). Continuation lines are ignored. */
export function parseColonPairs(stdout: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const raw of stdout.split('\n')) {
    const match = /^\s*([^:]+?)\s+:\s?(.*)$/.exec(raw);
    if (match && !(match[1] in pairs)) pairs[match[1]] = match[2].trim();
  }
  return pairs;
}
