import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';
import { DriverError } from '../errors';
import type { BmcLocks } from './bmc-lock';
import type { BootDevice, BootSettings, OobDriver, OobInterrogation, OobTarget } from './interface';
import { waitForPower, PowerReading } from './power-wait';
import { RedfishConnection, RedfishResource, redfishSettings, RedfishSettings } from './redfish-client';
import { resumeStep } from './resume';

/**
 * Redfish (DMTF) out-of-band driver. One connection per action: service root, authentication
 * (session or basic), the node's ComputerSystem, then the action; the session is deleted at the
 * end whatever happens. See docs/oob-drivers.md for the parameters and the error mapping.
 */
interface BootProperty {
  BootSourceOverrideTarget?: string | null;
  'BootSourceOverrideTarget@Redfish.AllowableValues'?: string[];
  BootSourceOverrideEnabled?: string | null;
  'BootSourceOverrideEnabled@Redfish.AllowableValues'?: string[];
  BootSourceOverrideMode?: string | null;
  'BootSourceOverrideMode@Redfish.AllowableValues'?: string[];
  BootOrder?: string[];
  BootOptions?: { '@odata.id'?: string };
}

interface ComputerSystem extends RedfishResource {
  Id?: string;
  Name?: string;
  UUID?: string | null;
  Manufacturer?: string | null;
  Model?: string | null;
  SerialNumber?: string | null;
  BiosVersion?: string | null;
  PowerState?: string | null;
  Boot?: BootProperty;
  Actions?: { '#ComputerSystem.Reset'?: { target?: string; 'ResetType@Redfish.AllowableValues'?: string[]; '@Redfish.ActionInfo'?: string } };
  EthernetInterfaces?: { '@odata.id'?: string };
}

interface SystemHandle {
  conn: RedfishConnection;
  settings: RedfishSettings;
  target: OobTarget;
  ctx: ActionContext;
  path: string;
  data: ComputerSystem;
  etag?: string;
}

const ON_TYPES = ['On', 'ForceOn'];
const OFF_TYPES = ['ForceOff', 'GracefulShutdown'];
const RESTART_TYPES = ['ForceRestart', 'GracefulRestart', 'PowerCycle'];
const REDFISH_TARGET: Record<BootDevice, string> = { pxe: 'Pxe', disk: 'Hdd', cdrom: 'Cd' };
const DEVICE_OF: Record<string, BootDevice | 'none'> = { Pxe: 'pxe', Hdd: 'disk', Cd: 'cdrom', None: 'none' };

export class RedfishDriver implements OobDriver {
  readonly type = 'redfish';

  constructor(private readonly deps: { locks: BmcLocks }) {}

  async validateOobServices(target: OobTarget, ctx: ActionContext): Promise<ServiceCheck> {
    return this.withSystem(target, ctx, async (h) => {
      const version = typeof h.conn.root.RedfishVersion === 'string' ? h.conn.root.RedfishVersion : 'unknown version';
      const auth = h.conn.authMode === 'none' ? 'no authentication' : h.conn.authMode === 'session' ? 'session authentication' : 'basic authentication';
      return {
        ok: true,
        message: `Redfish ${version} at ${h.settings.baseUrl}: System "${h.data.Name ?? h.data.Id}" (${h.path}) found with ${auth}`,
        details: { baseUrl: h.settings.baseUrl, systemPath: h.path, systemId: h.data.Id ?? null, redfishVersion: version, authMode: h.conn.authMode },
      };
    });
  }

  async configNodePxe(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.withSystem(target, ctx, async (h): Promise<ActionOutcome> => {
      const macNote = await this.checkBootMac(h);
      const boot = h.data.Boot;
      if (Array.isArray(boot?.BootOrder) && boot.BootOptions?.['@odata.id']) {
        const viaOrder = await this.pxeFirstInBootOrder(h, boot.BootOrder, boot.BootOptions['@odata.id']);
        if (viaOrder) return withNote(viaOrder, macNote);
      }
      if (!allows(boot?.['BootSourceOverrideTarget@Redfish.AllowableValues'], 'Pxe') || !boot) {
        throw new DriverError('bmc', 'Unsupported', `node ${target.node}: the System at ${h.path} offers neither a BootOrder with a PXE boot option nor Pxe as a boot source override; set PXE boot in the firmware setup`, {
          target: target.node,
          details: { allowedTargets: (boot?.['BootSourceOverrideTarget@Redfish.AllowableValues'] ?? []).join(',') },
        });
      }
      const outcome = await this.applyBoot(h, { target: 'Pxe', enabled: 'Continuous' });
      return withNote(
        {
          ...outcome,
          message: `${outcome.changed ? 'PXE set' : 'PXE already set'} as the persistent boot source (BootSourceOverrideTarget Pxe, Continuous); this System exposes no BootOrder, so the firmware picks the PXE NIC${outcome.message ? `; ${outcome.message}` : ''}`,
          details: { ...outcome.details, method: 'boot-source-override' },
        },
        macNote,
      );
    });
  }

  async setNodeBoot(target: OobTarget, boot: BootSettings, ctx: ActionContext): Promise<ActionOutcome> {
    return this.withSystem(target, ctx, async (h): Promise<ActionOutcome> => {
      const outcome = await this.applyBoot(h, {
        target: REDFISH_TARGET[boot.device],
        enabled: boot.persistent ? 'Continuous' : 'Once',
        mode: boot.mode === 'uefi' ? 'UEFI' : 'Legacy',
      });
      const what = `boot ${boot.device} ${boot.persistent ? 'persistently' : 'once'} (${boot.mode})`;
      return { ...outcome, message: `${outcome.changed ? what : `${what} (no change: already set)`}${outcome.message ? `; ${outcome.message}` : ''}` };
    });
  }

  async powerOnNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.withSystem(target, ctx, async (h): Promise<ActionOutcome> => {
      const reading = powerOf(h.data);
      if (reading.power === 'on') return { changed: false, message: 'power on (no change: already on)', details: { powerState: reading.raw } };
      const progress = { action: 'powerOnNode' };
      let resetType: string | null = null;
      if (reading.raw !== 'PoweringOn') {
        resetType = await this.pickResetType(h, ON_TYPES, 'power on');
        await this.reset(h, resetType);
        ctx.heartbeat({ ...progress, step: 'on-requested', resetType });
      }
      const waited = await this.waitFor(h, 'on', progress);
      return { changed: true, message: `powered on (${resetType ?? 'already powering on'}; on after ${seconds(waited.waitedMs)} s)`, details: { resetType, waitedMs: waited.waitedMs } };
    });
  }

  async powerOffNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.withSystem(target, ctx, async (h): Promise<ActionOutcome> => {
      const reading = powerOf(h.data);
      if (reading.power === 'off') return { changed: false, message: 'power off (no change: already off)', details: { powerState: reading.raw } };
      const progress = { action: 'powerOffNode' };
      let resetType: string | null = null;
      if (reading.raw !== 'PoweringOff') {
        resetType = await this.pickResetType(h, OFF_TYPES, 'power off');
        await this.reset(h, resetType);
        ctx.heartbeat({ ...progress, step: 'off-requested', resetType });
      }
      const waited = await this.waitFor(h, 'off', progress);
      return { changed: true, message: `powered off (${resetType ?? 'already powering off'}; off after ${seconds(waited.waitedMs)} s)`, details: { resetType, waitedMs: waited.waitedMs } };
    });
  }

  /**
   * Off, wait, on, wait (power_cycle: off-on, the default), resumable from the heartbeat of a
   * previous attempt: a retry after Off was sent never sends a second cycle. A node that is off
   * is simply powered on. power_cycle: reset sends one restart ResetType instead.
   */
  async powerCycleNode(target: OobTarget, ctx: ActionContext): Promise<ActionOutcome> {
    return this.withSystem(target, ctx, async (h): Promise<ActionOutcome> => {
      const progress = { action: 'powerCycleNode' };
      const resumed = resumeStep(ctx.resumeFrom, 'powerCycleNode');
      let step = resumed ?? 'start';
      let reading = powerOf(h.data);
      const sent: string[] = [];
      let offWaitMs = 0;

      if (step === 'start' && reading.power === 'off') {
        const onType = await this.pickResetType(h, ON_TYPES, 'power on');
        await this.reset(h, onType);
        ctx.heartbeat({ ...progress, step: 'on-requested', resetType: onType });
        const waited = await this.waitFor(h, 'on', { ...progress, step: 'on-requested' });
        return { changed: true, message: `power cycle: the node was off, so it was powered on (${onType}; on after ${seconds(waited.waitedMs)} s)`, details: { wasOff: true, sent: onType } };
      }

      if (step === 'start' && h.settings.powerCycle === 'reset') {
        const restart = await this.pickResetType(h, RESTART_TYPES, 'power cycle');
        await this.reset(h, restart);
        ctx.heartbeat({ ...progress, step: 'reset-requested', resetType: restart });
        const waited = await this.waitFor(h, 'on', { ...progress, step: 'reset-requested' });
        return { changed: true, message: `power cycled (${restart}; on after ${seconds(waited.waitedMs)} s)`, details: { sent: restart, waitedMs: waited.waitedMs } };
      }

      if (step === 'start' || step === 'off-requested') {
        if (reading.power !== 'off') {
          const offType = await this.pickResetType(h, OFF_TYPES, 'power off');
          // Resumed after Off was sent and the System still reads On: the Off may still be
          // landing or may have been lost; a second ForceOff is harmless either way.
          await this.reset(h, offType);
          sent.push(offType);
          ctx.heartbeat({ ...progress, step: 'off-requested', resetType: offType });
          offWaitMs = (await this.waitFor(h, 'off', { ...progress, step: 'off-requested' })).waitedMs;
        }
        step = 'off-reached';
        ctx.heartbeat({ ...progress, step });
        reading = { power: 'off', raw: 'Off' };
      } else {
        reading = await this.readPower(h);
      }

      // off-reached, on-requested, reset-requested: only On remains to be ensured.
      if (reading.power !== 'on') {
        const onType = await this.pickResetType(h, ON_TYPES, 'power on');
        await this.reset(h, onType);
        sent.push(onType);
        ctx.heartbeat({ ...progress, step: 'on-requested', resetType: onType });
      }
      const onWait = await this.waitFor(h, 'on', { ...progress, step: 'on-requested' });
      const resumedNote = resumed ? ` (resumed after ${resumed}: no second cycle)` : '';
      return {
        changed: true,
        message: `power cycled: ${sent.length ? sent.join(' then ') : 'nothing left to send'}${resumedNote}; off after ${seconds(offWaitMs)} s, on after ${seconds(onWait.waitedMs)} s`,
        details: { sent: sent.join(',') || null, resumedFrom: resumed ?? null, offWaitMs, onWaitMs: onWait.waitedMs },
      };
    });
  }

  async interrogateOob(target: OobTarget, ctx: ActionContext): Promise<OobInterrogation> {
    return this.withSystem(target, ctx, async (h) => {
      const reading = powerOf(h.data);
      const boot = h.data.Boot;
      const macs = await this.listMacs(h);
      return {
        power: reading.power,
        boot: boot
          ? {
              device: boot.BootSourceOverrideTarget ? (DEVICE_OF[boot.BootSourceOverrideTarget] ?? 'other') : 'none',
              enabled: boot.BootSourceOverrideEnabled === 'Once' ? 'once' : boot.BootSourceOverrideEnabled === 'Continuous' ? 'continuous' : 'disabled',
              mode: boot.BootSourceOverrideMode === 'UEFI' ? 'uefi' : boot.BootSourceOverrideMode === 'Legacy' ? 'legacy' : undefined,
              raw: [boot.BootSourceOverrideTarget, boot.BootSourceOverrideEnabled, boot.BootSourceOverrideMode].filter(Boolean).join(' / '),
            }
          : undefined,
        identity: {
          manufacturer: h.data.Manufacturer ?? undefined,
          model: h.data.Model ?? undefined,
          serial: h.data.SerialNumber ?? undefined,
          uuid: h.data.UUID ?? undefined,
          macs,
        },
        details: {
          systemId: h.data.Id ?? null,
          systemName: h.data.Name ?? null,
          systemPath: h.path,
          powerState: reading.raw,
          biosVersion: h.data.BiosVersion ?? null,
          redfishVersion: typeof h.conn.root.RedfishVersion === 'string' ? h.conn.root.RedfishVersion : null,
        },
      };
    });
  }

  // --- plumbing -------------------------------------------------------------------------

  private async withSystem<T>(target: OobTarget, ctx: ActionContext, fn: (h: SystemHandle) => Promise<T>): Promise<T> {
    const settings = redfishSettings(target);
    const conn = await RedfishConnection.open(target, settings, ctx, this.deps.locks);
    try {
      const found = await findSystem(conn, settings, target);
      return await fn({ conn, settings, target, ctx, ...found });
    } finally {
      await conn.close();
    }
  }

  private async readPower(h: SystemHandle): Promise<PowerReading> {
    const { data } = await h.conn.get<ComputerSystem>(h.path, `the System ${h.path}`);
    return powerOf(data);
  }

  private waitFor(h: SystemHandle, want: 'on' | 'off', progress: Record<string, unknown>): Promise<{ waitedMs: number }> {
    return waitForPower(() => this.readPower(h), want, {
      node: h.target.node,
      timeoutMs: h.settings.powerTimeoutMs,
      intervalMs: h.settings.pollIntervalMs,
      ctx: h.ctx,
      progress,
    });
  }

  /** The first of `preferred` the System allows; the System's ActionInfo is read when the
   * allowable values are not inline. A System that lists none allows the standard values. */
  private async pickResetType(h: SystemHandle, preferred: string[], what: string): Promise<string> {
    const action = h.data.Actions?.['#ComputerSystem.Reset'];
    if (!action?.target) {
      throw new DriverError('bmc', 'Unsupported', `node ${h.target.node}: the System at ${h.path} offers no ComputerSystem.Reset action, so drydock cannot ${what} through this BMC`, {
        target: h.target.node,
      });
    }
    let allowed = action['ResetType@Redfish.AllowableValues'];
    if (!allowed && action['@Redfish.ActionInfo']) {
      const info = await h.conn.get<{ Parameters?: Array<{ Name?: string; AllowableValues?: string[] }> }>(action['@Redfish.ActionInfo'], 'the Reset ActionInfo');
      allowed = info.data.Parameters?.find((p) => p.Name === 'ResetType')?.AllowableValues;
    }
    if (!allowed) return preferred[0];
    const choice = preferred.find((t) => allowed.includes(t));
    if (!choice) {
      throw new DriverError('bmc', 'Unsupported', `node ${h.target.node}: to ${what}, drydock needs one of the ResetTypes ${preferred.join(', ')}; the System at ${h.path} allows only ${allowed.join(', ')}`, {
        target: h.target.node,
        details: { allowed: allowed.join(',') },
      });
    }
    return choice;
  }

  private async reset(h: SystemHandle, resetType: string): Promise<void> {
    const targetPath = h.data.Actions?.['#ComputerSystem.Reset']?.target as string;
    h.ctx.log(`node ${h.target.node}: Redfish Reset ${resetType}`, { path: targetPath });
    await h.conn.post(targetPath, { ResetType: resetType });
  }

  /** Ensures the boot source override; verifies it by reading it back. */
  private async applyBoot(h: SystemHandle, want: { target: string; enabled: 'Once' | 'Continuous'; mode?: 'UEFI' | 'Legacy' }): Promise<ActionOutcome> {
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
  private async pxeFirstInBootOrder(h: SystemHandle, order: string[], optionsPath: string): Promise<ActionOutcome | undefined> {
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

  private async listMacs(h: SystemHandle): Promise<string[]> {
    const path = h.data.EthernetInterfaces?.['@odata.id'];
    if (!path) return [];
    const collection = await h.conn.get<{ Members?: Array<{ '@odata.id'?: string }> }>(path, 'the EthernetInterfaces collection');
    const macs: string[] = [];
    for (const member of collection.data.Members ?? []) {
      if (!member['@odata.id']) continue;
      const nic = (await h.conn.get(member['@odata.id'], 'an EthernetInterface')).data;
      const mac = [nic.MACAddress, nic.PermanentMACAddress].find((v): v is string => typeof v === 'string' && v !== '');
      if (mac) macs.push(mac.toLowerCase());
    }
    return macs;
  }

  private async checkBootMac(h: SystemHandle): Promise<string | undefined> {
    if (!h.target.bootMac) return undefined;
    const macs = await this.listMacs(h);
    if (macs.length === 0 || macs.includes(h.target.bootMac.toLowerCase())) return undefined;
    return `warning: the design's boot MAC ${h.target.bootMac} is not among the NICs this BMC reports (${macs.join(', ')})`;
  }
}

/** Finds the node's System: by system_id (Id, Name or UUID), or the only member. */
async function findSystem(conn: RedfishConnection, settings: RedfishSettings, target: OobTarget): Promise<{ path: string; data: ComputerSystem; etag?: string }> {
  const systemsLink = conn.root.Systems as { '@odata.id'?: string } | undefined;
  const collectionPath = systemsLink?.['@odata.id']?.replace(/\/$/, '') ?? '/redfish/v1/Systems';
  const wanted = settings.systemId;
  if (wanted) {
    // Many services take the Id in the path; sushy-tools also takes the Name and redirects.
    const direct = await conn.request('GET', `${collectionPath}/${encodeURIComponent(wanted)}`, { allow: [400, 404] });
    if (direct.status < 300 && direct.data && typeof direct.data === 'object') {
      const data = direct.data as ComputerSystem;
      const path = data['@odata.id'] ?? direct.config.url ?? wanted;
      return { path, data, etag: typeof direct.headers.etag === 'string' ? direct.headers.etag : undefined };
    }
  }
  const collection = await conn.get<{ Members?: Array<{ '@odata.id'?: string }> }>(collectionPath, 'the Systems collection');
  const paths = (collection.data.Members ?? []).map((m) => m['@odata.id']).filter((p): p is string => typeof p === 'string');
  if (paths.length === 0) {
    throw new DriverError('bmc', 'NotFound', `node ${target.node}: the Redfish service at ${settings.baseUrl} lists no Systems`, { target: target.node });
  }
  if (!wanted && paths.length === 1) {
    const only = await conn.get<ComputerSystem>(paths[0], `the System ${paths[0]}`);
    return { path: only.data['@odata.id'] ?? only.path, data: only.data, etag: only.etag };
  }
  const systems = await Promise.all(paths.map((p) => conn.get<ComputerSystem>(p, `the System ${p}`)));
  const describe = systems.map((s) => `${s.data.Name ?? '?'} (Id ${s.data.Id ?? '?'})`).join(', ');
  if (!wanted) {
    throw new DriverError('bmc', 'InvalidRequest', `node ${target.node}: the Redfish service at ${settings.baseUrl} has ${paths.length} Systems (${describe}); set oob param system_id to the Id or Name of this node's System`, {
      target: target.node,
      details: { systems: describe },
    });
  }
  const lower = wanted.toLowerCase();
  const matches = systems.filter((s) => s.data.Id === wanted || s.data.Name === wanted || (s.data.UUID ?? '').toLowerCase() === lower);
  if (matches.length === 1) return { path: matches[0].data['@odata.id'] ?? matches[0].path, data: matches[0].data, etag: matches[0].etag };
  if (matches.length > 1) {
    throw new DriverError('bmc', 'InvalidRequest', `node ${target.node}: system_id "${wanted}" matches ${matches.length} Systems at ${settings.baseUrl} (${describe}); use the System's Id`, { target: target.node });
  }
  throw new DriverError('bmc', 'NotFound', `node ${target.node}: the Redfish service at ${settings.baseUrl} has no System with Id, Name or UUID "${wanted}" (it has ${describe})`, {
    target: target.node,
    details: { systemId: wanted, systems: describe },
  });
}

function powerOf(system: ComputerSystem): PowerReading {
  const raw = system.PowerState ?? 'null';
  return { power: raw === 'On' ? 'on' : raw === 'Off' ? 'off' : 'unknown', raw };
}

function allows(allowed: string[] | undefined, value: string): boolean {
  return allowed === undefined || allowed.includes(value);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

function withNote(outcome: ActionOutcome, note: string | undefined): ActionOutcome {
  return note ? { ...outcome, message: `${outcome.message}; ${note}`, details: { ...outcome.details, bootMacReported: false } } : outcome;
}
