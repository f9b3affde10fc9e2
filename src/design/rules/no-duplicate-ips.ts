import type { Finding } from '../findings';
import { canonicalIp } from '../ip';
import { designFinding, nodeFinding, Rule } from './context';

/** Drydock's NoDuplicateIpsCheck: each static address is assigned once in the site (one map, one pass). */
export const noDuplicateIps: Rule = {
  code: 'no-duplicate-ips',
  run(ctx) {
    const out: Finding[] = [];
    if (ctx.design.nodes.length === 0) {
      out.push(designFinding('no-duplicate-ips', 'no BaremetalNode documents: the site design is unlikely to be complete', 'warning'));
      return out;
    }
    // The first holder's position is looked up only for a duplicate (a lookup per address cost
    // a sixth of validation at 10,000 nodes).
    const seen = new Map<string, { node: (typeof ctx.design.nodes)[number]; index: number; network: string }>();
    for (const node of ctx.design.nodes) {
      node.model.addressing.forEach((a, i) => {
        if (a.address === 'dhcp') return;
        const key = canonicalIp(a.address);
        if (key === undefined) return; // ip-locality reports it
        const first = seen.get(key);
        if (!first) {
          seen.set(key, { node, index: i, network: a.network });
          return;
        }
        const src = first.node.origin(['addressing', first.index]).source;
        const where = first.node.model.name === node.model.name ? `already on network ${first.network} of the same node` : `already assigned to node ${first.node.model.name} (network ${first.network}${src?.file ? `, ${src.file}:${src.line ?? 0}` : ''})`;
        out.push(nodeFinding('no-duplicate-ips', node, ['addressing', i, 'address'], `address ${a.address} on network ${a.network} is ${where}; give each node unique addresses`));
      });
    }
    return out;
  },
};
