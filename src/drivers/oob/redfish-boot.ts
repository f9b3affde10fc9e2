import type { ActionOutcome } from '../context';
import { DriverError } from '../errors';
import type { BootDevice, BootSettings } from './interface';
import { type BootProperty, type ComputerSystem, listMacs, settingsObjectOf, type SystemHandle } from './redfish-system';

/*
 * Redfish boot (after Ironic's redfish/boot.py and management.py): the PXE NIC first in the boot
 * order (or a persistent Pxe override where the System has no BootOrder), and the boot source
 * override, each read back after it is set.
 */
const REDFISH_TARGET: Record<BootDevice, string> = { pxe: 'Pxe', disk: 'Hdd', cdrom: 'Cd' };

/** Makes the node's PXE NIC the network boot device: its boot option first in Boot.BootOrder,
 * else a Continuous Pxe override; warns when the design's boot MAC is not among the System's NICs. */
export async function configPxe(h: SystemHandle): Promise<ActionOutcome> {
  const macNote = await checkBootMac(h);
  const boot = h.data.Boot;
  if (Array.isArray(boot?.BootOrder) && boot.BootOptions?.['@odata.id']) {
    const viaOrder = await pxeFirstInBootOrder(h, boot.BootOptions['@odata.id']);
    if (viaOrder) return withNote(viaOrder, macNote);
  }
  if (!allows(boot?.['BootSourceOverrideTarget@Redfish.AllowableValues'], 'Pxe') || !boot) {
    throw new DriverError('bmc', 'Unsupported', `node ${h.target.node}: the System at ${h.path} offers neither a BootOrder with a PXE boot option nor Pxe as a boot source override; set PXE boot in the firmware setup`, {
      target: h.target.node,
      details: { allowedTargets: (boot?.['BootSourceOverrideTarget@Redfish.AllowableValues'] ?? []).join(',') },
    });
  }
  const hasOrder = Array.isArray(boot.BootOrder) && boot.BootOptions?.['@odata.id'] !== undefined;
  const outcome = await applyBoot(h, { target: 'Pxe', enabled: 'Continuous' });
  return withNote(
    {
      ...outcome,
      message: `${outcome.changed ? 'PXE set' : 'PXE already set'} as the persistent boot source (BootSourceOverrideTarget Pxe, Continuous); this System exposes no BootOrder${hasOrder ? ' entry for PXE (HTTP boot entries are not PXE)' : ''}, so the firmware picks the PXE NIC${outcome.message ? `; ${outcome.message}` : ''}`,
      details: { ...outcome.details, method: 'boot-source-override' },
    },
    macNote,
  );
}

/** Ensures the boot source override for `boot`: device, once or every boot, UEFI or legacy. */
export async function setBoot(h: SystemHandle, boot: BootSettings): Promise<ActionOutcome> {
  const outcome = await applyBoot(h, {
    target: REDFISH_TARGET[boot.device],
    enabled: boot.persistent ? 'Continuous' : 'Once',
    mode: boot.mode === 'uefi' ? 'UEFI' : 'Legacy',
  });
  const what = `boot ${boot.device} ${boot.persistent ? 'persistently' : 'once'} (${boot.mode})`;
  return { ...outcome, message: `${outcome.changed ? what : `${what} (no change: already set)`}${outcome.message ? `; ${outcome.message}` : ''}` };
}

/**
 * Vendor read-back values documented as meaning what was asked: the BMC accepted `wanted` and
 * reads back `readBack`. Supermicro (X11-X13) converts a UEFI Pxe override into UefiBootNext
 * (libredfish supermicro.rs: "In UEFI mode Pxe gets converted to UefiBootNext").
 */
const READ_BACK_EQUIVALENTS: Array<{ manufacturer: RegExp; wanted: string; readBack: string; source: string }> = [
  { manufacturer: /supermicro/i, wanted: 'Pxe', readBack: 'UefiBootNext', source: 'Supermicro converts a UEFI Pxe override to UefiBootNext' },
];

/** Where a Boot write goes: the System, or its settings object when that object carries the property. */
interface BootResource {
  path: string;
  boot: BootProperty;
  etag?: string;
  /** true: the System's `@Redfish.Settings` object, whose values apply at the next boot (DSP0266 "Settings resource"). */
  settings: boolean;
}

/**
 * Where `property` of Boot is written: the System's `@Redfish.Settings` object when it carries that
 * property (Lenovo XCC `/Pending` takes BootOrder, AMI MegaRAC `/SD` and GH200 OpenBMC `/Settings`
 * the override too), with that object's own ETag; else the System itself.
 */
async function bootResource(h: SystemHandle, property: string): Promise<BootResource> {
  const settingsPath = settingsObjectOf(h.data);
  if (settingsPath) {
    const got = await h.conn.get<ComputerSystem>(settingsPath, `the settings object ${settingsPath}`);
    const boot = got.data.Boot;
    if (boot && property in boot) return { path: settingsPath, boot, etag: got.etag, settings: true };
  }
  return { path: h.path, boot: h.data.Boot ?? {}, etag: h.etag, settings: false };
}

function nextBootNote(where: BootResource): string {
  return `written to ${where.path} (the System's @Redfish.Settings object): applies at the next boot`;
}

/** Ensures the boot source override; verifies it by reading it back where it was written. */
async function applyBoot(h: SystemHandle, want: { target: string; enabled: 'Once' | 'Continuous'; mode?: 'UEFI' | 'Legacy' }): Promise<ActionOutcome> {
  const systemBoot = h.data.Boot;
  const node = h.target.node;
  if (!systemBoot) throw new DriverError('bmc', 'Unsupported', `node ${node}: the System at ${h.path} has no Boot property; this BMC cannot set a boot device`, { target: node });
  const where = await bootResource(h, 'BootSourceOverrideTarget');
  const boot = where.boot;
  // The allowable values: the written resource's own annotations, else the System's.
  const allowedOf = (property: string): string[] | undefined =>
    (boot[`${property}@Redfish.AllowableValues` as keyof BootProperty] as string[] | undefined) ?? (systemBoot[`${property}@Redfish.AllowableValues` as keyof BootProperty] as string[] | undefined);
  const check = (property: string, value: string): void => {
    const allowed = allowedOf(property);
    if (allowed && !allowed.includes(value)) {
      throw new DriverError('bmc', 'Unsupported', `node ${node}: the System at ${where.path} does not allow ${property} ${value} (allowed: ${allowed.join(', ')})`, {
        target: node,
        details: { property, value, allowed: allowed.join(',') },
      });
    }
  };
  check('BootSourceOverrideTarget', want.target);
  check('BootSourceOverrideEnabled', want.enabled);
  const notes: string[] = [];
  const modeSettable = boot.BootSourceOverrideMode !== undefined;
  if (want.mode && modeSettable) check('BootSourceOverrideMode', want.mode);
  if (want.mode && !modeSettable) notes.push(`this System has no BootSourceOverrideMode, so the ${want.mode} boot mode is left to the firmware`);
  const sendMode = want.mode && modeSettable ? want.mode : undefined;
  const placed: Record<string, string> = where.settings ? { writtenTo: where.path, appliesAt: 'next-boot' } : {};

  const equivalent = (readBack: string | null | undefined): (typeof READ_BACK_EQUIVALENTS)[number] | undefined =>
    READ_BACK_EQUIVALENTS.find((e) => e.wanted === want.target && e.readBack === readBack && e.manufacturer.test(h.data.Manufacturer ?? ''));
  const targetMatches = (value: string | null | undefined): boolean => value === want.target || equivalent(value) !== undefined;
  if (targetMatches(boot.BootSourceOverrideTarget) && boot.BootSourceOverrideEnabled === want.enabled && (sendMode === undefined || boot.BootSourceOverrideMode === sendMode)) {
    return { changed: false, message: notes.join('; '), details: { target: want.target, enabled: want.enabled, mode: sendMode ?? null, ...placed } };
  }
  await h.conn.patch(where.path, { Boot: { BootSourceOverrideTarget: want.target, BootSourceOverrideEnabled: want.enabled, ...(sendMode ? { BootSourceOverrideMode: sendMode } : {}) } }, where.etag);
  const after = (await h.conn.get<ComputerSystem>(where.path, `the boot settings at ${where.path}`)).data.Boot ?? {};
  if (!targetMatches(after.BootSourceOverrideTarget) || (sendMode !== undefined && after.BootSourceOverrideMode !== sendMode)) {
    throw new DriverError('bmc', 'Unsupported', `node ${node}: the BMC accepted the boot override ${want.target}${sendMode ? ` (${sendMode})` : ''} at ${where.path} but reads back ${after.BootSourceOverrideTarget ?? 'nothing'}${sendMode ? ` (${after.BootSourceOverrideMode ?? 'no mode'})` : ''}`, {
      target: node,
      details: { wanted: want.target, readBack: after.BootSourceOverrideTarget ?? null, path: where.path },
    });
  }
  const eq = equivalent(after.BootSourceOverrideTarget);
  if (eq) notes.push(`the BMC reads the override back as ${eq.readBack}, accepted as ${want.target} (${eq.source})`);
  if (after.BootSourceOverrideEnabled !== want.enabled) {
    notes.push(`the BMC reads BootSourceOverrideEnabled back as ${after.BootSourceOverrideEnabled ?? 'nothing'} after ${want.enabled} was set`);
  }
  if (where.settings) notes.push(nextBootNote(where));
  return {
    changed: true,
    message: notes.join('; '),
    details: { target: want.target, enabled: want.enabled, mode: sendMode ?? null, enabledReadBack: after.BootSourceOverrideEnabled ?? null, readBack: after.BootSourceOverrideTarget ?? null, ...placed },
  };
}

interface BootOptionView {
  ref: string;
  alias?: string;
  name: string;
  path: string;
  text: string;
}

/**
 * HTTP boot is not PXE: Alias UefiHttp, or HTTP in the display name or the device path (a UEFI
 * device path ending in Uri() is an HTTP boot entry). Dell R750 lists "HTTP Device 1", HPE
 * DL385 "(HTTP(S) IPv4)" beside each PXE entry, AMI MegaRAC UefiHttp entries named "PXE IPv4".
 */
function isHttpBoot(o: BootOptionView): boolean {
  return o.alias === 'UefiHttp' || /http/i.test(o.name) || /http|Uri\(/i.test(o.path);
}

/** A network (PXE) entry: Alias Pxe, or (with no other Alias) PXE, network, a NIC or a MAC in its name or path. */
function isPxe(o: BootOptionView): boolean {
  if (isHttpBoot(o)) return false;
  if (o.alias !== undefined && o.alias !== 'None') return o.alias === 'Pxe';
  return /pxe|network|ipv4|ipv6|\bnic\b|MAC\(/i.test(o.text);
}

function isIpv4(o: BootOptionView): boolean {
  return /ipv4|pxev4/i.test(o.text);
}

/** Moves the PXE boot option to the front of Boot.BootOrder: the PXE IPv4 entry of the node's boot
 * MAC when there is one, else the first PXE IPv4 (then any PXE) entry in collection order. The
 * order is written where the System takes it (its settings object, if that carries BootOrder) and
 * read back. Returns undefined when no option is a PXE one. */
async function pxeFirstInBootOrder(h: SystemHandle, optionsPath: string): Promise<ActionOutcome | undefined> {
  const collection = await h.conn.get<{ Members?: Array<{ '@odata.id'?: string }> }>(optionsPath, 'the BootOptions collection');
  const options: BootOptionView[] = [];
  for (const member of collection.data.Members ?? []) {
    if (!member['@odata.id']) continue;
    const option = (await h.conn.get(member['@odata.id'], 'a BootOption')).data;
    const ref = typeof option.BootOptionReference === 'string' ? option.BootOptionReference : undefined;
    if (!ref) continue;
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    options.push({
      ref,
      alias: typeof option.Alias === 'string' ? option.Alias : undefined,
      name: [str(option.DisplayName), str(option.Name)].join(' '),
      path: str(option.UefiDevicePath),
      text: [option.DisplayName, option.UefiDevicePath, option.Name].filter((v) => typeof v === 'string').join(' '),
    });
  }
  const pxe = options.filter(isPxe);
  if (pxe.length === 0) return undefined;
  const mac = h.target.bootMac?.replace(/[:-]/g, '').toLowerCase();
  const ofMac = mac ? pxe.filter((o) => o.text.replace(/[:-]/g, '').toLowerCase().includes(mac)) : [];
  const pool = ofMac.length > 0 ? ofMac : pxe;
  const chosen = pool.find(isIpv4) ?? pool[0];
  const matchedMac = ofMac.length > 0;
  const skippedHttp = options.filter(isHttpBoot).length;
  const details: Record<string, string | number | boolean | null> = { method: 'boot-order', bootOption: chosen.ref, matchedBootMac: matchedMac, httpBootOptionsSkipped: skippedHttp };

  const where = await bootResource(h, 'BootOrder');
  const order = Array.isArray(where.boot.BootOrder) ? where.boot.BootOrder : (h.data.Boot?.BootOrder ?? []);
  if (where.settings) Object.assign(details, { writtenTo: where.path, appliesAt: 'next-boot' });
  const label = `${chosen.ref} (${chosen.text || chosen.alias})`;
  if (order[0] === chosen.ref) return { changed: false, message: `PXE boot option ${label} is already first in the boot order (no change)`, details };
  const newOrder = [chosen.ref, ...order.filter((r) => r !== chosen.ref)];
  const written = await h.conn.patch(where.path, { Boot: { BootOrder: newOrder } }, where.etag);
  details.bootOrder = newOrder.join(',');
  if (written.pendingJob) {
    // iDRAC: 202 with a job that sets the order at the next reboot (profiles/dell.ts in the lab).
    return {
      changed: true,
      message: `PXE boot option ${label} set first in the boot order: pending until reboot (BMC job ${written.pendingJob.id}, ${written.pendingJob.state})`,
      details: { ...details, pending: 'job', job: written.pendingJob.id, appliesAt: 'next-boot' },
    };
  }
  // A service may answer 200 and keep the old order: read it back where it was written.
  const after = (await h.conn.get<ComputerSystem>(where.path, `the boot settings at ${where.path}`)).data.Boot?.BootOrder;
  if (!Array.isArray(after) || after[0] !== chosen.ref) {
    throw new DriverError('bmc', 'OperationFailed', `node ${h.target.node}: the BMC accepted the boot order with ${chosen.ref} first at ${where.path} but reads back ${Array.isArray(after) ? after.slice(0, 4).join(',') : 'no BootOrder'}; set PXE first in the firmware setup`, {
      target: h.target.node,
      details: { ...details, readBack: Array.isArray(after) ? after.slice(0, 4).join(',') : null },
    });
  }
  const when = where.settings ? `; ${nextBootNote(where)}` : '';
  return { changed: true, message: `PXE boot option ${label} moved to the front of the boot order${when}`, details };
}

async function checkBootMac(h: SystemHandle): Promise<string | undefined> {
  if (!h.target.bootMac) return undefined;
  const macs = await listMacs(h);
  if (macs.length === 0 || macs.includes(h.target.bootMac.toLowerCase())) return undefined;
  return `warning: the design's boot MAC ${h.target.bootMac} is not among the NICs this BMC reports (${macs.join(', ')})`;
}

function allows(allowed: string[] | undefined, value: string): boolean {
  return allowed === undefined || allowed.includes(value);
}

function withNote(outcome: ActionOutcome, note: string | undefined): ActionOutcome {
  return note ? { ...outcome, message: `${outcome.message}; ${note}`, details: { ...outcome.details, bootMacReported: false } } : outcome;
}
