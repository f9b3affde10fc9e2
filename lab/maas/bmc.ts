import { spawn } from 'node:child_process';
import { findLabTool } from '../lab-tools';
import type { LabBmcConfig } from './config';

/**
 * How the emulator talks to a lab machine's BMC, over the BMC's own protocol: Redfish
 * (sushy-emulator) with HTTP requests, IPMI (ipmi_sim) with ipmitool. It reads the power state
 * and the boot override to know when a machine PXE-boots, and drives power and boot device the
 * way MAAS's power drivers do.
 */
export interface BmcTarget {
  type: 'redfish' | 'ipmi';
  host: string;
  port?: number;
  systemId?: string;
  username: string;
  password: string;
  https?: boolean;
}

export interface BmcReading {
  power: 'on' | 'off';
  pxe: boolean;
}

export function targetFromLab(bmc: LabBmcConfig): BmcTarget {
  return { type: bmc.type, host: bmc.address, port: bmc.port, systemId: bmc.systemId, username: bmc.username, password: bmc.password, https: bmc.https };
}

/** MAAS power parameters as the emulator records them at enlistment. */
export function powerParametersFor(bmc: LabBmcConfig): { power_type: string; power_parameters: Record<string, string> } {
  if (bmc.type === 'ipmi') {
    return {
      power_type: 'ipmi',
      power_parameters: {
        power_address: bmc.port ? `${bmc.address}:${bmc.port}` : bmc.address,
        power_user: bmc.username,
        power_pass: bmc.password,
        power_driver: 'LAN_2_0',
        cipher_suite_id: '3',
        privilege_level: 'ADMIN',
        power_boot_type: 'auto',
      },
    };
  }
  const scheme = bmc.https ? 'https' : 'http';
  return {
    power_type: 'redfish',
    power_parameters: {
      power_address: `${scheme}://${bmc.address}${bmc.port ? `:${bmc.port}` : ''}`,
      power_user: bmc.username,
      power_pass: bmc.password,
      node_id: bmc.systemId ?? '',
    },
  };
}

/** The BMC MAAS would drive from a machine's power_type and power_parameters (none for manual). */
export function targetFromPower(powerType: string, params: Record<string, string>): BmcTarget | undefined {
  const address = params.power_address ?? '';
  if (!address) return undefined;
  if (powerType === 'ipmi') {
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address);
    if (!m) return undefined;
    return { type: 'ipmi', host: m[1], port: m[2] ? Number(m[2]) : undefined, username: params.power_user ?? '', password: params.power_pass ?? '' };
  }
  if (powerType === 'redfish') {
    let url: URL;
    try {
      url = new URL(/^https?:\/\//.test(address) ? address : `https://${address}`);
    } catch {
      return undefined;
    }
    return {
      type: 'redfish',
      host: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      https: url.protocol === 'https:',
      systemId: params.node_id || undefined,
      username: params.power_user ?? '',
      password: params.power_pass ?? '',
    };
  }
  return undefined;
}

function ipmitool(target: BmcTarget, args: string[], timeoutMs = 15_000): Promise<string> {
  const binary = findLabTool('ipmitool', { install: 'apt-get install ipmitool' });
  return new Promise((resolve, reject) => {
    // -C 3: ipmi_sim's cipher suite (others make each command wait 10 s); password via env only.
    const child = spawn(binary, ['-I', 'lanplus', '-C', '3', '-H', target.host, '-p', String(target.port ?? 623), '-U', target.username, '-E', '-N', '2', '-R', '2', ...args], {
      env: { ...process.env, IPMI_PASSWORD: target.password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`ipmitool ${args.join(' ')} against ${target.host}:${target.port ?? 623} failed (${code}): ${err.trim().split('\n')[0]}`));
    });
  });
}

function redfishBase(target: BmcTarget): string {
  return `${target.https ? 'https' : 'http'}://${target.host}${target.port ? `:${target.port}` : ''}`;
}

async function redfish(target: BmcTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  const auth = `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`;
  const response = await fetch(`${redfishBase(target)}${path}`, {
    method,
    headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
    redirect: 'follow',
  });
  if (!response.ok) throw new Error(`Redfish ${method} ${path} on ${redfishBase(target)} answered HTTP ${response.status}`);
  const text = await response.text();
  return text ? (JSON.parse(text) as unknown) : undefined;
}

async function redfishSystemPath(target: BmcTarget): Promise<string> {
  if (target.systemId) return `/redfish/v1/Systems/${encodeURIComponent(target.systemId)}`;
  const systems = (await redfish(target, 'GET', '/redfish/v1/Systems')) as { Members?: Array<{ '@odata.id': string }> };
  const first = systems.Members?.[0]?.['@odata.id'];
  if (!first) throw new Error(`Redfish service ${redfishBase(target)} lists no systems`);
  return first;
}

export async function readBmc(target: BmcTarget): Promise<BmcReading> {
  if (target.type === 'ipmi') {
    const power = await ipmitool(target, ['chassis', 'power', 'status']);
    const boot = await ipmitool(target, ['chassis', 'bootparam', 'get', '5']);
    return { power: /Chassis Power is on/i.test(power) ? 'on' : 'off', pxe: /Boot Device Selector : Force PXE/i.test(boot) };
  }
  const system = (await redfish(target, 'GET', await redfishSystemPath(target))) as { PowerState?: string; Boot?: { BootSourceOverrideTarget?: string } };
  return { power: system.PowerState === 'On' ? 'on' : 'off', pxe: system.Boot?.BootSourceOverrideTarget === 'Pxe' };
}

/** MAAS's power-on for commissioning/deploying: PXE boot next, then power on (or restart).
 * Returns how many power commands went to the BMC (for the lab's counts). */
export async function pxeBootAndPowerOn(target: BmcTarget): Promise<number> {
  if (target.type === 'ipmi') {
    await ipmitool(target, ['chassis', 'bootdev', 'pxe']);
    const status = await ipmitool(target, ['chassis', 'power', 'status']);
    const wasOn = /is on/i.test(status);
    if (wasOn) await ipmitool(target, ['chassis', 'power', 'off']);
    await ipmitool(target, ['chassis', 'power', 'on']);
    return wasOn ? 2 : 1;
  }
  const path = await redfishSystemPath(target);
  await redfish(target, 'PATCH', path, { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } });
  const system = (await redfish(target, 'GET', path)) as { PowerState?: string };
  await redfish(target, 'POST', `${path}/Actions/ComputerSystem.Reset`, { ResetType: system.PowerState === 'On' ? 'ForceRestart' : 'On' });
  return 1;
}

export async function powerOff(target: BmcTarget): Promise<void> {
  if (target.type === 'ipmi') {
    await ipmitool(target, ['chassis', 'power', 'off']);
    return;
  }
  const path = await redfishSystemPath(target);
  await redfish(target, 'POST', `${path}/Actions/ComputerSystem.Reset`, { ResetType: 'ForceOff' });
}
