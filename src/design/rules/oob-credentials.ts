import type { Finding } from '../findings';
import { nodeFinding, Rule } from './context';

/** BMCs that need a login have an account and a credential (Drydock's IpmiValidity checks this for IPMI only). */
const NEEDS_LOGIN = new Set(['ipmi', 'redfish']);

export const oobCredentials: Rule = {
  code: 'oob-credentials',
  run(ctx) {
    const out: Finding[] = [];
    for (const node of ctx.nodes) {
      const { oob, name } = node.model;
      if (!NEEDS_LOGIN.has(oob.type)) continue;
      if (!oob.account) out.push(nodeFinding('oob-credentials', node, ['oob'], `${oob.type} node ${name} has no oob.account (the BMC user name)`));
      if (!oob.credential) out.push(nodeFinding('oob-credentials', node, ['oob'], `${oob.type} node ${name} has no oob.credential; give a reference such as env:BMC_PASSWORD, file:/etc/drydock/bmc-password or secret:bmc-${name}`));
    }
    return out;
  },
};
