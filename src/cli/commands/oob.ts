import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import type { NodeModel } from '../../design/model';
import type { ActionOutcome, ServiceCheck } from '../../drivers/context';
import { standaloneContext } from '../../drivers/context';
import { DriverError, isDriverError } from '../../drivers/errors';
import { createOobDriver, OobDriverDeps, oobTargetFromNode } from '../../drivers/oob';
import type { BootDevice, BootSettings, OobInterrogation } from '../../drivers/oob/interface';
import { SecretResolver } from '../../secrets/resolver';
import { loadCompiledSite } from '../design-loading';
import { CliExit, EXIT, EXIT_CODES_HELP, exitCodeForDriverError } from '../exit-codes';

/**
 * `drydock oob <action>`: one OOB action against one node's BMC, directly (no workflow, no
 * Temporal), for troubleshooting. The same drivers, credential resolution and error taxonomy
 * as the activities.
 */
export const OOB_ACTIONS = ['validate', 'pxe', 'boot', 'power-on', 'power-off', 'power-cycle', 'interrogate'] as const;
export type OobCliAction = (typeof OOB_ACTIONS)[number];

export interface OobCommandOptions {
  /** Required for `boot`. */
  boot?: BootSettings;
  secrets?: SecretResolver;
  signal?: AbortSignal;
  /** Progress lines (the driver's log). */
  log?: (message: string) => void;
  drivers?: OobDriverDeps;
}

export interface OobCommandResult {
  node: string;
  action: OobCliAction;
  ok: boolean;
  result?: ServiceCheck | ActionOutcome | OobInterrogation;
  error?: { type: string; message: string; retryable: boolean; details: Record<string, string | number | boolean | null> };
  /** What the command exits with (src/cli/exit-codes.ts). */
  exitCode: number;
  /** The human-readable report, one line per result (more for interrogate). */
  text: string;
}

/** Runs one action for one node; driver failures become a result with an exit code, not a throw. */
export async function runOobCommand(node: NodeModel, action: OobCliAction, options: OobCommandOptions = {}): Promise<OobCommandResult> {
  const ctx = standaloneContext({ signal: options.signal, log: options.log });
  try {
    const target = oobTargetFromNode(node, options.secrets ?? new SecretResolver());
    const driver = createOobDriver(target.type, options.drivers, node.name);
    let result: ServiceCheck | ActionOutcome | OobInterrogation;
    switch (action) {
      case 'validate':
        result = await driver.validateOobServices(target, ctx);
        break;
      case 'pxe':
        result = await driver.configNodePxe(target, ctx);
        break;
      case 'boot':
        if (!options.boot) throw new DriverError('bmc', 'InvalidRequest', 'the boot action needs a boot device (--device pxe|disk|cdrom)');
        result = await driver.setNodeBoot(target, options.boot, ctx);
        break;
      case 'power-on':
        result = await driver.powerOnNode(target, ctx);
        break;
      case 'power-off':
        result = await driver.powerOffNode(target, ctx);
        break;
      case 'power-cycle':
        result = await driver.powerCycleNode(target, ctx);
        break;
      case 'interrogate':
        result = await driver.interrogateOob(target, ctx);
        break;
    }
    return { node: node.name, action, ok: true, result, exitCode: EXIT.ok, text: describeResult(node.name, action, result) };
  } catch (err) {
    if (ctx.signal.aborted) {
      return { node: node.name, action, ok: false, error: { type: 'Cancelled', message: 'cancelled', retryable: true, details: {} }, exitCode: EXIT.failure, text: `${node.name}: ${action} cancelled` };
    }
    if (!isDriverError(err)) throw err;
    return {
      node: node.name,
      action,
      ok: false,
      error: { type: err.type, message: err.message, retryable: err.retryable, details: err.details },
      exitCode: exitCodeForDriverError(err),
      text: `${node.name}: ${action} failed: ${err.type}: ${err.message}`,
    };
  }
}

function describeResult(node: string, action: OobCliAction, result: ServiceCheck | ActionOutcome | OobInterrogation): string {
  if (action === 'interrogate') {
    const r = result as OobInterrogation;
    const lines = [`${node}: power ${r.power}`];
    if (r.boot) lines.push(`  boot override: ${r.boot.device}, ${r.boot.enabled}${r.boot.mode ? `, ${r.boot.mode}` : ''}${r.boot.raw ? ` (BMC: ${r.boot.raw})` : ''}`);
    const id = r.identity;
    lines.push(`  manufacturer: ${id.manufacturer ?? '-'}; model: ${id.model ?? '-'}; serial: ${id.serial ?? '-'}`);
    lines.push(`  uuid: ${id.uuid ?? '-'}`);
    lines.push(`  MACs: ${id.macs.length ? id.macs.join(', ') : '-'}`);
    for (const [key, value] of Object.entries(r.details ?? {})) lines.push(`  ${key}: ${value === null ? '-' : String(value)}`);
    return lines.join('\n');
  }
  if (action === 'validate') {
    const r = result as ServiceCheck;
    return `${node}: ${r.ok ? 'ok' : 'NOT ok'}: ${r.message}`;
  }
  const r = result as ActionOutcome;
  if (r.awaitConfirmation) return `${node}: needs a person: ${r.awaitConfirmation.prompt}`;
  return `${node}: ${r.message}`;
}

// --- commander wiring ---------------------------------------------------------------------

interface OobFlags {
  design?: string;
  node?: string;
  nodeJson?: string;
  json?: boolean;
  secretsFile?: string;
  device?: BootDevice;
  persistent?: boolean;
  uefi?: boolean;
  legacy?: boolean;
}

const SUMMARIES: Record<OobCliAction, string> = {
  validate: 'reach the BMC and check the credentials (changes nothing)',
  pxe: "make the node's PXE NIC the boot device where the BMC allows it (ConfigNodePxe)",
  boot: 'set the boot device: --device pxe|disk|cdrom [--persistent] [--uefi|--legacy]',
  'power-on': 'ensure the node is on (nothing is sent when it already is)',
  'power-off': 'ensure the node is off (nothing is sent when it already is)',
  'power-cycle': 'turn the node off and on again (a node that is off is just powered on)',
  interrogate: 'show power state, boot override and what the BMC reports of the hardware',
};

export function registerOobCommand(program: Command): void {
  const oob = program
    .command('oob')
    .summary('run one out-of-band (BMC) action against one node, without a workflow')
    .description(
      'Runs one OOB driver action (Redfish, IPMI or manual) against one node of a site design, directly and without Temporal, for troubleshooting. ' +
        'Credentials are resolved from the references in the design (env:, file:, secret: with DRYDOCK_SECRETS_FILE), exactly as the worker does.\n\n' +
        `${EXIT_CODES_HELP} For a BMC: 1 credentials refused, BMC busy or action unsupported; 2 bad input or no such system; 3 BMC unreachable or timed out (worth retrying).\n\n` +
        'Parameters of the oob section (system_id, use_https, cipher_suite, ...): docs/oob-drivers.md',
    );
  for (const action of OOB_ACTIONS) {
    const sub = oob
      .command(action)
      .summary(SUMMARIES[action])
      .description(`${SUMMARIES[action]}.`)
      .addOption(new Option('--design <path>', 'site design (file or directory) holding the node'))
      .requiredOption('--node <name>', 'the node (BaremetalNode name)')
      .addOption(new Option('--node-json <file>', 'instead of --design: a JSON node model with at least "name" and an "oob" section (troubleshooting aid)'))
      .addOption(new Option('--secrets-file <file>', 'YAML secrets file for secret: references').env('DRYDOCK_SECRETS_FILE'))
      .option('--json', 'print the result as JSON');
    if (action === 'boot') {
      sub
        .addOption(new Option('--device <device>', 'boot device').choices(['pxe', 'disk', 'cdrom']).makeOptionMandatory())
        .option('--persistent', 'every boot (default: next boot only)')
        .addOption(new Option('--uefi', 'UEFI boot mode (the default)').conflicts('legacy'))
        .addOption(new Option('--legacy', 'legacy BIOS boot mode').conflicts('uefi'));
    }
    sub.addHelpText('after', `\nExample:\n  drydock oob ${action}${action === 'boot' ? ' --device pxe --persistent' : ''} --design site/ --node n1\n`);
    sub.action(async (flags: OobFlags) => {
      const node = await loadNode(flags);
      const controller = new AbortController();
      const onSigint = (): void => controller.abort();
      process.once('SIGINT', onSigint);
      let outcome: OobCommandResult;
      try {
        outcome = await runOobCommand(node, action, {
          boot: action === 'boot' ? { device: flags.device as BootDevice, persistent: flags.persistent === true, mode: flags.legacy ? 'legacy' : 'uefi' } : undefined,
          secrets: new SecretResolver({ secretsFile: flags.secretsFile }),
          signal: controller.signal,
          log: flags.json ? undefined : (message) => process.stderr.write(`  ${message}\n`),
        });
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
      if (flags.json) {
        const { text: _text, ...json } = outcome;
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      } else {
        (outcome.ok ? process.stdout : process.stderr).write(`${outcome.text}\n`);
      }
      process.exitCode = outcome.exitCode;
    });
  }
}

/** The node from --node-json or --design; bad input exits 2 with a message naming the file. */
export async function loadNode(flags: Pick<OobFlags, 'design' | 'node' | 'nodeJson'>): Promise<NodeModel> {
  const name = flags.node as string;
  if (flags.nodeJson && flags.design) throw new CliExit(EXIT.badInput, 'give either --design or --node-json, not both');
  if (flags.nodeJson) return nodeFromJsonFile(flags.nodeJson, name);
  if (!flags.design) throw new CliExit(EXIT.badInput, 'give the site design with --design <path> (or a node model with --node-json <file>)');
  const { site } = await loadCompiledSite([flags.design]);
  const node = site.nodes.find((n) => n.name === name);
  if (!node) {
    throw new CliExit(EXIT.badInput, `the design ${flags.design} has no BaremetalNode "${name}" (nodes: ${site.nodes.map((n) => n.name).join(', ') || 'none'})`);
  }
  return node;
}

/** Reads a node model from JSON, checking the fields the OOB drivers read. */
export function nodeFromJsonFile(file: string, name: string): NodeModel {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliExit(EXIT.badInput, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CliExit(EXIT.badInput, `${file} is not valid JSON: ${(err as Error).message}`);
  }
  const bad = (field: string, expected: string): never => {
    throw new CliExit(EXIT.badInput, `${file}: ${field} must be ${expected}`);
  };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) bad('the document', 'a JSON object (a node model)');
  const node = data as Record<string, unknown>;
  if (typeof node.name !== 'string' || node.name === '') bad('name', 'a non-empty string');
  if (node.name !== name) throw new CliExit(EXIT.badInput, `${file} describes node "${String(node.name)}", not "${name}"`);
  const oob = node.oob as Record<string, unknown> | undefined;
  if (oob === null || typeof oob !== 'object' || Array.isArray(oob)) bad('oob', 'an object with type, address, account, credential, params');
  const o = oob as Record<string, unknown>;
  if (typeof o.type !== 'string' || o.type === '') bad('oob.type', 'a string (ipmi, redfish or manual)');
  for (const key of ['address', 'account', 'credential', 'network'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'string') bad(`oob.${key}`, 'a string');
  }
  if (o.port !== undefined && (typeof o.port !== 'number' || !Number.isInteger(o.port) || o.port < 1 || o.port > 65535)) bad('oob.port', 'a port number (1-65535)');
  if (o.params !== undefined && (o.params === null || typeof o.params !== 'object' || Array.isArray(o.params))) bad('oob.params', 'an object');
  if (node.bootMac !== undefined && typeof node.bootMac !== 'string') bad('bootMac', 'a string');
  // Only name and oob are checked: the rest of a node model is not read by the OOB drivers.
  return {
    site: '',
    profiles: [],
    tags: [],
    labels: {},
    interfaces: [],
    addressing: [],
    storage: { physicalDevices: [], volumeGroups: [] },
    platform: { kernelParams: {} },
    bootActions: [],
    ...(node as object),
    oob: { params: {}, ...(o as object) },
  } as unknown as NodeModel;
}
