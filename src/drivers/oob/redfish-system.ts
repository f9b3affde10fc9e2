import type { ActionContext } from '../context';
import { DriverError } from '../errors';
import type { BmcLocks } from './bmc-lock';
import type { OobTarget } from './interface';
import type { PowerReading } from './power-wait';
import { RedfishConnection, RedfishResource, redfishSettings, RedfishSettings } from './redfish-client';

/*
 * What the Redfish power and boot modules share (after Ironic's redfish/utils.py): the
 * ComputerSystem as drydock reads it, finding the node's System, one connection per action.
 */
export interface BootProperty {
  BootSourceOverrideTarget?: string | null;
  'BootSourceOverrideTarget@Redfish.AllowableValues'?: string[];
  BootSourceOverrideEnabled?: string | null;
  'BootSourceOverrideEnabled@Redfish.AllowableValues'?: string[];
  BootSourceOverrideMode?: string | null;
  'BootSourceOverrideMode@Redfish.AllowableValues'?: string[];
  BootOrder?: string[];
  BootOptions?: { '@odata.id'?: string };
}

export interface ComputerSystem extends RedfishResource {
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

/** One action's view of the node's System: the connection, its settings, the System as read at the start. */
export interface SystemHandle {
  conn: RedfishConnection;
  settings: RedfishSettings;
  target: OobTarget;
  ctx: ActionContext;
  path: string;
  data: ComputerSystem;
  etag?: string;
}

/**
 * Runs `fn` on the node's System: opens the connection (service root, authentication, under the
 * BMC's lock), finds the System, and closes the connection (deleting the session) whatever happens.
 */
export async function withSystem<T>(target: OobTarget, ctx: ActionContext, locks: BmcLocks, fn: (h: SystemHandle) => Promise<T>): Promise<T> {
  const settings = redfishSettings(target);
  const conn = await RedfishConnection.open(target, settings, ctx, locks);
  try {
    const found = await findSystem(conn, settings, target);
    return await fn({ conn, settings, target, ctx, ...found });
  } finally {
    await conn.close();
  }
}

/** Finds the node's System: by system_id (Id, Name or UUID), or the only member. */
export async function findSystem(conn: RedfishConnection, settings: RedfishSettings, target: OobTarget): Promise<{ path: string; data: ComputerSystem; etag?: string }> {
  const systemsLink = conn.root.Systems as { '@odata.id'?: string } | undefined;
  const collectionPath = systemsLink?.['@odata.id']?.replace(/\/$/, '') ?? '/redfish/v1/Systems';
  const wanted = settings.systemId;
  if (wanted) {
    // Many services take the Id in the path; sushy-tools also takes the Name and redirects.
    const direct = await conn.request('GET', `${collectionPath}/${encodeURIComponent(wanted)}`, { allow: [400, 404] });
    if (direct.status < 300 && direct.data && typeof direct.data === 'object') {
      const data = direct.data as ComputerSystem;
      const path = data['@odata.id'] ?? direct.config.url ?? wanted;
      const bodyTag = data['@odata.etag'];
      return { path, data, etag: typeof direct.headers.etag === 'string' && direct.headers.etag ? direct.headers.etag : typeof bodyTag === 'string' ? bodyTag : undefined };
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

export function powerOf(system: ComputerSystem): PowerReading {
  const raw = system.PowerState ?? 'null';
  return { power: raw === 'On' ? 'on' : raw === 'Off' ? 'off' : 'unknown', raw };
}

/** The path of the System's settings object (`@Redfish.Settings.SettingsObject`), if it names one. */
export function settingsObjectOf(system: ComputerSystem): string | undefined {
  const settings = system['@Redfish.Settings'] as { SettingsObject?: { '@odata.id'?: unknown } } | undefined;
  const path = settings?.SettingsObject?.['@odata.id'];
  return typeof path === 'string' && path !== '' ? path : undefined;
}

/**
 * The MAC addresses of the System's EthernetInterfaces, lower case, without the host interface to
 * the BMC itself: DMTF's mockups and Lenovo XCC and Supermicro name it `ToManager` (a "Host
 * Interface", DSP0270), and it is no NIC of the node.
 */
export async function listMacs(h: SystemHandle): Promise<string[]> {
  const path = h.data.EthernetInterfaces?.['@odata.id'];
  if (!path) return [];
  const collection = await h.conn.get<{ Members?: Array<{ '@odata.id'?: string }> }>(path, 'the EthernetInterfaces collection');
  const macs: string[] = [];
  for (const member of collection.data.Members ?? []) {
    if (!member['@odata.id'] || /\/ToManager\/?$/.test(member['@odata.id'])) continue;
    const nic = (await h.conn.get(member['@odata.id'], 'an EthernetInterface')).data;
    if (nic.Id === 'ToManager') continue;
    const mac = [nic.MACAddress, nic.PermanentMACAddress].find((v): v is string => typeof v === 'string' && v !== '');
    if (mac) macs.push(mac.toLowerCase());
  }
  return macs;
}

/** Milliseconds as seconds with one decimal, for messages. */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
