import type { Finding } from '../findings';
import { docFinding, nodeFinding, Rule } from './context';

/**
 * Drydock's RationalNetworkBond, without its typo (it compares the mode with 'balanced-rr', so
 * balance-rr links were never checked). Defaults as Drydock's ingester: mon_rate 100, up_delay
 * and down_delay 200. Also: an interface with several slaves needs a bonded link.
 */
export const networkBondRational: Rule = {
  code: 'network-bond-rational',
  run(ctx) {
    const out: Finding[] = [];
    for (const { model, doc } of ctx.design.links.values()) {
      const b = model.bonding;
      if (b.mode === 'disabled') {
        const set = (['hash', 'peer_rate', 'mon_rate', 'up_delay', 'down_delay'] as const).filter((k) => (doc.data.bonding ?? {})[k] !== undefined);
        for (const k of set) out.push(docFinding('network-bond-rational', doc, ['bonding', k], `bonding.${k} is set but link ${model.name} has bonding disabled; enable a bonding mode or remove the option`));
      } else if (b.mode === '802.3ad') {
        const mon = b.monRate ?? 100;
        const up = b.upDelay ?? 200;
        const down = b.downDelay ?? 200;
        if (up < mon) out.push(docFinding('network-bond-rational', doc, ['bonding', b.upDelay !== undefined ? 'up_delay' : 'mon_rate'], `up_delay ${up} of link ${model.name} is less than mon_rate ${mon}; it must be at least mon_rate`));
        if (down < mon) out.push(docFinding('network-bond-rational', doc, ['bonding', b.downDelay !== undefined ? 'down_delay' : 'mon_rate'], `down_delay ${down} of link ${model.name} is less than mon_rate ${mon}; it must be at least mon_rate`));
      } else if (b.mode === 'active-backup' || b.mode === 'balance-rr') {
        if (b.hash !== undefined) out.push(docFinding('network-bond-rational', doc, ['bonding', 'hash'], `bonding.hash is only for 802.3ad (LACP) bonds, not ${b.mode} (link ${model.name})`));
        if (b.peerRate !== undefined) out.push(docFinding('network-bond-rational', doc, ['bonding', 'peer_rate'], `bonding.peer_rate is only for 802.3ad (LACP) bonds, not ${b.mode} (link ${model.name})`));
      }
    }
    for (const node of ctx.nodes) {
      for (const iface of node.model.interfaces) {
        if (iface.slaves.length < 2 || iface.deviceLink === undefined) continue;
        const link = ctx.design.links.get(iface.deviceLink);
        if (link?.model.bonding.mode === 'disabled') {
          out.push(nodeFinding('network-bond-rational', node, ['interfaces', iface.name, 'slaves'], `interface ${iface.name} of node ${node.model.name} has ${iface.slaves.length} slaves but its link ${link.model.name} has bonding disabled; use one slave or a bonded link`));
        }
      }
    }
    return out;
  },
};
