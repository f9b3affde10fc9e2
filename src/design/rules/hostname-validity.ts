import type { Finding } from '../findings';
import { nodeFinding, Rule } from './context';

/**
 * Drydock's HostnameValidity: the FQDN (node name + DNS domain of the primary network, or
 * `local`) is at most 255 characters of labels of 1-63 letters, digits and hyphens. Also, as
 * RFC 1123 requires, no label starts or ends with a hyphen.
 */
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export const hostnameValidity: Rule = {
  code: 'hostname-validity',
  run(ctx) {
    const out: Finding[] = [];
    for (const node of ctx.nodes) {
      const primary = node.model.primaryNetwork !== undefined ? ctx.design.networks.get(node.model.primaryNetwork) : undefined;
      const domain = primary?.model.dns.domain ?? 'local';
      const fqdn = `${node.model.name}.${domain}`;
      if (fqdn.length > 255) out.push(nodeFinding('hostname-validity', node, [], `FQDN ${fqdn} is ${fqdn.length} characters; RFC 1035 allows at most 255`));
      fqdn.split('.').forEach((label, i) => {
        if (LABEL.test(label)) return;
        const inName = i < node.model.name.split('.').length;
        const why = label.length > 63 ? `is ${label.length} characters (at most 63)` : label.length === 0 ? 'is empty' : 'may only hold letters, digits and inner hyphens';
        const f = nodeFinding('hostname-validity', node, inName ? [] : ['primary_network'], `FQDN ${fqdn} of node ${node.model.name} is invalid: label "${label}" ${why}${inName ? '' : ` (DNS domain of network ${primary?.model.name ?? ''})`}`);
        if (inName) f.source = node.doc.positions.get('metadata.name') ?? f.source;
        else if (primary) f.source = primary.doc.positions.get(`${primary.doc.bodyKey}.dns.domain`) ?? f.source;
        out.push(f);
      });
    }
    return out;
  },
};
