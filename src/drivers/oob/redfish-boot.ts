import type { ActionOutcome } from '../context';
import { DriverError } from '../errors';
import type { BootDevice, BootSettings } from './interface';
import { type ComputerSystem, listMacs, type SystemHandle } from './redfish-system';

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
    const viaOrder = await pxeFirstInBootOrder(h, boot.BootOrder, boot.BootOptions['@odata.id']);
    if (viaOrder) return withNote(viaOrder, macNote);
  }
  if (!allows(boot?.['BootSourceOverrideTarget@Redfish.AllowableValues'], 'Pxe') || !boot) {
    throw new DriverError('bmc', 'Unsupported', `node ${h.target.node}: the System at ${h.path} offers neither a BootOrder with a PXE boot option nor Pxe as a boot source override; set PXE boot in the firmware setup`, {
      target: h.target.node,
      details: { allowedTargets: (boot?.['BootSourceOverrideTarget@Redfish.AllowableValues'] ?? []).join(',') },
    });
  }
  const outcome = await applyBoot(h, { target: 'Pxe', enabled: 'Continuous' });
  return withNote(
    {
      ...outcome,
      message: `${outcome.changed ? 'PXE set' : 'PXE already set'} as the persistent boot source (BootSourceOverrideTarget Pxe, Continuous); this System exposes no BootOrder, so the firmware picks the PXE NIC${outcome.message ? `; ${outcome.message}` : ''}`,
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

/** Ensures the boot source override; verifies it by reading it back. */
async function applyBoot(h: SystemHandle, want: { target: string; enabled: 'Once' | 'Continuous'; mode?: 'UEFI' | 'Legacy' }): Promise<ActionOutcome> {
  const boot = h.data.Boot;
  const node = h.target.node;
  if (!boot) throw new DriverError('bmc', 'Unsupported', `node ${node}: the System at ${h.path} has no Boot property; this BMC cannot set a boot device`, { target: node });
  const check = (property: string, value: string, allowed?: string[]): void => {
    if (allowed && !allowed.includes(value)) {
      throw new DriverError('bmc', 'Unsupported', `node ${node}: the System at ${h.path} does not allow ${property} ${value} (allowed: ${allowed.join(', ')})`, {
        target: node,
        details: { property, value, allowed: allowed.join(',') },
      });
    }
  };
  check('BootSourceOverrideTarget', want.target, boot['BootSourceOverrideTarget@Redfish.AllowableValues']);
  check('BootSourceOverrideEnabled', want.enabled, boot['BootSourceOverrideEnabled@Redfish.AllowableValues']);
  const notes: string[] = [];
  const modeSettable = boot.BootSourceOverrideMode !== undefined;
  if (want.mode && modeSettable) check('BootSourceOverrideMode', want.mode, boot['BootSourceOverrideMode@Redfish.AllowableValues']);
  if (want.mode && !modeSettable) notes.push(`this System has no BootSourceOverrideMode, so the ${want.mode} boot mode is left to the firmware`);
  const sendMode = want.mode && modeSettable ? want.mode : undefined;

  if (boot.BootSourceOverrideTarget === want.target && boot.BootSourceOverrideEnabled === want.enabled && (sendMode === undefined || boot.BootSourceOverrideMode === sendMode)) {
    return { changed: false, message: notes.join('; '), details: { target: want.target, enabled: want.enabled, mode: sendMode ?? null } };
  }
  await h.conn.patch(h.path, { Boot: { BootSourceOverrideTarget: want.target, BootSourceOverrideEnabled: want.enabled, ...(sendMode ? { BootSourceOverrideMode: sendMode } : {}) } }, h.etag);
  const after = (await h.conn.get<ComputerSystem>(h.path, `the System ${h.path}`)).data.Boot ?? {};
  if (after.BootSourceOverrideTarget !== want.target || (sendMode !== undefined && after.BootSourceOverrideMode !== sendMode)) {
    throw new DriverError('bmc', 'Unsupported', `node ${node}: the BMC accepted the boot override ${want.target}${sendMode ? ` (${sendMode})` : ''} but reads back ${after.BootSourceOverrideTarget ?? 'nothing'}${sendMode ? ` (${after.BootSourceOverrideMode ?? 'no mode'})` : ''}`, {
      target: node,
      details: { wanted: want.target, readBack: after.BootSourceOverrideTarget ?? null },
    });
  }
  if (after.BootSourceOverrideEnabled !== want.enabled) {
    notes.push(`the BMC reads BootSourceOverrideEnabled back as ${after.BootSourceOverrideEnabled ?? 'nothing'} after ${want.enabled} was set`);
  }
  return {
    changed: true,
    message: notes.join('; '),
    details: { target: want.target, enabled: want.enabled, mode: sendMode ?? null, enabledReadBack: after.BootSourceOverrideEnabled ?? null },
  };
}

/** Moves the PXE boot option (the one for the node's boot MAC when it can tell) to the front
 * of Boot.BootOrder. Returns undefined when no option looks like PXE. */
async function pxeFirstInBootOrder(h: SystemHandle, order: string[], optionsPath: string): Promise<ActionOutcome | undefined> {
  const collection = await h.conn.get<{ Members?: Array<{ '@odata.id'?: string }> }>(optionsPath, 'the BootOptions collection');
  const options: Array<{ ref: string; text: string; alias?: string }> = [];
  for (const member of collection.data.Members ?? []) {
    if (!member['@odata.id']) continue;
    const option = (await h.conn.get(member['@odata.id'], 'a BootOption')).data;
    const ref = typeof option.BootOptionReference === 'string' ? option.BootOptionReference : undefined;
    if (!ref) continue;
    options.push({ ref, alias: typeof option.Alias === 'string' ? option.Alias : undefined, text: [option.DisplayName, option.UefiDevicePath, option.Name].filter((v) => typeof v === 'string').join(' ') });
  }
  const pxe = options.filter((o) => o.alias === 'Pxe' || /pxe|network|ipv4|ipv6|\bnic\b|MAC\(/i.test(o.text));
  if (pxe.length === 0) return undefined;
  const mac = h.target.bootMac?.replace(/[:-]/g, '').toLowerCase();
  const chosen = (mac && pxe.find((o) => o.text.replace(/[:-]/g, '').toLowerCase().includes(mac))) || pxe[0];
  const matchedMac = Boolean(mac && chosen.text.replace(/[:-]/g, '').toLowerCase().includes(mac));
  const details = { method: 'boot-order', bootOption: chosen.ref, matchedBootMac: matchedMac };
  if (order[0] === chosen.ref) return { changed: false, message: `PXE boot option ${chosen.ref} is already first in the boot order (no change)`, details };
  const newOrder = [chosen.ref, ...order.filter((r) => r !== chosen.ref)];
  await h.conn.patch(h.path, { Boot: { BootOrder: newOrder } }, h.etag);
  return { changed: true, message: `PXE boot option ${chosen.ref} (${chosen.text || chosen.alias}) moved to the front of the boot order`, details: { ...details, bootOrder: newOrder.join(',') } };
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
