import type { CompiledNode } from '../compile';
import type { Finding } from '../findings';
import type { Path } from '../paths';
import { suggest } from '../schema-fields';
import { docFinding, nodeFinding, Rule, RuleContext } from './context';

/**
 * References to documents that do not exist (Drydock checks none of these at validation time).
 * A reference to a document that exists but has schema errors is not reported again. Racks and
 * rack-local networks are warnings: Drydock's own valid sample designs place nodes in racks that
 * no Rack document defines. Static addresses on undefined networks are ip-locality's; host and
 * hardware profiles are checked while compiling (unknown-profile).
 */
export const undefinedReference: Rule = {
  code: 'undefined-reference',
  run(ctx) {
    const out: Finding[] = [];
    const { design } = ctx;
    const exists = (kind: 'Network' | 'NetworkLink' | 'Rack', name: string): boolean => {
      const map = kind === 'Network' ? design.networks : kind === 'NetworkLink' ? design.links : design.racks;
      return map.has(name) || design.rejected.has(`${kind}/${name}`);
    };
    const missing = (kind: 'Network' | 'NetworkLink' | 'Rack', name: string): string => {
      const names = [...(kind === 'Network' ? design.networks : kind === 'NetworkLink' ? design.links : design.racks).keys()];
      const close = suggest(name, names);
      return `${kind} ${name} is not defined${close ? ` (did you mean ${close}?)` : ''}`;
    };

    for (const { model, doc } of design.links.values()) {
      model.allowedNetworks.forEach((n, i) => {
        if (!exists('Network', n)) out.push(docFinding('undefined-reference', doc, ['allowed_networks', i], `link ${model.name} allows network ${n}: ${missing('Network', n)}`));
      });
      const dn = model.trunking.defaultNetwork;
      if (dn !== undefined && !exists('Network', dn)) out.push(docFinding('undefined-reference', doc, ['trunking', 'default_network'], `default_network of link ${model.name}: ${missing('Network', dn)}`));
    }
    for (const { model, doc } of design.racks.values()) {
      model.localNetworks.forEach((n, i) => {
        if (!exists('Network', n)) out.push(docFinding('undefined-reference', doc, ['local_networks', i], `local network of rack ${model.name}: ${missing('Network', n)}`, 'warning'));
      });
    }
    const nodeNames = new Set(design.nodes.map((n) => n.model.name));
    for (const { model, doc } of design.bootActions.values()) {
      model.nodeFilter?.filterSet.forEach((f, i) => {
        for (const n of f.nodeNames ?? []) if (!nodeNames.has(n) && !design.rejected.has(`BaremetalNode/${n}`)) out.push(docFinding('undefined-reference', doc, ['node_filter', 'filter_set', i, 'node_names'], `the node filter names node ${n}, which is not defined`, 'warning'));
        for (const r of f.rackNames ?? []) if (!exists('Rack', r)) out.push(docFinding('undefined-reference', doc, ['node_filter', 'filter_set', i, 'rack_names'], `the node filter names rack ${r}: ${missing('Rack', r)}`, 'warning'));
      });
    }
    for (const node of ctx.nodes) checkNode(ctx, node, exists, missing, out);
    return out;
  },
};

function checkNode(
  ctx: RuleContext,
  node: CompiledNode,
  exists: (kind: 'Network' | 'NetworkLink' | 'Rack', name: string) => boolean,
  missing: (kind: 'Network' | 'NetworkLink' | 'Rack', name: string) => string,
  out: Finding[],
): void {
  const m = node.model;
  const ref = (kind: 'Network' | 'NetworkLink' | 'Rack', name: string, field: Path, what: string, severity?: 'warning'): void => {
    if (!exists(kind, name)) out.push(nodeFinding('undefined-reference', node, field, `${what} of node ${m.name}: ${missing(kind, name)}`, severity));
  };
  for (const iface of m.interfaces) {
    if (iface.deviceLink !== undefined) ref('NetworkLink', iface.deviceLink, ['interfaces', iface.name, 'device_link'], `device_link of interface ${iface.name}`);
    for (const n of iface.networks) ref('Network', n, ['interfaces', iface.name, 'networks', { name: n }], `network of interface ${iface.name}`);
  }
  if (m.primaryNetwork !== undefined) ref('Network', m.primaryNetwork, ['primary_network'], 'primary_network');
  if (m.oob.network !== undefined) ref('Network', m.oob.network, ['oob', 'network'], 'oob.network');
  m.addressing.forEach((a, i) => {
    if (a.address === 'dhcp') ref('Network', a.network, ['addressing', i, 'network'], 'DHCP address');
  });
  if (m.rack !== undefined) ref('Rack', m.rack, ['metadata', 'rack'], 'rack', 'warning');
  const rack = m.rack !== undefined ? ctx.design.racks.get(m.rack)?.model : undefined;
  for (const iface of m.interfaces) {
    iface.switchPorts.forEach((p) => {
      const field: Path = ['interfaces', iface.name, 'switch_ports'];
      if (m.rack === undefined) out.push(nodeFinding('undefined-reference', node, field, `interface ${iface.name} of node ${m.name} names switch ${p.switch}, but the node has no metadata.rack whose tor_switches could hold it`));
      else if (rack && !Object.prototype.hasOwnProperty.call(rack.torSwitches, p.switch)) out.push(nodeFinding('undefined-reference', node, field, `interface ${iface.name} of node ${m.name} names switch ${p.switch}, which rack ${m.rack} does not list in tor_switches (it has: ${Object.keys(rack.torSwitches).join(', ') || 'none'})`));
    });
  }
}
