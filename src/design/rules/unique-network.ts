import type { Finding } from '../findings';
import { docFinding, nodeFinding, Rule } from './context';

/**
 * Drydock's UniqueNetworkCheck: a network is allowed on at most one link, and an interface carries
 * only networks its link allows. Links that are not defined are reported by undefined-reference.
 */
export const uniqueNetwork: Rule = {
  code: 'unique-network',
  run(ctx) {
    const out: Finding[] = [];
    const owner = new Map<string, string>();
    for (const { model, doc } of ctx.design.links.values()) {
      model.allowedNetworks.forEach((net, i) => {
        const first = owner.get(net);
        if (first === undefined) owner.set(net, model.name);
        else if (first !== model.name) out.push(docFinding('unique-network', doc, ['allowed_networks', i], `network ${net} is allowed on link ${first} and on link ${model.name}; a network may cross only one link`));
      });
    }
    for (const node of ctx.nodes) {
      for (const iface of node.model.interfaces) {
        if (iface.deviceLink === undefined) {
          if (iface.networks.length > 0) out.push(nodeFinding('unique-network', node, ['interfaces', iface.name], `interface ${iface.name} of node ${node.model.name} carries networks but has no device_link`));
          continue;
        }
        const link = ctx.design.links.get(iface.deviceLink);
        if (!link) continue;
        const allowed = new Set(link.model.allowedNetworks);
        for (const net of iface.networks) {
          if (!allowed.has(net)) out.push(nodeFinding('unique-network', node, ['interfaces', iface.name, 'networks', { name: net }], `interface ${iface.name} of node ${node.model.name} carries network ${net}, which its link ${link.model.name} does not allow (allowed: ${link.model.allowedNetworks.join(', ') || 'none'})`));
        }
      }
    }
    return out;
  },
};
