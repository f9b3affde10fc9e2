import type { Router } from './router';

/**
 * `GET /MAAS/api/2.0/describe/`: the handler/URI/operations document MAAS serves without
 * authentication (src/maasserver/api/doc_handler.py, describe() and describe_handler()), which
 * python-libmaas's `connect()` and `maas login` start from. It is generated from the emulator's
 * own route table, so it lists what the emulator serves and nothing else.
 *
 * MAAS names each handler after its Python class; the emulator's paths map onto them here
 * (src/maasserver/api/urls.py). Two paths of one handler (MAAS's `partition[s]?` and
 * `volume-group[s]?` patterns) are one handler whose URI is the first.
 */
export const HANDLER_NAMES: Record<string, string> = {
  'version/': 'VersionHandler',
  'users/': 'UsersHandler',
  'account/': 'AccountHandler',
  'maas/': 'MaasHandler',
  'rackcontrollers/': 'RackControllersHandler',
  'tags/': 'TagsHandler',
  'tags/{name}/': 'TagHandler',
  'account/prefs/sshkeys/': 'SSHKeysHandler',
  'account/prefs/sshkeys/{id}/': 'SSHKeyHandler',
  'package-repositories/': 'PackageRepositoriesHandler',
  'package-repositories/{id}/': 'PackageRepositoryHandler',
  'boot-sources/': 'BootSourcesHandler',
  'boot-sources/{id}/': 'BootSourceHandler',
  'boot-sources/{boot_source_id}/selections/': 'BootSourceSelectionsHandler',
  'boot-sources/{boot_source_id}/selections/{id}/': 'BootSourceSelectionHandler',
  'boot-resources/': 'BootResourcesHandler',
  'boot-resources/{id}/': 'BootResourceHandler',
  'domains/': 'DomainsHandler',
  'domains/{id}/': 'DomainHandler',
  'fabrics/': 'FabricsHandler',
  'fabrics/{id}/': 'FabricHandler',
  'fabrics/{fabric_id}/vlans/': 'VlansHandler',
  'fabrics/{fabric_id}/vlans/{vid}/': 'VlanHandler',
  'vlans/{id}/': 'VlanHandler',
  'subnets/': 'SubnetsHandler',
  'subnets/{id}/': 'SubnetHandler',
  'ipranges/': 'IPRangesHandler',
  'ipranges/{id}/': 'IPRangeHandler',
  'static-routes/': 'StaticRoutesHandler',
  'static-routes/{id}/': 'StaticRouteHandler',
  'zones/': 'ZonesHandler',
  'zones/{name}/': 'ZoneHandler',
  'resourcepools/': 'ResourcePoolsHandler',
  'resourcepool/{id}/': 'ResourcePoolHandler',
  'spaces/': 'SpacesHandler',
  'spaces/{id}/': 'SpaceHandler',
  'machines/': 'MachinesHandler',
  'machines/{system_id}/': 'MachineHandler',
  'nodes/{system_id}/': 'NodeHandler',
  'nodes/{system_id}/interfaces/': 'InterfacesHandler',
  'nodes/{system_id}/interfaces/{id}/': 'InterfaceHandler',
  'nodes/{system_id}/blockdevices/': 'BlockDevicesHandler',
  'nodes/{system_id}/blockdevices/{id}/': 'BlockDeviceHandler',
  'nodes/{system_id}/blockdevices/{device_id}/partitions/': 'PartitionsHandler',
  'nodes/{system_id}/blockdevices/{device_id}/partition/{id}': 'PartitionHandler',
  'nodes/{system_id}/blockdevices/{device_id}/partitions/{id}': 'PartitionHandler',
  'nodes/{system_id}/volume-groups/': 'VolumeGroupsHandler',
  'nodes/{system_id}/volume-group/{id}/': 'VolumeGroupHandler',
  'nodes/{system_id}/volume-groups/{id}/': 'VolumeGroupHandler',
};

/** Handlers MAAS serves without authentication (their describe entry is under `anon`). */
const ANONYMOUS = new Set(['VersionHandler']);

/** doc_handler.py: a REST verb's action is named read/create/update/delete, an op by the op. */
const RESTFUL_NAMES: Record<string, string> = { GET: 'read', POST: 'create', PUT: 'update', DELETE: 'delete' };

export interface DescribedAction {
  name: string;
  method: string;
  op: string | null;
  restful: boolean;
  doc: string;
}

export interface DescribedHandler {
  name: string;
  doc: string;
  params: string[];
  path: string;
  uri: string;
  actions: DescribedAction[];
}

/** The handlers the router serves, by MAAS handler name, with their URI template and actions. */
export function describedHandlers(router: Router): Array<{ name: string; uri: string; actions: DescribedAction[] }> {
  const byName = new Map<string, { name: string; uri: string; actions: DescribedAction[] }>();
  for (const route of router.list()) {
    const name = HANDLER_NAMES[route.path];
    if (!name) throw new Error(`the emulator route ${route.path} has no MAAS handler name in describe.ts`);
    let handler = byName.get(name);
    if (!handler) byName.set(name, (handler = { name, uri: route.path, actions: [] }));
    if (handler.actions.some((a) => a.method === route.method && a.op === route.op)) continue;
    handler.actions.push({
      name: route.op ?? RESTFUL_NAMES[route.method],
      method: route.method,
      op: route.op,
      restful: route.op === null,
      doc: `${route.method} ${route.path}${route.op ? `?op=${route.op}` : ''} (MAAS emulator)`,
    });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The describe document: `handlers` and `resources` (each with `anon` and `auth`), as MAAS. */
export function describeDocument(router: Router, origin: string, prefix: string): unknown {
  const handlers: DescribedHandler[] = describedHandlers(router).map((h) => ({
    name: h.name,
    doc: `${h.name} of the drydock-temporal MAAS emulator`,
    params: [...h.uri.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]),
    path: `${prefix}${h.uri}`,
    uri: `${origin}${prefix}${h.uri}`,
    actions: h.actions,
  }));
  const resources = handlers.map((h) => (ANONYMOUS.has(h.name) ? { name: h.name, anon: h, auth: null } : { name: h.name, anon: null, auth: h }));
  return { doc: 'MAAS API', hash: String(handlers.length), handlers, resources };
}
