import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * Configuration of the lab's MAAS emulator: timing, fault injection, the rack's PXE network,
 * the images imported at start, and the lab machines (their NICs, disks and BMCs) that enlist
 * when their BMC PXE-boots them. Written as YAML or JSON for `drydock lab maas --config FILE`.
 */
const mac = z.string().regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, 'a MAC address such as 52:54:00:12:34:56');
const hostname = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a host name: lower-case letters, digits and hyphens');

const bmcSchema = z
  .object({
    type: z.enum(['redfish', 'ipmi']),
    /** Host (IP address) of the BMC. */
    address: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    /** Redfish: the System id (UUID) or name. */
    systemId: z.string().optional(),
    username: z.string().min(1),
    password: z.string().min(1),
    /** Redfish over https (default http: the lab's sushy-emulator). */
    https: z.boolean().optional(),
  })
  .strict();

const diskSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9]*$/, 'a kernel device name such as sda or nvme0n1'),
    /** The disk's SCSI address (host:channel.target.lun) in the commissioning data's lshw, as
     * hardware-profile device aliases name it. Default: 2:0.<index>.0. */
    scsiAddress: z.string().regex(/^\d+:\d+\.\d+\.\d+$/, 'a SCSI address such as 2:0.0.0').optional(),
    /** Bytes. */
    size: z.number().int().min(64 * 1024 * 1024),
    model: z.string().optional(),
    serial: z.string().optional(),
    blockSize: z.number().int().optional(),
  })
  .strict();

const machineSchema = z
  .object({
    /** The host name the machine enlists with (MAAS would make one up: so does the emulator when absent). */
    hostname: hostname.optional(),
    /** NICs; the first one PXE-boots. */
    interfaces: z
      .array(
        z
          .object({
            name: z.string().min(1),
            mac,
            /** The NIC's PCI address in the commissioning data's lshw (what hardware-profile device
             * aliases name). Default: 0000:00:<3 + index>.0. */
            pciAddress: z.string().regex(/^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/, 'a PCI address such as 0000:3b:00.1').optional(),
          })
          .strict(),
      )
      .min(1),
    disks: z.array(diskSchema).default([{ name: 'sda', size: 500_000_000_000 }]),
    cpuCount: z.number().int().min(1).default(8),
    memoryMiB: z.number().int().min(256).default(16384),
    architecture: z.string().default('amd64/generic'),
    biosBootMethod: z.enum(['uefi', 'pxe']).default('uefi'),
    /** The machine's BMC, which the emulator watches (and drives, when MAAS has its power parameters). */
    bmc: bmcSchema.optional(),
    /** auto: enlisting gives MAAS the BMC's power parameters (as MAAS's enlistment does for IPMI
     * and Redfish); manual: power_type manual, MAAS never drives the BMC. */
    power: z.enum(['auto', 'manual']).default('auto'),
    /** on-pxe-boot: the machine appears in New once its BMC shows PXE boot and power on;
     * at-start: it is in MAAS from the start (in `initialStatus`). */
    enlist: z.enum(['on-pxe-boot', 'at-start']).default('on-pxe-boot'),
    initialStatus: z.enum(['New', 'Ready']).default('New'),
  })
  .strict();

const faultsSchema = z
  .object({
    /** Share (0..1) of API requests answered with `errorStatus` instead of being served. */
    errorRate: z.number().min(0).max(1).default(0),
    errorStatus: z.number().int().min(400).max(599).default(503),
    /** Methods the error rate applies to (default all). */
    errorMethods: z.array(z.enum(['GET', 'POST', 'PUT', 'DELETE'])).optional(),
    /** before: the request is not served; after: it is served, then the answer is replaced by
     * the error (a "lost response"). */
    errorWhen: z.enum(['before', 'after']).default('before'),
    /** Share (0..1) of requests delayed by `slowMs`. */
    slowRate: z.number().min(0).max(1).default(0),
    slowMs: z.number().int().min(0).default(2000),
    /** Machines (by host name) whose commissioning or deployment fails. */
    failCommissioning: z.array(z.string()).default([]),
    failDeployment: z.array(z.string()).default([]),
    /** Deterministic faults: the next `count` requests matching method/op/path get `status`. */
    failNext: z
      .array(
        z
          .object({
            method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).optional(),
            op: z.string().optional(),
            /** A regular expression on the path below /MAAS/api/2.0/. */
            path: z.string().optional(),
            count: z.number().int().min(1),
            status: z.number().int().min(400).max(599).default(503),
            when: z.enum(['before', 'after']).default('before'),
          })
          .strict(),
      )
      .default([]),
    /** Seed of the random faults, for reproducible runs. */
    seed: z.number().int().default(1),
  })
  .strict();

export const emulatorConfigSchema = z
  .object({
    durations: z
      .object({
        /** How long a machine that enlisted stays on (running MAAS's enlistment image) before MAAS powers it off. */
        enlistingSeconds: z.number().min(0).default(3),
        commissioningSeconds: z.number().min(0).default(5),
        deployingSeconds: z.number().min(0).default(10),
        releasingSeconds: z.number().min(0).default(2),
        importSeconds: z.number().min(0).default(3),
      })
      .strict()
      .default({ enlistingSeconds: 3, commissioningSeconds: 5, deployingSeconds: 10, releasingSeconds: 2, importSeconds: 3 }),
    /** How often BMCs are read while something waits for them. */
    bmcPollMs: z.number().int().min(10).default(500),
    tickMs: z.number().int().min(10).default(100),
    /** The rack controller's PXE network, which MAAS knows from its first start (fabric-0). */
    pxe: z
      .object({
        cidr: z.string().default('10.20.0.0/24'),
        gateway: z.string().optional(),
        dynamicRange: z.object({ start: z.string(), end: z.string() }).strict().optional(),
      })
      .strict()
      .default({ cidr: '10.20.0.0/24' }),
    /** The MAAS release the emulator answers as (GET version/), and whose rules it follows where
     * releases differ (3.0-3.3 refuse interface edits on New machines). */
    maasVersion: z.string().regex(/^\d+\.\d+(\.\d+)?([-~+.][\w.~+-]*)?$/, 'a MAAS version such as 3.4.0').default('3.4.0-lab'),
    /** Ubuntu releases imported at first start. */
    bootImages: z.array(z.string()).default(['jammy']),
    /** A fixed API key (consumer:token:secret); a random one is made otherwise. */
    apiKey: z
      .string()
      .regex(/^[^:\s]+:[^:\s]+:[^:\s]+$/, 'consumer:token:secret')
      .optional(),
    machines: z.array(machineSchema).default([]),
    faults: faultsSchema.default({
      errorRate: 0,
      errorStatus: 503,
      errorWhen: 'before',
      slowRate: 0,
      slowMs: 2000,
      failCommissioning: [],
      failDeployment: [],
      failNext: [],
      seed: 1,
    }),
  })
  .strict();

export type EmulatorConfigInput = z.input<typeof emulatorConfigSchema>;
export type EmulatorConfig = z.output<typeof emulatorConfigSchema>;
export type LabMachineConfig = EmulatorConfig['machines'][number];
export type LabBmcConfig = z.output<typeof bmcSchema>;
export type FaultConfig = EmulatorConfig['faults'];
export type FaultConfigInput = z.input<typeof faultsSchema>;
export const faultConfigSchema = faultsSchema;

export class EmulatorConfigError extends Error {
  override name = 'EmulatorConfigError';
}

function describeIssues(where: string, issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 10)
    .map((i) => `${where}: ${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`)
    .join('\n');
}

export function parseEmulatorConfig(value: unknown, where = 'MAAS emulator configuration'): EmulatorConfig {
  const result = emulatorConfigSchema.safeParse(value ?? {});
  if (!result.success) throw new EmulatorConfigError(describeIssues(where, result.error.issues));
  const config = result.data;
  const seen = new Set<string>();
  for (const [index, m] of config.machines.entries()) {
    for (const nic of m.interfaces) {
      const key = nic.mac.toLowerCase();
      if (seen.has(key)) throw new EmulatorConfigError(`${where}: machines.${index}.interfaces: MAC ${nic.mac} is used twice`);
      seen.add(key);
    }
    const repeated = (list: string[]): string | undefined => list.find((a, i) => list.indexOf(a) !== i);
    const pci = repeated(machinePciAddresses(m));
    if (pci) throw new EmulatorConfigError(`${where}: machines.${index}.interfaces: PCI address ${pci} is used twice`);
    const scsi = repeated(machineScsiAddresses(m));
    if (scsi) throw new EmulatorConfigError(`${where}: machines.${index}.disks: SCSI address ${scsi} is used twice`);
  }
  return config;
}

/** Each NIC's PCI address (lower case), defaults filled in, in the order of `interfaces`. */
export function machinePciAddresses(m: Pick<LabMachineConfig, 'interfaces'>): string[] {
  return m.interfaces.map((nic, i) => (nic.pciAddress ?? `0000:00:${(3 + i).toString(16).padStart(2, '0')}.0`).toLowerCase());
}

/** Each disk's SCSI address, defaults filled in, in the order of `disks`. */
export function machineScsiAddresses(m: Pick<LabMachineConfig, 'disks'>): string[] {
  return m.disks.map((d, i) => d.scsiAddress ?? `2:0.${i}.0`);
}

export function parseFaultConfig(value: unknown): FaultConfig {
  const result = faultsSchema.safeParse(value ?? {});
  if (!result.success) throw new EmulatorConfigError(describeIssues('faults', result.error.issues));
  return result.data;
}

/** Reads a YAML or JSON configuration file; errors name the file and the field. */
export function loadEmulatorConfig(path: string): EmulatorConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new EmulatorConfigError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    const linePos = (err as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw new EmulatorConfigError(`${path}${linePos ? `:${linePos}` : ''}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseEmulatorConfig(data, path);
}
