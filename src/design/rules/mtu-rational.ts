import type { Finding } from '../findings';
import { docFinding, Rule } from './context';

/**
 * Drydock's MtuRational: MTUs between 1280 and 65536, and a network's MTU not above its link's.
 * Drydock compares a network only with the link whose default_network it is; here every link that
 * carries the network (allowed_networks or default_network) counts.
 */
const MIN = 1280;
const MAX = 65536;

export const mtuRational: Rule = {
  code: 'mtu-rational',
  run(ctx) {
    const out: Finding[] = [];
    const carriers = new Map<string, Array<{ name: string; mtu: number }>>();
    for (const { model, doc } of ctx.design.links.values()) {
      if (model.mtu !== undefined && (model.mtu < MIN || model.mtu > MAX)) out.push(docFinding('mtu-rational', doc, ['mtu'], `MTU ${model.mtu} of link ${model.name} is outside ${MIN}-${MAX}; standard is 1500, jumbo frames 9000`));
      if (model.mtu === undefined) continue;
      const nets = new Set([...model.allowedNetworks, ...(model.trunking.defaultNetwork ? [model.trunking.defaultNetwork] : [])]);
      for (const n of nets) carriers.set(n, [...(carriers.get(n) ?? []), { name: model.name, mtu: model.mtu }]);
    }
    for (const { model, doc } of ctx.design.networks.values()) {
      if (model.mtu === undefined) continue;
      if (model.mtu < MIN || model.mtu > MAX) out.push(docFinding('mtu-rational', doc, ['mtu'], `MTU ${model.mtu} of network ${model.name} is outside ${MIN}-${MAX}; standard is 1500, jumbo frames 9000`));
      for (const link of carriers.get(model.name) ?? []) {
        if (model.mtu > link.mtu) out.push(docFinding('mtu-rational', doc, ['mtu'], `MTU ${model.mtu} of network ${model.name} is above the MTU ${link.mtu} of link ${link.name}, which carries it`));
      }
    }
    return out;
  },
};
