import type { LoadedDocumentOf } from '../load';
import type {
  SimDriverConfig,
  BootActionModel,
  HardwareProfileModel,
  NetworkLinkModel,
  NetworkModel,
  NodeFilterSet,
  RackModel,
  RegionModel,
  RepositoryModel,
  SiteDrivers,
  TorSwitchModel,
} from '../model';
import type { NodeFilterSetData, RegionData } from '../schemas';

/** Models of the kinds that need no inheritance: the document, in the model's names. */

export function regionModel(doc: LoadedDocumentOf<'Region'>): RegionModel {
  const d = doc.data;
  const repos: Record<string, RepositoryModel> = {};
  let removeUnlisted = false;
  for (const [name, r] of Object.entries(d.repositories ?? {})) {
    if (name === 'remove_unlisted') {
      removeUnlisted = r === true;
      continue;
    }
    if (typeof r !== 'object' || r === null) continue;
    repos[name] = {
      name,
      repoType: r.repo_type,
      url: r.url,
      distributions: r.distributions ?? [],
      subrepos: r.subrepos ?? [],
      components: r.components ?? [],
      ...(r.gpgkey !== undefined ? { gpgkey: r.gpgkey } : {}),
      arches: r.arches ?? ['amd64'],
      options: r.options ?? {},
    };
  }
  return {
    name: doc.name,
    tagDefinitions: (d.tag_definitions ?? []).map((t) => ({ tag: t.tag, definitionType: t.definition_type, definition: t.definition })),
    authorizedKeys: (d.authorized_keys ?? []).map((k) => k.replace(/\s+$/, '')),
    repositories: { removeUnlisted, repos },
    drivers: siteDrivers(d.drivers),
    labels: stringLabels(d.labels),
    source: doc.source,
  };
}

function siteDrivers(d: RegionData['drivers']): SiteDrivers {
  const out: SiteDrivers = {};
  if (!d) return out;
  if (d.node) out.node = d.node.type === 'maas' ? { type: 'maas', apiUrl: d.node.api_url, apiKey: d.node.api_key, ...(d.node.ca_bundle ? { caBundle: d.node.ca_bundle } : {}) } : simConfig(d.node);
  if (d.network) out.network = d.network.type === 'linux-bridge' ? { type: 'linux-bridge' } : simConfig(d.network);
  if (d.kubernetes) {
    const k = d.kubernetes;
    out.kubernetes =
      k.type === 'kubernetes'
        ? { type: 'kubernetes', apiUrl: k.api_url, token: k.token, ...(k.ca_bundle ? { caBundle: k.ca_bundle } : {}), ...(k.insecure !== undefined ? { insecure: k.insecure } : {}) }
        : simConfig(k);
  }
  return out;
}

export function networkModel(doc: LoadedDocumentOf<'Network'>): NetworkModel {
  const d = doc.data;
  return {
    name: doc.name,
    cidr: d.cidr.trim(),
    ...(d.vlan !== undefined ? { vlan: Number(d.vlan) } : {}),
    ...(d.mtu !== undefined ? { mtu: d.mtu } : {}),
    ...(d.routedomain !== undefined ? { routedomain: d.routedomain } : {}),
    // Route-domain placeholders (no subnet) are expanded later, by expandRouteDomains.
    routes: (d.routes ?? [])
      .filter((r) => r.subnet !== undefined && r.gateway !== undefined)
      .map((r) => ({ subnet: r.subnet as string, gateway: r.gateway as string, metric: r.metric ?? DEFAULT_ROUTE_METRIC, ...(r.routedomain ? { routedomain: r.routedomain } : {}) })),
    ranges: (d.ranges ?? []).map((r) => ({ type: r.type, start: r.start, end: r.end })),
    dns: {
      ...(d.dns?.domain !== undefined ? { domain: d.dns.domain } : {}),
      servers: (d.dns?.servers ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    },
    ...(d.dhcp_relay?.self_ip && d.dhcp_relay.upstream_target ? { dhcpRelay: { selfIp: d.dhcp_relay.self_ip, upstreamTarget: d.dhcp_relay.upstream_target } } : {}),
    labels: stringLabels(d.labels),
    source: doc.source,
  };
}

/** MAAS's default metric for a static route (Drydock's MAAS driver uses it when none is given). */
export const DEFAULT_ROUTE_METRIC = 100;

export function networkLinkModel(doc: LoadedDocumentOf<'NetworkLink'>): NetworkLinkModel {
  const d = doc.data;
  const b = d.bonding ?? {};
  return {
    name: doc.name,
    bonding: {
      mode: b.mode ?? 'disabled',
      ...(b.hash !== undefined ? { hash: b.hash } : {}),
      ...(b.peer_rate !== undefined ? { peerRate: b.peer_rate } : {}),
      ...(b.mon_rate !== undefined ? { monRate: b.mon_rate } : {}),
      ...(b.up_delay !== undefined ? { upDelay: b.up_delay } : {}),
      ...(b.down_delay !== undefined ? { downDelay: b.down_delay } : {}),
    },
    ...(d.mtu !== undefined ? { mtu: d.mtu } : {}),
    ...(d.linkspeed !== undefined ? { linkspeed: d.linkspeed } : {}),
    trunking: { mode: d.trunking?.mode ?? 'disabled', ...(d.trunking?.default_network !== undefined ? { defaultNetwork: d.trunking.default_network } : {}) },
    allowedNetworks: d.allowed_networks ?? [],
    labels: stringLabels(d.labels),
    source: doc.source,
  };
}

export function rackModel(doc: LoadedDocumentOf<'Rack'>): RackModel {
  const d = doc.data;
  const torSwitches: Record<string, TorSwitchModel> = {};
  for (const [name, s] of Object.entries(d.tor_switches ?? {})) {
    torSwitches[name] = {
      name,
      ...(s.mgmt_ip !== undefined ? { mgmtIp: s.mgmt_ip } : {}),
      ...(s.sdn_api_uri !== undefined ? { sdnApiUri: s.sdn_api_uri } : {}),
      ...(s.ssh
        ? {
            ssh: {
              port: s.ssh.port ?? 22,
              user: s.ssh.user,
              key: s.ssh.key,
              ...(s.ssh.host_key_fingerprint !== undefined ? { hostKeyFingerprint: s.ssh.host_key_fingerprint } : {}),
              ...(s.ssh.known_hosts !== undefined ? { knownHosts: s.ssh.known_hosts } : {}),
              bridge: s.ssh.bridge ?? 'br0',
            },
          }
        : {}),
    };
  }
  return { name: doc.name, torSwitches, location: { ...(d.location ?? {}) }, localNetworks: d.local_networks ?? [], labels: stringLabels(d.labels), source: doc.source };
}

export function hardwareProfileModel(doc: LoadedDocumentOf<'HardwareProfile'>): HardwareProfileModel {
  const d = doc.data;
  const deviceAliases: HardwareProfileModel['deviceAliases'] = {};
  for (const [alias, a] of Object.entries(d.device_aliases ?? {})) {
    deviceAliases[alias] = { address: a.address, ...(a.dev_type !== undefined ? { devType: a.dev_type } : {}), ...(a.bus_type !== undefined ? { busType: a.bus_type } : {}) };
  }
  return {
    name: doc.name,
    ...(d.vendor !== undefined ? { vendor: d.vendor } : {}),
    ...(d.generation !== undefined ? { generation: d.generation } : {}),
    ...(d.hw_version !== undefined ? { hwVersion: d.hw_version } : {}),
    ...(d.bios_version !== undefined ? { biosVersion: d.bios_version } : {}),
    ...(d.boot_mode !== undefined ? { bootMode: d.boot_mode } : {}),
    ...(d.bootstrap_protocol !== undefined ? { bootstrapProtocol: d.bootstrap_protocol } : {}),
    ...(d.pxe_interface !== undefined ? { pxeInterface: d.pxe_interface } : {}),
    deviceAliases,
    cpuSets: { ...(d.cpu_sets ?? {}) },
    hugepages: Object.fromEntries(Object.entries(d.hugepages ?? {}).map(([k, h]) => [k, { size: h.size, count: h.count }])),
    source: doc.source,
  };
}

export function bootActionModel(doc: LoadedDocumentOf<'BootAction'>): BootActionModel {
  const d = doc.data;
  return {
    name: doc.name,
    signaling: d.signaling ?? true,
    assets: d.assets.map((a) => ({
      type: a.type,
      ...(a.path !== undefined ? { path: a.path } : {}),
      ...(a.location !== undefined ? { location: a.location } : {}),
      ...(a.data !== undefined ? { data: a.data } : {}),
      dataPipeline: a.data_pipeline ?? [],
      locationPipeline: a.location_pipeline ?? [],
      ...(a.permissions !== undefined ? { permissions: a.permissions } : {}),
    })),
    ...(d.node_filter ? { nodeFilter: nodeFilterSet(d.node_filter) } : {}),
    targetNodes: [],
    source: doc.source,
  };
}

export function nodeFilterSet(nf: NodeFilterSetData): NodeFilterSet {
  return {
    filterSetType: nf.filter_set_type,
    filterSet: nf.filter_set.map((f) => ({
      filterType: f.filter_type,
      ...(f.node_names ? { nodeNames: f.node_names } : {}),
      ...(f.node_tags ? { nodeTags: f.node_tags } : {}),
      ...(f.node_labels ? { nodeLabels: { ...f.node_labels } } : {}),
      ...(f.rack_names ? { rackNames: f.rack_names } : {}),
      ...(f.rack_labels ? { rackLabels: { ...f.rack_labels } } : {}),
    })),
  };
}

export function stringLabels(labels: Record<string, string | number | boolean | null> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) out[k] = v === null ? '' : String(v);
  return out;
}

function simConfig(d: { latency_ms?: number; action_latency_ms?: Record<string, number>; fail?: Array<{ node: string; action: string; times?: number; retryable?: boolean }> }): SimDriverConfig {
  return {
    type: 'sim',
    latencyMs: d.latency_ms ?? 0,
    ...(d.action_latency_ms ? { actionLatencyMs: { ...d.action_latency_ms } } : {}),
    ...(d.fail ? { fail: d.fail.map((f) => ({ ...f })) } : {}),
  };
}
