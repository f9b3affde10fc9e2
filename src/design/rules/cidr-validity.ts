import type { Finding } from '../findings';
import { networkOf, parseCidr } from '../ip';
import { docFinding, Rule } from './context';

/** Drydock's CidrValidity: MAAS rejects a subnet CIDR with host bits set. */
export const cidrValidity: Rule = {
  code: 'cidr-validity',
  run(ctx) {
    const out: Finding[] = [];
    for (const { model, doc } of ctx.design.networks.values()) {
      const cidr = parseCidr(model.cidr);
      if (!cidr) out.push(docFinding('cidr-validity', doc, ['cidr'], `"${model.cidr}" is not a CIDR; write the network address and prefix length, e.g. 172.16.1.0/24`));
      else if (cidr.hostBitsSet) out.push(docFinding('cidr-validity', doc, ['cidr'], `CIDR ${model.cidr} has host bits set; MAAS accepts ${networkOf(cidr)}`));
    }
    return out;
  },
};
