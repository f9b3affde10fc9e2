import type { Finding } from '../findings';
import { docFinding, Rule } from './context';

/** Drydock's NetworkTrunkingRational: an untrunked link carries one untagged network, its default_network. */
export const networkTrunking: Rule = {
  code: 'network-trunking',
  run(ctx) {
    const out: Finding[] = [];
    for (const { model, doc } of ctx.design.links.values()) {
      if (model.trunking.mode !== 'disabled') continue;
      if (model.allowedNetworks.length > 1) out.push(docFinding('network-trunking', doc, ['allowed_networks'], `link ${model.name} allows ${model.allowedNetworks.length} networks but trunking is disabled; allow one network or set trunking.mode: 802.1q`));
      const native = model.trunking.defaultNetwork;
      if (native === undefined) {
        out.push(docFinding('network-trunking', doc, ['trunking'], `link ${model.name} has trunking disabled, so it needs trunking.default_network (the untagged network it carries)`));
        continue;
      }
      const net = ctx.design.networks.get(native);
      if (net?.model.vlan !== undefined) out.push(docFinding('network-trunking', doc, ['trunking', 'default_network'], `network ${native} (VLAN ${net.model.vlan}) is tagged, but link ${model.name} is not trunked; untrunked links carry only an untagged network`));
    }
    return out;
  },
};
