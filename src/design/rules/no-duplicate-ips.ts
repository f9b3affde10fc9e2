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
    const seen = new Map<string, { node: string; network: string; line?: number; file?: string }>();
    for (const node of ctx.design.nodes) {
      node.model.addressing.forEach((a, i) => {
        if (a.address === 'dhcp') return;
        const key = canonicalIp(a.address);
        if (key === undefined) return; // ip-locality reports it
        const first = seen.get(key);
        if (!first) {
          const src = node.origin(['addressing', i]).source;
          seen.set(key, { node: node.model.name, network: a.network, line: src?.line, file: src?.file });
          return;
        }
        const where = first.node === node.model.name ? `already on network ${first.network} of the same node` : `already assigned to node ${first.node} (network ${first.network}${first.file ? `, ${first.file}:${first.line ?? 0}` : ''})`;
        out.push(nodeFinding('no-duplicate-ips', node, ['addressing', i, 'address'], `address ${a.address} on network ${a.network} is ${where}; give each node unique addresses`));
      });
    }
    return out;
  },
};
