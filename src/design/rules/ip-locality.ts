import type { Finding } from '../findings';
import { Cidr, cidrContains, parseCidr, parseIp } from '../ip';
import { designFinding, docFinding, nodeFinding, Rule } from './context';

/**
 * Drydock's IpLocalityCheck: static addresses sit on a defined network and inside its CIDR, and
 * route gateways are on their network. Networks are looked up in a map (one pass per node).
 */
export const ipLocality: Rule = {
  code: 'ip-locality',
  run(ctx) {
    const out: Finding[] = [];
    if (ctx.design.networks.size === 0) out.push(designFinding('ip-locality', 'no Network documents: addresses and routes cannot be checked (a site design is likely incomplete without networks)', 'warning'));
    const cidrs = new Map<string, Cidr>();
    for (const [name, { model, doc }] of ctx.design.networks) {
      const cidr = parseCidr(model.cidr);
      if (!cidr) continue; // cidr-validity reports it
      cidrs.set(name, cidr);
      (doc.data.routes ?? []).forEach((r, i) => {
        if (r.subnet === undefined && r.routedomain === undefined) out.push(docFinding('ip-locality', doc, ['routes', i], `route ${i + 1} of network ${name} has neither a subnet nor a routedomain`));
        if (r.subnet !== undefined && !parseCidr(r.subnet)) out.push(docFinding('ip-locality', doc, ['routes', i, 'subnet'], `route subnet "${r.subnet}" is not a CIDR (e.g. 0.0.0.0/0)`));
        if (r.gateway === undefined) {
          out.push(docFinding('ip-locality', doc, ['routes', i], `no gateway for route ${i + 1} of network ${name}; define a gateway on the network`));
          return;
        }
        const gw = parseIp(r.gateway);
        if (gw && !cidrContains(cidr, gw)) out.push(docFinding('ip-locality', doc, ['routes', i, 'gateway'], `the gateway ${r.gateway} is not within the CIDR ${model.cidr} of network ${name}: route gateways must be on the local network`));
      });
    }
    for (const node of ctx.design.nodes) {
      node.model.addressing.forEach((a, i) => {
        if (a.address === 'dhcp') return;
        const field = ['addressing', i, 'address'];
        const ip = parseIp(a.address);
        if (!ip) {
          out.push(nodeFinding('ip-locality', node, field, `"${a.address}" is not an IP address (or dhcp)`));
          return;
        }
        const cidr = cidrs.get(a.network);
        if (!cidr) {
          if (!ctx.design.networks.has(a.network) && !ctx.design.rejected.has(`Network/${a.network}`)) {
            out.push(nodeFinding('ip-locality', node, ['addressing', i, 'network'], `node ${node.model.name} has address ${a.address} on network ${a.network}, which is not defined`));
          }
          return;
        }
        if (!cidrContains(cidr, ip)) out.push(nodeFinding('ip-locality', node, field, `the address ${a.address} of node ${node.model.name} is not within the CIDR ${ctx.design.networks.get(a.network)?.model.cidr ?? ''} of network ${a.network}`));
      });
    }
    return out;
  },
};
