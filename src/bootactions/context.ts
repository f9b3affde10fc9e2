/**
 * The context a boot-action template renders over, as Drydock builds it
 * (objects/bootaction.py, `_get_template_context`): `node.hostname`, `node.domain` (the primary
 * network's DNS domain), `node.tags`, `node.labels` (owner_data), `node.network.<name>.ip` /
 * `.cidr` / `.dns_suffix` (and `node.network.default` for the primary network),
 * `node.interfaces.<name>.sriov` (`vf_count`, `trustedmode`), and `action.action_id`,
 * `action.action_key`, `action.report_url`, `action.design_ref`. `action.id` and `action.key`
 * are aliases of the first two. Plain data only: the template engine copies it anyway.
 *
 * Pure, and imports only design types: design validation (src/design) uses it.
 */
import type { NetworkModel, NodeModel } from '../design/model';

export interface ActionContextInput {
  /** The boot action's ULID on this node. */
  actionId: string;
  /** The boot action's key in hex (the cleartext only exists while rendering for the node). */
  actionKey: string;
  /** Where the node posts its reports: the API's `/api/v1.0/bootactions/` (id appended by the asset). */
  reportUrl: string;
  designRef: string;
}

export interface TemplateContext {
  node: {
    hostname: string;
    domain: string | null;
    tags: string[];
    labels: Record<string, string>;
    network: Record<string, { ip: string; cidr: string; dns_suffix: string | null }>;
    interfaces: Record<string, { sriov: boolean; vf_count?: number; trustedmode?: boolean }>;
  };
  action: { action_id: string; action_key: string; id: string; key: string; report_url: string; design_ref: string };
  [key: string]: unknown;
}

export function templateContext(node: NodeModel, site: { networks: Record<string, NetworkModel> }, action: ActionContextInput): TemplateContext {
  const network: TemplateContext['node']['network'] = {};
  for (const a of node.addressing) {
    if (!a.address) continue;
    const net = site.networks[a.network];
    const entry = { ip: a.address, cidr: net?.cidr ?? '', dns_suffix: net?.dns.domain ?? null };
    network[a.network] = entry;
    if (a.network === node.primaryNetwork) network.default = entry;
  }
  const interfaces: TemplateContext['node']['interfaces'] = {};
  for (const i of node.interfaces) {
    interfaces[i.name] = i.sriov ? { sriov: true, vf_count: i.sriov.vfCount, trustedmode: i.sriov.trustMode } : { sriov: false };
  }
  const primary = node.primaryNetwork ? site.networks[node.primaryNetwork] : undefined;
  return {
    node: { hostname: node.name, domain: primary?.dns.domain ?? null, tags: [...node.tags], labels: { ...node.labels }, network, interfaces },
    action: { action_id: action.actionId, action_key: action.actionKey, id: action.actionId, key: action.actionKey, report_url: action.reportUrl, design_ref: action.designRef },
  };
}
